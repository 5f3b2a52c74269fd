package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SaveUpdates stores fetched updates by update_id before Telegram is told
// they arrived. An update already stored (a redelivery) is left as it is.
func (s *Store) SaveUpdates(ctx context.Context, updates []InboxUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	now := s.Now()
	for i := range updates {
		updates[i].State = InboxPending
		updates[i].ReceivedAt = now
	}
	err := s.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&updates).Error
	if err != nil {
		return fmt.Errorf("store %d updates: %w", len(updates), err)
	}
	return nil
}

// LastUpdateID is the highest update id ever stored, 0 when none: the next
// getUpdates asks for offset LastUpdateID+1, which confirms everything stored.
func (s *Store) LastUpdateID(ctx context.Context) (int64, error) {
	var id *int64
	if err := s.DB.WithContext(ctx).Model(&InboxUpdate{}).Select("MAX(update_id)").Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("last update id: %w", err)
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// PendingUpdates lists updates not yet handled, oldest first.
func (s *Store) PendingUpdates(ctx context.Context, limit int) ([]InboxUpdate, error) {
	var out []InboxUpdate
	err := s.DB.WithContext(ctx).Where("state = ?", InboxPending).Order("update_id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("pending updates: %w", err)
	}
	return out, nil
}

// FinishUpdate marks an update handled inside the transaction that applied
// its effects. It reports false when the update was handled already (by
// another process), and the caller must then roll its effects back.
func FinishUpdate(tx *gorm.DB, updateID int64) (bool, error) {
	res := tx.Model(&InboxUpdate{}).Where("update_id = ? AND state = ?", updateID, InboxPending).
		Updates(map[string]any{"state": InboxDone, "processed_at": tx.NowFunc(), "attempts": gorm.Expr("attempts + 1")})
	if res.Error != nil {
		return false, fmt.Errorf("finish update %d: %w", updateID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FailUpdate records that handling an update failed; after maxAttempts it is
// set aside as failed so that one poisoned update cannot stall its chat.
func (s *Store) FailUpdate(ctx context.Context, updateID int64, cause error, maxAttempts int) (InboxState, error) {
	var state InboxState
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var u InboxUpdate
		if err := tx.Take(&u, "update_id = ?", updateID).Error; err != nil {
			return err
		}
		u.Attempts++
		state = InboxPending
		if u.Attempts >= maxAttempts {
			state = InboxFailed
		}
		return tx.Model(&InboxUpdate{}).Where("update_id = ?", updateID).Updates(map[string]any{
			"attempts":   u.Attempts,
			"state":      state,
			"last_error": truncate(cause.Error(), 2000),
		}).Error
	})
	if err != nil {
		return "", fmt.Errorf("record failure of update %d: %w", updateID, err)
	}
	return state, nil
}

// InboxCounts counts updates by state.
func (s *Store) InboxCounts(ctx context.Context) (map[InboxState]int64, error) {
	var rows []struct {
		State InboxState
		N     int64
	}
	if err := s.DB.WithContext(ctx).Model(&InboxUpdate{}).Select("state, COUNT(*) AS n").Group("state").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count inbox: %w", err)
	}
	out := make(map[InboxState]int64, len(rows))
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}

// PruneInbox deletes updates handled before cutoff. The newest update is
// always kept: its id is where the next getUpdates starts.
func (s *Store) PruneInbox(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.DB.WithContext(ctx).Exec(`DELETE FROM inbox_updates WHERE state = ? AND processed_at < ?
AND update_id < (SELECT m FROM (SELECT MAX(update_id) AS m FROM inbox_updates) newest)`, InboxDone, cutoff.UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("prune inbox: %w", res.Error)
	}
	return res.RowsAffected, nil
}
