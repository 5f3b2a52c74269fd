package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/scheduler"
)

// The counters say how many reminders each kind of slot queued, and only
// once the transaction that queued them committed.
func TestRemindersAreCounted(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
	s := storetest.SQLite(t, models.Options{Clock: clock.Now})
	seedTasks(t, s, 3, 2)
	reg := prometheus.NewRegistry()
	m, err := scheduler.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	r := newReminders(s)
	r.Metrics = m
	var progress []int
	r.Progress = func(done, total int) { progress = append(progress, done, total) }
	ctx := context.Background()
	if err := r.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour + time.Minute) // past the 09:00 slot
	if err := r.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := r.RemindNow(ctx, "T0001", nil); err != nil || n != 2 {
		t.Fatalf("remind now: %d, %v", n, err)
	}
	want := map[string]float64{"slot": 6, "manual": 2, "follow_up": 0}
	for kind, n := range want {
		if got := sentCount(t, reg, kind); got != n {
			t.Errorf("reminders %s sent: %v, want %v", kind, got, n)
		}
	}
	if len(progress) != 2 || progress[0] != 1 || progress[1] != 1 {
		t.Errorf("progress %v", progress)
	}
}

// sentCount reads taskbot_reminders_total{kind,outcome="sent"}.
func sentCount(t *testing.T, reg *prometheus.Registry, kind string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "taskbot_reminders_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["outcome"] == "sent" {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
