package models

import (
	"fmt"

	"gorm.io/gorm"
)

// SavePendingReply keeps a reply the bot asked about.
func SavePendingReply(tx *gorm.DB, p *PendingReply) error {
	if err := tx.Create(p).Error; err != nil {
		return fmt.Errorf("keep pending reply: %w", err)
	}
	return nil
}

// TakePendingReply returns an unresolved pending reply of the person and
// marks it resolved, so that a second press of the same button does
// nothing.
func TakePendingReply(tx *gorm.DB, id, personID uint) (*PendingReply, error) {
	var p PendingReply
	err := tx.Where("id = ? AND person_id = ? AND resolved_at IS NULL", id, personID).Take(&p).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("pending reply %d", id))
	}
	now := tx.NowFunc()
	if err := tx.Model(&p).Update("resolved_at", now).Error; err != nil {
		return nil, fmt.Errorf("resolve pending reply %d: %w", id, err)
	}
	p.ResolvedAt = &now
	return &p, nil
}
