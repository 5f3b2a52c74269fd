package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Why an invite token was refused.
var (
	ErrInviteUnknown      = errors.New("invite unknown")
	ErrInviteExpired      = errors.New("invite expired")
	ErrInviteUsed         = errors.New("invite already used")
	ErrInviteRevoked      = errors.New("invite replaced by a newer one")
	ErrInviteAccountInUse = errors.New("telegram account already bound to another person")
)

const inviteTokenBytes = 16 // 128 bits

// CreateInvite makes a single-use token for a person, valid for ttl, and
// revokes any invite of theirs not used yet. Only the token's hash is kept,
// so a copy of the database cannot be used to bind an account.
func (s *Store) CreateInvite(ctx context.Context, personID uint, ttl time.Duration) (string, error) {
	raw := make([]byte, inviteTokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("invite token: %w", err)
	}
	// base64url fits Telegram's start parameter alphabet [A-Za-z0-9_-].
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.Now()
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Invite{}).
			Where("person_id = ? AND used_at IS NULL AND revoked_at IS NULL", personID).
			Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("revoke old invites of person %d: %w", personID, err)
		}
		inv := Invite{PersonID: personID, TokenHash: hashToken(token), ExpiresAt: now.Add(ttl)}
		if err := tx.Create(&inv).Error; err != nil {
			return fmt.Errorf("create invite for person %d: %w", personID, err)
		}
		return Audit(tx, &personID, nil, "invite_created", "expires "+inv.ExpiresAt.Format(time.RFC3339))
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// RedeemInvite binds telegramID to the invite's person inside tx.
func RedeemInvite(tx *gorm.DB, token string, telegramID int64, now time.Time) (*Person, error) {
	var inv Invite
	err := tx.Where("token_hash = ?", hashToken(token)).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrInviteUnknown
	}
	if err != nil {
		return nil, fmt.Errorf("look up invite: %w", err)
	}
	switch {
	case inv.UsedAt != nil:
		return nil, ErrInviteUsed
	case inv.RevokedAt != nil:
		return nil, ErrInviteRevoked
	case !now.Before(inv.ExpiresAt):
		return nil, ErrInviteExpired
	}
	var other Person
	err = tx.Where("telegram_id = ? AND id <> ?", telegramID, inv.PersonID).Take(&other).Error
	if err == nil {
		return nil, ErrInviteAccountInUse
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("check telegram account %d: %w", telegramID, err)
	}
	if err := tx.Model(&inv).Update("used_at", now).Error; err != nil {
		return nil, fmt.Errorf("use invite %d: %w", inv.ID, err)
	}
	var p Person
	if err := tx.Take(&p, inv.PersonID).Error; err != nil {
		return nil, fmt.Errorf("person of invite %d: %w", inv.ID, err)
	}
	if err := tx.Model(&p).Updates(map[string]any{"telegram_id": telegramID, "bound_at": now, "unreachable": false}).Error; err != nil {
		return nil, fmt.Errorf("bind person %d: %w", p.ID, err)
	}
	p.TelegramID = &telegramID
	p.BoundAt = &now
	p.Unreachable = false
	if err := Audit(tx, &p.ID, nil, "person_bound", fmt.Sprintf("telegram user %d", telegramID)); err != nil {
		return nil, err
	}
	return &p, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Audit appends one line to the audit trail inside tx.
func Audit(tx *gorm.DB, personID, taskID *uint, kind, detail string) error {
	ev := AuditEvent{At: tx.NowFunc(), PersonID: personID, TaskID: taskID, Kind: kind, Detail: truncate(detail, 4000)}
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("audit %s: %w", kind, err)
	}
	return nil
}
