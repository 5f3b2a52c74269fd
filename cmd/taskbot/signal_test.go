package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/telegramtest"
)

// Commands run beside the bot hand it their work at once on PostgreSQL: the
// bot's leader listens (models.Store.Listen) and `remind --now` wakes its
// outbox, `inbox retry` its processor, instead of leaving them to its next
// look.
func TestCommandsSignalTheRunningBot(t *testing.T) {
	db := storetest.PostgresDSN(t)
	if _, err := run(t, "import", "--db", db, filepath.Join("..", "..", "examples", "tasks.csv")); err != nil {
		t.Fatal(err)
	}
	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	w := storetest.NewWakes()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		store.Listen(ctx, w.Map(), slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
	})
	// Listening: it looks at everything once.
	storetest.Heard(t, w.Outbox, "listening")
	storetest.Heard(t, w.Inbox, "listening")

	if out, err := run(t, "remind", "--now", "--db", db); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	storetest.Heard(t, w.Outbox, "remind --now")
	if out, err := run(t, "inbox", "retry", "--all", "--db", db); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	storetest.Heard(t, w.Inbox, "inbox retry")
}

// The running bot's leader listens for those signals on PostgreSQL.
func TestRunningBotListensForSignals(t *testing.T) {
	db := storetest.PostgresDSN(t)
	srv, err := telegramtest.New(telegramtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	root := newRootCommand()
	root.SetArgs([]string{"run", "--db", db, "--token", srv.Token(), "--api-url", srv.URL(), "--ops-listen", "", "--log-level", "warn"})
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v\n%s", err, out.String())
		}
	}()

	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var schema string
	if err := store.DB.Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var listeners int
		if err := store.DB.Raw("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ?", "taskbot signals "+schema).
			Scan(&listeners).Error; err != nil {
			t.Fatal(err)
		}
		if listeners == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d listeners for the bot's schema\n%s", listeners, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
