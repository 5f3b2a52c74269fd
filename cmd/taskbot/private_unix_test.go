//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// setUmask sets the process's umask for the test; it reports whether file
// modes mean anything here.
func setUmask(t *testing.T, mask int) bool {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
	return true
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Errorf("%s: %v", filepath.Base(path), err)
		return
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", filepath.Base(path), got, want)
	}
}

// What the commands write holds people's data: the database, the export
// (also over an existing file that others could read) and the chart are
// the owner's alone, whatever the umask.
func TestCommandsWritePrivateFiles(t *testing.T) {
	setUmask(t, 0o022)
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	wantMode(t, db, 0o600)
	old := filepath.Join(dir, "old.csv")
	if err := os.WriteFile(old, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(dir, "ledger.xlsx"), filepath.Join(dir, "ledger.csv"), old} {
		if _, err := run(t, "export", "--out", out, "--db", db); err != nil {
			t.Fatal(err)
		}
		wantMode(t, out, 0o600)
	}
	chart := filepath.Join(dir, "chart.png")
	if _, err := run(t, "summary", "--chart", chart, "--db", db); err != nil {
		t.Fatal(err)
	}
	wantMode(t, chart, 0o600)
	backup := filepath.Join(dir, "backup.db")
	if _, err := run(t, "backup", "--out", backup, "--db", db); err != nil {
		t.Fatal(err)
	}
	wantMode(t, backup, 0o600)
}
