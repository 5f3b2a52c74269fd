package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"taskbot/models"
)

// An admin records, lists and withdraws leave from the command line; a
// deputy who is not bound is refused and nothing is recorded.
func TestLeaveCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if _, err := run(t, "import", "--db", db, filepath.Join("..", "..", "examples", "tasks.csv")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := models.Open(ctx, db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := models.AllTasks(store.DB)
	if err != nil || len(d) == 0 || len(d[0].Attendants) == 0 || len(d[0].Leaders) == 0 {
		t.Fatalf("example tasks: %v", err)
	}
	away, deputy := d[0].Attendants[0], d[0].Leaders[0]
	_ = store.Close()

	if _, err := run(t, "leave", "add", "--db", db, "--person", away.Key, "--from", "2099-03-02", "--to", "2099-03-06", "--deputy", deputy.Key); err == nil ||
		!strings.Contains(err.Error(), "not bound") {
		t.Fatalf("unbound deputy: %v", err)
	}
	out, err := run(t, "leave", "add", "--db", db, "--person", away.Key, "--from", "2099-03-02", "--to", "2099-03-06", "--kind", "trip", "--reason", "招商")
	if err != nil || !strings.Contains(out, "2099-03-02 to 2099-03-06 (trip)") {
		t.Fatalf("leave add: %q %v", out, err)
	}
	if _, err := run(t, "leave", "add", "--db", db, "--person", away.Key, "--from", "2099-03-05"); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Fatalf("overlapping leave: %v", err)
	}
	if _, err := run(t, "leave", "add", "--db", db, "--person", away.Key, "--from", "3月9日"); err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Fatalf("bad day: %v", err)
	}
	list, err := run(t, "leave", "list", "--db", db)
	if err != nil || !strings.Contains(list, away.Key) || !strings.Contains(list, "招商") {
		t.Fatalf("leave list: %q %v", list, err)
	}
	if _, err := run(t, "leave", "cancel", "--db", db, "1"); err != nil {
		t.Fatalf("leave cancel: %v", err)
	}
	if list, _ := run(t, "leave", "list", "--db", db); !strings.Contains(list, "no leave recorded") {
		t.Fatalf("after cancel: %q", list)
	}
}
