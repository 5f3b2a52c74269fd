package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// restoreSetup is a database with the example list and a backup of it.
func restoreSetup(t *testing.T) (db, backup string) {
	t.Helper()
	dir := t.TempDir()
	db, backup = filepath.Join(dir, "b.db"), filepath.Join(dir, "backup.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "backup", "--out", backup, "--db", db); err != nil {
		t.Fatal(err)
	}
	return db, backup
}

// keptCopies lists the copies restores kept of db, oldest first.
func keptCopies(t *testing.T, db string) []string {
	t.Helper()
	all, err := filepath.Glob(db + ".before-restore*")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, k := range all {
		if !strings.HasSuffix(k, "-wal") && !strings.HasSuffix(k, "-shm") {
			kept = append(kept, k)
		}
	}
	sort.Strings(kept)
	return kept
}

// A restore keeps the database it replaces whole (with the commits still
// in its -wal), under a new numbered name each time, and refuses to
// restore a database from itself or from a copy it kept.
func TestRestoreKeepsEveryReplacedDatabase(t *testing.T) {
	t.Run("commits in the journal are kept", func(t *testing.T) {
		db, backup := restoreSetup(t)
		// A bot killed with its last commit still in the write-ahead
		// log: the files as it left them, copied while it was idle.
		live, err := models.Open(context.Background(), db, models.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := live.DB.Exec("INSERT INTO tasks (code, title, created_at, updated_at) VALUES ('W01', '日志里的任务', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error; err != nil {
			t.Fatal(err)
		}
		crash := filepath.Join(t.TempDir(), "b.db")
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(db + suffix)
			if err != nil {
				t.Fatal(err)
			}
			if suffix == "-wal" && len(b) == 0 {
				t.Fatal("the last commit is not in the write-ahead log: the test proves nothing")
			}
			if err := os.WriteFile(crash+suffix, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		_ = live.Close()
		out, err := run(t, "restore", "--db", crash, backup)
		if err != nil {
			t.Fatalf("restore: %q %v", out, err)
		}
		kept := keptCopies(t, crash)
		if len(kept) != 1 || !strings.Contains(out, "kept as "+kept[0]) {
			t.Fatalf("kept %q; restore said %q", kept, out)
		}
		if out, err := run(t, "tasks", "--db", kept[0]); err != nil || !strings.Contains(out, "W01") {
			t.Fatalf("the kept copy lost the journal's commit: %q %v", out, err)
		}
		if out, err := run(t, "tasks", "--db", crash); err != nil || strings.Contains(out, "W01") || !strings.Contains(out, "T01") {
			t.Fatalf("the replaced database's journal reached the restored one: %q %v", out, err)
		}
	})
	t.Run("kept copies are numbered, never overwritten", func(t *testing.T) {
		db, backup := restoreSetup(t)
		for i := 1; i <= 3; i++ {
			out, err := run(t, "restore", "--db", db, backup)
			want := fmt.Sprintf("%s.before-restore.%d", db, i)
			if err != nil || !strings.Contains(out, "kept as "+want) {
				t.Fatalf("restore %d: %q %v", i, out, err)
			}
			if i == 1 {
				if err := os.WriteFile(want, []byte("the first kept copy"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		if b, err := os.ReadFile(db + ".before-restore.1"); err != nil || string(b) != "the first kept copy" {
			t.Fatalf("a later restore overwrote the first kept copy: %v", err)
		}
	})
	t.Run("the database itself", func(t *testing.T) {
		db, _ := restoreSetup(t)
		for _, src := range []string{db, filepath.Join(filepath.Dir(db), ".", "b.db")} {
			if out, err := run(t, "restore", "--db", db, src); err == nil {
				t.Fatalf("restore of %s from %s: %q", db, src, out)
			}
			if out, err := run(t, "tasks", "--db", db); err != nil || !strings.Contains(out, "T01") {
				t.Fatalf("database after restoring it from itself: %q %v", out, err)
			}
		}
		if kept := keptCopies(t, db); len(kept) != 0 {
			t.Fatalf("a refused restore kept %q", kept)
		}
	})
	t.Run("a kept copy", func(t *testing.T) {
		db, backup := restoreSetup(t)
		if _, err := run(t, "restore", "--db", db, backup); err != nil {
			t.Fatal(err)
		}
		kept := keptCopies(t, db)
		if len(kept) != 1 {
			t.Fatalf("kept %q", kept)
		}
		sum := fileSum(t, kept[0])
		if out, err := run(t, "restore", "--db", db, kept[0]); err == nil {
			t.Fatalf("restore from the kept copy: %q", out)
		}
		if _, err := os.Stat(kept[0]); err != nil || fileSum(t, kept[0]) != sum {
			t.Fatalf("the kept copy changed: %v", err)
		}
		if out, err := run(t, "tasks", "--db", db); err != nil || !strings.Contains(out, "T01") {
			t.Fatalf("database after a refused restore: %q %v", out, err)
		}
	})
}

// "Refused while a bot runs" holds whatever name either side gives the
// database, and does not depend on a lock file anyone can delete.
func TestRestoreRefusedUnderARunningBotByAnyName(t *testing.T) {
	dir := t.TempDir()
	db, link, backup := filepath.Join(dir, "real.db"), filepath.Join(dir, "link.db"), filepath.Join(dir, "backup.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "backup", "--out", backup, "--db", db); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.db", link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, runOn, restoreTo string }{
		{"bot through a symlink", link, db},
		{"restore through a symlink", db, link},
		{"lock file deleted", db, db},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release, err := models.HoldDatabase(tc.runOn)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			_ = os.Remove(db + ".lock")
			before := fileSum(t, db)
			if out, err := run(t, "restore", "--db", tc.restoreTo, backup); err == nil || !strings.Contains(err.Error(), "stop it before restoring") {
				t.Fatalf("restore under a running bot: %q %v", out, err)
			}
			if fileSum(t, db) != before {
				t.Fatal("a refused restore changed the database")
			}
		})
	}
}
