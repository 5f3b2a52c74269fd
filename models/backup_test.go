package models_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A backup taken while another process writes is one point in time: every
// transaction of the writer adds a task and its milestone, so a copy that
// cut one in half would count more tasks than milestones.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	path := storetest.SQLitePath(t)
	writer, err := models.Open(ctx, path, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	reader, err := models.Open(ctx, path, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()

	var (
		wg      sync.WaitGroup
		written atomic.Int64
		stop    = make(chan struct{})
		warm    = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			err := writer.Tx(ctx, func(tx *gorm.DB) error {
				task := models.Task{Code: fmt.Sprintf("B%05d", i), Title: "备份中写入"}
				if err := tx.Create(&task).Error; err != nil {
					return err
				}
				return tx.Create(&models.Milestone{TaskID: task.ID, Seq: 1, Title: "节点"}).Error
			})
			if err != nil {
				t.Error(err)
				close(warm)
				return
			}
			if written.Add(1) == 20 {
				close(warm)
			}
		}
	}()
	// Let some writes land before and during the copies.
	<-warm
	var copies []models.Counts
	for i := range 3 {
		out := filepath.Join(t.TempDir(), fmt.Sprintf("copy%d.db", i))
		c, err := reader.Backup(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		copies = append(copies, c)
	}
	close(stop)
	wg.Wait()
	for i, c := range copies {
		if c.Tasks == 0 || c.Tasks != c.Milestones || c.Schema != models.LatestSchema() {
			t.Fatalf("copy %d is not one point in time: %s", i, c)
		}
	}
	if copies[len(copies)-1].Tasks > written.Load() {
		t.Fatalf("copy holds %d tasks, only %d written", copies[len(copies)-1].Tasks, written.Load())
	}
}

func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t, models.Options{})
	out := filepath.Join(t.TempDir(), "exists.db")
	if err := os.WriteFile(out, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backup(ctx, out); !errors.Is(err, models.ErrFileExists) {
		t.Fatalf("backup over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "keep me" {
		t.Fatal("an existing file was overwritten")
	}
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notDB, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := models.VerifyCopy(ctx, notDB); err == nil {
		t.Fatal("a text file passed as a backup")
	}
	if _, err := models.Restore(ctx, notDB, storetest.SQLitePath(t)); err == nil {
		t.Fatal("a text file was restored")
	}
	pg := storetest.Postgres(t, models.Options{})
	if _, err := pg.Backup(ctx, filepath.Join(t.TempDir(), "pg.db")); !errors.Is(err, models.ErrBackupPostgres) {
		t.Fatalf("backup of PostgreSQL: %v", err)
	}
}

// Restore refuses a database a running taskbot holds, and otherwise puts
// the copy in place, keeping what it replaced.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	target := storetest.SQLitePath(t)
	live, err := models.Open(ctx, target, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.ImportTasks(ctx, sampleList(), false); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	want, err := live.Backup(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := live.DB.Exec("DELETE FROM assignments").Error; err != nil {
		t.Fatal(err)
	}
	if err := live.DB.Exec("DELETE FROM milestones").Error; err != nil {
		t.Fatal(err)
	}

	release, err := models.HoldDatabase(target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.Restore(ctx, backup, target); !errors.Is(err, models.ErrInUse) {
		t.Fatalf("restore under a running bot: %v", err)
	}
	var n int64
	live.DB.Model(&models.Milestone{}).Count(&n)
	if n != 0 {
		t.Fatal("a refused restore changed the database")
	}
	release()
	_ = live.Close()

	got, err := models.Restore(ctx, backup, target)
	if err != nil {
		t.Fatal(err)
	}
	if got.Counts != want || got.Kept != target+".before-restore.1" {
		t.Fatalf("restored %s (kept %s), backed up %s", got.Counts, got.Kept, want)
	}
	again, err := models.Open(ctx, target, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	c, err := again.Counts(ctx)
	if err != nil || c != want || c.Milestones == 0 {
		t.Fatalf("after restore: %s %v, want %s", c, err, want)
	}
	if _, err := os.Stat(target + ".before-restore.1"); err != nil {
		t.Fatalf("replaced database not kept: %v", err)
	}
}

// backupOf writes a checked copy of a store holding the sample list.
func backupOf(t *testing.T, out string) models.Counts {
	t.Helper()
	s := storetest.SQLite(t, models.Options{})
	if _, err := s.ImportTasks(context.Background(), sampleList(), false); err != nil {
		t.Fatal(err)
	}
	c, err := s.Backup(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A file name holding what an SQLite URI reads otherwise ('?' starts the
// settings, '#' ends the path, '%' escapes) names that file to the check as
// to the copy: a decoy database under the name the URI would read is never
// the one checked, and nothing is created beside the copy.
func TestCopyNamesWithURICharacters(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, decoy string }{
		{"good?x.db", "good"},
		{"a#b.db", "a"},
		{"x%41.db", "xA.db"},
		{"file:c.db", "c.db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			want := backupOf(t, filepath.Join(dir, tc.decoy))
			garbage := make([]byte, 64<<10)
			for i := range garbage {
				garbage[i] = byte(i*7 + i/13)
			}
			odd := filepath.Join(dir, tc.name)
			if err := os.WriteFile(odd, garbage, 0o600); err != nil {
				t.Fatal(err)
			}
			if c, err := models.VerifyCopy(ctx, odd); err == nil {
				t.Fatalf("random bytes in %q passed the check as %s", tc.name, c)
			}
			target := filepath.Join(t.TempDir(), "t.db")
			if _, err := models.Restore(ctx, odd, target); err == nil {
				t.Fatalf("random bytes in %q were restored", tc.name)
			}
			if err := os.Remove(odd); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(dir, tc.decoy)); err != nil {
				t.Fatal(err)
			}

			// The backup itself, to the odd name.
			s := storetest.SQLite(t, models.Options{})
			if _, err := s.ImportTasks(ctx, sampleList(), false); err != nil {
				t.Fatal(err)
			}
			got, err := s.Backup(ctx, odd)
			if err != nil || got != want {
				t.Fatalf("backup to %q: %s %v, want %s", tc.name, got, err, want)
			}
			if names := dirNames(t, dir); len(names) != 1 || names[0] != tc.name {
				t.Fatalf("after the backup the directory holds %q, want only %q", names, tc.name)
			}
			if got, err := models.VerifyCopy(ctx, odd); err != nil || got != want {
				t.Fatalf("check of %q: %s %v", tc.name, got, err)
			}
		})
	}
}

// A database is held whatever name the holder and the restore give it: a
// symbolic link, a relative path, a file: URI with escapes.
func TestHoldDatabaseByAnyName(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	real := filepath.Join(dir, "a b%.db")
	backupOf(t, real)
	if err := os.Symlink("a b%.db", filepath.Join(dir, "link.db")); err != nil {
		t.Fatal(err)
	}
	names := []string{real, "link.db", "./a b%.db", "file:a%20b%25.db", "file:" + filepath.Join(dir, "link.db") + "?_busy_timeout=1"}
	for _, held := range names {
		release, err := models.HoldDatabase(held)
		if err != nil {
			t.Fatal(err)
		}
		for _, other := range names {
			if r, err := models.HoldDatabase(other); !errors.Is(err, models.ErrInUse) {
				if err == nil {
					r()
				}
				t.Errorf("held as %q, held again as %q: %v", held, other, err)
			}
		}
		release()
	}
}

// A hard link or symbolic link to the database, or to a copy a restore
// kept of it, is refused as the file to restore.
func TestRestoreRefusesAnotherNameOfItsDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	target, backup := filepath.Join(dir, "t.db"), filepath.Join(t.TempDir(), "backup.db")
	backupOf(t, target)
	backupOf(t, backup)
	res, err := models.Restore(ctx, backup, target)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	for i, src := range []string{target, res.Kept} {
		hard, soft := filepath.Join(elsewhere, fmt.Sprintf("hard%d.db", i)), filepath.Join(elsewhere, fmt.Sprintf("soft%d.db", i))
		if err := os.Link(src, hard); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(src, soft); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{hard, soft} {
			if _, err := models.Restore(ctx, name, target); !errors.Is(err, models.ErrRestoreSource) {
				t.Errorf("restore from %s (another name of %s): %v", name, src, err)
			}
		}
	}
}
