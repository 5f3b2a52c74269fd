package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// SchemaCurrent tells whether every migration this binary knows has run on
// the database: an instance that is older or newer than its schema must
// not take traffic.
func (s *Store) SchemaCurrent(ctx context.Context) (bool, error) {
	var n int64
	err := s.DB.WithContext(ctx).Table("migrations").Where("id IN ?", migrationIDs).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	return n == int64(len(migrationIDs)), nil
}

// Backlog is what waits in the outbox and the inbox.
type Backlog struct {
	// OutboxDue counts messages waiting to be sent whose time has come;
	// OldestDue is how long the oldest of them has waited.
	OutboxDue int64
	OldestDue time.Duration
	// InboxFailed counts updates set aside after failing every retry.
	InboxFailed int64
}

// ReadBacklog reads the backlog at now.
func (s *Store) ReadBacklog(ctx context.Context, now time.Time) (Backlog, error) {
	db := s.DB.WithContext(ctx)
	var b Backlog
	due := db.Model(&OutboxMessage{}).Where("state IN ? AND next_attempt_at <= ?", []OutboxState{OutboxPending, OutboxSending}, now)
	if err := due.Count(&b.OutboxDue).Error; err != nil {
		return b, fmt.Errorf("outbox backlog: %w", err)
	}
	if b.OutboxDue > 0 {
		var oldest OutboxMessage
		err := db.Select("next_attempt_at").Where("state IN ? AND next_attempt_at <= ?", []OutboxState{OutboxPending, OutboxSending}, now).
			Order("next_attempt_at").Take(&oldest).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return b, fmt.Errorf("oldest due outbox message: %w", err)
		}
		if err == nil {
			b.OldestDue = max(0, now.Sub(oldest.NextAttemptAt))
		}
	}
	if err := db.Model(&InboxUpdate{}).Where("state = ?", InboxFailed).Count(&b.InboxFailed).Error; err != nil {
		return b, fmt.Errorf("failed inbox updates: %w", err)
	}
	return b, nil
}
