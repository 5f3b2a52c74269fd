package models_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// Reminder rows recorded together keep their slot times in the form the
// follow-up queries compare, and a row already recorded is left as it is.
func TestRecordRemindersOnce(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		slot := clock.Now().Add(-time.Hour)
		follow := slot.Add(30 * time.Minute)
		later := slot.Add(24 * time.Hour)
		rows := []models.Reminder{
			{TaskID: 1, PersonID: 1, Kind: models.ReminderSlot, SlotKey: "s1", SlotAt: slot, FollowUpAt: &follow},
			{TaskID: 1, PersonID: 2, Kind: models.ReminderManual, SlotKey: "s1", SlotAt: slot},
			{TaskID: 2, PersonID: 1, Kind: models.ReminderSlot, SlotKey: "s2", SlotAt: later, FollowUpAt: &later},
		}
		for range 2 {
			if err := s.Tx(context.Background(), func(tx *gorm.DB) error { return models.RecordReminders(tx, rows) }); err != nil {
				t.Fatal(err)
			}
		}
		var n int64
		s.DB.Model(&models.Reminder{}).Count(&n)
		if n != 3 {
			t.Fatalf("%d reminder rows, want 3", n)
		}
		due, err := models.DueFollowUps(s.DB, clock.Now(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 1 || due[0].TaskID != 1 || due[0].PersonID != 1 || !due[0].SlotAt.Equal(slot) || !due[0].CreatedAt.Equal(clock.Now()) {
			t.Fatalf("due follow-ups %+v, want task 1's slot reminder of person 1", due)
		}
	})
}
