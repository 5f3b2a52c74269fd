package main

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// `inbox retry 1 1` requeues update 1 once.
func TestInboxRetryTakesEachIDOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	ctx := context.Background()
	store, err := models.Open(ctx, db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SaveUpdates(ctx, []models.InboxUpdate{{UpdateID: 5001, ChatID: 42, Payload: "{}"}}); err != nil {
		t.Fatal(err)
	}
	pending, err := store.PendingUpdates(ctx, 10)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending %v %v", pending, err)
	}
	err = store.Tx(ctx, func(tx *gorm.DB) error {
		_, err := models.FailUpdate(tx, pending[0].ID, errors.New("boom"), models.InboxRetry{Attempts: 1, First: time.Second, Max: time.Second})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = store.Close()
	id := pending[0].ID
	out, err := run(t, "inbox", "retry", strconv.FormatUint(uint64(id), 10), strconv.FormatUint(uint64(id), 10), "--db", db)
	if err != nil || !strings.Contains(out, "requeued 1 ") {
		t.Fatalf("retry %d %d: %q %v", id, id, out, err)
	}
	if out, err := run(t, "inbox", "--db", db); err != nil || !strings.Contains(out, "no failed updates") {
		t.Fatalf("after the retry: %q %v", out, err)
	}
}

// A negative warning window is refused by every command that takes one,
// as run refuses it.
func TestNegativeWarnDaysRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"summary"},
		{"summary", "--weekly"},
		{"export", "--out", filepath.Join(t.TempDir(), "x.csv")},
		{"run", "--token", "1:x", "--api-url", "http://127.0.0.1:1", "--ops-listen", ""},
	} {
		out, err := run(t, append(args, "--warn-days", "-1", "--db", db)...)
		if err == nil || !strings.Contains(err.Error(), "--warn-days") {
			t.Errorf("%v --warn-days -1: %v\n%.200s", args, err, out)
		}
	}
}

// A person named on the command line is found with full-width or
// half-width parentheses alike, as the task list writes them.
func TestPersonFlagReadsEitherParentheses(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"张伟(区住建局)", "张伟（区住建局）", "张伟 （区住建局）", "张伟(区住建局）"} {
		out, err := run(t, "summary", "--person", name, "--db", db)
		if err != nil || !strings.Contains(out, "==== 张伟(区住建局)") {
			t.Errorf("summary --person %s: %v\n%.200s", name, err, out)
		}
		out, err = run(t, "invite", "--person", name, "--bot-username", "bot_x", "--db", db)
		if err != nil || !strings.HasPrefix(out, "张伟(区住建局)\t") {
			t.Errorf("invite --person %s: %v\n%.200s", name, err, out)
		}
	}
	if _, err := run(t, "summary", "--person", "张伟", "--db", db); err == nil || !strings.Contains(err.Error(), "several people") {
		t.Errorf("a name shared by namesakes: %v", err)
	}
}
