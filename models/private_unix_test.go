//go:build unix

package models_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"taskbot/models"
)

// umask sets the process's umask for the test.
func umask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
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

// The database and its journals, backups and restored files are readable
// by their owner only, whatever the umask says.
func TestDatabaseFilesArePrivate(t *testing.T) {
	umask(t, 0o022)
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	s, err := models.Open(ctx, db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ImportTasks(ctx, sampleList(), false); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		wantMode(t, f, 0o600)
	}
	backup := filepath.Join(dir, "backup.db")
	if _, err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	wantMode(t, backup, 0o600)

	held := filepath.Join(dir, "new.db")
	release, err := models.HoldDatabase(held)
	if err != nil {
		t.Fatal(err)
	}
	wantMode(t, held, 0o600)
	release()

	fresh := filepath.Join(dir, "fresh.db")
	if _, err := models.Restore(ctx, backup, fresh); err != nil {
		t.Fatal(err)
	}
	wantMode(t, fresh, 0o600)
	if _, err := models.Restore(ctx, backup, fresh); err != nil {
		t.Fatal(err)
	}
	wantMode(t, fresh, 0o600)
	wantMode(t, fresh+".before-restore.1", 0o600)

	open := filepath.Join(dir, "open.csv")
	if err := os.WriteFile(open, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := models.WritePrivateFile(open, []byte("ledger")); err != nil {
		t.Fatal(err)
	}
	wantMode(t, open, 0o600)
	sub := filepath.Join(dir, "a", "b")
	if err := models.MkdirPrivate(sub); err != nil {
		t.Fatal(err)
	}
	wantMode(t, sub, 0o700)
	wantMode(t, filepath.Dir(sub), 0o700)
}
