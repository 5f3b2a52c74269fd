package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Heartbeat records that the instance id is alive, registering it on its
// first beat.
func (s *Store) Heartbeat(ctx context.Context, id, host string) error {
	now := s.Now()
	row := Instance{ID: id, Host: host, StartedAt: now, HeartbeatAt: now}
	err := s.statement(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.Assignments(map[string]any{"heartbeat_at": now}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("heartbeat of instance %s: %w", id, err)
	}
	return nil
}

// statement is the store for one statement that commits by itself, without
// GORM's BEGIN and COMMIT around it: a process paused between them (SIGSTOP,
// a frozen VM) would keep the lease's row locked, and no standby could
// take over until it woke.
func (s *Store) statement(ctx context.Context) *gorm.DB {
	return s.DB.WithContext(ctx).Session(&gorm.Session{SkipDefaultTransaction: true})
}

// LeaveCluster removes an instance that stops cleanly, and forgets those
// silent for more than a day.
func (s *Store) LeaveCluster(ctx context.Context, id string) error {
	err := s.DB.WithContext(ctx).Where("id = ? OR heartbeat_at < ?", id, s.Now().Add(-24*time.Hour)).Delete(&Instance{}).Error
	if err != nil {
		return fmt.Errorf("remove instance %s: %w", id, err)
	}
	return nil
}

// Instances lists the instances, the most recently alive first.
func (s *Store) Instances(ctx context.Context) ([]Instance, error) {
	var out []Instance
	if err := s.DB.WithContext(ctx).Order("heartbeat_at DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	return out, nil
}

// AcquireLease makes holder the holder of the lease name for ttl if nobody
// holds it or the last holder's lease has run out (or holder held it
// already). Each new holding gets a greater token than every one before.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (token int64, ok bool, err error) {
	now := s.Now()
	// One statement that commits by itself: a standby paused in the middle
	// of a transaction here would hold the lease's row, and with it the
	// leader's renewals. On SQLite one file is held by one process
	// (HoldDatabase): any other holder is a process that died, and need
	// not be waited for.
	takeable := "leases.expires_at < ? OR leases.holder = ?"
	args := []any{name, holder, now.Add(ttl), now, holder}
	if s.Dialect == SQLite {
		takeable, args = "1 = 1", args[:3]
	}
	var tokens []int64
	err = s.statement(ctx).Raw(`INSERT INTO leases (name, holder, token, expires_at) VALUES (?, ?, 1, ?)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = leases.token + 1, expires_at = excluded.expires_at
WHERE `+takeable+`
RETURNING token`, args...).Scan(&tokens).Error
	if err != nil {
		return 0, false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	if len(tokens) == 0 {
		return 0, false, nil
	}
	return tokens[0], true, nil
}

// ErrLeaseLost says a lease is no longer the caller's.
var ErrLeaseLost = errors.New("lease lost")

// RenewLease extends the holding with token by ttl from now. It fails with
// ErrLeaseLost if the lease has passed to another holding.
func (s *Store) RenewLease(ctx context.Context, name, holder string, token int64, ttl time.Duration) error {
	now := s.Now()
	res := s.statement(ctx).Model(&Lease{}).Where("name = ? AND holder = ? AND token = ?", name, holder, token).
		Update("expires_at", now.Add(ttl))
	if res.Error != nil {
		return fmt.Errorf("renew lease %s: %w", name, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("renew lease %s: %w", name, ErrLeaseLost)
	}
	return nil
}

// ReleaseLease ends the holding with token at once, so that a standby need
// not wait for it to run out.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, token int64) error {
	err := s.statement(ctx).Model(&Lease{}).Where("name = ? AND holder = ? AND token = ?", name, holder, token).
		Update("expires_at", s.Now().Add(-time.Millisecond)).Error
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeaseOf reads a lease (ErrNotFound if never taken).
func (s *Store) LeaseOf(ctx context.Context, name string) (*Lease, error) {
	var l Lease
	if err := s.DB.WithContext(ctx).Where("name = ?", name).Take(&l).Error; err != nil {
		return nil, notFound(err, "lease "+name)
	}
	return &l, nil
}
