package watchdog_test

import (
	"reflect"
	"testing"
	"time"

	"taskbot/watchdog"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func names(stalls []watchdog.Stall) []string {
	var out []string
	for _, s := range stalls {
		out = append(out, s.Part)
	}
	return out
}

func TestStalledOnlyWithWorkAndNoProgress(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	w := watchdog.New(2 * time.Minute)
	w.Now = c.Now
	dispatcher, poller, webhook := w.Part("dispatcher"), w.Part("poller"), w.Part("webhook")

	stopDispatcher := dispatcher.Running()
	stopPoller := poller.Running()
	c.Advance(90 * time.Second)
	poller.Beat()
	if got := w.Stalled(); got != nil {
		t.Fatalf("stalled %v within the limit", got)
	}
	c.Advance(60 * time.Second) // dispatcher 150 s quiet, poller 60 s
	if got, want := names(w.Stalled()), []string{"dispatcher"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("stalled %v, want %v", got, want)
	}
	if got := w.Stalled()[0].String(); got != "dispatcher (no progress for 2m30s)" {
		t.Fatalf("stall reads %q", got)
	}
	dispatcher.Beat()
	if got := w.Stalled(); got != nil {
		t.Fatalf("stalled %v after a beat", got)
	}

	// A part that stopped (a standby's dispatcher) is never stalled.
	stopDispatcher()
	stopDispatcher() // twice is once
	stopPoller()
	c.Advance(time.Hour)
	if got := w.Stalled(); got != nil {
		t.Fatalf("stopped parts stalled: %v", got)
	}

	// A part with work now and then counts from when the work began.
	done := webhook.Busy()
	c.Advance(time.Minute)
	if got := w.Stalled(); got != nil {
		t.Fatalf("stalled %v within the limit", got)
	}
	c.Advance(2 * time.Minute)
	if got, want := names(w.Stalled()), []string{"webhook"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("stalled %v, want %v", got, want)
	}
	done()
	c.Advance(time.Hour)
	if got := w.Stalled(); got != nil {
		t.Fatalf("idle webhook stalled: %v", got)
	}

	// A running part restarted after a long stop starts a fresh count.
	stop := dispatcher.Running()
	defer stop()
	if got := w.Stalled(); got != nil {
		t.Fatalf("a part that just started is stalled: %v", got)
	}
}

func TestNilWatchdogRecordsNothing(t *testing.T) {
	var w *watchdog.Watchdog
	p := w.Part("dispatcher")
	p.Running()()
	p.Beat()
	p.Busy()()
	if got := w.Stalled(); got != nil {
		t.Fatalf("nil watchdog stalled: %v", got)
	}
}
