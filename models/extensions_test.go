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

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// extensionList is sampleList with T01's milestones due soon (2026-11-30)
// and later (2027-03-31), and T02 contracted by another leader.
func extensionList() []models.TaskSpec {
	list := sampleList()
	list[0].Milestones[0].Due = date(2026, 11, 30)
	list[0].Milestones[1].Due = date(2027, 3, 31)
	list[1].Leaders = []models.PersonSpec{{Name: "李明"}}
	return list
}

// extensions is a test's view of T01 of extensionList and the extension
// operations on it, each in its own transaction.
type extensions struct {
	*ledger
	otherLeader uint
}

func newExtensions(t *testing.T, s *models.Store, clock *storetest.Clock) *extensions {
	t.Helper()
	// Friday 2026-11-27 09:00 in Shanghai.
	clock.Set(time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC))
	if _, err := s.ImportTasks(context.Background(), extensionList(), false); err != nil {
		t.Fatal(err)
	}
	l := loadLedger(t, s, clock)
	li, err := models.PersonByKey(s.DB, "李明")
	if err != nil {
		t.Fatal(err)
	}
	return &extensions{ledger: l, otherLeader: li.ID}
}

func (x *extensions) request(by, milestone uint, due time.Time, reason string) (*models.ExtensionRequest, error) {
	var req *models.ExtensionRequest
	err := x.tx(func(tx *gorm.DB) error {
		var err error
		req, err = models.RequestExtension(tx, by, models.ExtensionAsk{MilestoneID: milestone, NewDue: due, Reason: reason}, shanghai, x.clock.Now())
		return err
	})
	return req, err
}

func (x *extensions) decide(by models.Decider, id uint, decision, answer string) (*models.ExtensionRequest, error) {
	var req *models.ExtensionRequest
	err := x.tx(func(tx *gorm.DB) error {
		var err error
		req, err = models.DecideExtension(tx, by, id, decision, answer, x.clock.Now())
		return err
	})
	return req, err
}

func person(id uint) models.Decider { return models.Decider{PersonID: &id} }

// light is T01's status light on the Shanghai calendar day.
func (x *extensions) light() models.Light {
	x.t.Helper()
	d, err := models.TaskByCode(x.s.DB, "T01")
	if err != nil {
		x.t.Fatal(err)
	}
	one := []models.TaskDetail{*d}
	if err := models.AttachLights(x.s.DB, one, models.Today(x.clock.Now(), shanghai), models.DefaultLightRules); err != nil {
		x.t.Fatal(err)
	}
	return one[0].Light
}

func (x *extensions) wantDates(id uint, due, baseline, original time.Time, when string) {
	x.t.Helper()
	m := x.milestone(id)
	if !m.DueDate.Equal(due) || !m.Baseline().Equal(baseline) || !m.Original().Equal(original) {
		x.t.Fatalf("%s: milestone %d due %s, baseline %s, original %s; want %s, %s, %s", when, m.Seq,
			m.DueDate.Format(time.DateOnly), m.Baseline().Format(time.DateOnly), m.Original().Format(time.DateOnly),
			due.Format(time.DateOnly), baseline.Format(time.DateOnly), original.Format(time.DateOnly))
	}
}

func (x *extensions) auditKinds() string {
	var kinds []string
	x.s.DB.Model(&models.AuditEvent{}).Where("kind LIKE 'extension%'").Order("id").Pluck("kind", &kinds)
	return strings.Join(kinds, " ")
}

// A request before the due date, approved by the task's leader, moves the
// due date and the baseline, keeps the original, changes the light and
// leaves its trail; a second decision is refused; a refusal needs a
// reason and moves nothing.
func TestExtensionApprovedMovesDueDateAndBaseline(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		x := newExtensions(t, s, clock)
		if got := x.light(); got != models.LightYellow {
			t.Fatalf("T01 due in three days is %s", got)
		}
		req, err := x.request(x.attendant, x.m1.ID, date(2027, 1, 15), "  用地审批延后  ")
		if err != nil {
			t.Fatal(err)
		}
		if req.Reason != "用地审批延后" || !req.FromDue.Equal(date(2026, 11, 30)) || !req.NewDue.Equal(date(2027, 1, 15)) || req.Decision != "" {
			t.Fatalf("request %+v", req)
		}
		x.wantDates(x.m1.ID, date(2026, 11, 30), date(2026, 11, 30), date(2026, 11, 30), "asked, not decided")

		// One open request per milestone, whoever asks.
		_, err = x.request(x.owner, x.m1.ID, date(2027, 2, 1), "另一个理由")
		var open *models.ExtensionOpenError
		if !errors.As(err, &open) || open.Request.ID != req.ID || !errors.Is(err, models.ErrExtensionOpen) {
			t.Fatalf("second request: %v", err)
		}

		// Only the task's leader decides.
		for name, by := range map[string]models.Decider{
			"the attendant": person(x.attendant), "the person in charge": person(x.owner),
			"another task's leader": person(x.otherLeader), "nobody": {},
		} {
			if _, err := x.decide(by, req.ID, models.ExtensionApproved, ""); !errors.Is(err, models.ErrNotLeader) {
				t.Fatalf("approval by %s: %v", name, err)
			}
			if _, err := x.decide(by, req.ID, models.ExtensionRefused, "不同意"); !errors.Is(err, models.ErrNotLeader) {
				t.Fatalf("refusal by %s: %v", name, err)
			}
		}
		if _, err := x.decide(person(x.leader), req.ID, "maybe", ""); !errors.Is(err, models.ErrBadExtensionDecision) {
			t.Fatalf("unknown decision: %v", err)
		}
		x.wantDates(x.m1.ID, date(2026, 11, 30), date(2026, 11, 30), date(2026, 11, 30), "after refused decisions")

		decided, err := x.decide(person(x.leader), req.ID, models.ExtensionApproved, "")
		if err != nil {
			t.Fatal(err)
		}
		if decided.Decision != models.ExtensionApproved || decided.DecidedBy == nil || *decided.DecidedBy != x.leader || decided.DecidedAt == nil {
			t.Fatalf("approved request %+v", decided)
		}
		x.wantDates(x.m1.ID, date(2027, 1, 15), date(2027, 1, 15), date(2026, 11, 30), "approved")
		if got := x.light(); got != models.LightGreen {
			t.Fatalf("T01 after the extension is %s", got)
		}

		// A double tap, or a change of mind, finds it decided.
		for _, decision := range []string{models.ExtensionApproved, models.ExtensionRefused} {
			_, err := x.decide(person(x.leader), req.ID, decision, "再议")
			var done *models.ExtensionDecidedError
			if !errors.As(err, &done) || done.Request.Decision != models.ExtensionApproved {
				t.Fatalf("%s after approval: %v", decision, err)
			}
		}
		x.wantDates(x.m1.ID, date(2027, 1, 15), date(2027, 1, 15), date(2026, 11, 30), "after a second decision")

		// Asked again: refused, with a reason, and nothing moves.
		again, err := x.request(x.attendant, x.m1.ID, date(2027, 2, 28), "再延一个月")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.decide(person(x.leader), again.ID, models.ExtensionRefused, " "); !errors.Is(err, models.ErrExtensionNeedsReason) {
			t.Fatalf("refusal without a reason: %v", err)
		}
		refused, err := x.decide(person(x.leader), again.ID, models.ExtensionRefused, "请按期完成")
		if err != nil {
			t.Fatal(err)
		}
		if refused.Decision != models.ExtensionRefused || refused.Answer != "请按期完成" {
			t.Fatalf("refused request %+v", refused)
		}
		x.wantDates(x.m1.ID, date(2027, 1, 15), date(2027, 1, 15), date(2026, 11, 30), "refused")

		// An admin who is on no task decides too.
		third, err := x.request(x.attendant, x.m1.ID, date(2027, 3, 1), "第三次")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.decide(models.Decider{AdminID: 900}, third.ID, models.ExtensionApproved, ""); err != nil {
			t.Fatal(err)
		}
		x.wantDates(x.m1.ID, date(2027, 3, 1), date(2027, 3, 1), date(2026, 11, 30), "approved by an admin")

		if got, want := x.auditKinds(), "extension_requested extension_approved extension_requested extension_refused extension_requested extension_approved"; got != want {
			t.Fatalf("audit trail %q, want %q", got, want)
		}
		var ev models.AuditEvent
		s.DB.Where("kind = 'extension_approved'").Order("id").Take(&ev)
		if ev.PersonID == nil || *ev.PersonID != x.leader || ev.TaskID == nil || *ev.TaskID != x.d.Task.ID ||
			!strings.Contains(ev.Detail, "due 2026-11-30 → 2027-01-15") || !strings.Contains(ev.Detail, "original 2026-11-30") {
			t.Fatalf("approval audited as %+v", ev)
		}
		var byAdmin models.AuditEvent
		s.DB.Where("kind = 'extension_approved'").Order("id DESC").Take(&byAdmin)
		if byAdmin.PersonID != nil || !strings.Contains(byAdmin.Detail, "by admin 900") {
			t.Fatalf("admin's approval audited as %+v", byAdmin)
		}
	})
}

// Every refused request is answered with its reason and writes nothing:
// no request, no audit line, no date moved.
func TestExtensionRequestRefusals(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		x := newExtensions(t, s, clock)
		doneM := x.m2.ID
		if _, err := x.report(x.attendant, models.ReportInput{MilestoneID: doneM, State: models.StateDone}); err != nil {
			t.Fatal(err)
		}
		// T02's 张伟(区水利局) is another person than T01's 张伟(区住建局).
		t02, err := models.TaskByCode(s.DB, "T02")
		if err != nil {
			t.Fatal(err)
		}
		stranger := t02.Attendants[0].ID
		tests := []struct {
			name      string
			by        uint
			milestone uint
			due       time.Time
			reason    string
			want      error
		}{
			{"leader is no requester", x.leader, x.m1.ID, date(2027, 1, 15), "理由", models.ErrNotReporter},
			{"another task's attendant", stranger, x.m1.ID, date(2027, 1, 15), "理由", models.ErrNotReporter},
			{"no such milestone", x.attendant, 99999, date(2027, 1, 15), "理由", models.ErrMilestoneUnknown},
			{"same date", x.attendant, x.m1.ID, date(2026, 11, 30), "理由", models.ErrExtensionNotLater},
			{"earlier date", x.attendant, x.m1.ID, date(2026, 11, 29), "理由", models.ErrExtensionNotLater},
			{"no reason", x.attendant, x.m1.ID, date(2027, 1, 15), " \n ", models.ErrExtensionNeedsReason},
			{"done milestone", x.attendant, doneM, date(2027, 6, 30), "理由", models.ErrMilestoneDone},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := x.request(tc.by, tc.milestone, tc.due, tc.reason); !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				if n := x.count(&models.ExtensionRequest{}); n != 0 {
					t.Fatalf("%d requests stored", n)
				}
				if kinds := x.auditKinds(); kinds != "" {
					t.Fatalf("audited %q", kinds)
				}
				x.wantDates(x.m1.ID, date(2026, 11, 30), date(2026, 11, 30), date(2026, 11, 30), "after a refused request")
			})
		}
		// A closed task takes no requests.
		s.DB.Model(&models.Task{}).Where("id = ?", x.d.Task.ID).Update("done", true)
		if _, err := x.request(x.attendant, x.m1.ID, date(2027, 1, 15), "理由"); !errors.Is(err, models.ErrTaskClosed) {
			t.Fatalf("request on a closed task: %v", err)
		}
		if n := x.count(&models.ExtensionRequest{}); n != 0 {
			t.Fatalf("%d requests stored on a closed task", n)
		}
	})
}

// An extension is asked before the due date: up to the end of the due day
// on the requester's own calendar; after it the milestone stays overdue.
func TestExtensionTooLateInTheRequestersTimeZone(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		x := newExtensions(t, s, clock)
		berlin := x.owner
		if err := s.DB.Model(&models.Person{}).Where("id = ?", berlin).Update("time_zone", "Europe/Berlin").Error; err != nil {
			t.Fatal(err)
		}
		// 2026-11-30 23:00 in Shanghai: the due day itself.
		clock.Set(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC))
		if err := x.tx(func(tx *gorm.DB) error {
			_, err := models.CheckExtendable(tx, x.attendant, x.m1.ID, shanghai, clock.Now())
			return err
		}); err != nil {
			t.Fatalf("on the due day: %v", err)
		}
		// 2026-12-01 01:00 in Shanghai, still 2026-11-30 18:00 in Berlin.
		clock.Set(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC))
		if _, err := x.request(x.attendant, x.m1.ID, date(2027, 1, 15), "用地审批延后"); !errors.Is(err, models.ErrExtensionTooLate) {
			t.Fatalf("the day after the due date in Shanghai: %v", err)
		}
		if n := x.count(&models.ExtensionRequest{}); n != 0 || x.auditKinds() != "" {
			t.Fatalf("a late request wrote %d requests, audit %q", n, x.auditKinds())
		}
		x.wantDates(x.m1.ID, date(2026, 11, 30), date(2026, 11, 30), date(2026, 11, 30), "after a late request")
		if got := x.light(); got != models.LightRed {
			t.Fatalf("overdue T01 is %s", got)
		}
		if _, err := x.request(berlin, x.m1.ID, date(2027, 1, 15), "用地审批延后"); err != nil {
			t.Fatalf("the due day in Berlin: %v", err)
		}
	})
}

// Approval is decided on the present state: a list that moved the due date
// past the date asked for since makes the request moot.
func TestExtensionApprovalOnThePresentState(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		x := newExtensions(t, s, clock)
		req, err := x.request(x.attendant, x.m2.ID, date(2027, 4, 30), "资金未到位")
		if err != nil {
			t.Fatal(err)
		}
		list := extensionList()
		list[0].Milestones[1].Due = date(2027, 5, 31)
		if _, err := s.ImportTasks(context.Background(), list, false); err != nil {
			t.Fatal(err)
		}
		if _, err := x.decide(person(x.leader), req.ID, models.ExtensionApproved, ""); !errors.Is(err, models.ErrExtensionNotLater) {
			t.Fatalf("approving an earlier date than the due date: %v", err)
		}
		x.wantDates(x.m2.ID, date(2027, 5, 31), date(2027, 3, 31), date(2027, 3, 31), "after a refused approval")
		if _, err := x.decide(person(x.leader), req.ID, models.ExtensionRefused, "时限已调整"); err != nil {
			t.Fatal(err)
		}
	})
}

// The baseline stays when a newer list moves a due date, and the import
// says which dates moved against it; a list that still gives the date it
// gave before leaves an extended due date alone, and so does the ledger
// exported after the extension.
func TestBaselineKeptAcrossReimport(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		x := newExtensions(t, s, clock)
		req, err := x.request(x.attendant, x.m1.ID, date(2027, 1, 15), "用地审批延后")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.decide(person(x.leader), req.ID, models.ExtensionApproved, ""); err != nil {
			t.Fatal(err)
		}

		// The admin's unchanged sheet: nothing changes.
		res, err := s.ImportTasks(ctx, extensionList(), false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Changed() || len(res.DueDatesMoved) != 0 {
			t.Fatalf("the unchanged list changed %+v", res)
		}
		x.wantDates(x.m1.ID, date(2027, 1, 15), date(2027, 1, 15), date(2026, 11, 30), "after the unchanged list")

		// A sheet giving the extended date (the exported ledger) changes
		// nothing either, nor does it twice.
		caughtUp := extensionList()
		caughtUp[0].Milestones[0].Due = date(2027, 1, 15)
		for range 2 {
			if res, err := s.ImportTasks(ctx, caughtUp, false); err != nil || res.Changed() {
				t.Fatalf("a list with the extended date: %+v, %v", res, err)
			}
		}

		// A sheet edited to another date moves the due date, not the
		// baseline, and says so.
		edited := extensionList()
		edited[0].Milestones[0].Due = date(2027, 2, 10)
		edited[0].Milestones[1].Due = date(2027, 3, 1)
		dry, err := s.ImportTasks(ctx, edited, true)
		if err != nil {
			t.Fatal(err)
		}
		res, err = s.ImportTasks(ctx, edited, false)
		if err != nil {
			t.Fatal(err)
		}
		want := []models.DueDateMove{
			{Milestone: "T01#1", From: date(2027, 1, 15), To: date(2027, 2, 10), Baseline: date(2027, 1, 15)},
			{Milestone: "T01#2", From: date(2027, 3, 31), To: date(2027, 3, 1), Baseline: date(2027, 3, 31)},
		}
		if len(res.DueDatesMoved) != len(want) || res.MilestonesUpdated != 2 {
			t.Fatalf("moves %v, %d updated; want %v", res.DueDatesMoved, res.MilestonesUpdated, want)
		}
		for i := range want {
			if res.DueDatesMoved[i] != want[i] || dry.DueDatesMoved[i] != want[i] {
				t.Fatalf("move %d: %v (dry run %v), want %v", i, res.DueDatesMoved[i], dry.DueDatesMoved[i], want[i])
			}
		}
		if got := res.DueDatesMoved[0].String(); got != "T01#1 2027-01-15 → 2027-02-10 (baseline 2027-01-15)" {
			t.Fatalf("move reads %q", got)
		}
		x.wantDates(x.m1.ID, date(2027, 2, 10), date(2027, 1, 15), date(2026, 11, 30), "after an edited list")
		x.wantDates(x.m2.ID, date(2027, 3, 1), date(2027, 3, 31), date(2027, 3, 31), "after an edited list")
		// The detail readers see the same dates.
		d, err := models.TaskByCode(s.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		if m := d.Milestones[0]; !m.Original().Equal(date(2026, 11, 30)) || !m.Baseline().Equal(date(2027, 1, 15)) || !m.Listed().Equal(date(2027, 2, 10)) {
			t.Fatalf("T01#1 as loaded: %+v", m)
		}
		var audit models.AuditEvent
		s.DB.Where("kind = 'import'").Order("id DESC").Take(&audit)
		if !strings.Contains(audit.Detail, "T01#1 2027-01-15 → 2027-02-10 (baseline 2027-01-15)") {
			t.Fatalf("import audited as %q", audit.Detail)
		}
	})
}

// Random sequences of requests, decisions, days passing and list edits
// against a tiny model of the rules: the stored dates and every refusal are
// the model's.
func TestExtensionProperty(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		x := newExtensions(t, s, clock)
		rng := rand.New(rand.NewPCG(11, uint64(len(s.Dialect))))
		type model struct {
			due, baseline, original, listed time.Time
			open                            *models.ExtensionRequest
		}
		m := model{due: date(2026, 11, 30), baseline: date(2026, 11, 30), original: date(2026, 11, 30), listed: date(2026, 11, 30)}
		requesters := []uint{x.attendant, x.owner, x.leader}
		deciders := []models.Decider{person(x.leader), person(x.attendant), person(x.otherLeader)}
		steps := 120
		if testing.Short() {
			steps = 40
		}
		for step := range steps {
			today := models.Today(clock.Now(), shanghai)
			switch op := rng.IntN(5); op {
			case 0, 1: // a request
				by := requesters[rng.IntN(len(requesters))]
				due := m.due.AddDate(0, 0, rng.IntN(40)-5)
				reason := []string{"理由", ""}[rng.IntN(4)/3]
				req, err := x.request(by, x.m1.ID, due, reason)
				var want error
				switch {
				case by == x.leader:
					want = models.ErrNotReporter
				case m.due.Before(today):
					want = models.ErrExtensionTooLate
				case m.open != nil:
					want = models.ErrExtensionOpen
				case !due.After(m.due):
					want = models.ErrExtensionNotLater
				case reason == "":
					want = models.ErrExtensionNeedsReason
				}
				if !errors.Is(err, want) || (want == nil && err != nil) {
					t.Fatalf("step %d: request by %d for %s: %v, want %v", step, by, due.Format(time.DateOnly), err, want)
				}
				if err == nil {
					m.open = req
				}
			case 2: // a decision
				if m.open == nil {
					continue
				}
				by := deciders[rng.IntN(len(deciders))]
				decision := []string{models.ExtensionApproved, models.ExtensionRefused}[rng.IntN(2)]
				_, err := x.decide(by, m.open.ID, decision, "意见")
				var want error
				switch {
				case *by.PersonID != x.leader:
					want = models.ErrNotLeader
				case decision == models.ExtensionApproved && !m.open.NewDue.After(m.due):
					want = models.ErrExtensionNotLater
				}
				if !errors.Is(err, want) || (want == nil && err != nil) {
					t.Fatalf("step %d: %s by %v: %v, want %v", step, decision, *by.PersonID, err, want)
				}
				if err == nil {
					if decision == models.ExtensionApproved {
						m.due, m.baseline = m.open.NewDue, m.open.NewDue
					}
					m.open = nil
				}
			case 3: // days pass
				clock.Advance(time.Duration(rng.IntN(72)) * time.Hour)
			case 4: // the list is imported, edited or not
				list := extensionList()
				next := m.listed
				if rng.IntN(2) == 0 {
					next = m.listed.AddDate(0, 0, rng.IntN(30)-10)
				}
				list[0].Milestones[0].Due = next
				res, err := s.ImportTasks(context.Background(), list, false)
				if err != nil {
					t.Fatalf("step %d: import: %v", step, err)
				}
				moved := !next.Equal(m.listed) && !next.Equal(m.due)
				if moved != (len(res.DueDatesMoved) == 1) {
					t.Fatalf("step %d: list %s (listed %s, due %s) moved %v", step, next.Format(time.DateOnly), m.listed.Format(time.DateOnly),
						m.due.Format(time.DateOnly), res.DueDatesMoved)
				}
				if !next.Equal(m.listed) {
					m.due, m.listed = next, next
				}
			}
			x.wantDates(x.m1.ID, m.due, m.baseline, m.original, "step")
			if got := x.milestone(x.m1.ID).Listed(); !got.Equal(m.listed) {
				t.Fatalf("step %d: listed %s, model %s", step, got.Format(time.DateOnly), m.listed.Format(time.DateOnly))
			}
			var open int64
			s.DB.Model(&models.ExtensionRequest{}).Where("decision = ''").Count(&open)
			if (open == 1) != (m.open != nil) || open > 1 {
				t.Fatalf("step %d: %d open requests, model %v", step, open, m.open != nil)
			}
		}
	})
}

// Two extension requests racing on PostgreSQL: one is stored, the other is
// told which is open.
func TestExtensionRequestsRace(t *testing.T) {
	clock := newClock()
	s := storetest.Postgres(t, models.Options{Clock: clock.Now})
	x := newExtensions(t, s, clock)
	errs := make(chan error, 2)
	for _, by := range []uint{x.attendant, x.owner} {
		go func() {
			_, err := x.request(by, x.m1.ID, date(2027, 1, 15), "理由")
			errs <- err
		}()
	}
	var ok, open int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, models.ErrExtensionOpen):
			open++
		default:
			t.Fatalf("racing request: %v", err)
		}
	}
	if ok != 1 || open != 1 || x.count(&models.ExtensionRequest{}) != 1 {
		t.Fatalf("%d stored, %d told it was open, %d rows", ok, open, x.count(&models.ExtensionRequest{}))
	}
}
