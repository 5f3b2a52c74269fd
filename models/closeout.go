package models

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Why a close-out was refused.
var (
	ErrMilestonesOpen    = errors.New("not every milestone is done")
	ErrCoordinationOpen  = errors.New("a coordination request of the task is still open")
	ErrCloseBasisChanged = errors.New("a report the close-out relied on was corrected or withdrawn since it was asked for")
	ErrAlreadyDecided    = errors.New("close request already decided")
	ErrBadDecision       = errors.New("unknown close-out decision")
)

// CloseOpenError refuses a second close-out request while one is open;
// Request is the open one. errors.Is(err, ErrCloseOpen) holds.
type CloseOpenError struct{ Request CloseRequest }

// ErrCloseOpen matches a *CloseOpenError.
var ErrCloseOpen = errors.New("a close-out request of the task is open already")

func (e *CloseOpenError) Error() string {
	return fmt.Sprintf("close-out request %d of task %d is open already", e.Request.ID, e.Request.TaskID)
}

func (e *CloseOpenError) Is(target error) bool { return target == ErrCloseOpen }

// Close-out decisions.
const (
	CloseApproved = "approved"
	CloseReturned = "returned"
	// CloseSuperseded ends a request whose approval was refused because
	// its basis changed since it was asked for: it could never be
	// approved, and while it stayed open no new one could be asked for.
	CloseSuperseded = "superseded"
)

// CloseOutcome is what DecideClose did.
type CloseOutcome struct {
	Request *CloseRequest
	// Superseded, when not nil, says why an approval was refused and the
	// request ended as superseded instead (ErrCloseBasisChanged, or
	// ErrMilestonesOpen when a milestone it relied on is no longer done);
	// the close-out must be asked for again.
	Superseded error
}

// closeReadiness says why a task cannot be closed now, or returns the
// reports its milestones stand on: the close-out's basis.
func closeReadiness(tx *gorm.DB, taskID uint) (string, error) {
	var ms []Milestone
	if err := tx.Where("task_id = ?", taskID).Order("seq").Find(&ms).Error; err != nil {
		return "", fmt.Errorf("milestones of task %d: %w", taskID, err)
	}
	basis := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.State != StateDone || m.LastReportID == nil {
			return "", ErrMilestonesOpen
		}
		basis = append(basis, strconv.FormatUint(uint64(*m.LastReportID), 10))
	}
	if len(ms) == 0 {
		return "", ErrMilestonesOpen
	}
	var open int64
	if err := tx.Model(&CoordinationRequest{}).Where("task_id = ? AND resolved_at IS NULL", taskID).Count(&open).Error; err != nil {
		return "", fmt.Errorf("open coordination of task %d: %w", taskID, err)
	}
	if open > 0 {
		return "", ErrCoordinationOpen
	}
	return strings.Join(basis, ","), nil
}

// CloseReady tells whether the task could be closed now: nil, or why not
// (ErrMilestonesOpen, ErrCoordinationOpen).
func CloseReady(tx *gorm.DB, taskID uint) error {
	_, err := closeReadiness(tx, taskID)
	return err
}

// OpenCloseRequest is the task's undecided close-out request, nil when none.
func OpenCloseRequest(tx *gorm.DB, taskID uint) (*CloseRequest, error) {
	var reqs []CloseRequest
	if err := tx.Where("task_id = ? AND decision = ''", taskID).Limit(1).Find(&reqs).Error; err != nil {
		return nil, fmt.Errorf("open close request of task %d: %w", taskID, err)
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	return &reqs[0], nil
}

// RequestClose asks the contracting leaders to close (销号) a task: by must
// be a reporter of it, every milestone done and no coordination open. A
// task has one open request at a time; asking again returns a
// *CloseOpenError naming it.
func RequestClose(tx *gorm.DB, by, taskID uint, now time.Time) (*CloseRequest, error) {
	return RequestCloseWith(tx, by, taskID, CloseRules{}, now)
}

// CloseRules are the deployment's choices about close-out requests.
type CloseRules struct {
	// Deputies lets the deputy of a reporter on leave (see ActingFor) ask
	// on their behalf; otherwise a deputy reports but may not ask.
	Deputies bool
}

// RequestCloseWith is RequestClose under rules.
func RequestCloseWith(tx *gorm.DB, by, taskID uint, rules CloseRules, now time.Time) (*CloseRequest, error) {
	ok, err := isReporter(tx, by, taskID)
	if err != nil {
		return nil, err
	}
	var acting []uint
	if !ok && rules.Deputies {
		if acting, err = ActingFor(tx, by, taskID, now); err != nil {
			return nil, err
		}
		ok = len(acting) > 0
	}
	if !ok {
		return nil, ErrNotReporter
	}
	var task Task
	if err := tx.Take(&task, taskID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("task %d", taskID))
	}
	if task.Done {
		return nil, ErrTaskClosed
	}
	if open, err := OpenCloseRequest(tx, taskID); err != nil {
		return nil, err
	} else if open != nil {
		return nil, &CloseOpenError{Request: *open}
	}
	basis, err := closeReadiness(tx, taskID)
	if err != nil {
		return nil, err
	}
	req := CloseRequest{TaskID: taskID, RequestedBy: by, Basis: basis, CreatedAt: now}
	// The unique index on open requests settles two requests racing.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&req)
	if res.Error != nil {
		return nil, fmt.Errorf("request close of task %d: %w", taskID, res.Error)
	}
	if res.RowsAffected == 0 {
		open, err := OpenCloseRequest(tx, taskID)
		if err != nil || open == nil {
			return nil, fmt.Errorf("request close of task %d: lost to another request: %w", taskID, err)
		}
		return nil, &CloseOpenError{Request: *open}
	}
	detail := fmt.Sprintf("request %d on reports %s", req.ID, basis)
	if len(acting) > 0 {
		detail += fmt.Sprintf(", by a deputy for %v", acting)
	}
	return &req, Audit(tx, &by, &taskID, "close_requested", detail)
}

// DecideClose approves (the task is done) or returns a close request; only
// a contracting leader of the task may. Approval is decided on the present
// state: every milestone still done, no coordination open, and every report
// the request relied on still standing. An approval refused because the
// basis changed (a report it relied on corrected or withdrawn, a milestone
// no longer done) ends the request as superseded, so that the task's
// reporters can ask again; one refused for an open coordination request
// leaves it open.
func DecideClose(tx *gorm.DB, by, requestID uint, decision, reason string, now time.Time) (*CloseOutcome, error) {
	if decision != CloseApproved && decision != CloseReturned {
		return nil, ErrBadDecision
	}
	var req CloseRequest
	if err := tx.Take(&req, requestID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("close request %d", requestID))
	}
	ok, err := IsLeader(tx, by, req.TaskID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotLeader
	}
	if req.Decision != "" {
		return nil, ErrAlreadyDecided
	}
	var superseded error
	if decision == CloseApproved {
		basis, err := closeReadiness(tx, req.TaskID)
		switch {
		case errors.Is(err, ErrMilestonesOpen):
			superseded = err
		case err != nil:
			return nil, err
		case !sameBasis(basis, req.Basis):
			superseded = ErrCloseBasisChanged
		}
		if superseded != nil {
			decision, reason = CloseSuperseded, superseded.Error()
		}
	}
	res := tx.Model(&CloseRequest{}).Where("id = ? AND decision = ''", requestID).
		Updates(map[string]any{"decision": decision, "decided_by": by, "reason": truncate(reason, 2000), "decided_at": now})
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
		if err := settleTaskFollowUps(tx, req.TaskID, now); err != nil {
			return nil, err
		}
	}
	req.Decision, req.Reason, req.DecidedBy, req.DecidedAt = decision, reason, &by, &now
	detail := fmt.Sprintf("request %d: open → %s %s", req.ID, decision, reason)
	if err := Audit(tx, &by, &req.TaskID, "close_"+decision, detail); err != nil {
		return nil, err
	}
	return &CloseOutcome{Request: &req, Superseded: superseded}, nil
}

// sameBasis compares two bases; requests made before bases were kept have
// none and are judged on the milestones alone.
func sameBasis(now, asked string) bool { return asked == "" || now == asked }
