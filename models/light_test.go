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
	warn3 := models.LightRules{WarnDays: 3, MissedSlots: 2}
	tests := []struct {
		name  string
		task  models.Task
		ms    []models.Milestone
		facts models.LightFacts
		rules models.LightRules
		want  models.Light
	}{
		{"all done", models.Task{}, ms(day(-10), models.StateDone, day(30), models.StateDone), models.LightFacts{}, models.DefaultLightRules, models.LightDone},
		{"closed even with open milestones", models.Task{Done: true}, ms(day(-3), models.StateOnTrack), models.LightFacts{}, models.DefaultLightRules, models.LightDone},
		{"closed beats an open request", models.Task{Done: true}, ms(day(60), models.StateDone), models.LightFacts{OpenCoordination: 1}, models.DefaultLightRules, models.LightDone},
		{"no milestones is not done", models.Task{}, nil, models.LightFacts{}, models.DefaultLightRules, models.LightGreen},
		{"past due and not done", models.Task{}, ms(day(-1), models.StateOnTrack, day(60), models.StatePending), models.LightFacts{}, models.DefaultLightRules, models.LightRed},
		{"due today is not past due", models.Task{}, ms(day(0), models.StateOnTrack), models.LightFacts{}, models.DefaultLightRules, models.LightYellow},
		{"past due but done", models.Task{}, ms(day(-5), models.StateDone, day(60), models.StateOnTrack), models.LightFacts{}, models.DefaultLightRules, models.LightGreen},
		{"no due date is never late", models.Task{}, ms(time.Time{}, models.StateOnTrack), models.LightFacts{}, models.DefaultLightRules, models.LightGreen},
		{"open coordination", models.Task{}, ms(day(60), models.StateOnTrack), models.LightFacts{OpenCoordination: 1}, models.DefaultLightRules, models.LightRed},
		{"blocked milestone", models.Task{}, ms(day(60), models.StateBlocked), models.LightFacts{}, models.DefaultLightRules, models.LightRed},
		// The blocked milestone's report is not the task's newest: the
		// newest says on track, on another milestone.
		{"blocked milestone not the newest report", models.Task{}, ms(day(60), models.StateBlocked, day(90), models.StateOnTrack), models.LightFacts{}, models.DefaultLightRules, models.LightRed},
		{"due in 7 days", models.Task{}, ms(day(7), models.StateOnTrack), models.LightFacts{}, models.DefaultLightRules, models.LightYellow},
		{"due in 8 days", models.Task{}, ms(day(8), models.StateOnTrack), models.LightFacts{}, models.DefaultLightRules, models.LightGreen},
		{"due in 3 days, warn 3", models.Task{}, ms(day(3), models.StateOnTrack), models.LightFacts{}, warn3, models.LightYellow},
		{"due in 5 days, warn 3", models.Task{}, ms(day(5), models.StateOnTrack), models.LightFacts{}, warn3, models.LightGreen},
		{"due soon but done", models.Task{}, ms(day(2), models.StateDone, day(60), models.StateOnTrack), models.LightFacts{}, models.DefaultLightRules, models.LightGreen},
		{"two silent slots", models.Task{}, ms(day(60), models.StateOnTrack), models.LightFacts{SilentSlots: 2}, models.DefaultLightRules, models.LightYellow},
		{"one silent slot", models.Task{}, ms(day(60), models.StateOnTrack), models.LightFacts{SilentSlots: 1}, models.DefaultLightRules, models.LightGreen},
		{"red beats yellow", models.Task{}, ms(day(-1), models.StateAtRisk, day(3), models.StatePending), models.LightFacts{SilentSlots: 5}, models.DefaultLightRules, models.LightRed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.StatusLight(tc.task, tc.ms, tc.facts, today, tc.rules); got != tc.want {
				t.Fatalf("light %s, want %s", got, tc.want)
			}
		})
	}
}

// The lists of overdue, soon-due and blocked milestones use the light's
// own predicates; these pin their edges.
func TestMilestonePredicates(t *testing.T) {
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	warn3 := models.LightRules{WarnDays: 3}
	tests := []struct {
		name                   string
		due                    time.Time
		state                  models.MilestoneState
		overdue, soon, blocked bool
	}{
		{"yesterday", today.AddDate(0, 0, -1), models.StateOnTrack, true, false, false},
		{"yesterday, done", today.AddDate(0, 0, -1), models.StateDone, false, false, false},
		{"today", today, models.StatePending, false, true, false},
		{"in 3 days", today.AddDate(0, 0, 3), models.StateAtRisk, false, true, false},
		{"in 4 days", today.AddDate(0, 0, 4), models.StateOnTrack, false, false, false},
		{"in 2 days, done", today.AddDate(0, 0, 2), models.StateDone, false, false, false},
		{"no due date", time.Time{}, models.StateOnTrack, false, false, false},
		{"blocked and late", today.AddDate(0, 0, -3), models.StateBlocked, true, false, true},
		// A due date read back in another zone is the same calendar date.
		{"due date in local time", time.Date(2026, 11, 27, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)), models.StateOnTrack, false, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := models.Milestone{DueDate: tc.due, State: tc.state}
			if got := models.MilestoneOverdue(m, today); got != tc.overdue {
				t.Errorf("overdue %v, want %v", got, tc.overdue)
			}
			if got := models.MilestoneDueSoon(m, today, warn3); got != tc.soon {
				t.Errorf("due soon %v, want %v", got, tc.soon)
			}
			if got := models.MilestoneBlocked(m); got != tc.blocked {
				t.Errorf("blocked %v, want %v", got, tc.blocked)
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
			t1.Task.ID: {OpenCoordination: 1},
			t2.Task.ID: {SilentSlots: 2},
		}
		if !reflect.DeepEqual(facts, want) {
			t.Fatalf("facts %+v, want %+v", facts, want)
		}
		// The same facts read for whoever may see the tasks, without
		// naming them: 刘洋 reports on T01 alone.
		liu, err := models.PersonByKey(s.DB, "刘洋")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			viewer models.Viewer
			want   map[uint]models.LightFacts
		}{
			{models.Viewer{Admin: true}, want},
			{models.Viewer{PersonID: liu.ID}, map[uint]models.LightFacts{t1.Task.ID: want[t1.Task.ID]}},
			{models.Viewer{}, map[uint]models.LightFacts{}},
		} {
			got, err := models.LightFactsVisibleTo(s.DB, tc.viewer)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("facts visible to %+v: %+v, want %+v", tc.viewer, got, tc.want)
			}
		}
	})
}

// A task is red while any milestone's latest standing report says blocked,
// whatever was reported after it on other milestones; a correction or a
// withdrawal of that report lifts it.
func TestBlockedMilestoneKeepsTheTaskRed(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		list := sampleList()
		for i := range list[0].Milestones {
			list[0].Milestones[i].Due = time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
		}
		if _, err := s.ImportTasks(ctx, list, false); err != nil {
			t.Fatal(err)
		}
		d, err := models.TaskByCode(s.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		report := func(seq int, state models.MilestoneState, supersedes *uint) *models.Report {
			t.Helper()
			clock.Advance(time.Minute)
			var r *models.Report
			err := s.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				if supersedes != nil {
					c, err := models.CorrectReport(tx, d.Attendants[0].ID, *supersedes, models.Change{State: state}, clock.Now(), time.Hour)
					if err == nil {
						r = c.Report
					}
					return err
				}
				r, err = models.RecordReport(tx, d.Attendants[0].ID, models.ReportInput{TaskID: d.Task.ID, MilestoneID: d.Milestones[seq-1].ID,
					State: state}, clock.Now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		light := func() models.Light {
			t.Helper()
			one, err := models.TaskByCode(s.DB, "T01")
			if err != nil {
				t.Fatal(err)
			}
			lit := []models.TaskDetail{*one}
			if err := models.AttachLights(s.DB, lit, models.Today(clock.Now(), time.UTC), models.DefaultLightRules); err != nil {
				t.Fatal(err)
			}
			return lit[0].Light
		}
		blocked := report(1, models.StateBlocked, nil)
		report(2, models.StateOnTrack, nil)
		if got := light(); got != models.LightRed {
			t.Fatalf("milestone 1 blocked, newer report on 2: light %s, want red", got)
		}
		report(1, models.StateOnTrack, &blocked.ID)
		if got := light(); got != models.LightGreen {
			t.Fatalf("blocked report corrected: light %s, want green", got)
		}
		again := report(1, models.StateBlocked, nil)
		if got := light(); got != models.LightRed {
			t.Fatalf("blocked again: light %s, want red", got)
		}
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.WithdrawReport(tx, d.Attendants[0].ID, again.ID, clock.Now(), time.Hour)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := light(); got != models.LightGreen {
			t.Fatalf("blocked report withdrawn: light %s, want green", got)
		}
	})
}
