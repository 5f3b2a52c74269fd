package models_test

import (
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// leaveDesk is T01 of sampleList with everyone bound, and a person of no
// task in another department, for the leave tests.
type leaveDesk struct {
	*ledger
	other, stranger uint
	shanghai        *time.Location
}

func newLeaveDesk(t *testing.T, s *models.Store, clock *storetest.Clock) *leaveDesk {
	t.Helper()
	l := newLedger(t, s, clock)
	other := l.d.Attendants[1].ID // 刘洋
	stranger := models.Person{Key: "孙丽(区财政局)", Name: "孙丽", Department: "区财政局"}
	if err := s.DB.Create(&stranger).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Exec("UPDATE people SET telegram_id = 1000 + id").Error; err != nil {
		t.Fatal(err)
	}
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return &leaveDesk{ledger: l, other: other, stranger: stranger.ID, shanghai: sh}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func (k *leaveDesk) leave(by uint, admin bool, in models.LeaveInput) (*models.Leave, error) {
	if in.Kind == "" {
		in.Kind = models.LeaveTrip
	}
	if in.Location == nil {
		in.Location = k.shanghai
	}
	var l *models.Leave
	err := k.tx(func(tx *gorm.DB) error {
		var err error
		l, err = models.RecordLeave(tx, by, admin, in, k.clock.Now())
		return err
	})
	return l, err
}

func TestRecordLeaveRules(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // 09:00 in Shanghai
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		me := k.attendant
		first, err := k.leave(me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 3, 2), LastDay: day(2026, 3, 8), DeputyID: k.other})
		if err != nil {
			t.Fatal(err)
		}
		if got := first.StartsAt; !got.Equal(time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)) {
			t.Fatalf("leave starts at %s, want Shanghai's midnight", got)
		}
		if err := s.DB.Exec("UPDATE people SET telegram_id = NULL WHERE id = ?", k.owner).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			by    uint
			admin bool
			in    models.LeaveInput
			want  error
		}{
			{"someone else's", k.other, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 4, 1), LastDay: day(2026, 4, 2)}, models.ErrNotYourLeave},
			{"ends before it begins", me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 4, 2), LastDay: day(2026, 4, 1)}, models.ErrLeaveDays},
			{"longer than a year", me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 4, 1), LastDay: day(2027, 4, 3)}, models.ErrLeaveDays},
			{"unknown kind", me, false, models.LeaveInput{PersonID: me, Kind: "holiday", FirstDay: day(2026, 4, 1), LastDay: day(2026, 4, 1)}, models.ErrLeaveKind},
			{"own deputy", me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 4, 1), LastDay: day(2026, 4, 1), DeputyID: me}, models.ErrDeputySelf},
			{"unbound deputy", me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 4, 1), LastDay: day(2026, 4, 1), DeputyID: k.owner}, models.ErrDeputyUnbound},
			{"deputy of no shared task or department", me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 4, 1), LastDay: day(2026, 4, 1), DeputyID: k.stranger}, models.ErrDeputyUnrelated},
			{"task deputy for another's task", me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 4, 1), LastDay: day(2026, 4, 1), TaskDeputies: map[uint]uint{k.otherTask: k.other}}, models.ErrDeputyNotOnTask},
		} {
			t.Run(c.name, func(t *testing.T) {
				if _, err := k.leave(c.by, c.admin, c.in); !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
			})
		}
		_, err = k.leave(me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 3, 8), LastDay: day(2026, 3, 10)})
		var overlap *models.LeaveOverlapError
		if !errors.As(err, &overlap) || overlap.Leave.ID != first.ID {
			t.Fatalf("overlapping leave: %v, want the overlap with leave %d named", err, first.ID)
		}
		var n int64
		s.DB.Model(&models.Leave{}).Count(&n)
		if n != 1 {
			t.Fatalf("%d leaves after refusals, want 1", n)
		}
		// An admin records leave for someone else, after the fact.
		if _, err := k.leave(k.owner, true, models.LeaveInput{PersonID: k.other, FirstDay: day(2026, 2, 20), LastDay: day(2026, 2, 21)}); err != nil {
			t.Fatalf("admin's leave for another: %v", err)
		}
		var audits int64
		s.DB.Model(&models.AuditEvent{}).Where("kind = ?", "leave_recorded").Count(&audits)
		if audits != 2 {
			t.Fatalf("%d leave audit rows, want 2", audits)
		}
	})
}

// Who acts for someone away: the named deputy, along the deputies of
// deputies who are away too, never round a cycle; failing that the other
// attendants, then the person in charge.
func TestStandInFollowsTheChain(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		at := clock.Now()
		standIn := func(absent uint) *models.StandIn {
			t.Helper()
			var in *models.StandIn
			if err := k.tx(func(tx *gorm.DB) error {
				var err error
				in, err = models.StandInFor(tx, k.d.Task.ID, absent, at)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return in
		}
		if in := standIn(k.attendant); in != nil {
			t.Fatalf("stand-in for someone not away: %+v", in)
		}
		march := models.LeaveInput{FirstDay: day(2026, 3, 1), LastDay: day(2026, 3, 8)}
		a := march
		a.PersonID, a.DeputyID = k.attendant, k.other
		if _, err := k.leave(k.attendant, false, a); err != nil {
			t.Fatal(err)
		}
		if in := standIn(k.attendant); in == nil || in.Person.ID != k.other || !in.Named || !in.Until.Equal(day(2026, 3, 8)) {
			t.Fatalf("stand-in %+v, want the named deputy", in)
		}
		// The deputy is away too, naming the person in charge.
		b := march
		b.PersonID, b.DeputyID = k.other, k.owner
		if _, err := k.leave(k.other, false, b); err != nil {
			t.Fatal(err)
		}
		if in := standIn(k.attendant); in == nil || in.Person.ID != k.owner || !in.Named {
			t.Fatalf("stand-in %+v, want the deputy's deputy", in)
		}
		// A cycle: the person in charge away too, naming the first one.
		c := march
		c.PersonID, c.DeputyID = k.owner, k.attendant
		if _, err := k.leave(k.owner, false, c); err != nil {
			t.Fatal(err)
		}
		if in := standIn(k.attendant); in == nil || in.Person != nil {
			t.Fatalf("stand-in %+v with everyone away, want nobody", in)
		}
	})
}

// A deputy reports as themself on behalf of the person away, only during
// the leave, and may not ask for the task's close-out; reminders sent on
// days of leave, even leave recorded after the fact, are no silence.
func TestDeputyReportsOnBehalf(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		// 孙丽 of the finance bureau becomes a colleague of 张伟's department.
		if err := s.DB.Model(&models.Person{}).Where("id = ?", k.stranger).Update("department", "区住建局").Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Model(&models.Person{}).Where("id = ?", k.attendant).Update("department", "区住建局").Error; err != nil {
			t.Fatal(err)
		}
		report := models.ReportInput{MilestoneID: k.m1.ID, State: models.StateOnTrack, Percent: intp(40)}
		if _, err := k.report(k.stranger, report); !errors.Is(err, models.ErrNotReporter) {
			t.Fatalf("report before any leave: %v, want ErrNotReporter", err)
		}
		// Reminded on Monday and Tuesday, silent; leave for those days is
		// recorded on Wednesday.
		for i, at := range []time.Time{time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)} {
			r := models.Reminder{TaskID: k.d.Task.ID, PersonID: k.attendant, Kind: models.ReminderSlot, SlotKey: at.Format(time.RFC3339), SlotAt: at}
			if err := s.DB.Create(&r).Error; err != nil {
				t.Fatalf("reminder %d: %v", i, err)
			}
		}
		silent := func() int {
			facts, err := models.LoadLightFacts(s.DB, []uint{k.d.Task.ID})
			if err != nil {
				t.Fatal(err)
			}
			return facts[k.d.Task.ID].SilentSlots
		}
		if n := silent(); n != 2 {
			t.Fatalf("%d silent slots before the leave is known, want 2", n)
		}
		clock.Set(time.Date(2026, 3, 4, 1, 0, 0, 0, time.UTC))
		if _, err := k.leave(k.attendant, false, models.LeaveInput{PersonID: k.attendant, FirstDay: day(2026, 3, 2), LastDay: day(2026, 3, 8), DeputyID: k.stranger}); err != nil {
			t.Fatal(err)
		}
		if n := silent(); n != 0 {
			t.Fatalf("%d silent slots counted on days of leave", n)
		}
		r, err := k.report(k.stranger, report)
		if err != nil {
			t.Fatalf("the deputy's report: %v", err)
		}
		if r.PersonID != k.stranger || r.OnBehalfOfID == nil || *r.OnBehalfOfID != k.attendant || r.OnBehalfOfName == "" {
			t.Fatalf("report %+v, want the deputy's, on behalf of %d", r, k.attendant)
		}
		err = k.tx(func(tx *gorm.DB) error {
			_, err := models.RequestClose(tx, k.stranger, k.d.Task.ID, clock.Now())
			return err
		})
		if !errors.Is(err, models.ErrNotReporter) {
			t.Fatalf("a deputy's close-out request: %v, want ErrNotReporter", err)
		}
		// Back early: the one message lists what was reported for them.
		var back []models.Report
		err = k.tx(func(tx *gorm.DB) error {
			_, reports, err := models.EndLeave(tx, k.attendant, clock.Now())
			back = reports
			return err
		})
		if err != nil || len(back) != 1 || back[0].ID != r.ID {
			t.Fatalf("back: %d reports for them (%v), want the deputy's one", len(back), err)
		}
		if _, err := k.report(k.stranger, report); !errors.Is(err, models.ErrNotReporter) {
			t.Fatalf("the deputy's report after the return: %v, want ErrNotReporter", err)
		}
	})
}

// A leave that ran to its end is listed for its person's return message
// for a week, once; one cancelled, awaiting approval or ended long ago is
// not.
func TestEndedLeavesAreToldOnce(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
		k := newLeaveDesk(t, s, clock)
		old, err := k.leave(k.attendant, false, models.LeaveInput{PersonID: k.attendant, FirstDay: day(2026, 3, 2), LastDay: day(2026, 3, 3), DeputyID: k.other})
		if err != nil {
			t.Fatal(err)
		}
		recent, err := k.leave(k.attendant, false, models.LeaveInput{PersonID: k.attendant, FirstDay: day(2026, 3, 12), LastDay: day(2026, 3, 13), DeputyID: k.other})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.leave(k.attendant, false, models.LeaveInput{PersonID: k.attendant, FirstDay: day(2026, 3, 14), LastDay: day(2026, 3, 14), Approval: true}); err != nil {
			t.Fatal(err)
		}
		cancelled, err := k.leave(k.other, false, models.LeaveInput{PersonID: k.other, FirstDay: day(2026, 3, 12), LastDay: day(2026, 3, 13)})
		if err != nil {
			t.Fatal(err)
		}
		if err := k.tx(func(tx *gorm.DB) error {
			_, err := models.CancelLeave(tx, k.other, false, cancelled.ID, clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clock.Set(time.Date(2026, 3, 15, 1, 0, 0, 0, time.UTC)) // old ended 11 days ago, recent 1 day ago
		var ended []models.Leave
		if err := k.tx(func(tx *gorm.DB) error {
			var err error
			ended, err = models.EndedLeaves(tx, clock.Now(), 7*24*time.Hour)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(ended) != 1 || ended[0].ID != recent.ID {
			t.Fatalf("ended leaves %+v, want only leave %d (not %d, ended long ago)", ended, recent.ID, old.ID)
		}
		for i, want := range []bool{true, false} {
			var won bool
			if err := k.tx(func(tx *gorm.DB) error {
				var err error
				won, _, err = models.ReturnFromLeave(tx, ended[0], clock.Now())
				return err
			}); err != nil || won != want {
				t.Fatalf("return %d: won %v (%v), want %v", i+1, won, err, want)
			}
		}
	})
}
