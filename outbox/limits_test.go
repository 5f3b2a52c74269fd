package outbox

import (
	"context"
	"errors"
	"testing"
	"time"

	"taskbot/models"
)

func TestLimitsPaceGlobalRate(t *testing.T) {
	rate, n := 200.0, 41
	l := newLimits(rate, time.Second, 3*time.Second)
	ctx := context.Background()
	start := time.Now()
	for i := range n {
		done, err := l.acquire(ctx, int64(i+1), true)
		if err != nil {
			t.Fatal(err)
		}
		done(true)
	}
	// The first token is there at once; the other n-1 come at the rate.
	if got, want := time.Since(start), time.Duration(float64(n-1)/rate*1e9); got < want {
		t.Fatalf("%d calls in %s, want ≥ %s", n, got, want)
	}
}

// A call counts against the global limit from its start until a second
// after its end: however late a slow call reached the server, the calls
// that follow cannot crowd it in one window.
func TestLimitsCountSlowCallsUntilASecondAfterTheirEnd(t *testing.T) {
	l := newLimits(3, time.Millisecond, time.Millisecond)
	ctx := context.Background()
	var dones []func(bool)
	for chat := range int64(3) {
		done, err := l.acquire(ctx, chat+1, true)
		if err != nil {
			t.Fatal(err)
		}
		dones = append(dones, done)
	}
	entered := make(chan time.Time, 1)
	go func() {
		done, err := l.acquire(ctx, 99, true)
		if err != nil {
			t.Error(err)
		}
		entered <- time.Now()
		done(true)
	}()
	// The three calls are slow: whenever they end, the fourth waits a
	// full window after the first of them to end.
	beforeFirstEnd := time.Now()
	dones[0](true)
	dones[1](true)
	dones[2](true)
	select {
	case at := <-entered:
		if d := at.Sub(beforeFirstEnd); d < time.Second+WindowGuard {
			t.Fatalf("fourth call entered %s after the first ended", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("fourth call never entered")
	}
}

func TestSlidingWindowCountsCallsInFlight(t *testing.T) {
	w := newSlidingWindow(1, 10*time.Millisecond)
	ctx := context.Background()
	if err := w.enter(ctx); err != nil {
		t.Fatal(err)
	}
	// Long after its start, a call still in flight holds its place.
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := w.enter(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("entered beside a call in flight: %v", err)
	}
	beforeEnd := time.Now()
	w.leave(true)
	if err := w.enter(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(beforeEnd); d < 10*time.Millisecond {
		t.Fatalf("entered %s after the call ended, within its span", d)
	}
}

func TestSlidingWindowFreesPlaceOfCallNotMade(t *testing.T) {
	w := newSlidingWindow(1, time.Hour)
	ctx := context.Background()
	if err := w.enter(ctx); err != nil {
		t.Fatal(err)
	}
	entered := make(chan error, 1)
	go func() { entered <- w.enter(ctx) }()
	w.leave(false)
	if err := <-entered; err != nil {
		t.Fatal(err)
	}
	w.leave(true)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := w.enter(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("entered a full window: %v", err)
	}
}

// A dispatcher claims for the calls the window lets start by the time the
// claimed messages are ready: the places of finished calls that leave the
// window by then count, those of calls in flight do not.
func TestSlidingWindowCountsPlacesFreedByAMoment(t *testing.T) {
	w := newSlidingWindow(3, time.Hour)
	ctx := context.Background()
	for range 3 {
		if err := w.enter(ctx); err != nil {
			t.Fatal(err)
		}
	}
	w.leave(true)
	w.leave(true)
	now := time.Now()
	if n, in := w.free(now, now); n != 0 || in <= 59*time.Minute {
		t.Errorf("full window: %d free now, next in %s", n, in)
	}
	if n, _ := w.free(now, now.Add(2*time.Hour)); n != 2 {
		t.Errorf("%d places free once the finished calls have left, want 2 (the third is in flight)", n)
	}
	if n, in := w.free(now, now.Add(30*time.Minute)); n != 0 || in <= 29*time.Minute {
		t.Errorf("%d places free half an hour on, next in %s", n, in)
	}
}

func TestLimitsSpaceCallsToOneChatFromTheEndOfTheLast(t *testing.T) {
	l := newLimits(1000, 100*time.Millisecond, 250*time.Millisecond)
	ctx := context.Background()
	for chat, gap := range map[int64]time.Duration{7: 100 * time.Millisecond, -7: 250 * time.Millisecond} {
		done, err := l.acquire(ctx, chat, true)
		if err != nil {
			t.Fatal(err)
		}
		end := time.Now()
		done(true)
		done, err = l.acquire(ctx, chat, true)
		if err != nil {
			t.Fatal(err)
		}
		done(true)
		if got := time.Since(end); got < gap {
			t.Errorf("chat %d: next call after %s, want ≥ %s", chat, got, gap)
		}
		// Another chat is not held back.
		start := time.Now()
		done, err = l.acquire(ctx, chat+1000, true)
		if err != nil {
			t.Fatal(err)
		}
		done(true)
		if got := time.Since(start); got >= gap {
			t.Errorf("an unrelated chat waited %s", got)
		}
	}
	// Calls Telegram does not count leave no spacing behind.
	done, _ := l.acquire(ctx, 99, false)
	done(true)
	if _, ok := l.last[99]; ok {
		t.Error("unlimited call recorded")
	}
}

func TestLimitsPauseHoldsEveryCall(t *testing.T) {
	l := newLimits(1000, time.Millisecond, time.Millisecond)
	ctx := context.Background()
	l.pause(100 * time.Millisecond)
	start := time.Now()
	waited := make(chan error, 1)
	go func() { // not rate-limited, still paused
		_, err := l.acquire(ctx, 1, false)
		waited <- err
	}()
	l.pause(300 * time.Millisecond) // a second 429 lengthens the pause
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < 290*time.Millisecond {
		t.Fatalf("call started %s into a 300 ms pause", got)
	}
	// A shorter pause does not cut a longer one.
	l.pause(200 * time.Millisecond)
	l.pause(10 * time.Millisecond)
	if left := l.pauseLeft(); left < 150*time.Millisecond {
		t.Fatalf("pause left %s", left)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.acquire(cctx, 2, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire on a cancelled context: %v", err)
	}
}

// Every kind of group a work group can be — basic group, supergroup,
// forum (whose topics share the group's limit) — is paced as a group.
func TestLimitsTreatEveryGroupIDAsAGroup(t *testing.T) {
	l := newLimits(25, time.Second, 3*time.Second)
	for _, c := range []struct {
		chat int64
		want time.Duration
	}{{201, time.Second}, {-4001, 3 * time.Second}, {-1001000000005, 3 * time.Second}} {
		if got := l.interval(c.chat); got != c.want {
			t.Errorf("chat %d spaced %s, want %s", c.chat, got, c.want)
		}
	}
	for kind, limited := range map[models.OutKind]bool{models.OutSendMessage: true, models.OutEditText: true, models.OutCreateTopic: true,
		models.OutEditTopic: true, models.OutReaction: false, models.OutSetCommands: false, models.OutAnswerCallback: false} {
		if kind.RateLimited() != limited {
			t.Errorf("%s rate limited %v, want %v", kind, kind.RateLimited(), limited)
		}
	}
}
