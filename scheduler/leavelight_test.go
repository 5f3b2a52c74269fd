package scheduler_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// The light stays green through a leave: the slots of a task whose one
// attendant is away with nobody to stand in are no silence, while the same
// silence of someone not away (T0001's attendant) turns its task yellow.
// Leave recorded after the fact makes the slots already sent no silence
// either. A deputy reminded in the absent person's place who says nothing is
// silent themself, as the leader's escalation counts them.
func TestLightStaysGreenThroughALeave(t *testing.T) {
	for _, tc := range []struct {
		name   string
		deputy bool
		// recordedOn is the day of the week (0 for Monday) the leave is
		// recorded, at 08:00, before that day's slot.
		recordedOn int
		want       models.Light
	}{
		{"nobody stands in", false, 0, models.LightGreen},
		{"recorded on Wednesday", false, 2, models.LightGreen},
		{"silent deputy", true, 0, models.LightYellow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
			storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
				clock.Set(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
				ctx := context.Background()
				seedTasks(t, s, 2, 1) // T0000: 联络员0; T0001: 联络员1
				if err := s.DB.Exec("UPDATE people SET department = '区发改局'").Error; err != nil {
					t.Fatal(err)
				}
				r := newReminders(s)
				if err := r.Tick(ctx); err != nil {
					t.Fatal(err)
				}
				away, err := models.PersonByKey(s.DB, "联络员0")
				if err != nil {
					t.Fatal(err)
				}
				other, err := models.PersonByKey(s.DB, "联络员1")
				if err != nil {
					t.Fatal(err)
				}
				shanghai, _ := time.LoadLocation("Asia/Shanghai")
				in := models.LeaveInput{PersonID: away.ID, Kind: models.LeaveTrip,
					FirstDay: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), LastDay: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Location: shanghai}
				if tc.deputy {
					in.DeputyID = other.ID
				}
				// Monday to Thursday, 09:30: four slots, nobody reports.
				for d := range 4 {
					if d == tc.recordedOn {
						clock.Set(time.Date(2026, 11, 23+d, 0, 0, 0, 0, time.UTC))
						if err := s.Tx(ctx, func(tx *gorm.DB) error {
							_, err := models.RecordLeave(tx, away.ID, false, in, clock.Now())
							return err
						}); err != nil {
							t.Fatal(err)
						}
					}
					clock.Set(time.Date(2026, 11, 23+d, 1, 30, 0, 0, time.UTC))
					if err := r.Tick(ctx); err != nil {
						t.Fatal(err)
					}
				}
				var slots int64
				if err := s.DB.Model(&models.Reminder{}).Where("kind = ?", models.ReminderSlot).Count(&slots).Error; err != nil {
					t.Fatal(err)
				}
				// T0001's four, T0000's before the leave was known and, with a
				// deputy, the deputy's four for T0000.
				want := int64(4 + tc.recordedOn)
				if tc.deputy {
					want += 4
				}
				if slots != want {
					t.Fatalf("%d slot reminders sent, want %d", slots, want)
				}
				today := models.Today(clock.Now(), shanghai)
				// The summary's facts (by task) and the board's (by viewer).
				board, err := models.LightFactsVisibleTo(s.DB, models.Viewer{Admin: true})
				if err != nil {
					t.Fatal(err)
				}
				for code, want := range map[string]models.Light{"T0000": tc.want, "T0001": models.LightYellow} {
					d, err := models.TaskByCode(s.DB, code)
					if err != nil {
						t.Fatal(err)
					}
					lit := []models.TaskDetail{*d}
					if err := models.AttachLights(s.DB, lit, today, models.DefaultLightRules); err != nil {
						t.Fatal(err)
					}
					if got := lit[0].Light; got != want {
						t.Errorf("%s in the summary: light %s, want %s", code, got, want)
					}
					if got := models.StatusLight(d.Task, d.Milestones, board[d.Task.ID], today, models.DefaultLightRules); got != want {
						t.Errorf("%s on the board: light %s, want %s", code, got, want)
					}
				}
			})
		})
	}
}
