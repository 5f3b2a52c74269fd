package models_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"taskbot/models"
	"taskbot/models/storetest"
)

// sqlCapture keeps the statements a session runs, with their arguments.
type sqlCapture struct {
	mu   sync.Mutex
	stmt []string
}

func (c *sqlCapture) LogMode(logger.LogLevel) logger.Interface { return c }
func (c *sqlCapture) Info(context.Context, string, ...any)     {}
func (c *sqlCapture) Warn(context.Context, string, ...any)     {}
func (c *sqlCapture) Error(context.Context, string, ...any)    {}
func (c *sqlCapture) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stmt = append(c.stmt, sql)
}

// Finding due follow-ups reads the index of open ones: the history of
// reminders whose follow-up is over is not in it.
func TestDueFollowUpsUseTheOpenIndex(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := s.ImportTasks(ctx, sampleList(), false); err != nil {
			t.Fatal(err)
		}
		tasks, err := models.AllTasks(s.DB)
		if err != nil {
			t.Fatal(err)
		}
		d := tasks[0]
		now := clock.Now()
		var history []models.Reminder
		for i := range 300 {
			at := now.Add(time.Duration(i-300) * time.Hour)
			history = append(history, models.Reminder{TaskID: d.Task.ID, PersonID: d.Attendants[0].ID, Kind: models.ReminderSlot,
				SlotKey: at.Format(time.RFC3339), SlotAt: at, FollowUpDone: true})
		}
		due := now.Add(-time.Minute)
		later := now.Add(time.Hour)
		history[299].FollowUpAt, history[299].FollowUpDone = &later, false
		history[298].FollowUpAt, history[298].FollowUpDone = &due, false
		if err := s.DB.CreateInBatches(history, 100).Error; err != nil {
			t.Fatal(err)
		}

		capture := &sqlCapture{}
		got, err := models.DueFollowUps(s.DB.Session(&gorm.Session{Logger: capture}), now, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != history[298].ID {
			t.Fatalf("due follow-ups %+v, want only reminder %d", got, history[298].ID)
		}
		// The newer slot closes the older one's follow-up; the sweep, too,
		// starts from the open ones.
		if n, err := models.SettleFollowUps(s.DB.Session(&gorm.Session{Logger: capture})); err != nil || n != 1 {
			t.Fatalf("settled %d follow-ups (%v), want 1", n, err)
		}
		var open []uint
		s.DB.Model(&models.Reminder{}).Where("follow_up_at IS NOT NULL").Pluck("id", &open)
		if len(open) != 1 || open[0] != history[299].ID {
			t.Fatalf("open follow-ups %v, want only %d", open, history[299].ID)
		}
		if len(capture.stmt) != 2 {
			t.Fatalf("statements %q", capture.stmt)
		}
		for _, stmt := range capture.stmt {
			plan := explain(t, s, stmt)
			if !strings.Contains(plan, "idx_reminders_follow_up_open") {
				t.Errorf("not read through the open follow-ups' index:\n%s\nplan:\n%s", stmt, plan)
			}
		}
	})
}

// explain returns the query plan of sql. PostgreSQL is told to avoid a
// sequential scan, which it would rightly prefer on a test-sized table:
// what matters is that the index can answer the query.
func explain(t *testing.T, s *models.Store, sql string) string {
	t.Helper()
	var lines []string
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		if s.Dialect == models.Postgres {
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
			return tx.Raw("EXPLAIN " + sql).Scan(&lines).Error
		}
		var rows []struct{ Detail string }
		if err := tx.Raw("EXPLAIN QUERY PLAN " + sql).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			lines = append(lines, r.Detail)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// An upgrade closes the follow-ups already handled, so that the open
// index starts small.
func TestFollowUpMigrationClosesHandledFollowUps(t *testing.T) {
	ctx := context.Background()
	path := storetest.SQLitePath(t)
	old, err := models.Open(ctx, path, models.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.MigrateTo(ctx, "0005_admin_summaries"); err != nil {
		t.Fatal(err)
	}
	err = old.DB.Exec(`INSERT INTO reminders (task_id, person_id, kind, slot_key, slot_at, follow_up_at, follow_up_done, created_at) VALUES
(1, 1, 'slot', '2026-11-23T09:00', '2026-11-23 01:00:00', '2026-11-23 05:00:00', true, CURRENT_TIMESTAMP),
(1, 1, 'slot', '2026-11-24T09:00', '2026-11-24 01:00:00', '2026-11-24 05:00:00', false, CURRENT_TIMESTAMP)`).Error
	if err != nil {
		t.Fatal(err)
	}
	_ = old.Close()
	s, err := models.Open(ctx, path, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var open []string
	if err := s.DB.Model(&models.Reminder{}).Where("follow_up_at IS NOT NULL").Order("id").Pluck("slot_key", &open).Error; err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0] != "2026-11-24T09:00" {
		t.Fatalf("open follow-ups after the upgrade: %v, want only 2026-11-24T09:00", open)
	}
	if !s.DB.Migrator().HasIndex(&models.Reminder{}, "idx_reminders_follow_up_open") || s.DB.Migrator().HasIndex(&models.Reminder{}, "idx_reminders_follow_up_at") {
		t.Fatal("follow-up index not replaced")
	}
}
