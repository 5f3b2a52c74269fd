package scheduler_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A follow-up no longer needed — someone reported, the task closed, a
// newer slot reminded the same person — is cleared as soon as the
// reminders look, so that only open follow-ups keep a follow_up_at and
// finding the due ones never reads the history.
func TestFollowUpsAreClearedOnceNotNeeded(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(testing.TB, models.Options) *models.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
			s := db.open(t, models.Options{Clock: clock.Now})
			seedTasks(t, s, 3, 1)
			r := newReminders(s)
			tick := func() {
				t.Helper()
				if err := r.Tick(ctx); err != nil {
					t.Fatal(err)
				}
			}
			open := func() []string {
				t.Helper()
				var codes []string
				err := s.DB.Table("reminders r").Select("t.code").Joins("JOIN tasks t ON t.id = r.task_id").
					Where("r.follow_up_at IS NOT NULL").Order("t.code, r.slot_at").Scan(&codes).Error
				if err != nil {
					t.Fatal(err)
				}
				return codes
			}
			followUps := func() int64 {
				t.Helper()
				var n int64
				if err := s.DB.Model(&models.Reminder{}).Where("kind = ?", models.ReminderFollowUp).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				return n
			}
			tasks, err := models.AllTasks(s.DB)
			if err != nil {
				t.Fatal(err)
			}
			tick()
			clock.Set(time.Date(2026, 11, 23, 1, 1, 0, 0, time.UTC)) // 09:01, the first slot
			tick()
			if got := open(); len(got) != 3 {
				t.Fatalf("open follow-ups after the first slot: %v", got)
			}

			// T0000 reports; T0001 closes.
			clock.Advance(time.Hour)
			err = s.Tx(ctx, func(tx *gorm.DB) error {
				d := tasks[0]
				_, err := models.RecordReport(tx, d.Attendants[0].ID, models.ReportInput{TaskID: d.Task.ID, MilestoneID: d.Milestones[0].ID,
					State: models.StateOnTrack}, clock.Now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DB.Model(&models.Task{}).Where("id = ?", tasks[1].Task.ID).Update("done", true).Error; err != nil {
				t.Fatal(err)
			}
			tick()
			if got := open(); len(got) != 1 || got[0] != "T0002" {
				t.Fatalf("open follow-ups after a report and a close-out: %v, want [T0002]", got)
			}

			// T0002's follow-up goes out, once, and is then closed.
			clock.Set(time.Date(2026, 11, 23, 5, 2, 0, 0, time.UTC)) // 13:02
			tick()
			tick()
			if got := open(); len(got) != 0 {
				t.Fatalf("open follow-ups after the follow-up went out: %v", got)
			}
			if n := followUps(); n != 1 {
				t.Fatalf("%d follow-ups sent, want 1 (T0002)", n)
			}

			// A follow-up longer than the gap between slots: the newer slot
			// takes its place.
			r.FollowUp = 30 * time.Hour
			for day := 1; day <= 3; day++ {
				clock.Set(time.Date(2026, 11, 23+day, 1, 1, 0, 0, time.UTC)) // 09:01
				tick()
				if got := open(); len(got) != 2 || got[0] != "T0000" || got[1] != "T0002" {
					t.Fatalf("day %d: open follow-ups %v, want one each for T0000 and T0002", day, got)
				}
			}
			if n := followUps(); n != 1 {
				t.Fatalf("%d follow-ups sent, want still 1", n)
			}
		})
	}
}
