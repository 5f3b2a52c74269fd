package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// coordination is a ledger on T01 early in the year, when neither of its
// milestones is due soon: only a blocker turns it red.
type coordination struct{ *ledger }

func newCoordination(t *testing.T, s *models.Store, clock *storetest.Clock) *coordination {
	return &coordination{newLedger(t, s, clock)}
}

// blocked records a blocked report and opens the coordination request it
// raises, as the bot does for every surface.
func (c *coordination) blocked(seq int, note string, reopen bool) (*models.Report, *models.CoordinationRequest) {
	c.t.Helper()
	m := c.m1
	if seq == 2 {
		m = c.m2
	}
	var (
		r   *models.Report
		req *models.CoordinationRequest
	)
	err := c.tx(func(tx *gorm.DB) error {
		var err error
		r, err = models.RecordReport(tx, c.attendant, models.ReportInput{TaskID: c.d.Task.ID, MilestoneID: m.ID,
			State: models.StateBlocked, Note: note, Reopen: reopen}, c.clock.Now())
		if err != nil {
			return err
		}
		mid, rid := m.ID, r.ID
		req = &models.CoordinationRequest{TaskID: c.d.Task.ID, MilestoneID: &mid, ReportID: &rid, Text: note}
		return models.OpenCoordination(tx, c.attendant, req)
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return r, req
}

func (c *coordination) request(id uint) models.CoordinationRequest {
	c.t.Helper()
	var req models.CoordinationRequest
	if err := c.s.DB.Take(&req, id).Error; err != nil {
		c.t.Fatal(err)
	}
	return req
}

func (c *coordination) light() models.Light {
	c.t.Helper()
	d, err := models.TaskByID(c.s.DB, c.d.Task.ID)
	if err != nil {
		c.t.Fatal(err)
	}
	lit := []models.TaskDetail{*d}
	if err := models.AttachLights(c.s.DB, lit, models.Today(c.clock.Now(), time.UTC), models.DefaultLightRules); err != nil {
		c.t.Fatal(err)
	}
	return lit[0].Light
}

func (c *coordination) requestClose() error {
	return c.tx(func(tx *gorm.DB) error {
		_, err := models.RequestClose(tx, c.attendant, c.d.Task.ID, c.clock.Now())
		return err
	})
}

func (c *coordination) done(seq int) *models.Report {
	c.t.Helper()
	m := c.m1
	if seq == 2 {
		m = c.m2
	}
	r, err := c.report(c.attendant, models.ReportInput{MilestoneID: m.ID, State: models.StateDone})
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

func (c *coordination) audited(kind string) int64 {
	var n int64
	c.s.DB.Model(&models.AuditEvent{}).Where("kind = ?", kind).Count(&n)
	return n
}

func earlyClock() *storetest.Clock {
	return storetest.NewClock(time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
}

// The coordination request a blocked report opened follows the report:
// withdrawing it, or correcting it to a state that is not blocked, closes
// the request as withdrawn, so it neither keeps the task red nor blocks
// its close-out; a correction that still says blocked keeps the one
// request open; a request raised by hand stays.
func TestCoordinationFollowsTheReportThatOpenedIt(t *testing.T) {
	t.Run("withdrawn report", func(t *testing.T) {
		clock := earlyClock()
		storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
			c := newCoordination(t, s, clock)
			r, req := c.blocked(1, "等待用地审批", false)
			if got := c.light(); got != models.LightRed {
				t.Fatalf("blocked: light %s, want red", got)
			}
			if err := c.withdraw(c.attendant, r.ID); err != nil {
				t.Fatal(err)
			}
			if got := c.light(); got != models.LightGreen {
				t.Fatalf("blocked report withdrawn: light %s, want green", got)
			}
			got := c.request(req.ID)
			if got.State != models.CoordinationWithdrawn || got.ResolvedAt == nil || got.ResolvedBy == nil || *got.ResolvedBy != c.attendant {
				t.Fatalf("request after the withdrawal: %+v", got)
			}
			if n := c.audited("coordination_withdrawn"); n != 1 {
				t.Fatalf("%d coordination_withdrawn audit events, want 1", n)
			}
		})
	})
	t.Run("withdrawn reopening, then close-out", func(t *testing.T) {
		clock := earlyClock()
		storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
			c := newCoordination(t, s, clock)
			c.done(1)
			c.done(2)
			r, req := c.blocked(2, "验收资料不全", true)
			if err := c.requestClose(); !errors.Is(err, models.ErrMilestonesOpen) {
				t.Fatalf("close with milestone 2 reopened: %v", err)
			}
			if err := c.withdraw(c.attendant, r.ID); err != nil {
				t.Fatal(err)
			}
			c.wantMilestone(c.m2.ID, models.StateDone, 100, "reopening withdrawn")
			if err := c.requestClose(); err != nil {
				t.Fatalf("close-out after the blocked report was withdrawn: %v", err)
			}
			if got := c.request(req.ID); got.State != models.CoordinationWithdrawn {
				t.Fatalf("request %s, want withdrawn", got.State)
			}
		})
	})
	t.Run("corrected to done, then close-out", func(t *testing.T) {
		clock := earlyClock()
		storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
			c := newCoordination(t, s, clock)
			c.done(1)
			r, req := c.blocked(2, "等待用地审批", false)
			ch, err := c.correctChange(r.ID, models.Change{State: models.StateDone})
			if err != nil {
				t.Fatal(err)
			}
			if len(ch.Withdrawn) != 1 || ch.Withdrawn[0].ID != req.ID || len(ch.Carried) != 0 {
				t.Fatalf("correction changed %+v", ch)
			}
			if got := c.light(); got != models.LightDone {
				t.Fatalf("light %s, want done", got)
			}
			if err := c.requestClose(); err != nil {
				t.Fatalf("close-out after the blocked report was corrected to done: %v", err)
			}
		})
	})
	t.Run("corrected to on track", func(t *testing.T) {
		clock := earlyClock()
		storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
			c := newCoordination(t, s, clock)
			r, req := c.blocked(1, "等待用地审批", false)
			if _, err := c.correctChange(r.ID, models.Change{State: models.StateOnTrack, Percent: intp(40)}); err != nil {
				t.Fatal(err)
			}
			if got := c.light(); got != models.LightGreen {
				t.Fatalf("light %s, want green", got)
			}
			if got := c.request(req.ID); got.State != models.CoordinationWithdrawn {
				t.Fatalf("request %s, want withdrawn", got.State)
			}
		})
	})
	t.Run("corrected and still blocked", func(t *testing.T) {
		clock := earlyClock()
		storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
			c := newCoordination(t, s, clock)
			r, req := c.blocked(1, "等待用地审批", false)
			ch, err := c.correctChange(r.ID, models.Change{State: models.StateBlocked, Note: "等待用地和规划审批"})
			if err != nil {
				t.Fatal(err)
			}
			if len(ch.Carried) != 1 || ch.Carried[0].ID != req.ID || len(ch.Withdrawn) != 0 {
				t.Fatalf("correction changed %+v", ch)
			}
			got := c.request(req.ID)
			if got.State != models.CoordinationOpen || got.ReportID == nil || *got.ReportID != ch.Report.ID {
				t.Fatalf("request after a correction still blocked: %+v", got)
			}
			if c.light() != models.LightRed {
				t.Fatal("still blocked, not red")
			}
			if err := c.withdraw(c.attendant, ch.Report.ID); err != nil {
				t.Fatal(err)
			}
			if got := c.request(req.ID); got.State != models.CoordinationWithdrawn {
				t.Fatalf("correction withdrawn: request %s, want withdrawn", got.State)
			}
		})
	})
	t.Run("raised by hand", func(t *testing.T) {
		clock := earlyClock()
		storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
			c := newCoordination(t, s, clock)
			r, _ := c.blocked(1, "等待用地审批", false)
			byHand := &models.CoordinationRequest{TaskID: c.d.Task.ID, Text: "需协调用地指标"}
			if err := c.tx(func(tx *gorm.DB) error { return models.OpenCoordination(tx, c.attendant, byHand) }); err != nil {
				t.Fatal(err)
			}
			if err := c.withdraw(c.attendant, r.ID); err != nil {
				t.Fatal(err)
			}
			if got := c.request(byHand.ID); got.State != models.CoordinationOpen || got.ResolvedAt != nil {
				t.Fatalf("a request raised by hand closed with a report: %+v", got)
			}
			if c.light() != models.LightRed {
				t.Fatal("an open request raised by hand no longer turns the task red")
			}
		})
	})
	t.Run("resolved by the leader", func(t *testing.T) {
		clock := earlyClock()
		storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
			c := newCoordination(t, s, clock)
			r, req := c.blocked(1, "等待用地审批", false)
			err := c.tx(func(tx *gorm.DB) error {
				_, _, err := models.ResolveCoordination(tx, c.leader, req.ID, c.clock.Now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.withdraw(c.attendant, r.ID); err != nil {
				t.Fatal(err)
			}
			if got := c.request(req.ID); got.State != models.CoordinationResolved {
				t.Fatalf("a resolved request became %s", got.State)
			}
		})
	})
}

func (c *coordination) correctChange(id uint, ch models.Change) (*models.ReportChange, error) {
	var out *models.ReportChange
	err := c.s.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		out, err = models.CorrectReport(tx, c.attendant, id, ch, c.clock.Now(), c.window)
		return err
	})
	return out, err
}

// Upgrading to coordination states keeps open requests open and marks the
// ones already closed as resolved, on both databases.
func TestCoordinationStateUpgrade(t *testing.T) {
	for _, db := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", storetest.SQLitePath}, {"postgres", storetest.PostgresDSN}} {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn(t)
			ctx := context.Background()
			old, err := models.Open(ctx, dsn, models.Options{SkipMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := old.MigrateTo(ctx, "0011_delivery"); err != nil {
				t.Fatal(err)
			}
			for _, resolved := range []string{"NULL", "CURRENT_TIMESTAMP"} {
				if err := old.DB.Exec("INSERT INTO coordination_requests (task_id, raised_by_id, text, resolved_at, created_at) VALUES (1, 1, 'x', " + resolved + ", CURRENT_TIMESTAMP)").Error; err != nil {
					t.Fatal(err)
				}
			}
			_ = old.Close()
			s, err := models.Open(ctx, dsn, models.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var reqs []models.CoordinationRequest
			if err := s.DB.Order("id").Find(&reqs).Error; err != nil {
				t.Fatal(err)
			}
			if len(reqs) != 2 || reqs[0].State != models.CoordinationOpen || reqs[1].State != models.CoordinationResolved {
				t.Fatalf("requests after the upgrade: %+v", reqs)
			}
		})
	}
}
