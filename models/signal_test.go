package models_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

// heard waits for a wake on c; the bound only ends a failing test.
func heard(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: no wake", what)
	}
}

func wakes() (map[models.Signal]func(), chan struct{}, chan struct{}) {
	outbox, inbox := make(chan struct{}, 64), make(chan struct{}, 64)
	send := func(c chan struct{}) func() {
		return func() {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	}
	return map[models.Signal]func(){models.SignalOutbox: send(outbox), models.SignalInbox: send(inbox)}, outbox, inbox
}

// Work handed over by another process wakes the leader's part for it, and
// only that part; a listener that loses its connection wakes every part
// (what was signalled meanwhile went unheard) and listens again.
func TestSignalWakesTheListenerOfAnotherProcess(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	open := func() *models.Store {
		s, err := models.Open(context.Background(), dsn, models.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	leader, cli := open(), open()
	wake, outbox, inbox := wakes()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		leader.Listen(ctx, wake, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
	})
	// Once listening, it looks at everything once.
	heard(t, outbox, "listening")
	heard(t, inbox, "listening")

	if err := cli.Signal(ctx, models.SignalOutbox); err != nil {
		t.Fatal(err)
	}
	heard(t, outbox, "messages queued")
	if err := cli.Signal(ctx, models.SignalInbox); err != nil {
		t.Fatal(err)
	}
	heard(t, inbox, "updates stored")
	// Signals arrive in order: the outbox's came before the inbox's.
	if len(outbox) != 0 {
		t.Errorf("the inbox's signal woke the outbox too")
	}

	var schema string
	if err := cli.DB.Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
		t.Fatal(err)
	}
	var killed int
	if err := cli.DB.Raw("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?",
		"taskbot signals "+schema).Scan(&killed).Error; err != nil || killed != 1 {
		t.Fatalf("terminated %d listeners: %v", killed, err)
	}
	// Lost, then listening again.
	heard(t, outbox, "connection lost")
	heard(t, outbox, "listening again")
	heard(t, inbox, "connection lost")
	heard(t, inbox, "listening again")
	if err := cli.Signal(ctx, models.SignalOutbox); err != nil {
		t.Fatal(err)
	}
	heard(t, outbox, "messages queued after the reconnection")
}

// SQLite has no channel between processes: a signal does nothing, and
// there is nothing to listen to.
func TestSignalOnSQLiteDoesNothing(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	wake, outbox, inbox := wakes()
	if err := s.Signal(context.Background(), models.SignalOutbox); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Listen(context.Background(), wake, slog.New(slog.DiscardHandler))
	}()
	heard(t, done, "Listen returning")
	if len(outbox)+len(inbox) != 0 {
		t.Errorf("woken on SQLite")
	}
}
