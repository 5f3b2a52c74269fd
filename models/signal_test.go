package models_test

import (
	"context"
	"log/slog"
	"testing"

	"taskbot/models"
	"taskbot/models/storetest"
)

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
	w := storetest.NewWakes()
	wake, outbox, inbox := w.Map(), w.Outbox, w.Inbox
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
	storetest.Heard(t, outbox, "listening")
	storetest.Heard(t, inbox, "listening")

	if err := cli.Signal(ctx, models.SignalOutbox); err != nil {
		t.Fatal(err)
	}
	storetest.Heard(t, outbox, "messages queued")
	if err := cli.Signal(ctx, models.SignalInbox); err != nil {
		t.Fatal(err)
	}
	storetest.Heard(t, inbox, "updates stored")
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
	storetest.Heard(t, outbox, "connection lost")
	storetest.Heard(t, outbox, "listening again")
	storetest.Heard(t, inbox, "connection lost")
	storetest.Heard(t, inbox, "listening again")
	if err := cli.Signal(ctx, models.SignalOutbox); err != nil {
		t.Fatal(err)
	}
	storetest.Heard(t, outbox, "messages queued after the reconnection")
}

// SQLite has no channel between processes: a signal does nothing, and
// there is nothing to listen to.
func TestSignalOnSQLiteDoesNothing(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	w := storetest.NewWakes()
	wake, outbox, inbox := w.Map(), w.Outbox, w.Inbox
	if err := s.Signal(context.Background(), models.SignalOutbox); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Listen(context.Background(), wake, slog.New(slog.DiscardHandler))
	}()
	storetest.Heard(t, done, "Listen returning")
	if len(outbox)+len(inbox) != 0 {
		t.Errorf("woken on SQLite")
	}
}
