package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// A slot reminder's follow-up is open while its FollowUpAt is set. Every
// way it ends — sent, or no longer needed — clears FollowUpAt, so the
// partial index on open follow-ups holds about one row per reminder
// schedule however long the history grows.

// DueFollowUps lists open follow-ups due by now, the oldest first.
func DueFollowUps(tx *gorm.DB, now time.Time, limit int) ([]Reminder, error) {
	var due []Reminder
	err := tx.Where("follow_up_at IS NOT NULL AND follow_up_at <= ?", now).
		Order("follow_up_at, id").Limit(limit).Find(&due).Error
	if err != nil {
		return nil, fmt.Errorf("due follow-ups: %w", err)
	}
	return due, nil
}

// SettleFollowUps closes the open follow-ups no longer needed: someone
// reported on the task since the slot, the task is closed, or a newer slot
// reminded the same person of the same task. With ids it looks at those
// follow-ups only. It returns how many it closed.
func SettleFollowUps(tx *gorm.DB, ids ...uint) (int64, error) {
	// slot_key comes first among the newer-slot conditions so that the
	// lookup is a seek in idx_reminder, not a read of the pair's history.
	q := tx.Model(&Reminder{}).Where(`follow_up_at IS NOT NULL AND (
  EXISTS (SELECT 1 FROM tasks t WHERE t.id = reminders.task_id AND t.done = ?)
  OR EXISTS (SELECT 1 FROM reports x WHERE x.task_id = reminders.task_id AND x.created_at >= reminders.slot_at)
  OR EXISTS (SELECT 1 FROM reminders n WHERE n.task_id = reminders.task_id AND n.person_id = reminders.person_id
    AND n.kind = reminders.kind AND n.slot_key > reminders.slot_key AND n.slot_at > reminders.slot_at))`, true)
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	res := q.Updates(map[string]any{"follow_up_at": nil, "follow_up_done": true})
	if res.Error != nil {
		return 0, fmt.Errorf("settle follow-ups: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// TakeFollowUp closes one open follow-up for the caller who is about to
// send it; false when it was closed already, by another process or because
// it was no longer needed.
func TakeFollowUp(tx *gorm.DB, id uint) (bool, error) {
	res := tx.Model(&Reminder{}).Where("id = ? AND follow_up_at IS NOT NULL", id).
		Updates(map[string]any{"follow_up_at": nil, "follow_up_done": true})
	if res.Error != nil {
		return false, fmt.Errorf("take follow-up %d: %w", id, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// settleTaskFollowUps closes the task's open follow-ups of slots up to
// now, at once, when a report or a close-out makes them pointless (the
// scheduler's SettleFollowUps would find them on its next round anyway).
func settleTaskFollowUps(tx *gorm.DB, taskID uint, now time.Time) error {
	_, err := execRaw(tx, `UPDATE reminders SET follow_up_at = NULL, follow_up_done = ? WHERE task_id = ? AND follow_up_at IS NOT NULL
AND slot_at <= ?`, true, taskID, now)
	if err != nil {
		return fmt.Errorf("settle follow-ups of task %d: %w", taskID, err)
	}
	return nil
}
