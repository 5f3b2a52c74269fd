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

// OpenCoordination records a blocker that needs the leader.
func OpenCoordination(tx *gorm.DB, c *CoordinationRequest) error {
	if err := tx.Create(c).Error; err != nil {
		return fmt.Errorf("open coordination request: %w", err)
	}
	return Audit(tx, &c.RaisedByID, &c.TaskID, "coordination_opened", truncate(c.Text, 500))
}

// CoordinationByID loads a request.
func CoordinationByID(tx *gorm.DB, id uint) (*CoordinationRequest, error) {
	var c CoordinationRequest
	if err := tx.Take(&c, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("coordination request %d", id))
	}
	return &c, nil
}

// AnswerCoordination stores a leader's answer; the request stays open.
func AnswerCoordination(tx *gorm.DB, id, leaderID uint, answer string) (*CoordinationRequest, error) {
	c, err := CoordinationByID(tx, id)
	if err != nil {
		return nil, err
	}
	if err := tx.Model(c).Update("answer", truncate(answer, 4000)).Error; err != nil {
		return nil, fmt.Errorf("answer coordination request %d: %w", id, err)
	}
	c.Answer = answer
	return c, Audit(tx, &leaderID, &c.TaskID, "coordination_answered", truncate(answer, 500))
}

// ResolveCoordination closes a request; it reports false when it was
// closed already.
func ResolveCoordination(tx *gorm.DB, id, leaderID uint, now time.Time) (*CoordinationRequest, bool, error) {
	c, err := CoordinationByID(tx, id)
	if err != nil {
		return nil, false, err
	}
	res := tx.Model(&CoordinationRequest{}).Where("id = ? AND resolved_at IS NULL", id).
		Updates(map[string]any{"resolved_at": now, "resolved_by": leaderID})
	if res.Error != nil {
		return nil, false, fmt.Errorf("resolve coordination request %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return c, false, nil
	}
	c.ResolvedAt, c.ResolvedBy = &now, &leaderID
	return c, true, Audit(tx, &leaderID, &c.TaskID, "coordination_resolved", fmt.Sprintf("request %d", id))
}

// GiveInstruction records a leader's instruction and who must confirm it.
func GiveInstruction(tx *gorm.DB, taskID, leaderID uint, text string, recipients []uint) (*Instruction, error) {
	in := Instruction{TaskID: taskID, LeaderID: leaderID, Text: truncate(text, 4000)}
	if err := tx.Omit("Receipts").Create(&in).Error; err != nil {
		return nil, fmt.Errorf("record instruction: %w", err)
	}
	for _, p := range recipients {
		if err := tx.Create(&InstructionReceipt{InstructionID: in.ID, PersonID: p}).Error; err != nil {
			return nil, fmt.Errorf("instruction receipt: %w", err)
		}
	}
	return &in, Audit(tx, &leaderID, &taskID, "instruction", truncate(text, 500))
}

// ConfirmInstruction records that a person read an instruction; it reports
// false when they had confirmed it already.
func ConfirmInstruction(tx *gorm.DB, instructionID, personID uint, now time.Time) (bool, error) {
	res := tx.Model(&InstructionReceipt{}).Where("instruction_id = ? AND person_id = ? AND confirmed_at IS NULL", instructionID, personID).
		Update("confirmed_at", now)
	if res.Error != nil {
		return false, fmt.Errorf("confirm instruction %d: %w", instructionID, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := tx.Model(&InstructionReceipt{}).Where("instruction_id = ? AND person_id = ?", instructionID, personID).Count(&n).Error; err != nil {
			return false, err
		}
		if n == 0 {
			return false, fmt.Errorf("instruction %d for person %d: %w", instructionID, personID, ErrNotFound)
		}
		return false, nil
	}
	return true, nil
}
