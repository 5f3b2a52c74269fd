package models_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A deputy taken off the task by an import, or whose account goes to
// someone else, stops standing in: the import and the change report the
// delegation as ended (audited), and the stand-in chain moves on to the
// task's other people.
func TestDelegationEndsWhenTheDeputyGoes(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		// 张伟 away, 刘洋 (another attendant of T01) their deputy.
		if _, err := k.leave(k.attendant, false, models.LeaveInput{PersonID: k.attendant, FirstDay: day(2026, 3, 2), LastDay: day(2026, 3, 8), DeputyID: k.other}); err != nil {
			t.Fatal(err)
		}
		standIn := func() *models.StandIn {
			in, err := models.StandInFor(s.DB, k.d.Task.ID, k.attendant, clock.Now())
			if err != nil || in == nil {
				t.Fatalf("stand-in %+v, %v", in, err)
			}
			return in
		}
		if in := standIn(); !in.Named || in.Person.ID != k.other {
			t.Fatalf("stand-in %+v, want the named deputy", in)
		}

		// The task list no longer has 刘洋 on T01.
		list := sampleList()
		list[0].Attendants = list[0].Attendants[:1]
		res, err := s.ImportTasks(context.Background(), list, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.DelegationsEnded) != 1 {
			t.Fatalf("delegations ended %+v, want 刘洋's on T01", res.DelegationsEnded)
		}
		e := res.DelegationsEnded[0]
		if e.DeputyID != k.other || e.PersonID != k.attendant || e.TaskID != k.d.Task.ID || e.Why != "removed" || e.DeputyKey != "刘洋" {
			t.Fatalf("ended %+v", e)
		}
		if in := standIn(); in.Named || in.Person == nil || in.Person.ID != k.owner {
			t.Fatalf("stand-in after the removal %+v, want the person in charge by role", in)
		}
		var audits int64
		s.DB.Model(&models.AuditEvent{}).Where("kind = ?", "delegation_ended").Count(&audits)
		if audits != 1 {
			t.Fatalf("%d delegation audit rows, want 1", audits)
		}
		// Importing again ends nothing more.
		if res, err := s.ImportTasks(context.Background(), list, false); err != nil || len(res.DelegationsEnded) != 0 {
			t.Fatalf("second import: %+v, %v", res.DelegationsEnded, err)
		}

		// A colleague of 张伟's department, on no task, deputises on a
		// leave to come; once unbound, they stop.
		if err := s.DB.Model(&models.Person{}).Where("id IN ?", []uint{k.stranger, k.attendant}).Update("department", "区住建局").Error; err != nil {
			t.Fatal(err)
		}
		if _, err := k.leave(k.attendant, false, models.LeaveInput{PersonID: k.attendant, FirstDay: day(2026, 3, 9), LastDay: day(2026, 3, 9), DeputyID: k.stranger}); err != nil {
			t.Fatal(err)
		}
		var ended []models.DelegationEnd
		err = k.tx(func(tx *gorm.DB) error {
			var err error
			ended, err = models.DelegationsEndedBy(tx, clock.Now(), func() error {
				return tx.Model(&models.Person{}).Where("id = ?", k.stranger).Update("telegram_id", nil).Error
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ended) != 1 || ended[0].Why != "unbound" || ended[0].DeputyID != k.stranger {
			t.Fatalf("ended by unbinding %+v", ended)
		}
	})
}
