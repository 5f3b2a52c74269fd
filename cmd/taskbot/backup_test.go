package main

import (
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
