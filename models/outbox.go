package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// OutKind is the Bot API call an outbox message becomes.
type OutKind string

const (
	OutSendMessage    OutKind = "send_message"
	OutSendPhoto      OutKind = "send_photo"
	OutSendDocument   OutKind = "send_document"
	OutEditText       OutKind = "edit_text"
	OutEditMarkup     OutKind = "edit_markup"
	OutAnswerCallback OutKind = "answer_callback"
)

// RateLimited tells whether Telegram counts this call against its message
// limits; answering a button press does not.
func (k OutKind) RateLimited() bool { return k != OutAnswerCallback }

// Button is one inline keyboard button: Data for a callback, or URL.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Outgoing is what to send, free of any Telegram library type so that the
// outbox can be written inside the transaction that decided to send it.
// Text and Caption are HTML, already escaped by whoever rendered them.
type Outgoing struct {
	Text        string     `json:"text,omitempty"`
	Buttons     [][]Button `json:"buttons,omitempty"`
	ForceReply  bool       `json:"force_reply,omitempty"`
	Placeholder string     `json:"placeholder,omitempty"`
	// ReplyTo is the Telegram id of a message in the same chat.
	ReplyTo int `json:"reply_to,omitempty"`
	// EditMessageID names the message to edit; EditOutboxID names it by the
	// outbox row that sent it, for a message whose Telegram id is not known
	// yet when the edit is decided.
	EditMessageID   int    `json:"edit_message_id,omitempty"`
	EditOutboxID    uint   `json:"edit_outbox_id,omitempty"`
	CallbackQueryID string `json:"callback_query_id,omitempty"`
	Alert           bool   `json:"alert,omitempty"`
	FileName        string `json:"file_name,omitempty"`
	File            []byte `json:"file,omitempty"`
}

// Outgoing decodes the message's payload.
func (m *OutboxMessage) Outgoing() (Outgoing, error) {
	var out Outgoing
	if err := json.Unmarshal([]byte(m.Payload), &out); err != nil {
		return out, fmt.Errorf("outbox message %d payload: %w", m.ID, err)
	}
	return out, nil
}

// Enqueue writes an outgoing message inside tx. A key already used is a
// no-op, which is what makes a redelivered update or a rerun slot harmless.
func Enqueue(tx *gorm.DB, key string, chatID int64, kind OutKind, out Outgoing) error {
	return EnqueueRef(tx, key, chatID, kind, out, MessageRef{})
}

// Purposes of messages a person may reply to.
const (
	PurposeReminder  = "reminder"
	PurposeAck       = "ack"
	PurposeAskDetail = "ask_detail"
	PurposeCorrect   = "correct"
	PurposeSummary   = "summary"
)

// MessageRef says what a message is about, so that a reply to it can be
// read in context.
type MessageRef struct {
	Purpose  string
	TaskID   *uint
	ReportID *uint
}

// EnqueueRef is Enqueue for a message people may reply to.
func EnqueueRef(tx *gorm.DB, key string, chatID int64, kind OutKind, out Outgoing, ref MessageRef) error {
	payload, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", key, err)
	}
	row := OutboxMessage{
		IdemKey:       key,
		ChatID:        chatID,
		Kind:          kind,
		Payload:       string(payload),
		State:         OutboxPending,
		NextAttemptAt: tx.NowFunc(),
		Purpose:       ref.Purpose,
		TaskID:        ref.TaskID,
		ReportID:      ref.ReportID,
	}
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "idem_key"}}, DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("enqueue %s: %w", key, err)
	}
	return nil
}

// ErrLostClaim refuses an outcome write whose claim no longer holds: the
// message was given back (its claimant was taken for dead, or its lease ran
// out) and may belong to another claimant now. Such a write is never
// applied.
var ErrLostClaim = errors.New("outbox claim lost")

// ClaimOutbox takes up to limit messages that are due, at most one per chat
// — the oldest unsent one, so that a chat's messages go out in order — for
// the instance by, under a fresh claim token. A message whose lease ran out
// is due again: its claimant is alive but stuck, and if it had started the
// call, the outcome is unknown. Claiming is not attempting: Attempts and
// AttemptedAt change only in MarkAttempting.
func (s *Store) ClaimOutbox(ctx context.Context, by string, limit int, lease time.Duration) ([]OutboxMessage, error) {
	now := s.Now()
	token, err := newClaimToken()
	if err != nil {
		return nil, err
	}
	var claimed []OutboxMessage
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		q := tx.Raw(`SELECT o.* FROM outbox_messages o
JOIN (SELECT chat_id, MIN(id) AS id FROM outbox_messages
      WHERE state IN (?, ?) GROUP BY chat_id) h ON h.id = o.id
WHERE (o.state = ? AND o.next_attempt_at <= ?) OR (o.state = ? AND o.lease_until < ?)
ORDER BY o.id LIMIT ?`+s.skipLocked("o"),
			OutboxPending, OutboxSending, OutboxPending, now, OutboxSending, now, limit)
		if err := q.Scan(&claimed).Error; err != nil {
			return err
		}
		if len(claimed) == 0 {
			return nil
		}
		ids := make([]uint, len(claimed))
		for i := range claimed {
			ids[i] = claimed[i].ID
		}
		until := now.Add(lease)
		return tx.Model(&OutboxMessage{}).Where("id IN ?", ids).Updates(map[string]any{
			"state":        OutboxSending,
			"lease_until":  until,
			"claim":        token,
			"claimed_by":   by,
			"attempted_at": nil,
		}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	until := now.Add(lease)
	for i := range claimed {
		claimed[i].State = OutboxSending
		claimed[i].Claim, claimed[i].ClaimedBy = token, by
		claimed[i].LeaseUntil, claimed[i].AttemptedAt = &until, nil
	}
	return claimed, nil
}

// newClaimToken is unique to one claim: a claim taken again later, even by
// the same instance, gets another token.
func newClaimToken() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("claim token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// skipLocked lets several PostgreSQL dispatchers claim side by side; SQLite
// has a single writer and no such clause.
func (s *Store) skipLocked(alias string) string {
	if s.Dialect == Postgres {
		return " FOR UPDATE OF " + alias + " SKIP LOCKED"
	}
	return ""
}

// claimed restricts an outcome write to the message while the claim holds.
func claimed(tx *gorm.DB, id uint, claim string) *gorm.DB {
	return tx.Model(&OutboxMessage{}).Where("id = ? AND claim = ? AND claim <> '' AND state = ?", id, claim, OutboxSending)
}

// fenced turns a write that matched no row into ErrLostClaim.
func fenced(res *gorm.DB, id uint, what string) error {
	if res.Error != nil {
		return fmt.Errorf("%s outbox message %d: %w", what, id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("%s outbox message %d: %w", what, id, ErrLostClaim)
	}
	return nil
}

// released are the columns of a message no one holds.
func released(m map[string]any) map[string]any {
	m["lease_until"], m["claim"], m["claimed_by"] = nil, "", ""
	return m
}

// MarkAttempting records, under the claim, that the message's call is about
// to start. From here on its outcome is unknown until recorded, and the
// attempt counts.
func (s *Store) MarkAttempting(ctx context.Context, id uint, claim string) error {
	res := claimed(s.DB.WithContext(ctx), id, claim).Updates(map[string]any{
		"attempted_at": s.Now(),
		"attempts":     gorm.Expr("attempts + 1"),
	})
	return fenced(res, id, "mark attempting")
}

// MarkSent records a delivered message and the id Telegram gave it.
func (s *Store) MarkSent(ctx context.Context, id uint, claim string, telegramMessageID int) error {
	res := claimed(s.DB.WithContext(ctx), id, claim).Updates(released(map[string]any{
		"state":               OutboxSent,
		"telegram_message_id": telegramMessageID,
		"sent_at":             s.Now(),
		"last_error":          "",
	}))
	return fenced(res, id, "mark sent")
}

// RetryLater puts a message back in the queue until at.
func (s *Store) RetryLater(ctx context.Context, id uint, claim string, at time.Time, cause error) error {
	res := claimed(s.DB.WithContext(ctx), id, claim).Updates(released(map[string]any{
		"state":           OutboxPending,
		"next_attempt_at": at.UTC(),
		"last_error":      truncate(cause.Error(), 2000),
	}))
	return fenced(res, id, "reschedule")
}

// MarkFailed gives a message up for good.
func (s *Store) MarkFailed(ctx context.Context, id uint, claim string, cause error) error {
	return s.Tx(ctx, func(tx *gorm.DB) error { return markFailed(tx, id, claim, cause) })
}

func markFailed(tx *gorm.DB, id uint, claim string, cause error) error {
	res := claimed(tx, id, claim).Updates(released(map[string]any{
		"state":      OutboxFailed,
		"last_error": truncate(cause.Error(), 2000),
	}))
	return fenced(res, id, "mark failed")
}

// ReleaseDeadClaims gives back the messages claimed by instances other than
// me whose heartbeat is older than ttl: their claimant is gone, and waiting
// for the lease would hold the chat's queue for nothing. A message claimed
// but never attempted goes back as it was; one attempted has an unknown
// outcome and is sent again (the one case the contract allows a duplicate).
func (s *Store) ReleaseDeadClaims(ctx context.Context, me string, ttl time.Duration) (unattempted, inDoubt int64, err error) {
	now := s.Now()
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		live := tx.Model(&Instance{}).Select("id").Where("heartbeat_at >= ?", now.Add(-ttl))
		dead := func() *gorm.DB {
			return tx.Model(&OutboxMessage{}).Where("state = ? AND claimed_by <> ? AND claimed_by NOT IN (?)", OutboxSending, me, live)
		}
		res := dead().Where("attempted_at IS NULL").Updates(released(map[string]any{"state": OutboxPending}))
		if res.Error != nil {
			return res.Error
		}
		unattempted = res.RowsAffected
		res = dead().Where("attempted_at IS NOT NULL").Updates(released(map[string]any{
			"state":           OutboxPending,
			"next_attempt_at": now,
			"last_error":      "claimant died during the call; outcome unknown",
		}))
		inDoubt = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, 0, fmt.Errorf("release claims of dead instances: %w", err)
	}
	return unattempted, inDoubt, nil
}

// MarkChatUnreachable handles a chat that refused the bot (blocked it):
// the message and everything else queued for that chat fail, the person is
// marked unreachable, and notify runs in the same transaction so that the
// admins hear of it exactly once.
func (s *Store) MarkChatUnreachable(ctx context.Context, msg OutboxMessage, cause error, notify func(tx *gorm.DB, p *Person) error) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if err := markFailed(tx, msg.ID, msg.Claim, cause); err != nil {
			return err
		}
		err := tx.Model(&OutboxMessage{}).
			Where("chat_id = ? AND state = ?", msg.ChatID, OutboxPending).
			Updates(map[string]any{"state": OutboxFailed, "last_error": "recipient unreachable"}).Error
		if err != nil {
			return fmt.Errorf("drop messages to unreachable chat %d: %w", msg.ChatID, err)
		}
		var p Person
		err = tx.Where("telegram_id = ?", msg.ChatID).Take(&p).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find person of chat %d: %w", msg.ChatID, err)
		}
		if p.Unreachable {
			return nil
		}
		if err := tx.Model(&p).Update("unreachable", true).Error; err != nil {
			return fmt.Errorf("mark person %d unreachable: %w", p.ID, err)
		}
		p.Unreachable = true
		if err := Audit(tx, &p.ID, nil, "person_unreachable", cause.Error()); err != nil {
			return err
		}
		if notify != nil {
			return notify(tx, &p)
		}
		return nil
	})
}

// SentMessage finds the bot's message a person replied to.
func SentMessage(tx *gorm.DB, chatID int64, telegramMessageID int) (*OutboxMessage, error) {
	var m OutboxMessage
	err := tx.Where("chat_id = ? AND telegram_message_id = ? AND state = ? AND kind IN ?", chatID, telegramMessageID, OutboxSent,
		[]OutKind{OutSendMessage, OutSendPhoto, OutSendDocument}).
		Order("id DESC").Take(&m).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("message %d in chat %d", telegramMessageID, chatID))
	}
	return &m, nil
}

// SendingTo tells whether a message to the chat is being sent right now:
// Telegram may have delivered it before its id is recorded here. A message
// claimed but not attempted is not on its way yet.
func SendingTo(tx *gorm.DB, chatID int64) (bool, error) {
	var n int64
	if err := tx.Model(&OutboxMessage{}).Where("chat_id = ? AND state = ? AND attempted_at IS NOT NULL", chatID, OutboxSending).Count(&n).Error; err != nil {
		return false, fmt.Errorf("messages in flight to chat %d: %w", chatID, err)
	}
	return n > 0, nil
}

// OutboxMessageByID loads one outbox row.
func (s *Store) OutboxMessageByID(ctx context.Context, id uint) (*OutboxMessage, error) {
	var m OutboxMessage
	if err := s.DB.WithContext(ctx).Take(&m, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("outbox message %d", id))
	}
	return &m, nil
}

// OutboxCounts counts messages by state (for metrics and the demo).
func (s *Store) OutboxCounts(ctx context.Context) (map[OutboxState]int64, error) {
	var rows []struct {
		State OutboxState
		N     int64
	}
	if err := s.DB.WithContext(ctx).Model(&OutboxMessage{}).Select("state, COUNT(*) AS n").Group("state").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	out := make(map[OutboxState]int64, len(rows))
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary: PostgreSQL refuses invalid UTF-8.
	return strings.ToValidUTF8(s[:n], "")
}
