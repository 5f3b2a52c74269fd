package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// WeeklyMark is the light a task showed in a chat's last weekly digest, so
// that the next one says which tasks turned red or green since.
type WeeklyMark struct {
	ID        uint  `gorm:"primaryKey"`
	ChatID    int64 `gorm:"not null;uniqueIndex:idx_weekly_mark"`
	TaskID    uint  `gorm:"not null;uniqueIndex:idx_weekly_mark"`
	Light     Light `gorm:"size:16;not null"`
	UpdatedAt time.Time
}

// WeeklyDigest is a chat's last weekly digest: the week it covered
// (2026-W14) and when it went out, where the next one starts.
type WeeklyDigest struct {
	ChatID int64     `gorm:"primaryKey;autoIncrement:false"`
	Week   string    `gorm:"size:10;not null"`
	SentAt time.Time `gorm:"not null"`
}

// ISOWeek names the ISO week of a day, e.g. 2026-W14: a digest goes out
// once per such week whatever the calendar moves.
func ISOWeek(day time.Time) string {
	y, w := day.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// LastWeekly is a chat's last weekly digest; ok is false before the first.
func LastWeekly(tx *gorm.DB, chatID int64) (d WeeklyDigest, ok bool, err error) {
	err = tx.Where("chat_id = ?", chatID).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("last weekly digest of chat %d: %w", chatID, err)
	}
	return d, true, nil
}

// WeeklyMarks are the lights of a chat's last weekly digest, by task id.
func WeeklyMarks(tx *gorm.DB, chatID int64) (map[uint]Light, error) {
	var marks []WeeklyMark
	if err := tx.Where("chat_id = ?", chatID).Find(&marks).Error; err != nil {
		return nil, fmt.Errorf("weekly marks of chat %d: %w", chatID, err)
	}
	out := make(map[uint]Light, len(marks))
	for _, m := range marks {
		out[m.TaskID] = m.Light
	}
	return out, nil
}

// SaveWeekly records a chat's weekly digest of week, sent at, and the
// lights it showed.
func SaveWeekly(tx *gorm.DB, chatID int64, week string, at time.Time, tasks []TaskDetail) error {
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "chat_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"week", "sent_at"}),
	}).Create(&WeeklyDigest{ChatID: chatID, Week: week, SentAt: at.UTC()}).Error
	if err != nil {
		return fmt.Errorf("save weekly digest of chat %d: %w", chatID, err)
	}
	if len(tasks) == 0 {
		return nil
	}
	marks := make([]WeeklyMark, len(tasks))
	for i, d := range tasks {
		marks[i] = WeeklyMark{ChatID: chatID, TaskID: d.Task.ID, Light: d.Light}
	}
	err = tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "chat_id"}, {Name: "task_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"light", "updated_at"}),
	}).CreateInBatches(marks, 200).Error
	if err != nil {
		return fmt.Errorf("save weekly marks of chat %d: %w", chatID, err)
	}
	return nil
}

const (
	// ScheduleWeekly sends a person's weekly digest (周报).
	ScheduleWeekly ScheduleKind = "weekly"
	// ScheduleAdminWeekly sends the weekly digest of every task to an
	// admin's chat.
	ScheduleAdminWeekly ScheduleKind = "admin_weekly"
)
