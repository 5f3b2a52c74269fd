package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LeaveStep is what a leave being written step by step (/leave with no
// arguments) waits for next.
type LeaveStep string

const (
	StepKind     LeaveStep = "kind"
	StepFirstDay LeaveStep = "first"
	StepLastDay  LeaveStep = "last"
	StepDeputy   LeaveStep = "deputy"
	StepConfirm  LeaveStep = "confirm"
)

// LeaveDraft is a person's leave being written with buttons: one at a time
// per person, gone once recorded or cancelled, and forgotten after
// LeaveDraftTTL without a step.
type LeaveDraft struct {
	ID       uint      `gorm:"primaryKey"`
	PersonID uint      `gorm:"not null;uniqueIndex:idx_leave_drafts_person"`
	Step     LeaveStep `gorm:"size:16;not null"`
	Kind     LeaveKind `gorm:"size:16;not null;default:''"`
	FirstDay *time.Time
	LastDay  *time.Time
	// DeputyID is the deputy picked; nil at the confirm step means none
	// named (按默认: the task's other attendants, then its person in
	// charge).
	DeputyID  *uint
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

// LeaveDraftTTL is how long a draft waits for its next step: a date typed
// a day later is no answer to yesterday's question.
const LeaveDraftTTL = time.Hour

var (
	ErrNoLeaveDraft   = errors.New("no leave being written")
	ErrLeaveDraftStep = errors.New("the leave being written is at another step")
)

// StartLeaveDraft begins writing a leave for the person, replacing any
// draft they left unfinished.
func StartLeaveDraft(tx *gorm.DB, personID uint, now time.Time) (*LeaveDraft, error) {
	if err := tx.Where("person_id = ?", personID).Delete(&LeaveDraft{}).Error; err != nil {
		return nil, fmt.Errorf("drop leave draft of person %d: %w", personID, err)
	}
	d := LeaveDraft{PersonID: personID, Step: StepKind, UpdatedAt: now}
	if err := tx.Create(&d).Error; err != nil {
		return nil, fmt.Errorf("start leave draft of person %d: %w", personID, err)
	}
	return &d, nil
}

// LeaveDraftOf is the person's draft still in time at now; ErrNoLeaveDraft
// when there is none.
func LeaveDraftOf(tx *gorm.DB, personID uint, now time.Time) (*LeaveDraft, error) {
	var ds []LeaveDraft
	if err := tx.Where("person_id = ? AND updated_at > ?", personID, now.Add(-LeaveDraftTTL)).Limit(1).Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("leave draft of person %d: %w", personID, err)
	}
	if len(ds) == 0 {
		return nil, ErrNoLeaveDraft
	}
	return &ds[0], nil
}

// draftAt loads the person's draft draftID when it waits for step.
func draftAt(tx *gorm.DB, personID, draftID uint, step LeaveStep, now time.Time) (*LeaveDraft, error) {
	d, err := LeaveDraftOf(tx, personID, now)
	if err != nil {
		return nil, err
	}
	if draftID != 0 && d.ID != draftID {
		return nil, ErrNoLeaveDraft
	}
	if d.Step != step {
		return nil, ErrLeaveDraftStep
	}
	return d, nil
}

// saveDraft moves the draft to its next step with the changes, only if it
// still is at the step it was read at.
func saveDraft(tx *gorm.DB, d *LeaveDraft, from LeaveStep, changes map[string]any, now time.Time) error {
	changes["updated_at"] = now
	res := tx.Model(&LeaveDraft{}).Where("id = ? AND step = ?", d.ID, from).Updates(changes)
	if res.Error != nil {
		return fmt.Errorf("leave draft %d: %w", d.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrLeaveDraftStep
	}
	return tx.Take(d, d.ID).Error
}

// SetDraftKind takes the kind of leave.
func SetDraftKind(tx *gorm.DB, personID, draftID uint, kind LeaveKind, now time.Time) (*LeaveDraft, error) {
	if !kind.Valid() {
		return nil, ErrLeaveKind
	}
	d, err := draftAt(tx, personID, draftID, StepKind, now)
	if err != nil {
		return nil, err
	}
	return d, saveDraft(tx, d, StepKind, map[string]any{"kind": kind, "step": StepFirstDay}, now)
}

// SetDraftDays takes the first day (and the last, when given with it) at
// the first-day step, or the last day at the last-day step. Days are
// calendar days as midnight UTC; a leave may begin in the past (recorded
// after the fact).
func SetDraftDays(tx *gorm.DB, personID, draftID uint, first, last *time.Time, now time.Time) (*LeaveDraft, error) {
	d, err := LeaveDraftOf(tx, personID, now)
	if err != nil {
		return nil, err
	}
	if draftID != 0 && d.ID != draftID {
		return nil, ErrNoLeaveDraft
	}
	changes := map[string]any{}
	switch {
	case d.Step == StepFirstDay && first != nil:
		f := dayOf(*first)
		changes["first_day"], changes["step"] = f, StepLastDay
		if last != nil {
			l := dayOf(*last)
			if err := checkLeaveDays(f, l); err != nil {
				return nil, err
			}
			changes["last_day"], changes["step"] = l, StepDeputy
		}
	case d.Step == StepLastDay && last != nil && first == nil:
		l := dayOf(*last)
		if err := checkLeaveDays(*d.FirstDay, l); err != nil {
			return nil, err
		}
		changes["last_day"], changes["step"] = l, StepDeputy
	default:
		return nil, ErrLeaveDraftStep
	}
	return d, saveDraft(tx, d, d.Step, changes, now)
}

// SetDraftDeputy takes the deputy, 0 for none named, who must be one the
// leave may name (see RecordLeave).
func SetDraftDeputy(tx *gorm.DB, personID, draftID, deputyID uint, now time.Time) (*LeaveDraft, error) {
	d, err := draftAt(tx, personID, draftID, StepDeputy, now)
	if err != nil {
		return nil, err
	}
	changes := map[string]any{"step": StepConfirm, "deputy_id": nil}
	if deputyID != 0 {
		var person Person
		if err := tx.Take(&person, personID).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("person %d", personID))
		}
		tasks, err := reporterTasks(tx, personID)
		if err != nil {
			return nil, err
		}
		if err := checkDeputy(tx, &person, deputyID, tasks); err != nil {
			return nil, err
		}
		changes["deputy_id"] = deputyID
	}
	return d, saveDraft(tx, d, StepDeputy, changes, now)
}

// ConfirmLeaveDraft records the leave the draft holds (RecordLeave, with
// its rules and approval as approval says) and drops the draft. Refused,
// the draft stays as it was.
func ConfirmLeaveDraft(tx *gorm.DB, personID, draftID uint, loc *time.Location, approval bool, now time.Time) (*Leave, error) {
	d, err := draftAt(tx, personID, draftID, StepConfirm, now)
	if err != nil {
		return nil, err
	}
	in := LeaveInput{PersonID: personID, Kind: d.Kind, FirstDay: *d.FirstDay, LastDay: *d.LastDay, Location: loc, Approval: approval}
	if d.DeputyID != nil {
		in.DeputyID = *d.DeputyID
	}
	l, err := RecordLeave(tx, personID, false, in, now)
	if err != nil {
		return nil, err
	}
	if err := tx.Delete(&LeaveDraft{}, d.ID).Error; err != nil {
		return nil, fmt.Errorf("drop leave draft %d: %w", d.ID, err)
	}
	return l, nil
}

// CancelLeaveDraft drops the person's draft draftID.
func CancelLeaveDraft(tx *gorm.DB, personID, draftID uint) error {
	res := tx.Where("id = ? AND person_id = ?", draftID, personID).Delete(&LeaveDraft{})
	if res.Error != nil {
		return fmt.Errorf("cancel leave draft %d: %w", draftID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNoLeaveDraft
	}
	return nil
}

// UsersRequest replaces the keyboard of a private chat with a button
// asking for one person from the reader's contacts, and a button whose
// text, Default, goes on without one.
type UsersRequest struct {
	RequestID int32  `json:"request_id"`
	Button    string `json:"button"`
	Default   string `json:"default"`
}
