package models_test

import (
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A deputy may ask for the close-out of the absent person's task only
// where the deployment allows it (CloseRules.Deputies), only while they
// stand in, and nobody else gains the right by it.
func TestDeputyCloseOutWhenAllowed(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		if err := s.DB.Model(&models.Person{}).Where("id IN ?", []uint{k.stranger, k.attendant}).Update("department", "区住建局").Error; err != nil {
			t.Fatal(err)
		}
		for _, m := range k.d.Milestones {
			if _, err := k.report(k.attendant, models.ReportInput{MilestoneID: m.ID, State: models.StateDone}); err != nil {
				t.Fatal(err)
			}
		}
		ask := func(by uint, rules models.CloseRules) error {
			return k.tx(func(tx *gorm.DB) error {
				_, err := models.RequestCloseWith(tx, by, k.d.Task.ID, rules, clock.Now())
				return err
			})
		}
		allowed := models.CloseRules{Deputies: true}
		if err := ask(k.stranger, allowed); !errors.Is(err, models.ErrNotReporter) {
			t.Fatalf("before any leave: %v, want ErrNotReporter", err)
		}
		if _, err := k.leave(k.attendant, false, models.LeaveInput{PersonID: k.attendant, FirstDay: day(2026, 3, 2), LastDay: day(2026, 3, 8), DeputyID: k.stranger}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			by    uint
			rules models.CloseRules
		}{{"deputy, not allowed", k.stranger, models.CloseRules{}}, {"leader, allowed", k.leader, allowed}} {
			t.Run(c.name, func(t *testing.T) {
				if err := ask(c.by, c.rules); !errors.Is(err, models.ErrNotReporter) {
					t.Fatalf("got %v, want ErrNotReporter", err)
				}
			})
		}
		if err := ask(k.stranger, allowed); err != nil {
			t.Fatalf("the deputy, allowed: %v", err)
		}
		var audit models.AuditEvent
		if err := s.DB.Where("kind = ?", "close_requested").Take(&audit).Error; err != nil {
			t.Fatal(err)
		}
		if audit.PersonID == nil || *audit.PersonID != k.stranger {
			t.Fatalf("audit %+v, want the deputy's", audit)
		}
	})
}
