package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

func TestInboxCommandListsAndRequeuesFailedUpdates(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	ctx := context.Background()
	store, err := models.Open(ctx, db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SaveUpdates(ctx, []models.InboxUpdate{{UpdateID: 5001, ChatID: 42, Payload: "{}"},
		{UpdateID: 5002, ChatID: 43, Payload: "{}"}, {UpdateID: 5003, ChatID: 44, Payload: "{}"}}); err != nil {
		t.Fatal(err)
	}
	pending, err := store.PendingUpdates(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pending[:2] {
		err := store.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.FailUpdate(tx, p.ID, errors.New("panic handling update: boom\ngoroutine 1 [running]:"),
				models.InboxRetry{Attempts: 1, First: time.Second, Max: time.Second})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	_ = store.Close()

	out, err := run(t, "inbox", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ATTEMPTS", "5001", "5002", "42", "panic handling update: boom …"} {
		if !strings.Contains(out, want) {
			t.Errorf("listing lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "5003") || strings.Contains(out, "goroutine") {
		t.Errorf("listing shows more than the failed updates' first lines:\n%s", out)
	}
	for _, args := range [][]string{{"inbox", "retry"}, {"inbox", "retry", "1", "--all"}, {"inbox", "retry", "x"}, {"inbox", "retry", "3"}} {
		if _, err := run(t, append(args, "--db", db)...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if out, err := run(t, "inbox", "retry", "1", "--db", db); err != nil || !strings.Contains(out, "requeued 1") {
		t.Fatalf("retry 1: %q %v", out, err)
	}
	if out, err := run(t, "inbox", "retry", "--all", "--db", db); err != nil || !strings.Contains(out, "requeued 1") {
		t.Fatalf("retry --all: %q %v", out, err)
	}
	if out, err := run(t, "inbox", "--db", db); err != nil || !strings.Contains(out, "no failed updates") {
		t.Fatalf("after requeue: %q %v", out, err)
	}
}
