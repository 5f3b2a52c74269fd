package models_test

import (
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A leave written step by step: each step takes only its own input, bad
// input changes nothing, and confirming records the leave by the ledger's
// rules and drops the draft.
func TestLeaveDraftSteps(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		me := k.attendant
		step := func(fn func(tx *gorm.DB) (*models.LeaveDraft, error)) (*models.LeaveDraft, error) {
			var d *models.LeaveDraft
			err := k.tx(func(tx *gorm.DB) error {
				var err error
				d, err = fn(tx)
				return err
			})
			return d, err
		}
		now := clock.Now
		d, err := step(func(tx *gorm.DB) (*models.LeaveDraft, error) { return models.StartLeaveDraft(tx, me, now()) })
		if err != nil {
			t.Fatal(err)
		}
		first, last, before := day(2026, 3, 9), day(2026, 3, 13), day(2026, 3, 8)
		bad := []struct {
			name string
			fn   func(tx *gorm.DB) (*models.LeaveDraft, error)
			want error
		}{
			{"unknown kind", func(tx *gorm.DB) (*models.LeaveDraft, error) {
				return models.SetDraftKind(tx, me, d.ID, "holiday", now())
			}, models.ErrLeaveKind},
			{"days before the kind", func(tx *gorm.DB) (*models.LeaveDraft, error) {
				return models.SetDraftDays(tx, me, d.ID, &first, nil, now())
			}, models.ErrLeaveDraftStep},
			{"someone else's draft", func(tx *gorm.DB) (*models.LeaveDraft, error) {
				return models.SetDraftKind(tx, k.other, d.ID, models.LeaveTrip, now())
			}, models.ErrNoLeaveDraft},
			{"confirm too early", func(tx *gorm.DB) (*models.LeaveDraft, error) {
				_, err := models.ConfirmLeaveDraft(tx, me, d.ID, k.shanghai, false, now())
				return nil, err
			}, models.ErrLeaveDraftStep},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				if _, err := step(c.fn); !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
			})
		}
		if _, err := step(func(tx *gorm.DB) (*models.LeaveDraft, error) {
			return models.SetDraftKind(tx, me, d.ID, models.LeaveTrip, now())
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := step(func(tx *gorm.DB) (*models.LeaveDraft, error) {
			return models.SetDraftDays(tx, me, d.ID, &first, nil, now())
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := step(func(tx *gorm.DB) (*models.LeaveDraft, error) {
			return models.SetDraftDays(tx, me, d.ID, nil, &before, now())
		}); !errors.Is(err, models.ErrLeaveDays) {
			t.Fatalf("last day before the first: %v", err)
		}
		if _, err := step(func(tx *gorm.DB) (*models.LeaveDraft, error) {
			return models.SetDraftDays(tx, me, d.ID, nil, &last, now())
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Exec("UPDATE people SET telegram_id = NULL WHERE id = ?", k.owner).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name   string
			deputy uint
			want   error
		}{{"unbound", k.owner, models.ErrDeputyUnbound}, {"self", me, models.ErrDeputySelf}, {"unrelated", k.stranger, models.ErrDeputyUnrelated}} {
			if _, err := step(func(tx *gorm.DB) (*models.LeaveDraft, error) {
				return models.SetDraftDeputy(tx, me, d.ID, c.deputy, now())
			}); !errors.Is(err, c.want) {
				t.Fatalf("%s deputy: %v, want %v", c.name, err, c.want)
			}
		}
		got, err := step(func(tx *gorm.DB) (*models.LeaveDraft, error) { return models.LeaveDraftOf(tx, me, now()) })
		if err != nil || got.Step != models.StepDeputy || got.DeputyID != nil || !got.FirstDay.Equal(first) || !got.LastDay.Equal(last) || got.Kind != models.LeaveTrip {
			t.Fatalf("draft after refusals %+v, %v", got, err)
		}
		if _, err := step(func(tx *gorm.DB) (*models.LeaveDraft, error) {
			return models.SetDraftDeputy(tx, me, d.ID, k.other, now())
		}); err != nil {
			t.Fatal(err)
		}
		var l *models.Leave
		if err := k.tx(func(tx *gorm.DB) error {
			var err error
			l, err = models.ConfirmLeaveDraft(tx, me, d.ID, k.shanghai, false, now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if l.Kind != models.LeaveTrip || !l.FirstDay.Equal(first) || !l.LastDay.Equal(last) || l.DeputyID == nil || *l.DeputyID != k.other {
			t.Fatalf("leave %+v", l)
		}
		if _, err := step(func(tx *gorm.DB) (*models.LeaveDraft, error) { return models.LeaveDraftOf(tx, me, now()) }); !errors.Is(err, models.ErrNoLeaveDraft) {
			t.Fatalf("draft after confirming: %v", err)
		}
	})
}

// A draft left alone for longer than LeaveDraftTTL takes no more steps;
// starting again replaces it.
func TestLeaveDraftExpires(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		var d *models.LeaveDraft
		if err := k.tx(func(tx *gorm.DB) (err error) {
			d, err = models.StartLeaveDraft(tx, k.attendant, clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(models.LeaveDraftTTL)
		err := k.tx(func(tx *gorm.DB) error {
			_, err := models.SetDraftKind(tx, k.attendant, d.ID, models.LeaveSick, clock.Now())
			return err
		})
		if !errors.Is(err, models.ErrNoLeaveDraft) {
			t.Fatalf("stale draft: %v", err)
		}
		if err := k.tx(func(tx *gorm.DB) error { _, err := models.StartLeaveDraft(tx, k.attendant, clock.Now()); return err }); err != nil {
			t.Fatal(err)
		}
		var n int64
		s.DB.Model(&models.LeaveDraft{}).Count(&n)
		if n != 1 {
			t.Fatalf("%d drafts, want the new one only", n)
		}
	})
}

// With approval on, a leave the person records waits: it stops nothing
// until an admin, or a leader or person in charge of their tasks,
// approves it; nobody else may, and it is decided once. A refused leave
// is cancelled; an admin's record needs no approval.
func TestLeaveApproval(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		k := newLeaveDesk(t, s, clock)
		me := k.attendant
		l, err := k.leave(me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 3, 2), LastDay: day(2026, 3, 8), DeputyID: k.other, Approval: true})
		if err != nil {
			t.Fatal(err)
		}
		if !l.AwaitingApproval {
			t.Fatal("leave with approval on does not wait for it")
		}
		away := func() bool {
			var got map[uint]models.Leave
			if err := k.tx(func(tx *gorm.DB) (err error) { got, err = models.LeavesAt(tx, []uint{me}, clock.Now()); return err }); err != nil {
				t.Fatal(err)
			}
			_, ok := got[me]
			return ok
		}
		if away() {
			t.Fatal("a leave awaiting approval already holds")
		}
		decide := func(by *uint, admin, approve bool) error {
			return k.tx(func(tx *gorm.DB) error {
				_, err := models.DecideLeave(tx, by, admin, l.ID, approve, clock.Now())
				return err
			})
		}
		for _, c := range []struct {
			name string
			by   uint
		}{{"the person", me}, {"another attendant", k.other}, {"a stranger", k.stranger}} {
			t.Run(c.name+" may not approve", func(t *testing.T) {
				if err := decide(&c.by, false, true); !errors.Is(err, models.ErrNotLeaveApprover) {
					t.Fatalf("got %v, want ErrNotLeaveApprover", err)
				}
			})
		}
		if away() {
			t.Fatal("refused approvals made the leave hold")
		}
		if err := decide(&k.leader, false, true); err != nil {
			t.Fatalf("the leader approves: %v", err)
		}
		if !away() {
			t.Fatal("approved leave does not hold")
		}
		if err := decide(&k.owner, false, false); !errors.Is(err, models.ErrLeaveDecided) {
			t.Fatalf("second decision: %v", err)
		}

		// The person in charge may decide too; an admin on no task as well.
		second, err := k.leave(me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 4, 1), LastDay: day(2026, 4, 2), Approval: true})
		if err != nil {
			t.Fatal(err)
		}
		l = second
		if err := decide(&k.owner, false, false); err != nil {
			t.Fatalf("the person in charge refuses: %v", err)
		}
		var refused models.Leave
		s.DB.Take(&refused, second.ID)
		if refused.CancelledAt == nil || refused.DecidedBy == nil || *refused.DecidedBy != k.owner {
			t.Fatalf("refused leave %+v", refused)
		}
		third, err := k.leave(me, false, models.LeaveInput{PersonID: me, FirstDay: day(2026, 5, 1), LastDay: day(2026, 5, 1), Approval: true})
		if err != nil {
			t.Fatal(err)
		}
		l = third
		if err := decide(nil, true, true); err != nil {
			t.Fatalf("an admin approves: %v", err)
		}
		byAdmin, err := k.leave(k.owner, true, models.LeaveInput{PersonID: k.other, FirstDay: day(2026, 5, 1), LastDay: day(2026, 5, 1), Approval: true})
		if err != nil || byAdmin.AwaitingApproval {
			t.Fatalf("admin's record %+v, %v: want no approval needed", byAdmin, err)
		}
		var audits int64
		s.DB.Model(&models.AuditEvent{}).Where("kind IN ?", []string{"leave_approved", "leave_refused"}).Count(&audits)
		if audits != 3 {
			t.Fatalf("%d decision audit rows, want 3", audits)
		}
	})
}
