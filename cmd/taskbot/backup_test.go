package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"taskbot/models"
)

func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	db, copyPath := filepath.Join(dir, "t.db"), filepath.Join(dir, "copy.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "backup", "--db", db); err == nil {
		t.Fatal("backup without --out accepted")
	}
	out, err := run(t, "backup", "--out", copyPath, "--db", db)
	if err != nil || !strings.Contains(out, "checked the copy") || !strings.Contains(out, "schema "+models.LatestSchema()) {
		t.Fatalf("backup: %q %v", out, err)
	}
	if _, err := run(t, "backup", "--out", copyPath, "--db", db); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("backup over its own copy: %v", err)
	}

	// A running bot holds its database: restore refuses and says why.
	release, err := models.HoldDatabase(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "restore", copyPath, "--db", db); err == nil || !strings.Contains(err.Error(), "stop it before restoring") {
		t.Fatalf("restore under a running bot: %v", err)
	}
	release()
	out, err = run(t, "restore", copyPath, "--db", db)
	if err != nil || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %q %v", out, err)
	}
	if _, err := run(t, "backup", "--out", copyPath, "--db", "postgres://nobody@127.0.0.1:1/none"); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup of PostgreSQL: %v", err)
	}
}

// Relative file names with '?' are the files named: the check of
// `restore 'good?x.db'` reads good?x.db, not a database called good, and
// `backup --out 'q?1.db'` checks the copy it wrote and leaves no file q.
func TestBackupAndRestoreNamesWithQuestionMarks(t *testing.T) {
	list, err := filepath.Abs("../../examples/tasks.csv")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if _, err := run(t, "import", list, "--db", "t.db"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "backup", "--out", "good", "--db", "t.db"); err != nil {
		t.Fatal(err)
	}
	garbage := bytes.Repeat([]byte{0x5a, 0x17, 0xc3}, 20000)
	if err := os.WriteFile("good?x.db", garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "restore", "--db", "t.db", "good?x.db"); err == nil {
		t.Fatalf("random bytes restored: %q", out)
	}
	if _, err := run(t, "tasks", "--db", "t.db"); err != nil {
		t.Fatalf("database unusable after a refused restore: %v", err)
	}

	out, err := run(t, "backup", "--out", "q?1.db", "--db", "t.db")
	if err != nil || !strings.Contains(out, "checked the copy") {
		t.Fatalf("backup to q?1.db: %q %v", out, err)
	}
	if _, err := os.Stat("q"); err == nil {
		t.Fatal("backup left a file q")
	}
	out, err = run(t, "restore", "--db", "t.db", "q?1.db")
	if err != nil || !strings.Contains(out, "restored") {
		t.Fatalf("restore from q?1.db: %q %v", out, err)
	}
}
