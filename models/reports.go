package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Why a report was refused; nothing is stored in each case.
var (
	ErrNotReporter      = errors.New("only the task's attendants and person in charge may report on it")
	ErrMilestoneDone    = errors.New("milestone already done")
	ErrMilestoneUnknown = errors.New("no such milestone")
	ErrBadPercent       = errors.New("percent must be between 0 and 100")
	ErrBadState         = errors.New("unknown state")
	ErrTaskClosed       = errors.New("task closed")
	ErrReportNotYours   = errors.New("report made by someone else")
	ErrCorrectionClosed = errors.New("correction window closed")
)

// ReportInput is one status reply to record.
type ReportInput struct {
	TaskID      uint
	MilestoneID uint
	PersonID    uint
	State       MilestoneState
	Percent     *int
	Note        string
	ChatID      int64
	MessageID   int
	UpdateID    int64
	Source      string
	Attachments []Attachment
	// Supersedes is the report this one corrects.
	Supersedes *uint
}

// Valid tells a known state.
func (s MilestoneState) Valid() bool {
	switch s {
	case StatePending, StateOnTrack, StateAtRisk, StateBlocked, StateDone:
		return true
	}
	return false
}

// CanReport tells whether the person may report on the task: its
// attendants and its person in charge may.
func CanReport(tx *gorm.DB, personID, taskID uint) (bool, error) {
	var n int64
	err := tx.Model(&Assignment{}).Where("person_id = ? AND task_id = ? AND role IN ?", personID, taskID,
		[]Role{RoleAttendant, RoleOwner}).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check reporter %d on task %d: %w", personID, taskID, err)
	}
	return n > 0, nil
}

// RecordReport stores a report and moves its milestone to the reported
// state. A percent of 100 means done. A correction supersedes the report
// it names, which stays in the history.
func RecordReport(tx *gorm.DB, in ReportInput) (*Report, error) {
	if !in.State.Valid() {
		return nil, ErrBadState
	}
	if in.Percent != nil {
		if *in.Percent < 0 || *in.Percent > 100 {
			return nil, ErrBadPercent
		}
		if *in.Percent == 100 {
			in.State = StateDone
		}
	}
	ok, err := CanReport(tx, in.PersonID, in.TaskID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotReporter
	}
	var task Task
	if err := tx.Take(&task, in.TaskID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("task %d", in.TaskID))
	}
	if task.Done {
		return nil, ErrTaskClosed
	}
	var m Milestone
	if err := tx.Where("id = ? AND task_id = ?", in.MilestoneID, in.TaskID).Take(&m).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrMilestoneUnknown
		}
		return nil, fmt.Errorf("milestone %d: %w", in.MilestoneID, err)
	}
	var old *Report
	if in.Supersedes != nil {
		var r Report
		if err := tx.Take(&r, *in.Supersedes).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("report %d", *in.Supersedes))
		}
		if r.PersonID != in.PersonID {
			return nil, ErrReportNotYours
		}
		old = &r
	}
	// A done milestone takes no new reports, but the report that marked it
	// done may still be corrected.
	if m.State == StateDone && (old == nil || old.MilestoneID != m.ID) {
		return nil, ErrMilestoneDone
	}
	r := Report{
		TaskID: in.TaskID, MilestoneID: in.MilestoneID, PersonID: in.PersonID, State: in.State, Percent: in.Percent,
		Note: truncate(in.Note, 4000), ChatID: in.ChatID, MessageID: in.MessageID, UpdateID: in.UpdateID, Source: in.Source,
	}
	if err := tx.Omit("Attachments").Create(&r).Error; err != nil {
		return nil, fmt.Errorf("store report: %w", err)
	}
	for _, a := range in.Attachments {
		a.ID, a.ReportID = 0, r.ID
		if err := tx.Create(&a).Error; err != nil {
			return nil, fmt.Errorf("store attachment: %w", err)
		}
		r.Attachments = append(r.Attachments, a)
	}
	if old != nil {
		if err := tx.Model(&Report{}).Where("id = ?", old.ID).Update("superseded_by", r.ID).Error; err != nil {
			return nil, fmt.Errorf("supersede report %d: %w", old.ID, err)
		}
		if old.MilestoneID != m.ID {
			if err := refreshMilestone(tx, old.MilestoneID); err != nil {
				return nil, err
			}
		}
	}
	if err := refreshMilestone(tx, m.ID); err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("milestone %d: %s", m.Seq, r.State)
	if old != nil {
		detail += fmt.Sprintf(" (corrects report %d)", old.ID)
	}
	if err := Audit(tx, &in.PersonID, &in.TaskID, "report", detail); err != nil {
		return nil, err
	}
	return &r, nil
}

// AddAttachment keeps evidence on a report already stored.
func AddAttachment(tx *gorm.DB, reportID uint, a Attachment) error {
	a.ID, a.ReportID = 0, reportID
	if err := tx.Create(&a).Error; err != nil {
		return fmt.Errorf("attach to report %d: %w", reportID, err)
	}
	return nil
}

// WithdrawReport takes a report back within window of its making; the
// milestone returns to the state of the report before it.
func WithdrawReport(tx *gorm.DB, reportID, personID uint, now time.Time, window time.Duration) (*Report, error) {
	var r Report
	if err := tx.Take(&r, reportID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("report %d", reportID))
	}
	if r.PersonID != personID {
		return nil, ErrReportNotYours
	}
	if r.Withdrawn || r.SupersededBy != nil || now.Sub(r.CreatedAt) > window {
		return nil, ErrCorrectionClosed
	}
	if err := tx.Model(&r).Update("withdrawn", true).Error; err != nil {
		return nil, fmt.Errorf("withdraw report %d: %w", reportID, err)
	}
	r.Withdrawn = true
	if err := refreshMilestone(tx, r.MilestoneID); err != nil {
		return nil, err
	}
	if err := Audit(tx, &personID, &r.TaskID, "report_withdrawn", fmt.Sprintf("report %d", r.ID)); err != nil {
		return nil, err
	}
	return &r, nil
}

// refreshMilestone sets a milestone's state from its latest standing
// report: neither superseded nor withdrawn.
func refreshMilestone(tx *gorm.DB, milestoneID uint) error {
	var r Report
	err := tx.Where("milestone_id = ? AND superseded_by IS NULL AND withdrawn = ?", milestoneID, false).
		Order("id DESC").Take(&r).Error
	update := map[string]any{"state": StatePending, "percent": 0, "last_report_id": nil}
	switch {
	case err == nil:
		// A report without a percent keeps the last one given.
		percent := 0
		var withPercent Report
		err := tx.Where("milestone_id = ? AND superseded_by IS NULL AND withdrawn = ? AND percent IS NOT NULL", milestoneID, false).
			Order("id DESC").Take(&withPercent).Error
		switch {
		case err == nil:
			percent = *withPercent.Percent
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return fmt.Errorf("latest percent of milestone %d: %w", milestoneID, err)
		}
		if r.State == StateDone {
			percent = 100
		}
		update = map[string]any{"state": r.State, "percent": percent, "last_report_id": r.ID}
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("latest report of milestone %d: %w", milestoneID, err)
	}
	if err := tx.Model(&Milestone{}).Where("id = ?", milestoneID).Updates(update).Error; err != nil {
		return fmt.Errorf("update milestone %d: %w", milestoneID, err)
	}
	return nil
}

// ReportByMessage finds the standing report made from a chat message (for
// an edited message, which corrects it).
func ReportByMessage(tx *gorm.DB, chatID int64, messageID int) ([]Report, error) {
	var rs []Report
	err := tx.Where("chat_id = ? AND message_id = ? AND superseded_by IS NULL AND withdrawn = ?", chatID, messageID, false).
		Order("id").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("reports of message %d: %w", messageID, err)
	}
	return rs, nil
}
