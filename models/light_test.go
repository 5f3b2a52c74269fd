package models_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

func TestStatusLight(t *testing.T) {
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	day := func(offset int) time.Time { return today.AddDate(0, 0, offset) }
	ms := func(states ...any) []models.Milestone {
		var out []models.Milestone
		for i := 0; i < len(states); i += 2 {
			out = append(out, models.Milestone{Seq: i/2 + 1, DueDate: states[i].(time.Time), State: states[i+1].(models.MilestoneState)})
		}
		return out
	}
	tests := []struct {
		name  string
		task  models.Task
		ms    []models.Milestone
		facts models.LightFacts
		want  models.Light
	}{
		{"all done", models.Task{}, ms(day(-10), models.StateDone, day(30), models.StateDone), models.LightFacts{}, models.LightDone},
		{"closed even with open milestones", models.Task{Done: true}, ms(day(-3), models.StateOnTrack), models.LightFacts{}, models.LightDone},
		{"no milestones is not done", models.Task{}, nil, models.LightFacts{}, models.LightGreen},
		{"past due and not done", models.Task{}, ms(day(-1), models.StateOnTrack, day(60), models.StatePending), models.LightFacts{}, models.LightRed},
		{"due today is not past due", models.Task{}, ms(day(0), models.StateOnTrack), models.LightFacts{}, models.LightYellow},
		{"past due but done", models.Task{}, ms(day(-5), models.StateDone, day(60), models.StateOnTrack), models.LightFacts{}, models.LightGreen},
		{"open coordination", models.Task{}, ms(day(60), models.StateOnTrack), models.LightFacts{OpenCoordination: 1}, models.LightRed},
		{"latest report blocked", models.Task{}, ms(day(60), models.StateOnTrack), models.LightFacts{LatestReportBlocked: true}, models.LightRed},
		{"due in 7 days", models.Task{}, ms(day(7), models.StateOnTrack), models.LightFacts{}, models.LightYellow},
		{"due in 8 days", models.Task{}, ms(day(8), models.StateOnTrack), models.LightFacts{}, models.LightGreen},
		{"two silent slots", models.Task{}, ms(day(60), models.StateOnTrack), models.LightFacts{SilentSlots: 2}, models.LightYellow},
		{"one silent slot", models.Task{}, ms(day(60), models.StateOnTrack), models.LightFacts{SilentSlots: 1}, models.LightGreen},
		{"red beats yellow", models.Task{}, ms(day(-1), models.StateAtRisk, day(3), models.StatePending), models.LightFacts{SilentSlots: 5}, models.LightRed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.StatusLight(tc.task, tc.ms, tc.facts, today, models.DefaultLightRules); got != tc.want {
				t.Fatalf("light %s, want %s", got, tc.want)
			}
		})
	}
}

func TestTodayIsTheReadersDate(t *testing.T) {
	// 2026-11-27 20:00 UTC is already the 28th in Shanghai.
	now := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if got := models.Today(now, shanghai); !got.Equal(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("today in Shanghai = %v", got)
	}
	if got := models.Today(now, time.UTC); !got.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("today in UTC = %v", got)
	}
}

func TestLightFactsFromTheStore(t *testing.T) {
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
		t1, t2 := tasks[0], tasks[1]
		// T02: two reminder slots and no report; T01: blocked, then an
		// open coordination request.
		for i, key := range []string{"2026-11-25T09:00", "2026-11-26T09:00"} {
			rem := models.Reminder{TaskID: t2.Task.ID, PersonID: t2.Attendants[0].ID, Kind: models.ReminderSlot, SlotKey: key,
				SlotAt: clock.Now().AddDate(0, 0, i-2)}
			if err := s.DB.Create(&rem).Error; err != nil {
				t.Fatal(err)
			}
		}
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.RecordReport(tx, t1.Attendants[0].ID, models.ReportInput{TaskID: t1.Task.ID, MilestoneID: t1.Milestones[1].ID,
				State: models.StateBlocked}, s.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		s.DB.Create(&models.CoordinationRequest{TaskID: t1.Task.ID, RaisedByID: t1.Attendants[0].ID, Text: "用地"})
		facts, err := models.LoadLightFacts(s.DB, []uint{t1.Task.ID, t2.Task.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := map[uint]models.LightFacts{
			t1.Task.ID: {OpenCoordination: 1, LatestReportBlocked: true},
			t2.Task.ID: {SilentSlots: 2},
		}
		if !reflect.DeepEqual(facts, want) {
			t.Fatalf("facts %+v, want %+v", facts, want)
		}
	})
}
