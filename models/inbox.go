package models

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// redeliveryWindow is how long Telegram keeps an unconfirmed update and may
// send it again. An update id stored longer ago than this that arrives
// again is a new update: Telegram restarts its ids at a random value after
// a week without updates.
const redeliveryWindow = 24 * time.Hour

// SaveUpdates stores fetched updates, in the order given, before Telegram is
// told they arrived. An update already stored within the redelivery window
// is left as it is; an older row with the same id was another update, and
// the new one is stored beside it.
func (s *Store) SaveUpdates(ctx context.Context, updates []InboxUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	now := s.Now()
	// A copy: the insert would write back ids, and with skipped
	// redeliveries they would not match the caller's rows.
	rows := make([]InboxUpdate, len(updates))
	ids := make([]int64, len(updates))
	for i, u := range updates {
		live := u.UpdateID
		rows[i] = InboxUpdate{UpdateID: u.UpdateID, LiveUpdateID: &live, ChatID: u.ChatID, Payload: u.Payload,
			State: InboxPending, ReceivedAt: now}
		ids[i] = u.UpdateID
	}
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Model(&InboxUpdate{}).Where("live_update_id IN ? AND received_at < ?", ids, now.Add(-redeliveryWindow)).
			Update("live_update_id", nil).Error
		if err != nil {
			return err
		}
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "live_update_id"}}, DoNothing: true}).Create(&rows).Error
	})
	if err != nil {
		return fmt.Errorf("store %d updates: %w", len(updates), err)
	}
	return nil
}

// LastUpdateID is the id of the newest update received, 0 when none; the
// next getUpdates' offset is built from it (see PollOffset). It is the
// newest by receipt, not the highest id, because ids restart after a quiet
// week and may start below the old ones.
func (s *Store) LastUpdateID(ctx context.Context) (int64, error) {
	var ids []int64
	if err := s.DB.WithContext(ctx).Model(&InboxUpdate{}).Order("id DESC").Limit(1).Pluck("update_id", &ids).Error; err != nil {
		return 0, fmt.Errorf("last update id: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// PendingUpdates lists up to limit updates due to be handled, in the order
// they were received. An update of a chat whose earlier update waits for a
// retry is not due: a chat's updates are handled in order, so the later
// ones wait behind a failing one until it succeeds or is set aside. Updates
// without a chat (id 0) have no order to keep and never wait.
func (s *Store) PendingUpdates(ctx context.Context, limit int) ([]InboxUpdate, error) {
	now := s.Now()
	var out []InboxUpdate
	err := s.DB.WithContext(ctx).
		Where("state = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)", InboxPending, now).
		Where(`chat_id = 0 OR NOT EXISTS (SELECT 1 FROM inbox_updates w WHERE w.state = ? AND w.chat_id = inbox_updates.chat_id
AND w.id < inbox_updates.id AND w.next_attempt_at > ?)`, InboxPending, now).
		Order("id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("pending updates: %w", err)
	}
	return out, nil
}

// FinishUpdate marks the inbox row id handled inside the transaction that
// applied its effects. It reports false when the update was handled already
// (by another process), and the caller must then roll its effects back.
func FinishUpdate(tx *gorm.DB, id uint) (bool, error) {
	n, err := execRaw(tx, `UPDATE inbox_updates SET state = ?, processed_at = ?, attempts = attempts + 1, next_attempt_at = NULL
WHERE id = ? AND state = ?`, InboxDone, tx.NowFunc(), id, InboxPending)
	if err != nil {
		return false, fmt.Errorf("finish update %d: %w", id, err)
	}
	return n == 1, nil
}

// ForgetUpdate empties the stored payload of an update handled inside tx:
// what people say to each other in a work group reaches the bot (as an
// administrator, or in the topics it created) but is not the bot's to
// keep, not even until the inbox is pruned.
func ForgetUpdate(tx *gorm.DB, id uint) error {
	if err := tx.Model(&InboxUpdate{}).Where("id = ?", id).Update("payload", "{}").Error; err != nil {
		return fmt.Errorf("forget update %d: %w", id, err)
	}
	return nil
}

// InboxRetry is how an update whose handling fails is tried again: after
// the n-th failure it waits First·2ⁿ⁻¹, at most Max, less a random part of
// up to half so that updates that failed together do not come back
// together; after Attempts failures it is set aside as failed.
type InboxRetry struct {
	Attempts   int
	First, Max time.Duration
}

// DefaultInboxRetry retries from seconds to a quarter of an hour apart, for
// more than an hour in all (RetrySpan): long enough to ride out a database
// failover or a bad deploy, short enough that a chat waiting behind the
// update is not held for a day.
var DefaultInboxRetry = InboxRetry{Attempts: 16, First: 5 * time.Second, Max: 15 * time.Minute}

func (r InboxRetry) orDefault() InboxRetry {
	if r.Attempts <= 0 || r.First <= 0 || r.Max < r.First {
		return DefaultInboxRetry
	}
	return r
}

// Delay is the wait after the n-th failure (n ≥ 1); jitter in [0, 1)
// shortens it by up to half.
func (r InboxRetry) Delay(n int, jitter float64) time.Duration {
	r = r.orDefault()
	d := r.First
	for i := 1; i < n && d < r.Max; i++ {
		d *= 2
	}
	d = min(d, r.Max)
	return d - time.Duration(jitter*float64(d/2))
}

// RetrySpan is the least time between an update's first failure and the
// one that sets it aside.
func (r InboxRetry) RetrySpan() time.Duration {
	r = r.orDefault()
	var span time.Duration
	for n := 1; n < r.Attempts; n++ {
		span += r.Delay(n, 1)
	}
	return span
}

// ErrUpdateNotPending is returned for an update that is no longer waiting
// to be handled (another process finished it).
var ErrUpdateNotPending = errors.New("update not pending")

// FailUpdate records inside tx that handling the inbox row id failed with
// cause: the update is tried again after a delay, or, after the policy's
// attempts, set aside as failed with its error kept for `taskbot inbox`.
// It returns the row as updated.
func FailUpdate(tx *gorm.DB, id uint, cause error, retry InboxRetry) (InboxUpdate, error) {
	retry = retry.orDefault()
	var u InboxUpdate
	// The increment comes first so that it takes the row's lock before the
	// row is read.
	res := tx.Model(&InboxUpdate{}).Where("id = ? AND state = ?", id, InboxPending).
		Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": truncate(cause.Error(), 2000)})
	if res.Error != nil {
		return u, fmt.Errorf("record failure of update %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return u, fmt.Errorf("record failure of update %d: %w", id, ErrUpdateNotPending)
	}
	if err := tx.Take(&u, id).Error; err != nil {
		return u, fmt.Errorf("record failure of update %d: %w", id, err)
	}
	change := map[string]any{}
	if u.Attempts >= retry.Attempts {
		u.State, u.NextAttemptAt = InboxFailed, nil
		change["state"], change["next_attempt_at"] = InboxFailed, nil
	} else {
		at := tx.NowFunc().Add(retry.Delay(u.Attempts, rand.Float64()))
		u.NextAttemptAt = &at
		change["next_attempt_at"] = at
	}
	if err := tx.Model(&InboxUpdate{}).Where("id = ?", id).Updates(change).Error; err != nil {
		return u, fmt.Errorf("record failure of update %d: %w", id, err)
	}
	return u, nil
}

// FailedUpdates lists the updates set aside as failed, oldest first.
func (s *Store) FailedUpdates(ctx context.Context) ([]InboxUpdate, error) {
	var out []InboxUpdate
	if err := s.DB.WithContext(ctx).Where("state = ?", InboxFailed).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("failed updates: %w", err)
	}
	return out, nil
}

// ErrNotFailed is returned when asked to requeue an update that is not set
// aside as failed.
var ErrNotFailed = errors.New("no such failed update")

// RequeueUpdates puts failed updates back to be handled at once, with
// their attempts counted from zero: the given inbox rows, or every failed
// one when ids is empty. The last error stays, for the record. It returns
// how many were requeued; naming a row that is not failed is an error and
// requeues nothing.
func (s *Store) RequeueUpdates(ctx context.Context, ids ...uint) (int64, error) {
	// The same id given twice is one update: counted twice, it would read
	// as one not failed.
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var n int64
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&InboxUpdate{}).Where("state = ?", InboxFailed)
		if len(ids) > 0 {
			q = q.Where("id IN ?", ids)
		}
		res := q.Updates(map[string]any{"state": InboxPending, "attempts": 0, "next_attempt_at": nil})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		if len(ids) > 0 && n != int64(len(ids)) {
			return fmt.Errorf("%w among %v", ErrNotFailed, ids)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("requeue updates: %w", err)
	}
	return n, nil
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

// PruneInbox deletes updates handled before cutoff. The newest update
// received is always kept: its id is where the next getUpdates starts (see
// LastUpdateID).
func (s *Store) PruneInbox(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.DB.WithContext(ctx).Exec(`DELETE FROM inbox_updates WHERE state = ? AND processed_at < ?
AND id < (SELECT m FROM (SELECT MAX(id) AS m FROM inbox_updates) newest)`, InboxDone, cutoff.UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("prune inbox: %w", res.Error)
	}
	return res.RowsAffected, nil
}
