package scheduler_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// standInWriter records for whom each reminder went out.
type standInWriter struct {
	outboxWriter
	got map[[2]uint]*models.StandIn
}

func (w *standInWriter) Reminder(tx *gorm.DB, q *models.OutboxBatch, d *models.TaskDetail, f models.LightFacts, p *models.Person, kind models.ReminderKind, key string, in *models.StandIn, by *models.Person) (bool, error) {
	w.got[[2]uint{p.ID, d.Task.ID}] = in
	return w.outboxWriter.Reminder(tx, q, d, f, p, kind, key, in, by)
}

// An attendant on leave is not reminded: the deputy the leave names is,
// told for whom; an attendant away without a deputy leaves the task to the
// others, who are reminded anyway; and the slots of the leave are no
// silence for the light or the escalation.
func TestReminderGoesToTheDeputy(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
		ctx := context.Background()
		seedTasks(t, s, 2, 2) // T0000: 联络员0, 联络员1; T0001: 联络员2, 联络员3
		r := newReminders(s)
		w := &standInWriter{got: map[[2]uint]*models.StandIn{}}
		r.Writer = w
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		person := func(name string) *models.Person {
			p, err := models.PersonByKey(s.DB, name)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		away, colleague, alone, deputy := person("联络员0"), person("联络员1"), person("联络员2"), person("联络员3")
		if err := s.DB.Exec("UPDATE people SET department = '区发改局'").Error; err != nil {
			t.Fatal(err)
		}
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		err := s.Tx(ctx, func(tx *gorm.DB) error {
			// 联络员0 names 联络员3 (of the same department) for T0000.
			if _, err := models.RecordLeave(tx, away.ID, false, models.LeaveInput{PersonID: away.ID, Kind: models.LeaveTrip,
				FirstDay: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), LastDay: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
				Location: shanghai, DeputyID: deputy.ID}, clock.Now()); err != nil {
				return err
			}
			_, err := models.RecordLeave(tx, alone.ID, false, models.LeaveInput{PersonID: alone.ID, Kind: models.LeaveSick,
				FirstDay: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), LastDay: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
				Location: shanghai}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		clock.Set(time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)) // 09:30
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		var rows []models.Reminder
		if err := s.DB.Order("task_id, person_id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		reminded := map[uint][]uint{}
		for _, m := range rows {
			reminded[m.PersonID] = append(reminded[m.PersonID], m.TaskID)
		}
		if len(reminded[away.ID]) != 0 || len(reminded[alone.ID]) != 0 {
			t.Fatalf("people on leave reminded: %v", reminded)
		}
		if len(reminded[colleague.ID]) != 1 || len(reminded[deputy.ID]) != 2 {
			t.Fatalf("reminded %v: want the colleague once, the deputy for both tasks", reminded)
		}
		t0, err := models.TaskByCode(s.DB, "T0000")
		if err != nil {
			t.Fatal(err)
		}
		if in := w.got[[2]uint{deputy.ID, t0.Task.ID}]; in == nil || in.For.ID != away.ID || !in.Named {
			t.Fatalf("the deputy's reminder on T0000 does not say for whom: %+v", in)
		}
		if in := w.got[[2]uint{colleague.ID, t0.Task.ID}]; in != nil {
			t.Fatalf("the colleague's own reminder says it stands in: %+v", in)
		}
	})
}

// Leave recorded after the day's reminder went out: the follow-up goes to
// the deputy, told for whom, and not to the person now away.
func TestFollowUpAfterTheLeaveBeganGoesToTheDeputy(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
		ctx := context.Background()
		seedTasks(t, s, 2, 2) // T0000: 联络员0, 联络员1; T0001: 联络员2, 联络员3
		r := newReminders(s)
		w := &standInWriter{got: map[[2]uint]*models.StandIn{}}
		r.Writer = w
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Set(time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)) // 09:30: everyone reminded
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		away, err := models.PersonByKey(s.DB, "联络员0")
		if err != nil {
			t.Fatal(err)
		}
		deputy, err := models.PersonByKey(s.DB, "联络员3")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Exec("UPDATE people SET department = '区发改局'").Error; err != nil {
			t.Fatal(err)
		}
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.RecordLeave(tx, away.ID, false, models.LeaveInput{PersonID: away.ID, Kind: models.LeaveMeeting,
				FirstDay: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), LastDay: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
				Location: shanghai, DeputyID: deputy.ID}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		clear(w.got)
		clock.Set(time.Date(2026, 11, 23, 5, 31, 0, 0, time.UTC)) // 13:31: follow-ups due
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		var followUps []models.Reminder
		if err := s.DB.Where("kind = ?", models.ReminderFollowUp).Find(&followUps).Error; err != nil {
			t.Fatal(err)
		}
		t0, err := models.TaskByCode(s.DB, "T0000")
		if err != nil {
			t.Fatal(err)
		}
		toDeputy := false
		for _, f := range followUps {
			if f.PersonID == away.ID {
				t.Fatalf("the follow-up went to 联络员0, away since 09:30: %+v", f)
			}
			toDeputy = toDeputy || (f.PersonID == deputy.ID && f.TaskID == t0.Task.ID)
		}
		if !toDeputy {
			t.Fatalf("no follow-up of T0000 to the deputy: %+v", followUps)
		}
		if in := w.got[[2]uint{deputy.ID, t0.Task.ID}]; in == nil || in.For.ID != away.ID {
			t.Fatalf("the deputy's follow-up on T0000 does not say for whom: %+v", in)
		}
	})
}
