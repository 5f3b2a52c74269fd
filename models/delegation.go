package models

import (
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Delegation is a deputy a leave in force or to come names for one task
// of the person away, as long as the deputy may stand in there: bound,
// and on the task or in the person's department (see StandInFor).
type Delegation struct {
	LeaveID, PersonID, DeputyID, TaskID uint
	// LastDay is the leave's last day.
	LastDay time.Time
}

// DelegationEnd is a delegation that a change ended before its leave did;
// Why is "unbound" (the deputy's Telegram account went elsewhere) or
// "removed" (the deputy is no longer on the task).
type DelegationEnd struct {
	Delegation
	Why string
	// PersonKey, DeputyKey and TaskCode name them.
	PersonKey, DeputyKey, TaskCode string
}

// Delegations lists the delegations that hold at now or later, by leave
// and task.
func Delegations(tx *gorm.DB, now time.Time) ([]Delegation, error) {
	var leaves []Leave
	err := tx.Preload("Deputies").Where("cancelled_at IS NULL AND ends_at > ?", now).
		Where("deputy_id IS NOT NULL OR id IN (?)", tx.Model(&LeaveDeputy{}).Select("leave_id")).Order("id").Find(&leaves).Error
	if err != nil {
		return nil, fmt.Errorf("leaves with deputies: %w", err)
	}
	var out []Delegation
	for _, l := range leaves {
		var absent Person
		if err := tx.Take(&absent, l.PersonID).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("person %d", l.PersonID))
		}
		tasks, err := reporterTasks(tx, l.PersonID)
		if err != nil {
			return nil, err
		}
		for _, taskID := range tasks {
			deputy := l.DeputyOn(taskID)
			if deputy == 0 {
				continue
			}
			ok, err := mayStandIn(tx, &absent, deputy, taskID)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, Delegation{LeaveID: l.ID, PersonID: l.PersonID, DeputyID: deputy, TaskID: taskID, LastDay: l.LastDay})
			}
		}
	}
	return out, nil
}

// mayStandIn tells whether deputyID may still act for absent on taskID:
// the rule StandInFor follows for a named deputy.
func mayStandIn(tx *gorm.DB, absent *Person, deputyID, taskID uint) (bool, error) {
	var p Person
	if err := tx.Take(&p, deputyID).Error; err != nil {
		return false, notFound(err, fmt.Sprintf("deputy %d", deputyID))
	}
	if p.TelegramID == nil {
		return false, nil
	}
	if absent.Department != "" && p.Department == absent.Department {
		return true, nil
	}
	var n int64
	if err := tx.Model(&Assignment{}).Where("person_id = ? AND task_id = ?", deputyID, taskID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("deputy %d on task %d: %w", deputyID, taskID, err)
	}
	return n > 0, nil
}

// DelegationsEndedBy runs change inside tx and returns the delegations
// it ended, each audited: a deputy unbound or taken off the task stops
// standing in, and whoever is next in the stand-in chain acts instead.
func DelegationsEndedBy(tx *gorm.DB, now time.Time, change func() error) ([]DelegationEnd, error) {
	before, err := Delegations(tx, now)
	if err != nil {
		return nil, err
	}
	if err := change(); err != nil {
		return nil, err
	}
	if len(before) == 0 {
		return nil, nil
	}
	after, err := Delegations(tx, now)
	if err != nil {
		return nil, err
	}
	var out []DelegationEnd
	for _, d := range before {
		if slices.Contains(after, d) {
			continue
		}
		var p, absent Person
		var task Task
		if err := tx.Take(&p, d.DeputyID).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("deputy %d", d.DeputyID))
		}
		if err := tx.Take(&absent, d.PersonID).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("person %d", d.PersonID))
		}
		if err := tx.Take(&task, d.TaskID).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("task %d", d.TaskID))
		}
		why := "removed"
		if p.TelegramID == nil {
			why = "unbound"
		}
		detail := fmt.Sprintf("leave %d of person %d: deputy %d %s, no longer stands in", d.LeaveID, d.PersonID, d.DeputyID, why)
		if err := Audit(tx, nil, &d.TaskID, "delegation_ended", detail); err != nil {
			return nil, err
		}
		out = append(out, DelegationEnd{Delegation: d, Why: why, PersonKey: absent.Key, DeputyKey: p.Key, TaskCode: task.Code})
	}
	return out, nil
}
