package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Why a close-out was refused.
var (
	ErrMilestonesOpen = errors.New("not every milestone is done")
	ErrAlreadyDecided = errors.New("close request already decided")
)

// Close-out decisions.
const (
	CloseApproved = "approved"
	CloseReturned = "returned"
)

// RequestClose asks to close a task whose milestones are all done.
func RequestClose(tx *gorm.DB, taskID, personID uint) (*CloseRequest, error) {
	var task Task
	if err := tx.Take(&task, taskID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("task %d", taskID))
	}
	if task.Done {
		return nil, ErrTaskClosed
	}
	var open int64
	if err := tx.Model(&Milestone{}).Where("task_id = ? AND state <> ?", taskID, StateDone).Count(&open).Error; err != nil {
		return nil, fmt.Errorf("open milestones of task %d: %w", taskID, err)
	}
	if open > 0 {
		return nil, ErrMilestonesOpen
	}
	req := CloseRequest{TaskID: taskID, RequestedBy: personID}
	if err := tx.Create(&req).Error; err != nil {
		return nil, fmt.Errorf("request close of task %d: %w", taskID, err)
	}
	return &req, Audit(tx, &personID, &taskID, "close_requested", "")
}

// DecideClose approves (the task is done) or returns a close request; only
// a contracting leader of the task may.
func DecideClose(tx *gorm.DB, requestID, leaderID uint, decision, reason string, now time.Time) (*CloseRequest, error) {
	var req CloseRequest
	if err := tx.Take(&req, requestID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("close request %d", requestID))
	}
	ok, err := IsLeader(tx, leaderID, req.TaskID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotLeader
	}
	res := tx.Model(&CloseRequest{}).Where("id = ? AND decision = ''", requestID).
		Updates(map[string]any{"decision": decision, "decided_by": leaderID, "reason": truncate(reason, 2000), "decided_at": now})
	if res.Error != nil {
		return nil, fmt.Errorf("decide close request %d: %w", requestID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrAlreadyDecided
	}
	if decision == CloseApproved {
		if err := tx.Model(&Task{}).Where("id = ?", req.TaskID).Updates(map[string]any{"done": true, "closed_at": now}).Error; err != nil {
			return nil, fmt.Errorf("close task %d: %w", req.TaskID, err)
		}
	}
	req.Decision, req.Reason = decision, reason
	return &req, Audit(tx, &leaderID, &req.TaskID, "close_"+decision, reason)
}
