package models

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Why an extension request or its decision was refused; nothing is written
// in each case.
var (
	// ErrExtensionTooLate refuses a request once the milestone is past due
	// in the requester's time zone: it stays overdue.
	ErrExtensionTooLate = errors.New("the milestone's due date has passed; an extension is asked before it")
	// ErrExtensionNotLater refuses a new due date that is not after the
	// current one (asked for, or found again at the approval).
	ErrExtensionNotLater = errors.New("an extension moves the due date later")
	// ErrExtensionNeedsReason refuses a request, or a refusal, without a
	// reason.
	ErrExtensionNeedsReason = errors.New("an extension request and its refusal need a reason")
	ErrBadExtensionDecision = errors.New("unknown extension decision")
)

// ErrExtensionOpen matches an *ExtensionOpenError.
var ErrExtensionOpen = errors.New("an extension request of the milestone is open already")

// ExtensionOpenError refuses a second request while one is open on the
// milestone; Request is the open one. errors.Is(err, ErrExtensionOpen)
// holds.
type ExtensionOpenError struct{ Request ExtensionRequest }

func (e *ExtensionOpenError) Error() string {
	return fmt.Sprintf("extension request %d of milestone %d is open already", e.Request.ID, e.Request.MilestoneID)
}

func (e *ExtensionOpenError) Is(target error) bool { return target == ErrExtensionOpen }

// ErrExtensionDecided matches an *ExtensionDecidedError.
var ErrExtensionDecided = errors.New("extension request already decided")

// ExtensionDecidedError refuses a decision on a request decided already;
// Request says how. errors.Is(err, ErrExtensionDecided) holds.
type ExtensionDecidedError struct{ Request ExtensionRequest }

func (e *ExtensionDecidedError) Error() string {
	return fmt.Sprintf("extension request %d already %s", e.Request.ID, e.Request.Decision)
}

func (e *ExtensionDecidedError) Is(target error) bool { return target == ErrExtensionDecided }

// Location is the person's time zone, or fallback when they chose none (or
// one this binary does not know).
func (p *Person) Location(fallback *time.Location) *time.Location {
	if p.TimeZone != "" {
		if loc, err := time.LoadLocation(p.TimeZone); err == nil {
			return loc
		}
	}
	return fallback
}

// calendarDay is t's date as midnight UTC, the form due dates are kept in.
func calendarDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ExtensionAsk is what a requester asks: move a milestone's due date to
// NewDue (a calendar date), for Reason.
type ExtensionAsk struct {
	MilestoneID uint
	NewDue      time.Time
	Reason      string
}

// Decider is who decides an extension request: a person, or an admin of the
// bot (AdminID, their Telegram id), who need not be a person of the list.
type Decider struct {
	PersonID *uint
	AdminID  int64
}

// OpenExtension is the milestone's undecided extension request, nil when
// none.
func OpenExtension(tx *gorm.DB, milestoneID uint) (*ExtensionRequest, error) {
	var reqs []ExtensionRequest
	if err := tx.Where("milestone_id = ? AND decision = ''", milestoneID).Limit(1).Find(&reqs).Error; err != nil {
		return nil, fmt.Errorf("open extension request of milestone %d: %w", milestoneID, err)
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	return &reqs[0], nil
}

// ExtensionByID loads a request.
func ExtensionByID(tx *gorm.DB, id uint) (*ExtensionRequest, error) {
	var req ExtensionRequest
	if err := tx.Take(&req, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("extension request %d", id))
	}
	return &req, nil
}

// extendableMilestone loads a milestone that by may ask to extend now: by
// reports on its task (an attendant or the person in charge), the task is
// open, the milestone not done, not yet past due on by's calendar day (zone
// when by chose no time zone), and without an open request.
func extendableMilestone(tx *gorm.DB, by, milestoneID uint, zone *time.Location, now time.Time) (*Milestone, error) {
	var m Milestone
	if err := tx.Take(&m, milestoneID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrMilestoneUnknown
		}
		return nil, fmt.Errorf("milestone %d: %w", milestoneID, err)
	}
	// Whether by may ask comes first: nothing else about the milestone is
	// told to someone who is not on its task.
	ok, err := CanReport(tx, by, m.TaskID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotReporter
	}
	var task Task
	if err := tx.Take(&task, m.TaskID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("task %d", m.TaskID))
	}
	if task.Done {
		return nil, ErrTaskClosed
	}
	if m.State == StateDone {
		return nil, &MilestoneDoneError{Seq: m.Seq}
	}
	var requester Person
	if err := tx.Take(&requester, by).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("person %d", by))
	}
	today := Today(now, requester.Location(zone))
	if m.DueDate.IsZero() || MilestoneOverdue(m, today) {
		return nil, ErrExtensionTooLate
	}
	if open, err := OpenExtension(tx, m.ID); err != nil {
		return nil, err
	} else if open != nil {
		return nil, &ExtensionOpenError{Request: *open}
	}
	return &m, nil
}

// CheckExtendable tells, without changing anything, whether by may ask to
// extend the milestone now (to refuse before asking for the date and the
// reason). The refusals are RequestExtension's.
func CheckExtendable(tx *gorm.DB, by, milestoneID uint, zone *time.Location, now time.Time) (*Milestone, error) {
	return extendableMilestone(tx, by, milestoneID, zone, now)
}

// RequestExtension asks the contracting leaders to move a milestone's due
// date. by must report on the task (ErrNotReporter); the task must be open
// (ErrTaskClosed) and the milestone not done (*MilestoneDoneError) and not
// past due on by's calendar day, in their time zone or zone
// (ErrExtensionTooLate); the new date must be after the due date
// (ErrExtensionNotLater) and a reason given (ErrExtensionNeedsReason). A
// milestone has one open request at a time: asking again returns an
// *ExtensionOpenError naming it.
func RequestExtension(tx *gorm.DB, by uint, ask ExtensionAsk, zone *time.Location, now time.Time) (*ExtensionRequest, error) {
	m, err := extendableMilestone(tx, by, ask.MilestoneID, zone, now)
	if err != nil {
		return nil, err
	}
	newDue := calendarDay(ask.NewDue)
	if !newDue.After(m.DueDate.UTC()) {
		return nil, ErrExtensionNotLater
	}
	reason := strings.TrimSpace(ask.Reason)
	if reason == "" {
		return nil, ErrExtensionNeedsReason
	}
	req := ExtensionRequest{TaskID: m.TaskID, MilestoneID: m.ID, RequestedBy: by, FromDue: m.DueDate.UTC(), NewDue: newDue,
		Reason: truncate(reason, 2000), CreatedAt: now}
	// The unique index on open requests settles two requests racing.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&req)
	if res.Error != nil {
		return nil, fmt.Errorf("request extension of milestone %d: %w", m.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		open, err := OpenExtension(tx, m.ID)
		if err != nil || open == nil {
			return nil, fmt.Errorf("request extension of milestone %d: lost to another request: %w", m.ID, err)
		}
		return nil, &ExtensionOpenError{Request: *open}
	}
	detail := fmt.Sprintf("request %d on milestone %d: due %s → %s asked (baseline %s, original %s): %s", req.ID, m.Seq,
		day(m.DueDate), day(newDue), day(m.Baseline()), day(m.Original()), truncate(reason, 500))
	return &req, Audit(tx, &by, &m.TaskID, "extension_requested", detail)
}

// decidableExtension loads a request by may decide now: by is a
// contracting leader of its task or an admin (ErrNotLeader; asAdmin says
// the admin's right was the one used), and it is still open
// (*ExtensionDecidedError).
func decidableExtension(tx *gorm.DB, by Decider, requestID uint) (req *ExtensionRequest, asAdmin bool, err error) {
	req, err = ExtensionByID(tx, requestID)
	if err != nil {
		return nil, false, err
	}
	leader := false
	if by.PersonID != nil {
		if leader, err = IsLeader(tx, *by.PersonID, req.TaskID); err != nil {
			return nil, false, err
		}
	}
	if !leader && by.AdminID == 0 {
		return nil, false, ErrNotLeader
	}
	if req.Decision != "" {
		return nil, false, &ExtensionDecidedError{Request: *req}
	}
	return req, !leader, nil
}

// CheckDecidable tells, without changing anything, whether by may decide
// the request now (to refuse before asking for a refusal's reason).
func CheckDecidable(tx *gorm.DB, by Decider, requestID uint) (*ExtensionRequest, error) {
	req, _, err := decidableExtension(tx, by, requestID)
	return req, err
}

// DecideExtension approves or refuses an extension request; only a
// contracting leader of the task, or an admin, may (ErrNotLeader), and only
// once (*ExtensionDecidedError). A refusal needs a reason
// (ErrExtensionNeedsReason). Approval is decided on the present state: the
// task still open (ErrTaskClosed) and the date asked for still after the
// due date (ErrExtensionNotLater: a newer list may have moved it since);
// it moves the due date and the baseline, and keeps the original.
func DecideExtension(tx *gorm.DB, by Decider, requestID uint, decision, answer string, now time.Time) (*ExtensionRequest, error) {
	if decision != ExtensionApproved && decision != ExtensionRefused {
		return nil, ErrBadExtensionDecision
	}
	req, asAdmin, err := decidableExtension(tx, by, requestID)
	if err != nil {
		return nil, err
	}
	answer = strings.TrimSpace(answer)
	if decision == ExtensionRefused && answer == "" {
		return nil, ErrExtensionNeedsReason
	}
	var m Milestone
	if err := tx.Take(&m, req.MilestoneID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("milestone %d", req.MilestoneID))
	}
	if decision == ExtensionApproved {
		var task Task
		if err := tx.Take(&task, req.TaskID).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("task %d", req.TaskID))
		}
		if task.Done {
			return nil, ErrTaskClosed
		}
		if !req.NewDue.UTC().After(m.DueDate.UTC()) {
			return nil, ErrExtensionNotLater
		}
	}
	res := tx.Model(&ExtensionRequest{}).Where("id = ? AND decision = ''", req.ID).
		Updates(map[string]any{"decision": decision, "decided_by": by.PersonID, "answer": truncate(answer, 2000), "decided_at": now})
	if res.Error != nil {
		return nil, fmt.Errorf("decide extension request %d: %w", req.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		decided, err := ExtensionByID(tx, req.ID)
		if err != nil {
			return nil, err
		}
		return nil, &ExtensionDecidedError{Request: *decided}
	}
	who := ""
	if asAdmin {
		who = fmt.Sprintf(" by admin %d", by.AdminID)
	}
	var detail string
	if decision == ExtensionApproved {
		newDue := req.NewDue.UTC()
		update := map[string]any{"due_date": newDue, "baseline_due": newDue}
		if m.OriginalDue.IsZero() {
			update["original_due"] = m.Original()
		}
		if err := tx.Model(&Milestone{}).Where("id = ?", m.ID).Updates(update).Error; err != nil {
			return nil, fmt.Errorf("extend milestone %d: %w", m.ID, err)
		}
		detail = fmt.Sprintf("request %d on milestone %d%s: open → approved; due %s → %s, baseline %s → %s (original %s)", req.ID, m.Seq, who,
			day(m.DueDate), day(newDue), day(m.Baseline()), day(newDue), day(m.Original()))
	} else {
		detail = fmt.Sprintf("request %d on milestone %d%s: open → refused: %s", req.ID, m.Seq, who, truncate(answer, 500))
	}
	req.Decision, req.DecidedBy, req.Answer, req.DecidedAt = decision, by.PersonID, answer, &now
	return req, Audit(tx, by.PersonID, &req.TaskID, "extension_"+decision, detail)
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
