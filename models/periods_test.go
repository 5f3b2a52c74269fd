package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// An admin adds and removes named periods; bad names and days are refused
// and change nothing.
func TestAddAndRemovePeriods(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		add := func(name string, first, last time.Time) (*models.Period, error) {
			var p *models.Period
			err := s.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				p, err = models.AddPeriod(tx, models.PeriodInput{Name: name, FirstDay: first, LastDay: last})
				return err
			})
			return p, err
		}
		remove := func(name string) error {
			return s.Tx(ctx, func(tx *gorm.DB) error {
				_, err := models.RemovePeriod(tx, name)
				return err
			})
		}
		p, err := add(" 2027Q1 开门红 ", date(2027, 2, 21), date(2027, 3, 31).Add(15*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "2027Q1 开门红" || !p.FirstDay.Equal(date(2027, 2, 21)) || !p.LastDay.Equal(date(2027, 3, 31)) {
			t.Fatalf("added %+v", p)
		}
		counts := func() (periods, audit int64) {
			s.DB.Model(&models.Period{}).Count(&periods)
			s.DB.Model(&models.AuditEvent{}).Count(&audit)
			return
		}
		beforeP, beforeA := counts()
		for _, tc := range []struct {
			name        string
			first, last time.Time
			want        error
		}{
			{"", date(2027, 1, 1), date(2027, 1, 31), models.ErrPeriodName},
			{"   ", date(2027, 1, 1), date(2027, 1, 31), models.ErrPeriodName},
			{"两行\n名称", date(2027, 1, 1), date(2027, 1, 31), models.ErrPeriodName},
			{strings.Repeat("长", 41), date(2027, 1, 1), date(2027, 1, 31), models.ErrPeriodName},
			{"bad\xffutf8", date(2027, 1, 1), date(2027, 1, 31), models.ErrPeriodName},
			{"2027Q2", date(2027, 4, 1), date(2027, 6, 30), models.ErrPeriodQuarterName},
			{"2027q2", date(2027, 4, 1), date(2027, 6, 30), models.ErrPeriodQuarterName},
			{"倒置", date(2027, 3, 1), date(2027, 2, 1), models.ErrPeriodDays},
			{"太长", date(2027, 1, 1), date(2028, 1, 2), models.ErrPeriodDays},
			{"无日期", time.Time{}, date(2027, 1, 2), models.ErrPeriodDays},
			{"2027Q1 开门红", date(2027, 1, 1), date(2027, 1, 31), models.ErrPeriodExists},
		} {
			if _, err := add(tc.name, tc.first, tc.last); !errors.Is(err, tc.want) {
				t.Errorf("add %q: %v, want %v", tc.name, err, tc.want)
			}
		}
		if p, a := counts(); p != beforeP || a != beforeA {
			t.Fatalf("refused periods changed the store: periods %d→%d, audit %d→%d", beforeP, p, beforeA, a)
		}
		// A whole year, and a window overlapping another, are fine.
		if _, err := add("2028 全年", date(2028, 1, 1), date(2028, 12, 31)); err != nil {
			t.Fatalf("a leap year: %v", err)
		}
		if _, err := add("三月攻坚", date(2027, 3, 1), date(2027, 3, 31)); err != nil {
			t.Fatalf("overlapping window: %v", err)
		}
		for name, want := range map[string]error{"没有": models.ErrPeriodUnknown, "2027Q1": models.ErrPeriodImplicit} {
			if err := remove(name); !errors.Is(err, want) {
				t.Errorf("remove %q: %v, want %v", name, err, want)
			}
		}
		if err := remove("三月攻坚"); err != nil {
			t.Fatal(err)
		}
		if _, err := models.FindPeriod(s.DB, "三月攻坚"); !errors.Is(err, models.ErrPeriodUnknown) {
			t.Fatalf("removed period still found: %v", err)
		}
		if q, err := models.FindPeriod(s.DB, "2027Q3"); err != nil || q.Name != "2027Q3" || !q.LastDay.Equal(date(2027, 9, 30)) {
			t.Fatalf("a quarter: %+v %v", q, err)
		}
	})
}

// The current period is the innermost named period holding the day, else
// the day's quarter.
func TestCurrentPeriod(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		for _, p := range []models.PeriodInput{
			{Name: "上半年", FirstDay: date(2027, 1, 1), LastDay: date(2027, 6, 30)},
			{Name: "2027Q1 开门红", FirstDay: date(2027, 2, 21), LastDay: date(2027, 3, 31)},
		} {
			if _, err := models.AddPeriod(s.DB, p); err != nil {
				t.Fatal(err)
			}
		}
		for day, want := range map[time.Time]string{
			date(2026, 12, 31): "2026Q4",
			date(2027, 2, 20):  "上半年",
			date(2027, 2, 21):  "2027Q1 开门红",
			date(2027, 3, 31):  "2027Q1 开门红",
			date(2027, 4, 1):   "上半年",
			date(2027, 7, 1):   "2027Q3",
		} {
			if p, err := models.CurrentPeriod(s.DB, day); err != nil || p.Name != want {
				t.Errorf("%s: %q %v, want %q", day.Format(time.DateOnly), p.Name, err, want)
			}
		}
	})
}

// assessWorld is two tasks whose first quarter of 2027 is assessed on a
// clock moved by hand, in Shanghai:
//
//	T01 区发改局, 王建国: 1 due 02-10; 2 due 03-31; 3 due 2026-12-20,
//	    extended to 03-10 (into the quarter)
//	T02 区水利局, 王建国 and 李明: 1 due 03-25, extended to 04-20 (out of
//	    it); 2 due 02-01, moved to 05-01 by an edit of the list (its
//	    baseline stays)
type assessWorld struct {
	t        *testing.T
	s        *models.Store
	clock    *storetest.Clock
	t1, t2   *models.TaskDetail
	wang, li uint
}

// at sets the clock to a local time in Shanghai.
func (w *assessWorld) at(m time.Month, d, hour int, year ...int) {
	y := 2027
	if len(year) > 0 {
		y = year[0]
	}
	w.clock.Set(time.Date(y, m, d, hour, 0, 0, 0, shanghai))
}

func (w *assessWorld) today() time.Time { return models.Today(w.clock.Now(), shanghai) }

func (w *assessWorld) report(d *models.TaskDetail, seq int, state models.MilestoneState, reopen bool) {
	w.t.Helper()
	err := w.s.Tx(context.Background(), func(tx *gorm.DB) error {
		_, err := models.RecordReport(tx, d.Attendants[0].ID, models.ReportInput{TaskID: d.Task.ID, MilestoneID: d.Milestones[seq-1].ID,
			State: state, Reopen: reopen}, w.clock.Now())
		return err
	})
	if err != nil {
		w.t.Fatalf("report %s %d %s: %v", d.Task.Code, seq, state, err)
	}
}

func (w *assessWorld) extend(d *models.TaskDetail, seq int, to time.Time) {
	w.t.Helper()
	err := w.s.Tx(context.Background(), func(tx *gorm.DB) error {
		req, err := models.RequestExtension(tx, d.Attendants[0].ID, models.ExtensionAsk{MilestoneID: d.Milestones[seq-1].ID, NewDue: to,
			Reason: "资金拨付延后"}, shanghai, w.clock.Now())
		if err != nil {
			return err
		}
		_, err = models.DecideExtension(tx, models.Decider{PersonID: &d.Leaders[0].ID}, req.ID, models.ExtensionApproved, "", w.clock.Now())
		return err
	})
	if err != nil {
		w.t.Fatalf("extend %s %d: %v", d.Task.Code, seq, err)
	}
}

func assessList(t02m2 time.Time) []models.TaskSpec {
	return []models.TaskSpec{
		{Code: "T01", Title: "招商引资", Department: "区发改局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "招商对接", Due: date(2027, 2, 10)}, {Seq: 2, Title: "签约", Due: date(2027, 3, 31)},
				{Seq: 3, Title: "开工", Due: date(2026, 12, 20)}}},
		{Code: "T02", Title: "河道综合治理", Department: "区水利局",
			Leaders: []models.PersonSpec{{Name: "王建国"}, {Name: "李明"}}, Attendants: []models.PersonSpec{{Name: "孙丽"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "清淤", Due: date(2027, 3, 25)}, {Seq: 2, Title: "验收", Due: t02m2}}},
	}
}

func newAssessWorld(t *testing.T, s *models.Store, clock *storetest.Clock) *assessWorld {
	t.Helper()
	w := &assessWorld{t: t, s: s, clock: clock}
	w.at(12, 1, 9, 2026)
	ctx := context.Background()
	if _, err := s.ImportTasks(ctx, assessList(date(2027, 2, 1)), false); err != nil {
		t.Fatal(err)
	}
	load := func() {
		var err error
		if w.t1, err = models.TaskByCode(s.DB, "T01"); err != nil {
			t.Fatal(err)
		}
		if w.t2, err = models.TaskByCode(s.DB, "T02"); err != nil {
			t.Fatal(err)
		}
	}
	load()
	w.wang, w.li = w.t2.Leaders[0].ID, w.t2.Leaders[1].ID
	if w.t2.Leaders[0].Key != "王建国" {
		w.wang, w.li = w.li, w.wang
	}
	w.extend(w.t1, 3, date(2027, 3, 10))
	w.extend(w.t2, 1, date(2027, 4, 20))
	if _, err := s.ImportTasks(ctx, assessList(date(2027, 5, 1)), false); err != nil {
		t.Fatal(err)
	}
	if _, err := models.AddPeriod(s.DB, models.PeriodInput{Name: "2027Q1 开门红", FirstDay: date(2027, 2, 21), LastDay: date(2027, 3, 31)}); err != nil {
		t.Fatal(err)
	}
	load()
	return w
}

func (w *assessWorld) assess(name string) *models.Assessment {
	w.t.Helper()
	var a *models.Assessment
	err := w.s.Tx(context.Background(), func(tx *gorm.DB) error {
		p, err := models.FindPeriod(tx, name)
		if err != nil {
			return err
		}
		basis, err := models.LoadAssessmentBasis(tx, shanghai)
		if err != nil {
			return err
		}
		a, err = models.AssessPeriod(tx, basis, p, w.today(), w.clock.Now())
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *assessWorld) freeze() []models.PeriodSnapshot {
	w.t.Helper()
	var took []models.PeriodSnapshot
	err := w.s.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		took, err = models.FreezeEnded(tx, w.today(), shanghai, w.clock.Now())
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return took
}

func rowOf(t *testing.T, a *models.Assessment, kind models.ScopeKind, key string) models.ScopeFigures {
	t.Helper()
	for _, r := range a.Rows {
		if r.Kind == kind && r.Key == key {
			return r
		}
	}
	t.Fatalf("no %s row %q in %+v", kind, key, a.Rows)
	return models.ScopeFigures{}
}

// The first quarter's figures follow the ledger on a clock moved by hand
// (baselines, not the list's edits, decide what is due), freeze once when
// the quarter ends, and are read from the snapshot afterwards: a milestone
// reopened and a report come in late change no figure and show a note.
func TestPeriodFiguresFreezeAtTheEnd(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newAssessWorld(t, s, clock)
		key := models.LeaderScopeKey

		w.at(2, 9, 10)
		w.report(w.t1, 1, models.StateDone, false) // on time
		w.at(2, 25, 18)
		a := w.assess("2027Q1")
		if a.Frozen != nil {
			t.Fatal("a running quarter frozen")
		}
		// Due: T01 1, 2, 3 (extended into it) and T02 2 (by its baseline);
		// T02 1 was extended out of it.
		want := models.Figures{Due: 4, Done: 1, OnTime: 1, Late: 1, DueByToday: 2, DoneByToday: 1, BehindTasks: 1}
		if got := a.District().Figures; got != want {
			t.Fatalf("02-25: district %+v, want %+v", got, want)
		}
		if got := rowOf(t, a, models.ScopeLeader, key(w.li)).Figures; got != (models.Figures{Due: 1, Late: 1, DueByToday: 1, BehindTasks: 1}) {
			t.Fatalf("02-25: 李明 %+v", got)
		}

		w.at(3, 12, 10)
		w.report(w.t1, 3, models.StateDone, false) // two days late
		w.at(3, 31, 23)
		w.report(w.t1, 2, models.StateDone, false) // on its day, late in the evening
		if took := w.freeze(); len(took) != 0 {
			t.Fatalf("frozen before the end: %+v", took)
		}

		// 00:30 on 1 April in Shanghai is still 31 March in UTC: the
		// district's day decides.
		w.clock.Set(time.Date(2027, 4, 1, 0, 30, 0, 0, shanghai))
		took := w.freeze()
		var names []string
		for _, snap := range took {
			names = append(names, snap.PeriodKey)
		}
		if strings.Join(names, ",") != "2027Q1,2027Q1 开门红" {
			t.Fatalf("frozen at the end: %v", names)
		}
		if again := w.freeze(); len(again) != 0 {
			t.Fatalf("frozen twice: %+v", again)
		}
		var figures int64
		s.DB.Model(&models.PeriodFigure{}).Count(&figures)

		a = w.assess("2027Q1")
		if a.Frozen == nil || a.Frozen.PeriodKey != "2027Q1" {
			t.Fatalf("ended quarter not read from its snapshot: %+v", a.Frozen)
		}
		closed := models.Figures{Due: 4, Done: 3, OnTime: 2, Late: 2, DueByToday: 4, DoneByToday: 3, BehindTasks: 1}
		for _, tc := range []struct {
			kind models.ScopeKind
			key  string
			want models.Figures
		}{
			{models.ScopeDistrict, "", closed},
			{models.ScopeLeader, key(w.wang), closed},
			{models.ScopeLeader, key(w.li), models.Figures{Due: 1, Late: 1, DueByToday: 1, BehindTasks: 1}},
			{models.ScopeDepartment, "区发改局", models.Figures{Due: 3, Done: 3, OnTime: 2, Late: 1, DueByToday: 3, DoneByToday: 3}},
			{models.ScopeDepartment, "区水利局", models.Figures{Due: 1, Late: 1, DueByToday: 1, BehindTasks: 1}},
			{models.ScopeTask, "T01", models.Figures{Due: 3, Done: 3, OnTime: 2, Late: 1, DueByToday: 3, DoneByToday: 3}},
		} {
			r := rowOf(t, a, tc.kind, tc.key)
			if r.Figures != tc.want || r.Changed {
				t.Errorf("frozen %s %s: %+v changed=%v, want %+v", tc.kind, r.Name, r.Figures, r.Changed, tc.want)
			}
		}
		kmh := w.assess("2027Q1 开门红")
		if got := kmh.District().Figures; got != (models.Figures{Due: 2, Done: 2, OnTime: 1, Late: 1, DueByToday: 2, DoneByToday: 2}) {
			t.Fatalf("开门红 frozen: %+v", got)
		}
		err := s.Tx(context.Background(), func(tx *gorm.DB) error {
			_, err := models.RemovePeriod(tx, "2027Q1 开门红")
			return err
		})
		if !errors.Is(err, models.ErrPeriodFrozen) {
			t.Fatalf("a frozen period removed: %v", err)
		}

		// After the snapshot: T01's milestone 2 is reopened, and T02's
		// milestone 2 is reported done, late.
		w.at(4, 3, 10)
		w.report(w.t1, 2, models.StateOnTrack, true)
		w.report(w.t2, 2, models.StateDone, false)
		a = w.assess("2027Q1")
		for _, tc := range []struct {
			kind    models.ScopeKind
			key     string
			changed bool
		}{
			{models.ScopeDistrict, "", true},
			{models.ScopeLeader, key(w.wang), true},
			{models.ScopeLeader, key(w.li), true},
			{models.ScopeDepartment, "区发改局", true},
			{models.ScopeTask, "T01", true},
			{models.ScopeTask, "T02", true},
		} {
			if r := rowOf(t, a, tc.kind, tc.key); r.Changed != tc.changed {
				t.Errorf("after the changes, %s %s: changed=%v, want %v", tc.kind, r.Name, r.Changed, tc.changed)
			}
		}
		if got := a.District().Figures; got != closed {
			t.Fatalf("a frozen figure changed: %+v, want %+v", got, closed)
		}
		// The window holds only T01's milestones 2 and 3: T02's report is
		// no change to it, T01's reopening is.
		kmh = w.assess("2027Q1 开门红")
		if r := rowOf(t, kmh, models.ScopeDepartment, "区水利局"); r.Changed || !r.Empty() {
			t.Errorf("开门红 区水利局: %+v", r)
		}
		if r := rowOf(t, kmh, models.ScopeTask, "T01"); !r.Changed || r.Done != 2 {
			t.Errorf("开门红 T01: %+v", r)
		}
		var after int64
		s.DB.Model(&models.PeriodFigure{}).Count(&after)
		if after != figures {
			t.Fatalf("reading a frozen period wrote figures: %d → %d", figures, after)
		}
		// The running quarter is counted live.
		if q2 := w.assess("2027Q2"); q2.Frozen != nil || q2.District().Due != 1 {
			t.Fatalf("2027Q2: %+v", q2.District())
		}
	})
}

// However many freeze an ended period at once, it is frozen once.
func TestPeriodFreezesOnceUnderRace(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newAssessWorld(t, s, clock)
		w.at(2, 9, 10)
		w.report(w.t1, 1, models.StateDone, false)
		w.at(4, 2, 9)
		const racers = 8
		var wg sync.WaitGroup
		took := make([]int, racers)
		errs := make([]error, racers)
		for i := range racers {
			wg.Go(func() {
				errs[i] = s.Tx(context.Background(), func(tx *gorm.DB) error {
					snaps, err := models.FreezeEnded(tx, w.today(), shanghai, w.clock.Now())
					took[i] = len(snaps)
					return err
				})
			})
		}
		wg.Wait()
		total := 0
		for i := range racers {
			if errs[i] != nil {
				t.Fatalf("racer %d: %v", i, errs[i])
			}
			total += took[i]
		}
		var snaps, audits int64
		s.DB.Model(&models.PeriodSnapshot{}).Count(&snaps)
		s.DB.Model(&models.AuditEvent{}).Where("kind = ?", "period_frozen").Count(&audits)
		if total != 2 || snaps != 2 || audits != 2 {
			t.Fatalf("took %d, snapshots %d, audit lines %d; want 2 each", total, snaps, audits)
		}
	})
}
