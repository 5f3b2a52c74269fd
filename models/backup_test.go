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
	if got != want {
		t.Fatalf("restored %s, backed up %s", got, want)
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
	if _, err := os.Stat(target + ".before-restore"); err != nil {
		t.Fatalf("replaced database not kept: %v", err)
	}
}
