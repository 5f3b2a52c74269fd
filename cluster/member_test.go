package cluster_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"taskbot/cluster"
	"taskbot/models"
	"taskbot/models/storetest"
)

// breakWrites makes the instance and lease tables refuse writes, as a full
// disk or a read-only database would, and returns the repair.
func breakWrites(t *testing.T, s *models.Store) (repair func()) {
	t.Helper()
	for _, q := range []string{"ALTER TABLE instances RENAME TO instances_away", "ALTER TABLE leases RENAME TO leases_away"} {
		if err := s.DB.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for _, q := range []string{"ALTER TABLE instances_away RENAME TO instances", "ALTER TABLE leases_away RENAME TO leases"} {
			if err := s.DB.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
}

// On SQLite the one process leads from its first moment, even when the
// database refuses its first writes: the file's lock, not a lease row,
// says it is the only one.
func TestSQLiteLeadsFromTheFirstMoment(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	repair := breakWrites(t, s)
	m := &cluster.Member{Store: s, ID: "only", Lease: time.Second, Renew: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	leading := make(chan bool, 1)
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, func(ctx context.Context) {
			leading <- m.Holds()
			<-ctx.Done()
		})
	}()
	select {
	case holds := <-leading:
		if !holds || m.Token() == 0 {
			t.Fatalf("leading without holding: holds %v, token %d", holds, m.Token())
		}
	case <-time.After(waitLimit):
		t.Fatal("the only process never led")
	}
	waitFor(t, "the failed heartbeat to show", func() bool { return m.WriteError() != nil })
	if m.WritableFor() != 0 {
		t.Fatalf("writable for %v while writes fail", m.WritableFor())
	}
	repair()
	waitFor(t, "a written heartbeat", func() bool { return m.WriteError() == nil && m.WritableFor() > 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if m.Holds() {
		t.Fatal("still holding after stopping")
	}
}

// A leader whose renewals fail steps down at its lease's local deadline,
// not at its next try, and says that writes fail; when they work again it
// leads again with a new token.
func TestLeaderStepsDownWhenItCannotRenew(t *testing.T) {
	s := storetest.Postgres(t, models.Options{})
	m := &cluster.Member{Store: s, ID: "a", Lease: time.Second, Renew: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	terms := make(chan int64, 10)
	go func() {
		_ = m.Run(ctx, func(ctx context.Context) {
			terms <- m.Token()
			<-ctx.Done()
		})
	}()
	var first int64
	select {
	case first = <-terms:
	case <-time.After(waitLimit):
		t.Fatal("never led")
	}
	repair := breakWrites(t, s)
	waitFor(t, "stepping down", func() bool { return m.Token() == 0 })
	if m.Holds() || m.WriteError() == nil || m.WritableFor() != 0 {
		t.Fatalf("after stepping down: holds %v, write error %v, writable for %v", m.Holds(), m.WriteError(), m.WritableFor())
	}
	repair()
	select {
	case second := <-terms:
		if second <= first {
			t.Fatalf("led again with token %d after %d", second, first)
		}
	case <-time.After(waitLimit):
		t.Fatal("never led again")
	}
}
