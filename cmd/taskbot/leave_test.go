package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"taskbot/models"
)

// An admin records, lists and withdraws leave from the command line, on
// either store; a deputy who is not bound is refused and nothing is
// recorded.
func TestLeaveCommands(t *testing.T) {
	eachDatabase(t, testLeaveCommands)
}

func testLeaveCommands(t *testing.T, db string) {
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

	// A deputy for one task: bound, named TASK=NAME; a bad pair records
	// nothing.
	store, err = models.Open(ctx, db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.DB.Exec("UPDATE people SET telegram_id = 500000 + id").Error; err != nil {
		t.Fatal(err)
	}
	_ = store.Close()
	code := d[0].Task.Code
	for _, bad := range []string{code, "=" + deputy.Key, "T99999=" + deputy.Key, code + "=无此人"} {
		if _, err := run(t, "leave", "add", "--db", db, "--person", away.Key, "--from", "2099-04-01", "--task-deputy", bad); err == nil ||
			!strings.Contains(err.Error(), "--task-deputy") {
			t.Fatalf("--task-deputy %q: %v", bad, err)
		}
	}
	if list, _ := run(t, "leave", "list", "--db", db); !strings.Contains(list, "no leave recorded") {
		t.Fatalf("a refused --task-deputy recorded: %q", list)
	}
	out, err = run(t, "leave", "add", "--db", db, "--person", away.Key, "--from", "2099-04-01", "--task-deputy", code+"="+deputy.Key)
	if err != nil || !strings.Contains(out, "recorded") {
		t.Fatalf("leave add --task-deputy: %q %v", out, err)
	}
	if list, err := run(t, "leave", "list", "--db", db); err != nil || !strings.Contains(list, code+"="+deputy.Key) {
		t.Fatalf("leave list with a task's deputy: %q %v", list, err)
	}
}
