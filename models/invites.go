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
	// ErrInvitePersonBound: the person is bound to another account and the
	// invite was not issued to rebind them.
	ErrInvitePersonBound = errors.New("person already bound to another telegram account")
	// ErrInviteThrottled: the account tried too many wrong tokens lately;
	// the token was not even looked up.
	ErrInviteThrottled = errors.New("too many wrong invite tokens")
)

// MaxInviteFailures is how many refused tokens one Telegram account may try
// within an hour. A real person mistypes a link once or twice; guessing
// needs far more.
const MaxInviteFailures = 5

const inviteTokenBytes = 16 // 128 bits

// CreateInvite makes a single-use token for a person who is not bound yet,
// valid for ttl, and revokes any invite of theirs not used yet. Only the
// token's hash is kept, so a copy of the database cannot be used to bind an
// account. A bound person gets ErrInvitePersonBound: reissuing their link
// would let whoever opens it take them over (see CreateRebindInvite).
func (s *Store) CreateInvite(ctx context.Context, personID uint, ttl time.Duration) (string, error) {
	return s.createInvite(ctx, personID, ttl, false)
}

// CreateRebindInvite is CreateInvite for a person who may be bound already:
// the account that opens the link replaces their binding.
func (s *Store) CreateRebindInvite(ctx context.Context, personID uint, ttl time.Duration) (string, error) {
	return s.createInvite(ctx, personID, ttl, true)
}

func (s *Store) createInvite(ctx context.Context, personID uint, ttl time.Duration, rebind bool) (string, error) {
	var token string
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		token, err = issueInvite(tx, personID, ttl, rebind, s.Now())
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// DefaultInviteTTL is how long an invitation stays valid unless told.
const DefaultInviteTTL = 7 * 24 * time.Hour

// InviteLink is the deep link that starts the bot with an invitation's
// token.
func InviteLink(botUsername, token string) string {
	return fmt.Sprintf("https://t.me/%s?start=%s", botUsername, token)
}

// Reinvited is a person whose invitation was issued again.
type Reinvited struct {
	Person Person
	Token  string
}

// ResendInvites issues a new invitation, valid for ttl, to every person on
// an open task who has not bound an account (UnboundPeople), revoking their
// older ones, on an admin's word: the links go to the admin, who passes
// them on, since the bot cannot write to someone it does not know.
func ResendInvites(tx *gorm.DB, byAdmin int64, ttl time.Duration, now time.Time) ([]Reinvited, error) {
	people, err := UnboundPeople(tx)
	if err != nil {
		return nil, err
	}
	out := make([]Reinvited, 0, len(people))
	for _, p := range people {
		token, err := issueInvite(tx, p.ID, ttl, false, now)
		if err != nil {
			return nil, err
		}
		out = append(out, Reinvited{Person: p, Token: token})
	}
	if err := Audit(tx, nil, nil, "invites_resent", fmt.Sprintf("%d by admin telegram user %d", len(out), byAdmin)); err != nil {
		return nil, err
	}
	return out, nil
}

// UnboundPeople are the people on a task not done who never opened their
// invitation, by key: nobody can remind them, so summaries count them.
func UnboundPeople(tx *gorm.DB) ([]Person, error) {
	var people []Person
	err := tx.Where("telegram_id IS NULL AND id IN (?)",
		tx.Table("assignments a").Select("a.person_id").Joins("JOIN tasks t ON t.id = a.task_id").Where("t.done = ?", false)).
		Order("key").Find(&people).Error
	if err != nil {
		return nil, fmt.Errorf("unbound people: %w", err)
	}
	return people, nil
}

// issueInvite makes a token inside tx; see CreateInvite.
func issueInvite(tx *gorm.DB, personID uint, ttl time.Duration, rebind bool, now time.Time) (string, error) {
	raw := make([]byte, inviteTokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("invite token: %w", err)
	}
	// base64url fits Telegram's start parameter alphabet [A-Za-z0-9_-].
	token := base64.RawURLEncoding.EncodeToString(raw)
	var p Person
	if err := tx.Take(&p, personID).Error; err != nil {
		return "", notFound(err, fmt.Sprintf("person %d", personID))
	}
	detail := "expires " + now.Add(ttl).Format(time.RFC3339)
	if p.TelegramID != nil {
		if !rebind {
			return "", fmt.Errorf("invite %s: %w", p.Key, ErrInvitePersonBound)
		}
		detail += fmt.Sprintf("; rebind of telegram user %d", *p.TelegramID)
	}
	if err := tx.Model(&Invite{}).
		Where("person_id = ? AND used_at IS NULL AND revoked_at IS NULL", personID).
		Update("revoked_at", now).Error; err != nil {
		return "", fmt.Errorf("revoke old invites of person %d: %w", personID, err)
	}
	inv := Invite{PersonID: personID, TokenHash: hashToken(token), ExpiresAt: now.Add(ttl)}
	if err := tx.Create(&inv).Error; err != nil {
		return "", fmt.Errorf("create invite for person %d: %w", personID, err)
	}
	if err := Audit(tx, &personID, nil, "invite_created", detail); err != nil {
		return "", err
	}
	return token, nil
}

// RedeemInvite binds telegramID to the invite's person inside tx.
//
// The invite is used with a conditional update, so of two transactions
// redeeming it at once exactly one binds. A person bound to another account
// is rebound only by an invite made after that binding, which CreateInvite
// allows only when a rebind was asked for; an account bound to another
// person is refused unless that person is on no task any more (a name the
// task list dropped, such as an old spelling), in which case the binding
// moves. Every refusal is written to the audit trail in tx, so the caller
// must commit tx with its answer: refusals are what ErrInviteThrottled
// counts.
func RedeemInvite(tx *gorm.DB, token string, telegramID int64, now time.Time) (*Person, error) {
	failures, err := inviteFailures(tx, telegramID, now)
	if err != nil {
		return nil, err
	}
	if failures >= MaxInviteFailures {
		return nil, ErrInviteThrottled
	}
	var inv Invite
	err = tx.Where("token_hash = ?", hashToken(token)).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, refuseInvite(tx, nil, telegramID, ErrInviteUnknown)
	}
	if err != nil {
		return nil, fmt.Errorf("look up invite: %w", err)
	}
	if why := inv.refusal(now); why != nil {
		return nil, refuseInvite(tx, &inv.PersonID, telegramID, why)
	}
	var p Person
	if err := tx.Take(&p, inv.PersonID).Error; err != nil {
		return nil, fmt.Errorf("person of invite %d: %w", inv.ID, err)
	}
	before := p.TelegramID
	if before != nil && *before != telegramID && (p.BoundAt == nil || inv.CreatedAt.Before(*p.BoundAt)) {
		return nil, refuseInvite(tx, &p.ID, telegramID, ErrInvitePersonBound)
	}
	var other Person
	err = tx.Where("telegram_id = ? AND id <> ?", telegramID, p.ID).Take(&other).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		other.ID = 0
	case err != nil:
		return nil, fmt.Errorf("check telegram account %d: %w", telegramID, err)
	default:
		var tasks int64
		if err := tx.Model(&Assignment{}).Where("person_id = ?", other.ID).Count(&tasks).Error; err != nil {
			return nil, fmt.Errorf("tasks of person %d: %w", other.ID, err)
		}
		if tasks > 0 {
			return nil, refuseInvite(tx, &p.ID, telegramID, ErrInviteAccountInUse)
		}
	}

	// Checked above on what this transaction read; the conditional update
	// decides when another one used the invite meanwhile.
	res := tx.Model(&Invite{}).
		Where("id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?", inv.ID, now).
		Update("used_at", now)
	if res.Error != nil {
		return nil, fmt.Errorf("use invite %d: %w", inv.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		if err := tx.Take(&inv, inv.ID).Error; err != nil {
			return nil, fmt.Errorf("invite %d: %w", inv.ID, err)
		}
		why := inv.refusal(now)
		if why == nil {
			why = ErrInviteUsed
		}
		return nil, refuseInvite(tx, &p.ID, telegramID, why)
	}

	if other.ID != 0 {
		res := tx.Model(&Person{}).Where("id = ? AND telegram_id = ?", other.ID, telegramID).
			Updates(map[string]any{"telegram_id": nil, "bound_at": nil})
		if res.Error != nil {
			return nil, fmt.Errorf("unbind person %d: %w", other.ID, res.Error)
		}
		detail := fmt.Sprintf("telegram user %d moved to %s by invite %d; %s is on no task", telegramID, p.Key, inv.ID, other.Key)
		if err := Audit(tx, &other.ID, nil, "person_unbound", detail); err != nil {
			return nil, err
		}
	}
	// Compare and set: a binding made since the read above is not replaced.
	bind := tx.Model(&Person{}).Where("id = ?", p.ID)
	if before == nil {
		bind = bind.Where("telegram_id IS NULL")
	} else {
		bind = bind.Where("telegram_id = ?", *before)
	}
	res = bind.Updates(map[string]any{"telegram_id": telegramID, "bound_at": now, "unreachable": false})
	if res.Error != nil {
		return nil, fmt.Errorf("bind person %d: %w", p.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, refuseInvite(tx, &p.ID, telegramID, ErrInvitePersonBound)
	}
	p.TelegramID = &telegramID
	p.BoundAt = &now
	p.Unreachable = false
	kind, was := "person_bound", "unbound"
	if before != nil {
		was = fmt.Sprintf("telegram user %d", *before)
		if *before != telegramID {
			kind = "person_rebound"
		}
	}
	if other.ID != 0 {
		was += fmt.Sprintf("; account was %s's", other.Key)
	}
	detail := fmt.Sprintf("telegram user %d by invite %d; before: %s", telegramID, inv.ID, was)
	if err := Audit(tx, &p.ID, nil, kind, detail); err != nil {
		return nil, err
	}
	return &p, nil
}

// refusal says why an invite cannot be used at now, or nil.
func (inv Invite) refusal(now time.Time) error {
	switch {
	case inv.UsedAt != nil:
		return ErrInviteUsed
	case inv.RevokedAt != nil:
		return ErrInviteRevoked
	case !now.Before(inv.ExpiresAt):
		return ErrInviteExpired
	}
	return nil
}

// refuseInvite records a refused token for the account and returns why.
// The token itself is not written: it may be someone's valid link mistyped.
func refuseInvite(tx *gorm.DB, personID *uint, telegramID int64, why error) error {
	if err := Audit(tx, personID, nil, "invite_refused", fmt.Sprintf("telegram user %d: %v", telegramID, why)); err != nil {
		return err
	}
	return why
}

// inviteFailures counts the account's refused tokens within the last hour.
func inviteFailures(tx *gorm.DB, telegramID int64, now time.Time) (int64, error) {
	var n int64
	err := tx.Model(&AuditEvent{}).
		Where("kind = ? AND at > ? AND detail LIKE ?", "invite_refused", now.Add(-time.Hour), fmt.Sprintf("telegram user %d:%%", telegramID)).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count refused invites of telegram user %d: %w", telegramID, err)
	}
	return n, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Audit appends one line to the audit trail inside tx.
func Audit(tx *gorm.DB, personID, taskID *uint, kind, detail string) error {
	_, err := execRaw(tx, `INSERT INTO audit_events (at, person_id, task_id, kind, detail) VALUES (?, ?, ?, ?, ?)`,
		tx.NowFunc(), personID, taskID, kind, truncate(detail, 4000))
	if err != nil {
		return fmt.Errorf("audit %s: %w", kind, err)
	}
	return nil
}
