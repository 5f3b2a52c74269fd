package scheduler_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

// Schedules follow what they derive from — here a person's time zone —
// at the next tick, and are not reloaded on ticks where nothing changed:
// a hand edit of a schedule stays until the hourly reconcile mends it.
func TestSchedulesFollowChangesNotEveryTick(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
		ctx := context.Background()
		seedTasks(t, s, 3, 1)
		r := newReminders(s)
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		spec := func(personKey string) models.Schedule {
			t.Helper()
			p, err := models.PersonByKey(s.DB, personKey)
			if err != nil {
				t.Fatal(err)
			}
			var sch models.Schedule
			if err := s.DB.Where("kind = ? AND person_id = ?", models.ScheduleReminder, p.ID).Take(&sch).Error; err != nil {
				t.Fatal(err)
			}
			return sch
		}
		if got := spec("联络员0").TimeZone; got != "Asia/Shanghai" {
			t.Fatalf("schedule zone %s", got)
		}
		// A hand edit behind the fingerprint's back: not reloaded each tick.
		if err := s.DB.Exec("UPDATE schedules SET spec = '0 7 * * *' WHERE person_id = (SELECT id FROM people WHERE key = '联络员1')").Error; err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if got := spec("联络员1").Spec; got != "0 7 * * *" {
			t.Fatalf("a tick with nothing changed reconciled anyway (spec %q)", got)
		}
		// A person's own change is followed at once.
		p, err := models.PersonByKey(s.DB, "联络员0")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Model(p).Update("time_zone", "Europe/Berlin").Error; err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if got := spec("联络员0").TimeZone; got != "Europe/Berlin" {
			t.Fatalf("schedule zone %s after /tz, want Europe/Berlin", got)
		}
		// The hourly reconcile mends what the fingerprint cannot see.
		if err := s.DB.Exec("UPDATE schedules SET spec = '0 7 * * *' WHERE person_id = (SELECT id FROM people WHERE key = '联络员1')").Error; err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if got := spec("联络员1").Spec; got != "0 7 * * *" {
			t.Fatalf("a tick with nothing changed reconciled anyway (spec %q)", got)
		}
		clock.Advance(time.Hour)
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if got := spec("联络员1").Spec; got == "0 7 * * *" {
			t.Fatal("the hourly reconcile left a hand-edited schedule")
		}
	})
}

// The reminder schedules of a city are reconciled a range of tasks at a
// time: tasks whose ids lie thousands apart all get theirs, and closing one
// drops its schedule and no other.
func TestSchedulesOfTasksFarApartAreAllKept(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
		ctx := context.Background()
		seedTasks(t, s, 2, 1)
		var person uint
		if err := s.DB.Model(&models.Assignment{}).Where("role = ?", models.RoleAttendant).Limit(1).Pluck("person_id", &person).Error; err != nil {
			t.Fatal(err)
		}
		far := []uint{1999, 2000, 2001, 4001, 9999}
		for _, id := range far {
			if err := s.DB.Create(&models.Task{ID: id, Code: fmt.Sprintf("F%d", id), Title: "远", Department: "区发改局"}).Error; err != nil {
				t.Fatal(err)
			}
			if err := s.DB.Create(&models.Assignment{PersonID: person, TaskID: id, Role: models.RoleAttendant}).Error; err != nil {
				t.Fatal(err)
			}
		}
		r := newReminders(s)
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		scheduled := func() []uint {
			t.Helper()
			var ids []uint
			if err := s.DB.Model(&models.Schedule{}).Where("kind = ?", models.ScheduleReminder).Order("task_id").Pluck("task_id", &ids).Error; err != nil {
				t.Fatal(err)
			}
			return ids
		}
		if got, want := scheduled(), append([]uint{1, 2}, far...); !slices.Equal(got, want) {
			t.Fatalf("reminder schedules of tasks %v, want %v", got, want)
		}
		if err := s.DB.Model(&models.Task{}).Where("id = ?", 4001).Update("done", true).Error; err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := scheduled(), []uint{1, 2, 1999, 2000, 2001, 9999}; !slices.Equal(got, want) {
			t.Fatalf("after closing task 4001: schedules of tasks %v, want %v", got, want)
		}
	})
}
