package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A dead instance's claims come back at once when its heartbeat lapses:
// those never attempted as they were, those attempted as in doubt. A live
// instance's claims stay, and the dead one's late outcomes are refused.
func TestReleaseDeadClaims(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		for i, key := range []string{"a", "b", "c"} {
			if err := s.Tx(ctx, func(tx *gorm.DB) error {
				return models.Enqueue(tx, key, int64(100+i), models.OutSendMessage, models.Outgoing{Text: key})
			}); err != nil {
				t.Fatal(err)
			}
		}
		must(0, s.Heartbeat(ctx, "dead", "h1"))
		must(0, s.Heartbeat(ctx, "live", "h2"))
		dead := must(s.ClaimOutbox(ctx, "dead", 2, time.Hour)) // a, b
		live := must(s.ClaimOutbox(ctx, "live", 1, time.Hour)) // c
		must(0, s.MarkAttempting(ctx, dead[1].ID, dead[1].Claim))

		clock.Advance(4 * time.Second)
		must(0, s.Heartbeat(ctx, "live", "h2"))
		if u, d, err := s.ReleaseDeadClaims(ctx, "me", 5*time.Second, true); err != nil || u != 0 || d != 0 {
			t.Fatalf("released %d+%d within the heartbeat ttl (%v)", u, d, err)
		}
		clock.Advance(2 * time.Second)
		u, d, err := s.ReleaseDeadClaims(ctx, "me", 5*time.Second, true)
		if err != nil || u != 1 || d != 1 {
			t.Fatalf("released %d unattempted and %d in doubt (%v), want 1 and 1", u, d, err)
		}
		a, b := must(s.OutboxMessageByID(ctx, dead[0].ID)), must(s.OutboxMessageByID(ctx, dead[1].ID))
		if a.State != models.OutboxPending || a.Attempts != 0 || a.Claim != "" || b.State != models.OutboxPending || b.Attempts != 1 {
			t.Fatalf("released rows %+v %+v", a, b)
		}
		if c := must(s.OutboxMessageByID(ctx, live[0].ID)); c.State != models.OutboxSending || c.Claim != live[0].Claim {
			t.Fatalf("live instance's claim taken: %+v", c)
		}
		again := must(s.ClaimOutbox(ctx, "me", 10, time.Hour))
		if len(again) != 2 {
			t.Fatalf("reclaimed %d, want 2", len(again))
		}
		for _, write := range []func(m models.OutboxMessage) error{
			func(m models.OutboxMessage) error { return s.MarkSent(ctx, m.ID, m.Claim, 1) },
			func(m models.OutboxMessage) error {
				return s.RetryLater(ctx, m.ID, m.Claim, clock.Now(), errors.New("502"))
			},
			func(m models.OutboxMessage) error { return s.MarkFailed(ctx, m.ID, m.Claim, errors.New("400")) },
			func(m models.OutboxMessage) error { return s.MarkAttempting(ctx, m.ID, m.Claim) },
			func(m models.OutboxMessage) error { return s.MarkChatUnreachable(ctx, m, errors.New("403"), nil) },
		} {
			for _, m := range dead {
				if err := write(m); !errors.Is(err, models.ErrLostClaim) {
					t.Fatalf("stale write on %d: %v, want ErrLostClaim", m.ID, err)
				}
			}
		}
		for _, m := range again {
			if got := must(s.OutboxMessageByID(ctx, m.ID)); got.State != models.OutboxSending || got.Claim != m.Claim {
				t.Fatalf("stale writes changed %+v", got)
			}
		}
	})
}

// On SQLite a new process takes the lease at once: the file lock already
// proved the last holder dead.
func TestLeaseOnSQLiteTakenAtOnce(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	ctx := context.Background()
	a, ok, err := s.AcquireLease(ctx, "leader", "crashed", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	b, ok, err := s.AcquireLease(ctx, "leader", "restarted", time.Minute)
	if err != nil || !ok || b <= a {
		t.Fatalf("restart: token %d after %d, %v %v", b, a, ok, err)
	}
}

func TestLeaseFencing(t *testing.T) {
	clock := newClock()
	t.Run("postgres", func(t *testing.T) {
		s := storetest.Postgres(t, models.Options{Clock: clock.Now})
		ctx := context.Background()
		const ttl = 10 * time.Second
		tokA, ok, err := s.AcquireLease(ctx, "leader", "a", ttl)
		if err != nil || !ok {
			t.Fatalf("first acquire: %v %v", ok, err)
		}
		if _, ok, err := s.AcquireLease(ctx, "leader", "b", ttl); err != nil || ok {
			t.Fatalf("b acquired a held lease: %v %v", ok, err)
		}
		clock.Advance(8 * time.Second)
		must(0, s.RenewLease(ctx, "leader", "a", tokA, ttl))
		clock.Advance(8 * time.Second)
		if _, ok, _ := s.AcquireLease(ctx, "leader", "b", ttl); ok {
			t.Fatal("b acquired a renewed lease")
		}
		clock.Advance(3 * time.Second)
		tokB, ok, err := s.AcquireLease(ctx, "leader", "b", ttl)
		if err != nil || !ok || tokB <= tokA {
			t.Fatalf("takeover: token %d after %d, %v %v", tokB, tokA, ok, err)
		}
		if err := s.RenewLease(ctx, "leader", "a", tokA, ttl); !errors.Is(err, models.ErrLeaseLost) {
			t.Fatalf("stale holder renewed: %v", err)
		}
		must(0, s.ReleaseLease(ctx, "leader", "a", tokA)) // no effect on b's
		if _, ok, _ := s.AcquireLease(ctx, "leader", "a", ttl); ok {
			t.Fatal("stale holder's release freed the new holding")
		}
		must(0, s.ReleaseLease(ctx, "leader", "b", tokB))
		tokA2, ok, err := s.AcquireLease(ctx, "leader", "a", ttl)
		if err != nil || !ok || tokA2 <= tokB {
			t.Fatalf("after release: token %d, %v %v", tokA2, ok, err)
		}
	})
}

// A new leader takes back at once what its predecessors claimed and never
// attempted: only a leader sends, and a deposed one sends nothing. What
// they attempted may still be in a call, and waits for their heartbeat to
// lapse — except on SQLite, where any earlier claimant is a process that
// died (one file, one process).
func TestReleaseNonLeaderClaims(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		for i, key := range []string{"a", "b", "c"} {
			if err := s.Tx(ctx, func(tx *gorm.DB) error {
				return models.Enqueue(tx, key, int64(100+i), models.OutSendMessage, models.Outgoing{Text: key})
			}); err != nil {
				t.Fatal(err)
			}
		}
		must(0, s.Heartbeat(ctx, "old", "h1"))
		old := must(s.ClaimOutbox(ctx, "old", 2, time.Hour))  // a, b
		mine := must(s.ClaimOutbox(ctx, "new", 1, time.Hour)) // c
		must(0, s.MarkAttempting(ctx, old[1].ID, old[1].Claim))

		u, d, err := s.ReleaseNonLeaderClaims(ctx, "new")
		wantDoubt := int64(0)
		if s.Dialect == models.SQLite {
			wantDoubt = 1
		}
		if err != nil || u != 1 || d != wantDoubt {
			t.Fatalf("released %d unattempted and %d in doubt (%v), want 1 and %d", u, d, err, wantDoubt)
		}
		if a := must(s.OutboxMessageByID(ctx, old[0].ID)); a.State != models.OutboxPending || a.Claim != "" {
			t.Fatalf("unattempted claim kept: %+v", a)
		}
		b := must(s.OutboxMessageByID(ctx, old[1].ID))
		if inDoubt := b.State == models.OutboxPending; inDoubt != (wantDoubt == 1) {
			t.Fatalf("attempted claim after takeover: %+v", b)
		}
		if c := must(s.OutboxMessageByID(ctx, mine[0].ID)); c.State != models.OutboxSending || c.Claim != mine[0].Claim {
			t.Fatalf("own claim released: %+v", c)
		}
		if err := s.MarkAttempting(ctx, old[0].ID, old[0].Claim); !errors.Is(err, models.ErrLostClaim) {
			t.Fatalf("the old leader's attempt after takeover: %v, want ErrLostClaim", err)
		}
	})
}

// After an outage in which no instance could heartbeat, every heartbeat is
// old: the claims whose call may have been made stay with their claimant
// unless the caller says it could write for longer than the staleness.
func TestReleaseDeadClaimsKeepsInDoubtWhenAskedTo(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		for i, key := range []string{"a", "b"} {
			if err := s.Tx(ctx, func(tx *gorm.DB) error {
				return models.Enqueue(tx, key, int64(100+i), models.OutSendMessage, models.Outgoing{Text: key})
			}); err != nil {
				t.Fatal(err)
			}
		}
		must(0, s.Heartbeat(ctx, "other", "h1"))
		held := must(s.ClaimOutbox(ctx, "other", 2, time.Hour))
		must(0, s.MarkAttempting(ctx, held[1].ID, held[1].Claim))
		clock.Advance(time.Minute)
		u, d, err := s.ReleaseDeadClaims(ctx, "me", 5*time.Second, false)
		if err != nil || u != 1 || d != 0 {
			t.Fatalf("released %d unattempted and %d in doubt (%v), want 1 and 0", u, d, err)
		}
		if b := must(s.OutboxMessageByID(ctx, held[1].ID)); b.State != models.OutboxSending || b.Claim != held[1].Claim {
			t.Fatalf("in-doubt claim released: %+v", b)
		}
	})
}
