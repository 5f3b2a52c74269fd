package outbox

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/watchdog"
)

// lease is a Leadership the test sets by hand.
type lease struct {
	holds       atomic.Bool
	writableFor atomic.Int64
}

func (l *lease) Holds() bool                { return l.holds.Load() }
func (l *lease) WritableFor() time.Duration { return time.Duration(l.writableFor.Load()) }

// A dispatcher whose lease ran out while it waited to send makes no call
// and writes nothing: the claim is left as it is for the new leader.
func TestDeposedDispatcherSendsAndWritesNothing(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		send := newFakeSender(nil)
		l := &lease{}
		l.holds.Store(true)
		h := newHarness(t, s, send, Options{Instance: "old", Leadership: l})
		id := h.text("m", 10)
		ctx := context.Background()
		mine, err := s.ClaimOutbox(ctx, "old", 10, time.Minute)
		if err != nil || len(mine) != 1 {
			t.Fatalf("claim %+v %v", mine, err)
		}
		l.holds.Store(false) // paused past the lease
		h.d.handle(ctx, mine[0], time.Now())
		if o := h.waitOutcome(id); o.Result != ResultDeposed || o.RecordErr != nil {
			t.Fatalf("outcome %+v, want deposed", o)
		}
		if len(send.all()) != 0 {
			t.Fatal("a deposed dispatcher sent")
		}
		if m := h.row(id); m.State != models.OutboxSending || m.Claim != mine[0].Claim || m.AttemptedAt != nil {
			t.Fatalf("a deposed dispatcher wrote: %+v", m)
		}
		// The new leader takes the claim back at once: it was never attempted.
		if u, _, err := s.ReleaseNonLeaderClaims(ctx, "new"); err != nil || u != 1 {
			t.Fatalf("new leader released %d: %v", u, err)
		}
	})
}

// After an outage that kept every instance from writing, every heartbeat
// is old: a leader takes no one for dead, and resends no call that may
// have been made, until it has itself written for longer than a heartbeat
// may be missed.
// A leader that lost its lease and took it again starts a new run: what
// its earlier run had claimed and not attempted goes out at once, not when
// the claim's lease runs out; what it had attempted keeps its unknown
// outcome until then.
func TestRestartedDispatcherTakesBackItsUnattemptedClaims(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		send := newFakeSender(nil)
		l := &lease{}
		l.holds.Store(true)
		h := newHarness(t, s, send, Options{Instance: "me", Leadership: l})
		waiting := h.text("waiting", 10)
		attempted := h.text("attempted", 11)
		ctx := context.Background()
		mine, err := s.ClaimOutbox(ctx, "me", 10, time.Hour)
		if err != nil || len(mine) != 2 {
			t.Fatalf("claim %+v %v", mine, err)
		}
		for _, m := range mine {
			if m.ID == attempted {
				if err := s.MarkAttempting(ctx, m.ID, m.Claim); err != nil {
					t.Fatal(err)
				}
			}
		}
		h.start()
		if o := h.waitOutcome(waiting); o.Result != ResultSent {
			t.Fatalf("outcome %+v, want sent", o)
		}
		h.stop()
		if m := h.row(attempted); m.State != models.OutboxSending || m.AttemptedAt == nil {
			t.Fatalf("the message in doubt was given back: %+v", m)
		}
		if n := len(send.all()); n != 1 {
			t.Fatalf("%d calls, want 1", n)
		}
	})
}

func TestNoFalseDeathAfterAnOutage(t *testing.T) {
	clock := newTestClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(testStart)
		ctx := context.Background()
		send := newFakeSender(nil)
		l := &lease{}
		l.holds.Store(true)
		h := newHarness(t, s, send, Options{Instance: "new", Leadership: l, Liveness: 5 * time.Second})
		id := h.text("in flight at the outage", 10)
		if err := s.Heartbeat(ctx, "old", "h"); err != nil {
			t.Fatal(err)
		}
		held, err := s.ClaimOutbox(ctx, "old", 10, time.Hour)
		if err != nil || len(held) != 1 {
			t.Fatalf("claim %+v %v", held, err)
		}
		if err := s.MarkAttempting(ctx, held[0].ID, held[0].Claim); err != nil {
			t.Fatal(err)
		}
		clock.Advance(30 * time.Second) // the outage: nobody heartbeats

		l.writableFor.Store(int64(time.Second)) // back for a moment only
		h.d.releaseDead(ctx)
		if m := h.row(id); m.State != models.OutboxSending || m.Claim != held[0].Claim {
			t.Fatalf("in-doubt claim released right after the outage: %+v", m)
		}
		l.writableFor.Store(int64(6 * time.Second)) // the old one had time to beat
		h.d.releaseDead(ctx)
		if m := h.row(id); m.State != models.OutboxPending || m.Claim != "" {
			t.Fatalf("in-doubt claim of a dead instance kept: %+v", m)
		}
	})
}

// A dispatcher that waits forever on the database (its one connection
// held elsewhere) stops beating, and the watchdog names it; once the
// database is free again it beats again.
func TestStuckDispatcherIsNamedByTheWatchdog(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	watch := watchdog.New(2 * time.Minute)
	watch.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	send := newFakeSender(nil)
	h := newHarness(t, s, send, Options{Watch: watch.Part("dispatcher"), PollInterval: 10 * time.Millisecond})
	tx := s.DB.Begin() // the store's one connection, held
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	h.start()
	// Once it waits on the database, the dispatcher's last beat stays
	// where it was however far the clock moves.
	deadline := time.Now().Add(waitLimit)
	for {
		advance(3 * time.Minute)
		got := watch.Stalled()
		if len(got) == 1 && got[0].Part == "dispatcher" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stalled %v with the database held, want the dispatcher", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	tx.Rollback()
	deadline = time.Now().Add(waitLimit)
	for len(watch.Stalled()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("still stalled once the database is free: %v", watch.Stalled())
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.stop()
}
