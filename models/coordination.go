package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ErrNotLeader refuses leader-only actions to everyone else.
var ErrNotLeader = errors.New("only the task's contracting leaders may do this")

// IsLeader tells whether the person is a contracting leader of the task.
func IsLeader(tx *gorm.DB, personID, taskID uint) (bool, error) {
	var n int64
	err := tx.Model(&Assignment{}).Where("person_id = ? AND task_id = ? AND role = ?", personID, taskID, RoleLeader).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check leader %d of task %d: %w", personID, taskID, err)
	}
	return n > 0, nil
}

// OpenCoordination records a blocker that needs the leader, raised by a
// reporter of the task (by hand, or by a report that says blocked).
func OpenCoordination(tx *gorm.DB, by uint, c *CoordinationRequest) error {
	ok, err := CanReport(tx, by, c.TaskID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotReporter
	}
	c.RaisedByID, c.State = by, CoordinationOpen
	if err := tx.Create(c).Error; err != nil {
		return fmt.Errorf("open coordination request: %w", err)
	}
	return Audit(tx, &by, &c.TaskID, "coordination_opened", fmt.Sprintf("request %d: %s", c.ID, truncate(c.Text, 500)))
}

// CoordinationByID loads a request.
func CoordinationByID(tx *gorm.DB, id uint) (*CoordinationRequest, error) {
	var c CoordinationRequest
	if err := tx.Take(&c, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("coordination request %d", id))
	}
	return &c, nil
}

// leadersCoordination loads a request that by, one of its task's
// contracting leaders or the deputy of one on leave, may answer or resolve.
func leadersCoordination(tx *gorm.DB, by, id uint) (*CoordinationRequest, error) {
	c, err := CoordinationByID(tx, id)
	if err != nil {
		return nil, err
	}
	ok, err := MayAnswerCoordination(tx, by, c.TaskID, tx.NowFunc())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotLeader
	}
	return c, nil
}

// AnswerCoordination stores a leader's answer; the request stays open.
func AnswerCoordination(tx *gorm.DB, by, id uint, answer string) (*CoordinationRequest, error) {
	c, err := leadersCoordination(tx, by, id)
	if err != nil {
		return nil, err
	}
	before := c.Answer
	if err := tx.Model(c).Update("answer", truncate(answer, 4000)).Error; err != nil {
		return nil, fmt.Errorf("answer coordination request %d: %w", id, err)
	}
	c.Answer = answer
	detail := fmt.Sprintf("request %d: %q → %q", id, truncate(before, 200), truncate(answer, 500))
	return c, Audit(tx, &by, &c.TaskID, "coordination_answered", detail)
}

// ResolveCoordination closes a request; it reports false when it was
// closed already.
func ResolveCoordination(tx *gorm.DB, by, id uint, now time.Time) (*CoordinationRequest, bool, error) {
	c, err := leadersCoordination(tx, by, id)
	if err != nil {
		return nil, false, err
	}
	res := tx.Model(&CoordinationRequest{}).Where("id = ? AND resolved_at IS NULL", id).
		Updates(map[string]any{"state": CoordinationResolved, "resolved_at": now, "resolved_by": by})
	if res.Error != nil {
		return nil, false, fmt.Errorf("resolve coordination request %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return c, false, nil
	}
	c.State, c.ResolvedAt, c.ResolvedBy = CoordinationResolved, &now, &by
	return c, true, Audit(tx, &by, &c.TaskID, "coordination_resolved", fmt.Sprintf("request %d: open → resolved", id))
}

// followReport makes the open coordination requests a blocked report
// raised follow that report when it is taken back or corrected: a
// correction that still says blocked takes them over; otherwise (a
// withdrawal, correction nil, or a correction to another state) they close
// as withdrawn, since what they asked the leader to solve was never so.
// Requests raised by hand (/coordinate) name no report and stay.
func followReport(tx *gorm.DB, by uint, old, correction *Report, now time.Time) (withdrawn, carried []CoordinationRequest, err error) {
	var open []CoordinationRequest
	if err := tx.Where("report_id = ? AND resolved_at IS NULL", old.ID).Order("id").Find(&open).Error; err != nil {
		return nil, nil, fmt.Errorf("coordination raised by report %d: %w", old.ID, err)
	}
	if correction != nil && correction.State == StateBlocked {
		for i := range open {
			c := &open[i]
			if err := tx.Model(&CoordinationRequest{}).Where("id = ?", c.ID).Update("report_id", correction.ID).Error; err != nil {
				return nil, nil, fmt.Errorf("carry coordination request %d: %w", c.ID, err)
			}
			c.ReportID = &correction.ID
			detail := fmt.Sprintf("request %d: report %d → report %d, still blocked", c.ID, old.ID, correction.ID)
			if err := Audit(tx, &by, &c.TaskID, "coordination_carried", detail); err != nil {
				return nil, nil, err
			}
		}
		return nil, open, nil
	}
	why := fmt.Sprintf("report %d withdrawn by the reporter", old.ID)
	if correction != nil {
		why = fmt.Sprintf("report %d corrected to %s by report %d", old.ID, correction.State, correction.ID)
	}
	for i := range open {
		c := &open[i]
		res := tx.Model(&CoordinationRequest{}).Where("id = ? AND resolved_at IS NULL", c.ID).
			Updates(map[string]any{"state": CoordinationWithdrawn, "resolved_at": now, "resolved_by": by})
		if res.Error != nil {
			return nil, nil, fmt.Errorf("withdraw coordination request %d: %w", c.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			continue
		}
		c.State, c.ResolvedAt, c.ResolvedBy = CoordinationWithdrawn, &now, &by
		if err := Audit(tx, &by, &c.TaskID, "coordination_withdrawn", fmt.Sprintf("request %d: open → withdrawn (%s)", c.ID, why)); err != nil {
			return nil, nil, err
		}
		withdrawn = append(withdrawn, *c)
	}
	return withdrawn, nil, nil
}

// GiveInstruction records a contracting leader's instruction on a task;
// its attendants and person in charge must each confirm it.
func GiveInstruction(tx *gorm.DB, by, taskID uint, text string) (*Instruction, error) {
	ok, err := IsLeader(tx, by, taskID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotLeader
	}
	var recipients []uint
	err = tx.Model(&Assignment{}).Distinct("person_id").
		Where("task_id = ? AND role IN ?", taskID, []Role{RoleAttendant, RoleOwner}).Order("person_id").Pluck("person_id", &recipients).Error
	if err != nil {
		return nil, fmt.Errorf("recipients of instruction on task %d: %w", taskID, err)
	}
	in := Instruction{TaskID: taskID, LeaderID: by, Text: truncate(text, 4000)}
	if err := tx.Omit("Receipts").Create(&in).Error; err != nil {
		return nil, fmt.Errorf("record instruction: %w", err)
	}
	for _, p := range recipients {
		r := InstructionReceipt{InstructionID: in.ID, PersonID: p}
		if err := tx.Create(&r).Error; err != nil {
			return nil, fmt.Errorf("instruction receipt: %w", err)
		}
		in.Receipts = append(in.Receipts, r)
	}
	return &in, Audit(tx, &by, &taskID, "instruction", fmt.Sprintf("instruction %d to %d people: %s", in.ID, len(recipients), truncate(text, 500)))
}

// ConfirmInstruction records that a person read an instruction; it reports
// false when there was nothing left for them to confirm. A deputy's
// confirmation also stands for the people away they report for (代确认).
func ConfirmInstruction(tx *gorm.DB, instructionID, personID uint, now time.Time) (bool, error) {
	var in Instruction
	if err := tx.Take(&in, instructionID).Error; err != nil {
		return false, notFound(err, fmt.Sprintf("instruction %d", instructionID))
	}
	acting, err := ActingFor(tx, personID, in.TaskID, now)
	if err != nil {
		return false, err
	}
	var own int64
	if err := tx.Model(&InstructionReceipt{}).Where("instruction_id = ? AND person_id = ?", instructionID, personID).Count(&own).Error; err != nil {
		return false, fmt.Errorf("receipt of instruction %d: %w", instructionID, err)
	}
	if own == 0 && len(acting) == 0 {
		return false, fmt.Errorf("instruction %d for person %d: %w", instructionID, personID, ErrNotFound)
	}
	confirmed := false
	if len(acting) > 0 {
		res := tx.Model(&InstructionReceipt{}).Where("instruction_id = ? AND person_id IN ? AND confirmed_at IS NULL", instructionID, acting).
			Updates(map[string]any{"confirmed_at": now, "confirmed_by_id": personID})
		if res.Error != nil {
			return false, fmt.Errorf("confirm instruction %d for people away: %w", instructionID, res.Error)
		}
		if res.RowsAffected > 0 {
			confirmed = true
			detail := fmt.Sprintf("instruction %d: unread → confirmed by deputy %d for %v", instructionID, personID, acting)
			if err := Audit(tx, &personID, &in.TaskID, "instruction_confirmed", detail); err != nil {
				return false, err
			}
		}
	}
	res := tx.Model(&InstructionReceipt{}).Where("instruction_id = ? AND person_id = ? AND confirmed_at IS NULL", instructionID, personID).
		Update("confirmed_at", now)
	if res.Error != nil {
		return false, fmt.Errorf("confirm instruction %d: %w", instructionID, res.Error)
	}
	if res.RowsAffected > 0 {
		confirmed = true
		if err := Audit(tx, &personID, &in.TaskID, "instruction_confirmed", fmt.Sprintf("instruction %d: unread → confirmed", instructionID)); err != nil {
			return false, err
		}
	}
	return confirmed, nil
}
