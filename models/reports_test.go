package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

func intp(n int) *int { return &n }

func TestReportRules(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := s.ImportTasks(ctx, sampleList(), false); err != nil {
			t.Fatal(err)
		}
		d, err := models.TaskByCode(s.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		attendant, owner, leader := d.Attendants[0].ID, d.Owners[0].ID, d.Leaders[0].ID
		m1, m2 := d.Milestones[0], d.Milestones[1]
		record := func(in models.ReportInput) (*models.Report, error) {
			var r *models.Report
			err := s.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				r, err = models.RecordReport(tx, in)
				return err
			})
			return r, err
		}
		milestone := func(id uint) models.Milestone {
			var m models.Milestone
			s.DB.Take(&m, id)
			return m
		}
		refused := []struct {
			name string
			in   models.ReportInput
			want error
		}{
			{"leader", models.ReportInput{TaskID: d.Task.ID, MilestoneID: m1.ID, PersonID: leader, State: models.StateOnTrack}, models.ErrNotReporter},
			{"percent over 100", models.ReportInput{TaskID: d.Task.ID, MilestoneID: m1.ID, PersonID: attendant, State: models.StateOnTrack, Percent: intp(120)}, models.ErrBadPercent},
			{"bad state", models.ReportInput{TaskID: d.Task.ID, MilestoneID: m1.ID, PersonID: attendant, State: "great"}, models.ErrBadState},
			{"other task's milestone", models.ReportInput{TaskID: d.Task.ID, MilestoneID: 9999, PersonID: attendant, State: models.StateOnTrack}, models.ErrMilestoneUnknown},
		}
		for _, tc := range refused {
			if _, err := record(tc.in); !errors.Is(err, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			}
		}
		var n int64
		s.DB.Model(&models.Report{}).Count(&n)
		if n != 0 {
			t.Fatalf("refused reports stored: %d", n)
		}

		first, err := record(models.ReportInput{TaskID: d.Task.ID, MilestoneID: m1.ID, PersonID: attendant, State: models.StateOnTrack, Percent: intp(60), Note: "对接中"})
		if err != nil {
			t.Fatal(err)
		}
		if got := milestone(m1.ID); got.State != models.StateOnTrack || got.Percent != 60 {
			t.Fatalf("after 60%%: %+v", got)
		}
		if _, err := record(models.ReportInput{TaskID: d.Task.ID, MilestoneID: m1.ID, PersonID: owner, State: models.StateAtRisk}); err != nil {
			t.Fatal(err)
		}
		if got := milestone(m1.ID); got.State != models.StateAtRisk || got.Percent != 60 {
			t.Fatalf("a report without percent lost the last one: %+v", got)
		}
		done, err := record(models.ReportInput{TaskID: d.Task.ID, MilestoneID: m1.ID, PersonID: attendant, State: models.StateOnTrack, Percent: intp(100)})
		if err != nil || done.State != models.StateDone {
			t.Fatalf("100%% is done: %+v %v", done, err)
		}
		if _, err := record(models.ReportInput{TaskID: d.Task.ID, MilestoneID: m1.ID, PersonID: owner, State: models.StateBlocked}); !errors.Is(err, models.ErrMilestoneDone) {
			t.Fatalf("report on a done milestone: %v", err)
		}
		// The attendant meant milestone 2: the correction moves it.
		fixed, err := record(models.ReportInput{TaskID: d.Task.ID, MilestoneID: m2.ID, PersonID: attendant, State: models.StateDone, Supersedes: &done.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := milestone(m1.ID); got.State != models.StateAtRisk || got.Percent != 60 {
			t.Fatalf("milestone 1 after correction: %+v", got)
		}
		if got := milestone(m2.ID); got.State != models.StateDone || got.Percent != 100 {
			t.Fatalf("milestone 2 after correction: %+v", got)
		}
		var old models.Report
		s.DB.Take(&old, done.ID)
		if old.SupersededBy == nil || *old.SupersededBy != fixed.ID {
			t.Fatal("corrected report not marked superseded")
		}

		withdraw := func(id, person uint) error {
			return s.Tx(ctx, func(tx *gorm.DB) error {
				_, err := models.WithdrawReport(tx, id, person, clock.Now(), 30*time.Minute)
				return err
			})
		}
		if err := withdraw(fixed.ID, owner); !errors.Is(err, models.ErrReportNotYours) {
			t.Fatalf("withdraw by someone else: %v", err)
		}
		if err := withdraw(fixed.ID, attendant); err != nil {
			t.Fatal(err)
		}
		if got := milestone(m2.ID); got.State != models.StatePending || got.Percent != 0 {
			t.Fatalf("milestone 2 after withdrawal: %+v", got)
		}
		clock.Advance(31 * time.Minute)
		if err := withdraw(first.ID, attendant); !errors.Is(err, models.ErrCorrectionClosed) {
			t.Fatalf("late withdrawal: %v", err)
		}
		s.DB.Model(&models.Report{}).Count(&n)
		if n != 4 {
			t.Fatalf("history has %d reports, want all 4", n)
		}
	})
}
