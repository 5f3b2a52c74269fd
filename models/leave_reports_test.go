package models_test

import (
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// Leave never moves or deletes a report: recording leave after the fact
// over days already reported, a deputy's delegation ending, cancelling the
// leave, a new leave over the reported days and coming back leave every
// report row — its reporter and on whose behalf included — as it was.
func TestLeaveLeavesReportsAlone(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // Monday 09:00 in Shanghai
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		// 孙丽 of the finance bureau becomes a colleague of 张伟's
		// department, and so may stand in for them.
		if err := s.DB.Model(&models.Person{}).Where("id IN ?", []uint{k.stranger, k.attendant}).Update("department", "区住建局").Error; err != nil {
			t.Fatal(err)
		}
		rows := func() []models.Report {
			t.Helper()
			var rs []models.Report
			if err := s.DB.Order("id").Find(&rs).Error; err != nil {
				t.Fatal(err)
			}
			return rs
		}
		var want []models.Report
		same := func(after string) {
			t.Helper()
			if got := rows(); !reflect.DeepEqual(got, want) {
				t.Fatalf("after %s: %d report rows %+v, want %d as they were %+v", after, len(got), got, len(want), want)
			}
		}

		// 张伟 reports on Monday; the leave for the whole week is
		// recorded on Tuesday, over the reported slot.
		if _, err := k.report(k.attendant, models.ReportInput{MilestoneID: k.m1.ID, State: models.StateOnTrack, Percent: intp(40)}); err != nil {
			t.Fatal(err)
		}
		if _, err := k.report(k.other, models.ReportInput{MilestoneID: k.m2.ID, State: models.StateOnTrack, Percent: intp(10)}); err != nil {
			t.Fatal(err)
		}
		want = rows()
		clock.Set(time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC))
		leave, err := k.leave(k.attendant, false, models.LeaveInput{PersonID: k.attendant, FirstDay: day(2026, 3, 2), LastDay: day(2026, 3, 6), DeputyID: k.stranger})
		if err != nil {
			t.Fatal(err)
		}
		same("leave recorded after the fact")

		// The deputy reports for them; then the deputy's account goes
		// elsewhere, which ends the delegation.
		byDeputy, err := k.report(k.stranger, models.ReportInput{MilestoneID: k.m1.ID, State: models.StateAtRisk, Percent: intp(50)})
		if err != nil {
			t.Fatal(err)
		}
		if byDeputy.OnBehalfOfID == nil || *byDeputy.OnBehalfOfID != k.attendant {
			t.Fatalf("the deputy's report %+v, want it for 张伟", byDeputy)
		}
		want = rows()
		var ended []models.DelegationEnd
		err = k.tx(func(tx *gorm.DB) error {
			ended, err = models.DelegationsEndedBy(tx, clock.Now(), func() error {
				return tx.Model(&models.Person{}).Where("id = ?", k.stranger).Update("telegram_id", nil).Error
			})
			return err
		})
		if err != nil || len(ended) != 1 {
			t.Fatalf("delegations ended %+v, %v", ended, err)
		}
		same("the delegation ended")

		if err := k.tx(func(tx *gorm.DB) error {
			_, err := models.CancelLeave(tx, k.attendant, false, leave.ID, clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		same("the leave cancelled")

		// Away again over the same days, then back early.
		if err := s.DB.Model(&models.Person{}).Where("id = ?", k.stranger).Update("telegram_id", 5000).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := k.leave(k.attendant, true, models.LeaveInput{PersonID: k.attendant, FirstDay: day(2026, 3, 2), LastDay: day(2026, 3, 4), DeputyID: k.stranger}); err != nil {
			t.Fatal(err)
		}
		same("a new leave over the reported days")
		if err := k.tx(func(tx *gorm.DB) error {
			_, _, err := models.EndLeave(tx, k.attendant, clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		same("the return")
		if len(want) != 3 {
			t.Fatalf("%d reports, want 3", len(want))
		}
	})
}
