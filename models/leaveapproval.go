package models

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

var (
	ErrNotLeaveApprover = errors.New("only an admin, or a leader or person in charge of the person's tasks, may decide a leave")
	ErrLeaveDecided     = errors.New("the leave is no longer awaiting approval")
)

// LeaveApprovers lists who may approve the person's leave besides the
// admins: the contracting leaders and persons in charge of the tasks they
// report on, bound, other than the person, by id.
func LeaveApprovers(tx *gorm.DB, personID uint) ([]Person, error) {
	tasks, err := reporterTasks(tx, personID)
	if err != nil || len(tasks) == 0 {
		return nil, err
	}
	var out []Person
	err = tx.Where("id IN (?) AND id <> ? AND telegram_id IS NOT NULL", tx.Model(&Assignment{}).Select("person_id").
		Where("task_id IN ? AND role IN ?", tasks, []Role{RoleLeader, RoleOwner}), personID).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("approvers of person %d: %w", personID, err)
	}
	return out, nil
}

// DecideLeave approves or refuses a leave awaiting approval. by is the
// deciding person (nil for an admin on no task). An approved leave holds
// from then on like any other; a refused one is cancelled.
func DecideLeave(tx *gorm.DB, by *uint, byAdmin bool, leaveID uint, approve bool, now time.Time) (*Leave, error) {
	var l Leave
	if err := tx.Take(&l, leaveID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("leave %d", leaveID))
	}
	if !byAdmin {
		if by == nil || *by == l.PersonID {
			return nil, ErrNotLeaveApprover
		}
		approvers, err := LeaveApprovers(tx, l.PersonID)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(approvers, func(p Person) bool { return p.ID == *by }) {
			return nil, ErrNotLeaveApprover
		}
	}
	changes := map[string]any{"awaiting_approval": false, "decided_by": by, "decided_at": now}
	kind := "leave_approved"
	if !approve {
		changes["cancelled_at"] = now
		kind = "leave_refused"
	}
	// Conditional: of two deciding at once, one decides.
	res := tx.Model(&Leave{}).Where("id = ? AND awaiting_approval AND cancelled_at IS NULL", leaveID).Updates(changes)
	if res.Error != nil {
		return nil, fmt.Errorf("decide leave %d: %w", leaveID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrLeaveDecided
	}
	if err := tx.Preload("Deputies").Take(&l, leaveID).Error; err != nil {
		return nil, fmt.Errorf("leave %d: %w", leaveID, err)
	}
	if err := Audit(tx, by, nil, kind, fmt.Sprintf("leave %d of person %d", l.ID, l.PersonID)); err != nil {
		return nil, err
	}
	return &l, nil
}
