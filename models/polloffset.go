package models

import (
	"context"
	"fmt"
	"time"
)

// PollOffset is the offset the next getUpdates sends, 0 for none. It is the
// newest update received plus one, which confirms everything stored — but
// only while that update is younger than the redelivery window. Past it,
// Telegram keeps nothing the offset could confirm except updates that
// arrived since, under ids it may have restarted below ours after a quiet
// week: an offset would confirm them unseen. Without one, Telegram sends
// every update waiting, and the next call's offset confirms them once
// stored.
func (s *Store) PollOffset(ctx context.Context) (int64, error) {
	var newest []struct {
		UpdateID   int64
		ReceivedAt time.Time
	}
	err := s.DB.WithContext(ctx).Model(&InboxUpdate{}).Select("update_id", "received_at").Order("id DESC").Limit(1).Scan(&newest).Error
	if err != nil {
		return 0, fmt.Errorf("poll offset: %w", err)
	}
	if len(newest) == 0 || s.Now().Sub(newest[0].ReceivedAt) > redeliveryWindow {
		return 0, nil
	}
	return newest[0].UpdateID + 1, nil
}
