package models_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

func intp(n int) *int { return &n }

// ledger is a test's view of task T01 of sampleList and the ledger
// operations on it, each in its own transaction.
type ledger struct {
	t                         *testing.T
	s                         *models.Store
	clock                     *storetest.Clock
	d                         *models.TaskDetail
	attendant, owner, leader  uint
	m1, m2                    models.Milestone
	window                    time.Duration
	otherTask, otherMilestone uint
}

func newLedger(t *testing.T, s *models.Store, clock *storetest.Clock) *ledger {
	t.Helper()
	if _, err := s.ImportTasks(context.Background(), sampleList(), false); err != nil {
		t.Fatal(err)
	}
	return loadLedger(t, s, clock)
}

// loadLedger is the view of a task list imported already.
func loadLedger(t *testing.T, s *models.Store, clock *storetest.Clock) *ledger {
	t.Helper()
	d, err := models.TaskByCode(s.DB, "T01")
	if err != nil {
		t.Fatal(err)
	}
	other, err := models.TaskByCode(s.DB, "T02")
	if err != nil {
		t.Fatal(err)
	}
	return &ledger{t: t, s: s, clock: clock, d: d, attendant: d.Attendants[0].ID, owner: d.Owners[0].ID, leader: d.Leaders[0].ID,
		m1: d.Milestones[0], m2: d.Milestones[1], window: 30 * time.Minute,
		otherTask: other.Task.ID, otherMilestone: other.Milestones[0].ID}
}

func (l *ledger) tx(fn func(tx *gorm.DB) error) error {
	return l.s.Tx(context.Background(), fn)
}

func (l *ledger) report(by uint, in models.ReportInput) (*models.Report, error) {
	if in.TaskID == 0 {
		in.TaskID = l.d.Task.ID
	}
	var r *models.Report
	err := l.tx(func(tx *gorm.DB) error {
		var err error
		r, err = models.RecordReport(tx, by, in, l.clock.Now())
		return err
	})
	return r, err
}

func (l *ledger) correct(by, id uint, ch models.Change) (*models.Report, error) {
	var r *models.Report
	err := l.tx(func(tx *gorm.DB) error {
		var err error
		c, err := models.CorrectReport(tx, by, id, ch, l.clock.Now(), l.window)
		if err == nil {
			r = c.Report
		}
		return err
	})
	return r, err
}

func (l *ledger) withdraw(by, id uint) error {
	return l.tx(func(tx *gorm.DB) error {
		_, err := models.WithdrawReport(tx, by, id, l.clock.Now(), l.window)
		return err
	})
}

func (l *ledger) milestone(id uint) models.Milestone {
	l.t.Helper()
	var m models.Milestone
	if err := l.s.DB.Take(&m, id).Error; err != nil {
		l.t.Fatal(err)
	}
	return m
}

func (l *ledger) wantMilestone(id uint, state models.MilestoneState, percent int, when string) {
	l.t.Helper()
	if got := l.milestone(id); got.State != state || got.Percent != percent {
		l.t.Fatalf("%s: milestone %d is %s %d%%, want %s %d%%", when, got.Seq, got.State, got.Percent, state, percent)
	}
}

func (l *ledger) count(model any) int64 {
	var n int64
	l.s.DB.Model(model).Count(&n)
	return n
}

func TestReportRules(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		l := newLedger(t, s, clock)
		refused := []struct {
			name string
			by   uint
			in   models.ReportInput
			want error
		}{
			{"leader", l.leader, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateOnTrack}, models.ErrNotReporter},
			{"percent over 100", l.attendant, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateOnTrack, Percent: intp(120)}, models.ErrBadPercent},
			{"negative percent", l.attendant, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateOnTrack, Percent: intp(-1)}, models.ErrBadPercent},
			{"bad state", l.attendant, models.ReportInput{MilestoneID: l.m1.ID, State: "great"}, models.ErrBadState},
			{"unknown milestone", l.attendant, models.ReportInput{MilestoneID: 9999, State: models.StateOnTrack}, models.ErrMilestoneUnknown},
			{"other task's milestone", l.attendant, models.ReportInput{MilestoneID: l.otherMilestone, State: models.StateOnTrack}, models.ErrMilestoneUnknown},
			{"not on the task", l.owner, models.ReportInput{TaskID: l.otherTask, MilestoneID: l.otherMilestone, State: models.StateOnTrack}, models.ErrNotReporter},
		}
		for _, tc := range refused {
			if _, err := l.report(tc.by, tc.in); !errors.Is(err, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			}
		}
		if n := l.count(&models.Report{}); n != 0 {
			t.Fatalf("refused reports stored: %d", n)
		}

		if _, err := l.report(l.attendant, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateOnTrack, Percent: intp(60), Note: "对接中"}); err != nil {
			t.Fatal(err)
		}
		l.wantMilestone(l.m1.ID, models.StateOnTrack, 60, "after 60%")
		if _, err := l.report(l.owner, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateAtRisk}); err != nil {
			t.Fatal(err)
		}
		l.wantMilestone(l.m1.ID, models.StateAtRisk, 60, "a report without percent keeps the last one")
		done, err := l.report(l.attendant, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateOnTrack, Percent: intp(100)})
		if err != nil || done.State != models.StateDone {
			t.Fatalf("100%% is done: %+v %v", done, err)
		}
		l.wantMilestone(l.m1.ID, models.StateDone, 100, "after 100%")
		var audits int64
		s.DB.Model(&models.AuditEvent{}).Where("kind = 'report' AND detail LIKE ?", "%at_risk 60% → done 100%").Count(&audits)
		if audits != 1 {
			t.Fatal("the audit trail does not record the milestone before and after")
		}
	})
}

// A milestone number means that milestone: a new report on a done one is
// refused, naming it, unless the reporter confirmed reopening it.
func TestReopeningIsExplicit(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		l := newLedger(t, s, clock)
		if _, err := l.report(l.attendant, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateDone}); err != nil {
			t.Fatal(err)
		}
		_, err := l.report(l.owner, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateOnTrack, Percent: intp(80)})
		var done *models.MilestoneDoneError
		if !errors.As(err, &done) || done.Seq != 1 || !errors.Is(err, models.ErrMilestoneDone) {
			t.Fatalf("report on done milestone 1: %v", err)
		}
		l.wantMilestone(l.m1.ID, models.StateDone, 100, "after a refused report")
		l.wantMilestone(l.m2.ID, models.StatePending, 0, "the refused report went nowhere else")
		if _, err := l.report(l.owner, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateDone, Reopen: true}); !errors.Is(err, models.ErrReopenToDone) {
			t.Fatalf("reopen to done: %v", err)
		}
		r, err := l.report(l.owner, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateOnTrack, Percent: intp(80), Note: "还差验收", Reopen: true})
		if err != nil || !r.Reopens {
			t.Fatalf("confirmed reopening: %+v %v", r, err)
		}
		l.wantMilestone(l.m1.ID, models.StateOnTrack, 80, "after reopening")
		l.wantMilestone(l.m2.ID, models.StatePending, 0, "reopening milestone 1 leaves milestone 2")
		var audits int64
		s.DB.Model(&models.AuditEvent{}).Where("kind = 'milestone_reopened'").Count(&audits)
		if audits != 1 {
			t.Fatal("reopening not in the audit trail")
		}
	})
}

// A correction changes only its own report: its milestone, its place in
// the history, within the window, by its author.
func TestCorrectionStaysOnItsReport(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		l := newLedger(t, s, clock)
		done, err := l.report(l.attendant, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateDone})
		if err != nil {
			t.Fatal(err)
		}
		// 更正 then "80% 还差验收": M1 goes to 80%, M2 is untouched.
		fixed, err := l.correct(l.attendant, done.ID, models.Change{State: models.StateOnTrack, Percent: intp(80), Note: "还差验收"})
		if err != nil {
			t.Fatal(err)
		}
		l.wantMilestone(l.m1.ID, models.StateOnTrack, 80, "after correcting the done report")
		l.wantMilestone(l.m2.ID, models.StatePending, 0, "a correction of M1 leaves M2")
		if fixed.OriginID != done.ID {
			t.Fatalf("correction's origin %d, want %d", fixed.OriginID, done.ID)
		}

		refused := []struct {
			name string
			by   uint
			id   uint
			ch   models.Change
			want error
		}{
			{"to another milestone", l.attendant, fixed.ID, models.Change{MilestoneID: l.m2.ID, State: models.StateDone}, models.ErrCorrectionMoves},
			{"to another task", l.attendant, fixed.ID, models.Change{MilestoneID: l.otherMilestone, State: models.StateDone}, models.ErrCorrectionMoves},
			{"someone else's", l.owner, fixed.ID, models.Change{State: models.StateDone}, models.ErrReportNotYours},
			{"already corrected", l.attendant, done.ID, models.Change{State: models.StateDone}, models.ErrReportChanged},
			{"bad percent", l.attendant, fixed.ID, models.Change{State: models.StateOnTrack, Percent: intp(101)}, models.ErrBadPercent},
		}
		for _, tc := range refused {
			if _, err := l.correct(tc.by, tc.id, tc.ch); !errors.Is(err, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			}
		}
		l.wantMilestone(l.m1.ID, models.StateOnTrack, 80, "after refused corrections")
		l.wantMilestone(l.m2.ID, models.StatePending, 0, "after refused corrections")

		// A later report by someone else stands: correcting an earlier
		// report does not override it.
		if _, err := l.report(l.owner, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateAtRisk, Percent: intp(70)}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(20 * time.Minute)
		again, err := l.correct(l.attendant, fixed.ID, models.Change{State: models.StateOnTrack, Percent: intp(90)})
		if err != nil {
			t.Fatal(err)
		}
		l.wantMilestone(l.m1.ID, models.StateAtRisk, 70, "an earlier report corrected under a later one")

		// The window runs from the original report, not the correction.
		clock.Advance(11 * time.Minute)
		if _, err := l.correct(l.attendant, again.ID, models.Change{State: models.StateDone}); !errors.Is(err, models.ErrCorrectionClosed) {
			t.Fatalf("late correction: %v", err)
		}
	})
}

// Withdrawing recomputes the milestone from the reports that remain.
func TestWithdrawalKeepsEarlierReports(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		l := newLedger(t, s, clock)
		if _, err := l.report(l.owner, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateOnTrack, Percent: intp(40)}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		done, err := l.report(l.attendant, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateDone})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.withdraw(l.owner, done.ID); !errors.Is(err, models.ErrReportNotYours) {
			t.Fatalf("withdraw by someone else: %v", err)
		}
		if err := l.withdraw(l.attendant, done.ID); err != nil {
			t.Fatal(err)
		}
		l.wantMilestone(l.m1.ID, models.StateOnTrack, 40, "after withdrawing the newest report")
		if err := l.withdraw(l.attendant, done.ID); !errors.Is(err, models.ErrReportChanged) {
			t.Fatalf("withdraw twice: %v", err)
		}
		clock.Advance(31 * time.Minute)
		late, err := l.report(l.attendant, models.ReportInput{MilestoneID: l.m1.ID, State: models.StateAtRisk})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(31 * time.Minute)
		if err := l.withdraw(l.attendant, late.ID); !errors.Is(err, models.ErrCorrectionClosed) {
			t.Fatalf("late withdrawal: %v", err)
		}
		if n := l.count(&models.Report{}); n != 3 {
			t.Fatalf("history has %d reports, want all 3", n)
		}
	})
}

// DeriveMilestone is the one rule for a milestone's state; table cases.
func TestDeriveMilestone(t *testing.T) {
	id := func(n uint) *uint { return &n }
	cases := []struct {
		name    string
		history []models.Report
		want    models.Derived
	}{
		{"none", nil, models.Derived{State: models.StatePending}},
		{"one", []models.Report{{ID: 1, OriginID: 1, State: models.StateAtRisk, Percent: intp(30)}},
			models.Derived{State: models.StateAtRisk, Percent: 30, LastReportID: id(1)}},
		{"done is 100", []models.Report{{ID: 1, OriginID: 1, State: models.StateDone}},
			models.Derived{State: models.StateDone, Percent: 100, LastReportID: id(1)}},
		{"percent carried", []models.Report{{ID: 1, OriginID: 1, State: models.StateOnTrack, Percent: intp(50)}, {ID: 2, OriginID: 2, State: models.StateBlocked}},
			models.Derived{State: models.StateBlocked, Percent: 50, LastReportID: id(2)}},
		{"withdrawn removed", []models.Report{{ID: 1, OriginID: 1, State: models.StateOnTrack, Percent: intp(50)}, {ID: 2, OriginID: 2, State: models.StateDone, Withdrawn: true}},
			models.Derived{State: models.StateOnTrack, Percent: 50, LastReportID: id(1)}},
		{"correction keeps its place", []models.Report{
			{ID: 1, OriginID: 1, State: models.StateOnTrack, SupersededBy: id(3)},
			{ID: 2, OriginID: 2, State: models.StateAtRisk, Percent: intp(20)},
			{ID: 3, OriginID: 1, State: models.StateBlocked, Percent: intp(10)}},
			models.Derived{State: models.StateAtRisk, Percent: 20, LastReportID: id(2)}},
		{"reopened starts below 100", []models.Report{
			{ID: 1, OriginID: 1, State: models.StateOnTrack, Percent: intp(60)},
			{ID: 2, OriginID: 2, State: models.StateDone, Percent: intp(100)},
			{ID: 3, OriginID: 3, State: models.StateAtRisk, Reopens: true}},
			models.Derived{State: models.StateAtRisk, Percent: 60, LastReportID: id(3)}},
		{"all gone", []models.Report{{ID: 1, OriginID: 1, State: models.StateDone, Withdrawn: true}},
			models.Derived{State: models.StatePending}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := models.DeriveMilestone(tc.history)
			same := got.State == tc.want.State && got.Percent == tc.want.Percent &&
				(got.LastReportID == nil) == (tc.want.LastReportID == nil) &&
				(got.LastReportID == nil || *got.LastReportID == *tc.want.LastReportID)
			if !same {
				t.Fatalf("got %+v (last %v), want %+v (last %v)", got, got.LastReportID, tc.want, tc.want.LastReportID)
			}
		})
	}
}

// modelReport is one logical report of the in-memory model: its current
// version, or gone once withdrawn.
type modelReport struct {
	id        uint // the id of its current version in the database
	by        uint
	milestone uint
	state     models.MilestoneState
	percent   *int
	at        time.Time
	gone      bool
}

// modelState is what the in-memory model says of a milestone: the newest
// logical report still there gives the state; the percent is the newest
// given below 100, or 100 when done.
func modelState(reports []*modelReport, milestone uint) (models.MilestoneState, int) {
	var live []*modelReport
	for _, r := range reports {
		if r.milestone == milestone && !r.gone {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return models.StatePending, 0
	}
	last := live[len(live)-1]
	if last.state == models.StateDone {
		return models.StateDone, 100
	}
	for i := len(live) - 1; i >= 0; i-- {
		if p := live[i].percent; p != nil && *p < 100 {
			return last.state, *p
		}
	}
	return last.state, 0
}

// Random sequences of reports, corrections, reopenings and withdrawals:
// every stored milestone state equals the state recomputed from its
// history, and both equal what a tiny in-memory model of the rules says.
func TestLedgerProperty(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		l := newLedger(t, s, clock)
		rng := rand.New(rand.NewPCG(7, uint64(len(s.Dialect))))
		states := []models.MilestoneState{models.StateOnTrack, models.StateAtRisk, models.StateBlocked, models.StateDone}
		people := []uint{l.attendant, l.owner, l.d.Attendants[1].ID}
		milestones := []uint{l.m1.ID, l.m2.ID}
		var model []*modelReport
		steps := 150
		if testing.Short() {
			steps = 40
		}
		for step := range steps {
			clock.Advance(time.Duration(rng.IntN(20)) * time.Minute)
			var percent *int
			if rng.IntN(2) == 0 {
				percent = intp(rng.IntN(101))
			}
			state := states[rng.IntN(len(states))]
			by := people[rng.IntN(len(people))]
			op := rng.IntN(3)
			var live []*modelReport
			for _, r := range model {
				if !r.gone && r.by == by && clock.Now().Sub(r.at) <= l.window {
					live = append(live, r)
				}
			}
			if op > 0 && len(live) == 0 {
				op = 0
			}
			switch op {
			case 0: // a new report, reopening when the milestone is done
				m := milestones[rng.IntN(len(milestones))]
				cur, _ := modelState(model, m)
				reopen := cur == models.StateDone
				if reopen && (state == models.StateDone || (percent != nil && *percent == 100)) {
					state, percent = models.StateAtRisk, nil
				}
				r, err := l.report(by, models.ReportInput{MilestoneID: m, State: state, Percent: percent, Reopen: reopen})
				if err != nil {
					t.Fatalf("step %d: report: %v", step, err)
				}
				model = append(model, &modelReport{id: r.ID, by: by, milestone: m, state: r.State, percent: percent, at: clock.Now()})
			case 1: // a correction of one of by's reports
				target := live[rng.IntN(len(live))]
				r, err := l.correct(by, target.id, models.Change{State: state, Percent: percent})
				if err != nil {
					t.Fatalf("step %d: correct: %v", step, err)
				}
				target.id, target.state, target.percent = r.ID, r.State, percent
			case 2: // a withdrawal
				target := live[rng.IntN(len(live))]
				if err := l.withdraw(by, target.id); err != nil {
					t.Fatalf("step %d: withdraw: %v", step, err)
				}
				target.gone = true
			}
			for _, m := range milestones {
				stored := l.milestone(m)
				var history []models.Report
				if err := s.DB.Where("milestone_id = ?", m).Find(&history).Error; err != nil {
					t.Fatal(err)
				}
				derived := models.DeriveMilestone(history)
				wantState, wantPercent := modelState(model, m)
				if stored.State != derived.State || stored.Percent != derived.Percent {
					t.Fatalf("step %d: milestone %d stored %s %d%%, history gives %s %d%%", step, stored.Seq, stored.State, stored.Percent, derived.State, derived.Percent)
				}
				if stored.State != wantState || stored.Percent != wantPercent {
					t.Fatalf("step %d: milestone %d stored %s %d%%, the model says %s %d%%", step, stored.Seq, stored.State, stored.Percent, wantState, wantPercent)
				}
			}
		}
	})
}

// doneAll reports every milestone of T01 done and returns the reports.
func (l *ledger) doneAll() []*models.Report {
	l.t.Helper()
	var out []*models.Report
	for _, m := range []uint{l.m1.ID, l.m2.ID} {
		r, err := l.report(l.attendant, models.ReportInput{MilestoneID: m, State: models.StateDone})
		if err != nil {
			l.t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func (l *ledger) requestClose(by uint) (*models.CloseRequest, error) {
	var req *models.CloseRequest
	err := l.tx(func(tx *gorm.DB) error {
		var err error
		req, err = models.RequestClose(tx, by, l.d.Task.ID, l.clock.Now())
		return err
	})
	return req, err
}

// decideClose decides in a transaction of its own. An approval that ended
// the request as superseded commits, and returns why.
func (l *ledger) decideClose(by, id uint, decision string) error {
	var out *models.CloseOutcome
	err := l.tx(func(tx *gorm.DB) error {
		var err error
		out, err = models.DecideClose(tx, by, id, decision, "", l.clock.Now())
		return err
	})
	if err == nil && out.Superseded != nil {
		return out.Superseded
	}
	return err
}

func (l *ledger) closeDecision(id uint) string {
	l.t.Helper()
	var req models.CloseRequest
	if err := l.s.DB.Take(&req, id).Error; err != nil {
		l.t.Fatal(err)
	}
	return req.Decision
}

func (l *ledger) taskDone() bool {
	var task models.Task
	l.s.DB.Take(&task, l.d.Task.ID)
	return task.Done
}

// A close-out is asked once per task and decided on the present state.
func TestCloseOutDecidedOnThePresentState(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		l := newLedger(t, s, clock)
		if _, err := l.requestClose(l.attendant); !errors.Is(err, models.ErrMilestonesOpen) {
			t.Fatalf("close with open milestones: %v", err)
		}
		done := l.doneAll()
		if _, err := l.requestClose(l.leader); !errors.Is(err, models.ErrNotReporter) {
			t.Fatalf("close asked by the leader: %v", err)
		}
		req, err := l.requestClose(l.attendant)
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.requestClose(l.owner)
		var open *models.CloseOpenError
		if !errors.As(err, &open) || open.Request.ID != req.ID {
			t.Fatalf("second request: %v", err)
		}
		if n := l.count(&models.CloseRequest{}); n != 1 {
			t.Fatalf("%d close requests, want 1", n)
		}

		// The report it relied on is corrected, still done: approval
		// refused, and the request ends so that it can be asked again.
		if _, err := l.correct(l.attendant, done[1].ID, models.Change{State: models.StateDone, Note: "补充说明"}); err != nil {
			t.Fatal(err)
		}
		if err := l.decideClose(l.attendant, req.ID, models.CloseApproved); !errors.Is(err, models.ErrNotLeader) {
			t.Fatalf("approval by an attendant: %v", err)
		}
		if err := l.decideClose(l.leader, req.ID, models.CloseApproved); !errors.Is(err, models.ErrCloseBasisChanged) {
			t.Fatalf("approval after a correction: %v", err)
		}
		if l.taskDone() {
			t.Fatal("task closed on a changed basis")
		}
		if got := l.closeDecision(req.ID); got != models.CloseSuperseded {
			t.Fatalf("request refused on a changed basis is %q, want superseded", got)
		}
		if err := l.decideClose(l.leader, req.ID, models.CloseReturned); !errors.Is(err, models.ErrAlreadyDecided) {
			t.Fatalf("a superseded request returned: %v", err)
		}

		// Asked again; then a coordination request opens.
		req2, err := l.requestClose(l.attendant)
		if err != nil {
			t.Fatal(err)
		}
		coord := &models.CoordinationRequest{TaskID: l.d.Task.ID, Text: "验收需协调"}
		if err := l.tx(func(tx *gorm.DB) error { return models.OpenCoordination(tx, l.owner, coord) }); err != nil {
			t.Fatal(err)
		}
		if err := l.decideClose(l.leader, req2.ID, models.CloseApproved); !errors.Is(err, models.ErrCoordinationOpen) {
			t.Fatalf("approval with coordination open: %v", err)
		}
		if err := l.tx(func(tx *gorm.DB) error {
			_, _, err := models.ResolveCoordination(tx, l.leader, coord.ID, clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}

		// A withdrawal since the request: the milestone is no longer done.
		latest, err := models.TaskByCode(s.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		if err := l.withdraw(l.attendant, *latest.Milestones[1].LastReportID); err != nil {
			t.Fatal(err)
		}
		if err := l.decideClose(l.leader, req2.ID, models.CloseApproved); !errors.Is(err, models.ErrMilestonesOpen) {
			t.Fatalf("approval after a withdrawal: %v", err)
		}
		if l.taskDone() {
			t.Fatal("task closed with a milestone not done")
		}
		if got := l.closeDecision(req2.ID); got != models.CloseSuperseded {
			t.Fatalf("request refused after a withdrawal is %q, want superseded", got)
		}
		if _, err := l.requestClose(l.attendant); !errors.Is(err, models.ErrMilestonesOpen) {
			t.Fatalf("close asked with a milestone not done: %v", err)
		}
		if _, err := l.report(l.attendant, models.ReportInput{MilestoneID: l.m2.ID, State: models.StateDone}); err != nil {
			t.Fatal(err)
		}
		// Done again: the attendant asks again, and it is approved.
		req3, err := l.requestClose(l.attendant)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.decideClose(l.leader, req3.ID, models.CloseApproved); err != nil {
			t.Fatal(err)
		}
		if !l.taskDone() {
			t.Fatal("approved task not closed")
		}
		if err := l.decideClose(l.leader, req3.ID, models.CloseApproved); !errors.Is(err, models.ErrAlreadyDecided) {
			t.Fatalf("decided twice: %v", err)
		}
		var kinds []string
		s.DB.Model(&models.AuditEvent{}).Where("task_id = ? AND kind LIKE 'close%'", l.d.Task.ID).Order("id").Pluck("kind", &kinds)
		if got := strings.Join(kinds, " "); got != "close_requested close_superseded close_requested close_superseded close_requested close_approved" {
			t.Fatalf("audit trail of the close-out: %s", got)
		}
	})
}

// Two close-out requests racing on PostgreSQL: one is stored, the other is
// told which is open.
func TestCloseRequestsRace(t *testing.T) {
	clock := newClock()
	s := storetest.Postgres(t, models.Options{Clock: clock.Now})
	l := newLedger(t, s, clock)
	l.doneAll()
	errs := make(chan error, 2)
	for _, by := range []uint{l.attendant, l.owner} {
		go func() {
			_, err := l.requestClose(by)
			errs <- err
		}()
	}
	var ok, open int
	for range 2 {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case errors.Is(err, models.ErrCloseOpen):
			open++
		default:
			t.Fatalf("racing close request: %v", err)
		}
	}
	if ok != 1 || open != 1 || l.count(&models.CloseRequest{}) != 1 {
		t.Fatalf("%d stored, %d told it was open, %d rows", ok, open, l.count(&models.CloseRequest{}))
	}
}

// Leaders' actions on coordination and instructions check the leader, and
// every one leaves a line in the audit trail.
func TestCoordinationAndInstructionRules(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		l := newLedger(t, s, clock)
		coord := &models.CoordinationRequest{TaskID: l.d.Task.ID, Text: "用地"}
		if err := l.tx(func(tx *gorm.DB) error { return models.OpenCoordination(tx, l.leader, coord) }); !errors.Is(err, models.ErrNotReporter) {
			t.Fatalf("coordination raised by a leader only: %v", err)
		}
		coord = &models.CoordinationRequest{TaskID: l.d.Task.ID, Text: "用地"}
		if err := l.tx(func(tx *gorm.DB) error { return models.OpenCoordination(tx, l.attendant, coord) }); err != nil {
			t.Fatal(err)
		}
		err := l.tx(func(tx *gorm.DB) error {
			_, err := models.AnswerCoordination(tx, l.attendant, coord.ID, "自己答")
			return err
		})
		if !errors.Is(err, models.ErrNotLeader) {
			t.Fatalf("answer by an attendant: %v", err)
		}
		err = l.tx(func(tx *gorm.DB) error {
			_, _, err := models.ResolveCoordination(tx, l.owner, coord.ID, clock.Now())
			return err
		})
		if !errors.Is(err, models.ErrNotLeader) {
			t.Fatalf("resolve by the owner: %v", err)
		}
		err = l.tx(func(tx *gorm.DB) error {
			_, err := models.GiveInstruction(tx, l.attendant, l.d.Task.ID, "自己批")
			return err
		})
		if !errors.Is(err, models.ErrNotLeader) {
			t.Fatalf("instruction by an attendant: %v", err)
		}
		var in *models.Instruction
		err = l.tx(func(tx *gorm.DB) error {
			var err error
			in, err = models.GiveInstruction(tx, l.leader, l.d.Task.ID, "本周完成")
			return err
		})
		if err != nil || len(in.Receipts) != 3 {
			t.Fatalf("instruction to attendants and owner: %+v %v", in, err)
		}
		err = l.tx(func(tx *gorm.DB) error {
			_, err := models.ConfirmInstruction(tx, in.ID, l.owner, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		s.DB.Model(&models.AuditEvent{}).Where("task_id = ?", l.d.Task.ID).Order("id").Pluck("kind", &kinds)
		if got := strings.Join(kinds, " "); got != "coordination_opened instruction instruction_confirmed" {
			t.Fatalf("audit trail: %s", got)
		}
	})
}
