package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	// OutCreateTopic creates a forum topic named TopicName; the thread id
	// it gets is kept as the row's Telegram message id.
	OutCreateTopic OutKind = "create_topic"
	// OutEditTopic renames, OutCloseTopic closes and OutReopenTopic
	// reopens the topic MessageThreadID (or ThreadOutboxID).
	OutEditTopic   OutKind = "edit_topic"
	OutCloseTopic  OutKind = "close_topic"
	OutReopenTopic OutKind = "reopen_topic"
	// OutReaction sets the bot's reaction Reaction on message ReactTo.
	OutReaction OutKind = "reaction"
	// OutSetCommands sets the chat's command menu (BotCommandScopeChat) in
	// Language, or deletes it when Commands is empty.
	OutSetCommands OutKind = "set_commands"
	OutPinMessage  OutKind = "pin_message" // pins EditMessageID (or EditOutboxID's message)
)

// RateLimited tells whether Telegram counts this call against its message
// limits: answering a button press, reacting and setting the command menu
// post nothing in the chat. Topic changes post a service message.
func (k OutKind) RateLimited() bool {
	return k != OutAnswerCallback && k != OutReaction && k != OutSetCommands
}

// Command is one entry of a command menu.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// ChatRequest asks, with a keyboard button in a private chat, for a group
// in which the bot is an administrator with the rights to run a work
// group; Telegram adds or promotes the bot as the person picks it.
type ChatRequest struct {
	RequestID int32  `json:"request_id"`
	Button    string `json:"button"`
}

// Button is one inline keyboard button: Data for a callback, or URL.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data,omitempty"`
	URL  string `json:"url,omitempty"`
	// WebApp opens a Mini App (the board) at this HTTPS address, signed in
	// by Telegram; private chats only.
	WebApp string `json:"web_app,omitempty"`
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
	// File is the photo or document to send. Enqueue stores it as a blob
	// and clears it; the dispatcher loads it back for the call. Payloads
	// queued before blobs existed still carry it.
	File []byte `json:"file,omitempty"`
	// Deferred, instead of File, names a file drawn just before the call,
	// outside any transaction: one too large to draw in the transaction
	// that decides to send it, which would hold the database meanwhile.
	Deferred *DeferredFile `json:"deferred,omitempty"`
	// MessageThreadID is the forum topic a message goes to, or the topic
	// a topic call changes; ThreadOutboxID names the topic by the outbox
	// row that creates it, for a topic whose thread id is not known yet
	// when the message is queued.
	MessageThreadID int  `json:"thread_id,omitempty"`
	ThreadOutboxID  uint `json:"thread_outbox_id,omitempty"`
	// Silent sends without a notification.
	Silent bool `json:"silent,omitempty"`
	// ProtectContent keeps the message from being forwarded or saved.
	ProtectContent bool `json:"protect_content,omitempty"`
	// TopicName names a topic to create or rename.
	TopicName string `json:"topic_name,omitempty"`
	// Reaction is the emoji to react with to message ReactTo.
	Reaction string `json:"reaction,omitempty"`
	ReactTo  int    `json:"react_to,omitempty"`
	// Commands and Language are a chat's command menu (OutSetCommands).
	Commands []Command `json:"commands,omitempty"`
	Language string    `json:"language,omitempty"`
	// RequestChat replaces the keyboard with a button asking for a group;
	// RemoveKeyboard takes such a keyboard away.
	RequestChat    *ChatRequest `json:"request_chat,omitempty"`
	RemoveKeyboard bool         `json:"remove_keyboard,omitempty"`
	// RequestLocation replaces the keyboard with a button sending the
	// person's location, and a button to go on without one.
	RequestLocation *LocationRequest `json:"request_location,omitempty"`
	RequestUsers    *UsersRequest    `json:"request_users,omitempty"` // a keyboard asking for a person
}

// LocationRequest is the two buttons of a keyboard asking for a location:
// Button sends it, Skip is the text of going on without.
type LocationRequest struct {
	Button string `json:"button"`
	Skip   string `json:"skip"`
}

// DeferredFile names a file the dispatcher has drawn before the call (see
// outbox.Options.Draw).
type DeferredFile struct {
	// Kind is what to draw: DeferredLedger.
	Kind string `json:"kind"`
	// Lang and Location are the reader's language and time zone.
	Lang     string `json:"lang,omitempty"`
	Location string `json:"location,omitempty"`
	// ID names the record drawn, for kinds that draw one (a commitment).
	ID uint `json:"id,omitempty"`
}

// DeferredLedger is the exported ledger, as it stands when drawn.
const DeferredLedger = "ledger"

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
// The message is interactive: it answers what a person just did.
func Enqueue(tx *gorm.DB, key string, chatID int64, kind OutKind, out Outgoing) error {
	return EnqueueRef(tx, key, chatID, kind, out, MessageRef{})
}

// EnqueueBulk is Enqueue for a message nobody is waiting for (a round's
// reminder, summary or digest): it goes after the interactive ones.
func EnqueueBulk(tx *gorm.DB, key string, chatID int64, kind OutKind, out Outgoing) error {
	return EnqueueRef(tx, key, chatID, kind, out, MessageRef{Bulk: true})
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
// read in context, and whether anyone is waiting for it.
type MessageRef struct {
	Purpose  string
	TaskID   *uint
	ReportID *uint
	// Bulk marks a message written by a scheduled round rather than in
	// answer to a person: interactive messages are claimed first.
	Bulk bool
}

// Priorities of outbox messages; the lower goes first.
const (
	PriorityInteractive = 0
	PriorityBulk        = 1
)

// EnqueueRef is Enqueue for a message people may reply to. A file in out
// is stored once as a blob (see PutBlob) and the payload keeps only its
// name: render it before the transaction, which then holds no more than
// the insert.
func EnqueueRef(tx *gorm.DB, key string, chatID int64, kind OutKind, out Outgoing, ref MessageRef) error {
	if d := deferredOf(tx); d != nil && !(kind == OutEditText && ref.Purpose != "") {
		return d.Add(key, chatID, kind, out, ref)
	}
	var q OutboxBatch
	if err := q.Add(key, chatID, kind, out, ref); err != nil {
		return err
	}
	_, err := q.Flush(tx)
	return err
}

// OutboxBatch gathers the messages a transaction queues and writes them
// with one statement per outboxChunk instead of one per message: a round
// of thousands of reminders spent most of its time in single-row inserts.
// Written together, the messages are queued exactly as if each had been
// queued with EnqueueRef in the order added.
type OutboxBatch struct {
	rows  []OutboxMessage
	files map[int][]byte
	// shared is what each look added by AddShared rendered.
	shared map[any]sharedPayload
	// retain keeps the rows written, and written counts them, for a
	// Rollback of a batch that DeferOutbox gave (see there).
	retain  bool
	written int
}

type sharedPayload struct {
	payload string
	file    []byte
	editID  int
}

// Add keeps a message to be written by Flush (see EnqueueRef).
func (q *OutboxBatch) Add(key string, chatID int64, kind OutKind, out Outgoing, ref MessageRef) error {
	_, err := q.addOutgoing(key, chatID, kind, out, ref)
	return err
}

// AddShared is Add for a message that reads the same in many chats of the
// batch, such as a task's reminder to each of its attendants: render is
// called for the first message of each look, and the others take its
// payload as it was rendered and encoded then. look is comparable and
// stands for everything render reads; Flush forgets it.
func (q *OutboxBatch) AddShared(look any, key string, chatID int64, kind OutKind, ref MessageRef, render func() (Outgoing, error)) error {
	if p, ok := q.shared[look]; ok {
		q.add(key, chatID, kind, p, ref)
		return nil
	}
	out, err := render()
	if err != nil {
		return err
	}
	p, err := q.addOutgoing(key, chatID, kind, out, ref)
	if err != nil {
		return err
	}
	if q.shared == nil {
		q.shared = map[any]sharedPayload{}
	}
	q.shared[look] = p
	return nil
}

func (q *OutboxBatch) addOutgoing(key string, chatID int64, kind OutKind, out Outgoing, ref MessageRef) (sharedPayload, error) {
	p := sharedPayload{file: out.File, editID: out.EditMessageID}
	out.File = nil
	payload, err := json.Marshal(out)
	if err != nil {
		return p, fmt.Errorf("enqueue %s: %w", key, err)
	}
	p.payload = string(payload)
	q.add(key, chatID, kind, p, ref)
	return p, nil
}

func (q *OutboxBatch) add(key string, chatID int64, kind OutKind, p sharedPayload, ref MessageRef) {
	row := OutboxMessage{
		IdemKey:  key,
		ChatID:   chatID,
		Kind:     kind,
		State:    OutboxPending,
		Purpose:  ref.Purpose,
		TaskID:   ref.TaskID,
		ReportID: ref.ReportID,
		Payload:  p.payload,
	}
	if ref.Bulk {
		row.Priority = PriorityBulk
	}
	if kind == OutEditText && ref.Purpose != "" {
		// An edit that gives a known message a new purpose speaks for it
		// from the moment it is decided: a reply to the message that
		// comes before the edit is made must be read in its new context.
		row.TelegramMessageID = p.editID
	}
	if len(p.file) > 0 {
		if q.files == nil {
			q.files = map[int][]byte{}
		}
		q.files[len(q.rows)] = p.file
	}
	q.rows = append(q.rows, row)
}

// Len is the number of messages waiting for Flush.
func (q *OutboxBatch) Len() int { return len(q.rows) - q.written }

// outboxChunk bounds the messages one insert writes, and so the size of
// its one parameter.
const outboxChunk = 1000

// Flush writes the messages added since the last Flush inside tx, and
// returns how many were new (a key already used is a no-op).
func (q *OutboxBatch) Flush(tx *gorm.DB) (int, error) {
	if d := deferredOf(tx); d != nil && d != q {
		// Messages deferred earlier in tx go first, as decided.
		if _, err := d.Flush(tx); err != nil {
			return 0, err
		}
	}
	first := q.written
	rows, files := q.rows[first:], q.files
	if q.retain {
		q.written, q.shared = len(q.rows), nil
	} else {
		q.rows, q.files, q.shared = nil, nil, nil
	}
	for i, data := range files {
		if i < first {
			continue
		}
		id, err := PutBlob(tx, data)
		if err != nil {
			return 0, fmt.Errorf("enqueue %s: %w", rows[i-first].IdemKey, err)
		}
		rows[i-first].BlobID = &id
	}
	// A key added twice is queued once, the first time, as EnqueueRef
	// would.
	seen := make(map[string]bool, len(rows))
	kept := make([]OutboxMessage, 0, len(rows))
	for _, r := range rows {
		if !seen[r.IdemKey] {
			seen[r.IdemKey] = true
			kept = append(kept, r)
		}
	}
	n := 0
	for chunk := range slices.Chunk(kept, outboxChunk) {
		k, err := insertOutbox(tx, chunk)
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// insertOutbox writes rows, in order, taking each chat's turn as
// takeTurns says: the first row of a chat that has no head heads it, at
// the highest priority queued for the chat in rows.
func insertOutbox(tx *gorm.DB, rows []OutboxMessage) (int, error) {
	what := func() string {
		if len(rows) == 1 {
			return "enqueue " + rows[0].IdemKey
		}
		return fmt.Sprintf("enqueue %d messages from %s", len(rows), rows[0].IdemKey)
	}
	top := map[int64]int{} // chat → highest priority (lowest number) in rows
	var chats []int64
	for _, r := range rows {
		p, ok := top[r.ChatID]
		if !ok {
			chats = append(chats, r.ChatID)
			top[r.ChatID] = r.Priority
		} else if r.Priority < p {
			top[r.ChatID] = r.Priority
		}
	}
	heads, err := takeTurns(tx, chats, top)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what(), err)
	}
	type value struct {
		N        int     `json:"n"`
		Key      string  `json:"k"`
		Chat     int64   `json:"c"`
		Kind     OutKind `json:"kind"`
		Payload  string  `json:"p"`
		Purpose  string  `json:"pu"`
		Task     *uint   `json:"t"`
		Report   *uint   `json:"r"`
		Priority int     `json:"pr"`
		Head     bool    `json:"h"`
		TgID     int     `json:"tm"`
		Blob     *uint   `json:"b"`
	}
	values := make([]value, len(rows))
	for i, r := range rows {
		v := value{N: i, Key: r.IdemKey, Chat: r.ChatID, Kind: r.Kind, Payload: r.Payload, Purpose: r.Purpose,
			Task: r.TaskID, Report: r.ReportID, Priority: r.Priority, TgID: r.TelegramMessageID, Blob: r.BlobID}
		if heads[r.ChatID] {
			v.Head, v.Priority = true, top[r.ChatID]
			heads[r.ChatID] = false // later rows of the chat queue behind it
		}
		values[i] = v
	}
	list, err := json.Marshal(values)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what(), err)
	}
	// The rows come as one JSON parameter: the statement is the same
	// whatever their number, and far from either store's limit of bound
	// parameters. Ids follow the order of n, which is the order added.
	var stmt string
	if tx.Dialector.Name() == "postgres" {
		stmt = `INSERT INTO outbox_messages (idem_key, chat_id, kind, payload, state, next_attempt_at, purpose, task_id, report_id,
  priority, head, telegram_message_id, blob_id, created_at)
SELECT v.k, v.c, v.kind, v.p, ?, ?, v.pu, v.t, v.r, v.pr, v.h, v.tm, v.b, ?
FROM jsonb_to_recordset(CAST(? AS jsonb)) AS v(n int, k text, c bigint, kind text, p text, pu text, t bigint, r bigint,
  pr smallint, h boolean, tm bigint, b bigint)
ORDER BY v.n
ON CONFLICT (idem_key) DO NOTHING
RETURNING id, chat_id, head`
	} else {
		// WHERE true tells SQLite's parser that ON starts the upsert.
		stmt = `INSERT INTO outbox_messages (idem_key, chat_id, kind, payload, state, next_attempt_at, purpose, task_id, report_id,
  priority, head, telegram_message_id, blob_id, created_at)
SELECT value ->> 'k', value ->> 'c', value ->> 'kind', value ->> 'p', ?, ?, value ->> 'pu', value ->> 't', value ->> 'r',
  value ->> 'pr', value ->> 'h', value ->> 'tm', value ->> 'b', ?
FROM json_each(?) WHERE true
ORDER BY value ->> 'n'
ON CONFLICT (idem_key) DO NOTHING
RETURNING id, chat_id, head`
	}
	now := tx.NowFunc()
	var written []struct {
		ID     uint
		ChatID int64
		Head   bool
	}
	err = eachRow(tx, func(r *sql.Rows) error {
		var w struct {
			ID     uint
			ChatID int64
			Head   bool
		}
		err := r.Scan(&w.ID, &w.ChatID, &w.Head)
		written = append(written, w)
		return err
	}, stmt, OutboxPending, now, now, string(list))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what(), err)
	}
	if len(written) == len(rows) {
		return len(written), nil
	}
	// A row whose key was already used is not written. If it was to head
	// its chat, the chat's first row written heads it instead, as it would
	// have had each row been queued alone.
	first := map[int64]uint{}
	headed := map[int64]bool{}
	for _, w := range written {
		if id, ok := first[w.ChatID]; !ok || w.ID < id {
			first[w.ChatID] = w.ID
		}
		headed[w.ChatID] = headed[w.ChatID] || w.Head
	}
	var promote []uint
	for _, v := range values {
		if v.Head && !headed[v.Chat] && first[v.Chat] != 0 {
			promote = append(promote, first[v.Chat])
			headed[v.Chat] = true
		}
	}
	if len(promote) > 0 {
		err := tx.Exec(`UPDATE outbox_messages SET head = true, priority = (SELECT MIN(p.priority) FROM outbox_messages p
  WHERE p.chat_id = outbox_messages.chat_id AND p.state = ?) WHERE id IN ?`, OutboxPending, promote).Error
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what(), err)
		}
	}
	return len(written), nil
}

// takeTurns tells, for each of chats, whether a message queued now to it
// heads its queue, and raises a waiting head to the priority top gives the
// chat: an interactive message cannot overtake its chat's earlier ones, so
// its chat goes first instead.
//
// On PostgreSQL the heads found are locked FOR KEY SHARE until tx ends.
// The claim that promotes the next head locks a finished head FOR UPDATE
// SKIP LOCKED, so it waits for this transaction and then sees the new
// messages; without the lock, a head finished and promoted meanwhile would
// leave a new message behind no head, never to be claimed. KEY SHARE does
// not hold up the claim, call and outcome writes of the head itself.
func takeTurns(tx *gorm.DB, chats []int64, top map[int64]int) (map[int64]bool, error) {
	postgres := tx.Dialector.Name() == "postgres"
	lock := ""
	if postgres {
		lock = " FOR KEY SHARE"
	}
	turn := make(map[int64]bool, len(chats))
	raise := map[int][]uint{} // priority → heads raised to it
	look := chats
	for range 3 {
		var heads []struct {
			ID       uint
			ChatID   int64
			State    OutboxState
			Priority int
		}
		err := eachRow(tx, func(r *sql.Rows) error {
			var h struct {
				ID       uint
				ChatID   int64
				State    OutboxState
				Priority int
			}
			err := r.Scan(&h.ID, &h.ChatID, &h.State, &h.Priority)
			heads = append(heads, h)
			return err
		}, `SELECT id, chat_id, state, priority FROM outbox_messages WHERE head AND ? ORDER BY id`+lock, ChatsIn("chat_id", look))
		if err != nil {
			return nil, fmt.Errorf("find the heads of %d chats: %w", len(look), err)
		}
		found := make(map[int64]bool, len(heads))
		for _, h := range heads {
			if found[h.ChatID] {
				continue // a second head waits its turn behind the first
			}
			found[h.ChatID] = true
			if h.State == OutboxPending && top[h.ChatID] < h.Priority {
				raise[top[h.ChatID]] = append(raise[top[h.ChatID]], h.ID)
			}
		}
		var none []int64
		for _, c := range look {
			if !found[c] {
				none = append(none, c)
			}
		}
		if len(none) == 0 || !postgres {
			// One writer on SQLite: no head means an empty queue.
			for _, c := range none {
				turn[c] = true
			}
			look = nil
			break
		}
		// No head: the queue is empty, or its head was promoted while this
		// waited for its lock. A fresh statement sees which.
		var waiting []int64
		err = tx.Raw(`SELECT DISTINCT chat_id FROM outbox_messages WHERE ? AND state IN (?, ?)`, ChatsIn("chat_id", none), OutboxPending, OutboxSending).
			Scan(&waiting).Error
		if err != nil {
			return nil, fmt.Errorf("look at the queues of %d chats: %w", len(none), err)
		}
		busy := make(map[int64]bool, len(waiting))
		for _, c := range waiting {
			busy[c] = true
		}
		look = nil
		for _, c := range none {
			if busy[c] {
				look = append(look, c)
			} else {
				turn[c] = true
			}
		}
		if len(look) == 0 {
			break
		}
	}
	// Heads promoted three times over while this looked: take the turn
	// anyway. The claim never takes a head with an older unfinished message
	// in its chat, so a second head waits its turn.
	for _, c := range look {
		turn[c] = true
	}
	for p, ids := range raise {
		if err := tx.Exec(`UPDATE outbox_messages SET priority = ? WHERE id IN ?`, p, ids).Error; err != nil {
			return nil, fmt.Errorf("raise the heads of %d chats: %w", len(ids), err)
		}
	}
	return turn, nil
}

// EnqueueRefID is EnqueueRef that returns the id of the row holding the
// message, for rows that name it (a topic's, an edited message's).
func EnqueueRefID(tx *gorm.DB, key string, chatID int64, kind OutKind, out Outgoing, ref MessageRef) (uint, error) {
	if err := EnqueueRef(tx, key, chatID, kind, out, ref); err != nil {
		return 0, err
	}
	if err := settleDeferred(tx); err != nil {
		return 0, err
	}
	var id uint
	if err := tx.Model(&OutboxMessage{}).Select("id").Where("idem_key = ?", key).Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("find outbox row %s: %w", key, err)
	}
	return id, nil
}

// EnqueueLatest queues a call of which only the latest matters, such as an
// edit of one message: a call of the same family (idempotency keys
// starting with family) still waiting in the chat's queue takes the new
// content instead of a second call. Each call in a group costs one of its
// 20 messages a minute.
func EnqueueLatest(tx *gorm.DB, family, key string, chatID int64, kind OutKind, out Outgoing, ref MessageRef) error {
	payload, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", key, err)
	}
	if err := settleDeferred(tx); err != nil {
		return err
	}
	res := tx.Model(&OutboxMessage{}).Where("chat_id = ? AND state = ? AND kind = ? AND idem_key LIKE ?",
		chatID, OutboxPending, kind, family+"%").Update("payload", string(payload))
	if res.Error != nil {
		return fmt.Errorf("enqueue %s: %w", key, res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	return EnqueueRef(tx, key, chatID, kind, out, ref)
}

// PutBlob stores data once, keyed by its SHA-256, and returns its id; the
// same bytes queued again (an unchanged chart) reuse the stored blob and
// only mark it used now, which keeps it from being pruned.
func PutBlob(tx *gorm.DB, data []byte) (uint, error) {
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	now := tx.NowFunc()
	res := tx.Model(&Blob{}).Where("sha256 = ?", hash).Update("used_at", now)
	if res.Error != nil {
		return 0, fmt.Errorf("store blob %s: %w", hash[:12], res.Error)
	}
	if res.RowsAffected == 0 {
		b := Blob{SHA256: hash, Size: int64(len(data)), Data: data, UsedAt: &now}
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "sha256"}},
			DoUpdates: clause.AssignmentColumns([]string{"used_at"})}).Create(&b).Error
		if err != nil {
			return 0, fmt.Errorf("store blob %s: %w", hash[:12], err)
		}
	}
	var id uint
	if err := tx.Model(&Blob{}).Select("id").Where("sha256 = ?", hash).Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("store blob %s: %w", hash[:12], err)
	}
	return id, nil
}

// LoadOutgoing decodes m's payload and loads its file, if it has one.
func (s *Store) LoadOutgoing(ctx context.Context, m *OutboxMessage) (Outgoing, error) {
	out, err := m.Outgoing()
	if err != nil || m.BlobID == nil {
		return out, err
	}
	if out.File, err = s.BlobData(ctx, *m.BlobID); err != nil {
		return out, fmt.Errorf("outbox message %d: %w", m.ID, err)
	}
	return out, nil
}

// BlobData loads the bytes of a stored blob.
func (s *Store) BlobData(ctx context.Context, id uint) ([]byte, error) {
	var b Blob
	if err := s.DB.WithContext(ctx).Take(&b, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("blob %d", id))
	}
	return b.Data, nil
}

// ErrLostClaim refuses an outcome write whose claim no longer holds: the
// message was given back (its claimant was taken for dead, or its lease ran
// out) and may belong to another claimant now. Such a write is never
// applied.
var ErrLostClaim = errors.New("outbox claim lost")

// ClaimOutbox takes up to limit messages that are due, at most one per chat
// — the oldest unsent one, so that a chat's messages go out in order —
// interactive chats first, for the instance by, under a fresh claim token.
// A message whose lease ran out is due again: its claimant is alive but
// stuck, and if it had started the call, the outcome is unknown. Claiming
// is not attempting: Attempts and AttemptedAt change only in
// MarkAttempting.
//
// Only the chats' heads are read, through a partial index in claim order,
// so a claim costs the same whatever the backlog behind them. First the
// heads finished since the last claim hand their turn on to the next
// message of their chat.
func (s *Store) ClaimOutbox(ctx context.Context, by string, limit int, lease time.Duration) ([]OutboxMessage, error) {
	now := s.Now()
	token, err := newClaimToken()
	if err != nil {
		return nil, err
	}
	until := now.Add(lease)
	var claimed []OutboxMessage
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		if err := s.promoteHeads(tx); err != nil {
			return err
		}
		if s.Dialect == Postgres {
			claimed, err = claimPostgres(tx, by, token, limit, now, until)
			return err
		}
		claimed, err = claimSQLite(tx, limit, now)
		if err != nil || len(claimed) == 0 {
			return err
		}
		ids := make([]uint, len(claimed))
		for i := range claimed {
			ids[i] = claimed[i].ID
		}
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
	for i := range claimed {
		claimed[i].State = OutboxSending
		claimed[i].Claim, claimed[i].ClaimedBy = token, by
		claimed[i].LeaseUntil, claimed[i].AttemptedAt = &until, nil
	}
	return claimed, nil
}

// The heads a claim takes, as conditions on the head o: those whose lease
// ran out, then those due. A chat's oldest unfinished message, even one
// claimed by a second head, keeps the rest of the chat waiting.
//
// claimFirst looks for that older message with a scalar subquery rather
// than NOT EXISTS: PostgreSQL turns NOT EXISTS into an anti-join planned
// from what it knows of the table, and a round of thousands queued into a
// quiet outbox meets plans made for an empty one (the claim is prepared,
// and its generic plan kept) or no statistics at all. The anti-join then
// scanned the whole queue index once per head, with the chat as a mere
// filter: a claim of a hundred heads of a 5,000-message round read 500,000
// index entries and took up to 150 ms, while the calls waited for it. A
// scalar subquery is never made a join: it is one index lookup by chat per
// head read, however the table looked when the plan was made.
const (
	claimExpired = `o.head AND o.state = 'sending' AND o.lease_until < @now`
	claimDue     = `o.head AND o.state = 'pending' AND o.next_attempt_at <= @now`
	claimFirst   = ` AND (SELECT e.id FROM outbox_messages e
  WHERE e.chat_id = o.chat_id AND e.state IN ('pending', 'sending') AND e.id < o.id LIMIT 1) IS NULL`
)

// claimPostgres claims in one statement: each round trip of a claim is
// time the dispatcher's next messages wait for, and on a busy machine it is
// the database's scheduling, not its work, that makes a round trip long.
// The heads are locked as they are read, skipping those another claim or
// a queueing transaction holds (see claimLock), and returned in claim
// order.
func claimPostgres(tx *gorm.DB, by, token string, limit int, now, until time.Time) ([]OutboxMessage, error) {
	var claimed []OutboxMessage
	err := tx.Raw(claimPostgresSQL,
		map[string]any{"now": now, "limit": limit, "until": until, "token": token, "by": by}).Scan(&claimed).Error
	return claimed, err
}

const claimPostgresSQL = `WITH expired AS (SELECT o.id, o.priority FROM outbox_messages o
  WHERE ` + claimExpired + claimFirst + `
  ORDER BY o.priority, o.id LIMIT @limit` + claimLock + `),
due AS (SELECT o.id, o.priority FROM outbox_messages o
  WHERE ` + claimDue + claimFirst + `
  ORDER BY o.priority, o.id LIMIT @limit - (SELECT COUNT(*) FROM expired)` + claimLock + `),
heads AS (SELECT id, 0 AS k, priority FROM expired UNION ALL SELECT id, 1, priority FROM due),
taken AS (UPDATE outbox_messages AS u SET state = 'sending', lease_until = @until, claim = @token, claimed_by = @by,
  attempted_at = NULL WHERE u.id = ANY (ARRAY(SELECT id FROM heads)) RETURNING u.*)
SELECT taken.* FROM taken JOIN heads USING (id) ORDER BY heads.k, heads.priority, heads.id`

// claimSQLite reads the heads to claim; the one writer needs no locks.
func claimSQLite(tx *gorm.DB, limit int, now time.Time) ([]OutboxMessage, error) {
	// SQLite's planner prefers idx_outbox_due, which holds the whole
	// backlog.
	const from = `SELECT o.* FROM outbox_messages o INDEXED BY idx_outbox_head WHERE `
	var claimed []OutboxMessage
	err := tx.Raw(from+claimExpired+claimFirst+` ORDER BY o.priority, o.id LIMIT @limit`,
		map[string]any{"now": now, "limit": limit}).Scan(&claimed).Error
	if err != nil || len(claimed) >= limit {
		return claimed, err
	}
	var due []OutboxMessage
	err = tx.Raw(from+claimDue+claimFirst+` ORDER BY o.priority, o.id LIMIT @limit`,
		map[string]any{"now": now, "limit": limit - len(claimed)}).Scan(&due).Error
	return append(claimed, due...), err
}

// promoteBatch bounds the heads handed on in one claim; more wait for the
// next.
const promoteBatch = 2000

// promoteHeads hands the turn of every finished head to the oldest
// unfinished message of its chat, if any, raised to the highest priority
// queued in the chat. A head locked by a transaction queueing behind it is
// skipped (see takeTurn) and handed on by a later claim. A head sent by the
// dispatcher has usually handed its turn on already (MarkSentAll): what is
// left here are the heads given up, and those a queueing transaction held.
//
// The next heads are found by a statement of their own, after the finished
// ones are locked: its fresh snapshot sees the messages of a queueing
// transaction that committed while the lock was taken.
//
// On PostgreSQL the finished heads are gathered into an array, read once,
// rather than matched by IN: without the table's statistics (a round
// queued into a new or quiet table) the planner made the IN a semi-join
// that ran the locking subquery again for every message in the table, a
// second or more for a 5,000-message round, while no call could start.
func (s *Store) promoteHeads(tx *gorm.DB) error {
	var chats []int64
	err := tx.Raw(promoteHeadsSQL(s.Dialect), OutboxSent, OutboxFailed, promoteBatch).Scan(&chats).Error
	if err != nil {
		return fmt.Errorf("hand on finished heads: %w", err)
	}
	return s.promoteNext(tx, chats)
}

// promoteHeadsSQL hands on the finished heads and returns their chats;
// its parameters are the two finished states and the batch size.
func promoteHeadsSQL(d Dialect) string {
	const finished = `SELECT id FROM outbox_messages WHERE head AND state IN (?, ?) LIMIT ?`
	if d == Postgres {
		return `UPDATE outbox_messages SET head = false WHERE id = ANY (ARRAY(` + finished + ` FOR UPDATE SKIP LOCKED)) RETURNING chat_id`
	}
	return `UPDATE outbox_messages SET head = false WHERE id IN (` + finished + `) RETURNING chat_id`
}

// promoteNext makes the oldest unfinished message of each of chats, whose
// heads were just handed on in tx, its chat's head, raised to the highest
// priority queued in the chat. It must run as a statement of its own after
// the heads were locked and handed on (see promoteHeads).
func (s *Store) promoteNext(tx *gorm.DB, chats []int64) error {
	if len(chats) == 0 {
		return nil
	}
	// The chats come as one JSON parameter, so that the statement is the
	// same whatever their number: pgx prepares each new statement text on
	// each connection, a round trip more.
	list, err := json.Marshal(chats)
	if err != nil {
		return fmt.Errorf("promote next heads: %w", err)
	}
	chatList := `SELECT value FROM json_each(?)`
	if s.Dialect == Postgres {
		chatList = `SELECT CAST(value AS bigint) FROM jsonb_array_elements_text(CAST(? AS jsonb))`
	}
	err = tx.Exec(`UPDATE outbox_messages SET head = true, priority = (SELECT MIN(p.priority) FROM outbox_messages p
  WHERE p.chat_id = outbox_messages.chat_id AND p.state IN (?, ?))
WHERE id IN (SELECT MIN(id) FROM outbox_messages WHERE chat_id IN (`+chatList+`) AND state IN (?, ?) GROUP BY chat_id)`,
		OutboxPending, OutboxSending, string(list), OutboxPending, OutboxSending).Error
	if err != nil {
		return fmt.Errorf("promote next heads: %w", err)
	}
	return nil
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

// claimLock lets several PostgreSQL dispatchers claim side by side; SQLite
// has a single writer and no such clause. NO KEY UPDATE does not conflict
// with the KEY SHARE lock a transaction queueing behind a head holds on it.
const claimLock = ` FOR NO KEY UPDATE OF o SKIP LOCKED`

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

// ClaimMark names a claimed message for an outcome write, and for a sent
// one the id Telegram gave it.
type ClaimMark struct {
	ID         uint   `json:"id"`
	Claim      string `json:"claim"`
	TelegramID int    `json:"tid"`
}

// MarkAttempting records, under the claim, that the message's call is about
// to start. From here on its outcome is unknown until recorded, and the
// attempt counts.
func (s *Store) MarkAttempting(ctx context.Context, id uint, claim string) error {
	lost, err := s.MarkAttemptingAll(ctx, []ClaimMark{{ID: id, Claim: claim}})
	return fencedOne(lost, err, id, "mark attempting")
}

// MarkSent records a delivered message and the id Telegram gave it.
func (s *Store) MarkSent(ctx context.Context, id uint, claim string, telegramMessageID int) error {
	lost, err := s.MarkSentAll(ctx, []ClaimMark{{ID: id, Claim: claim, TelegramID: telegramMessageID}})
	return fencedOne(lost, err, id, "mark sent")
}

// MarkAttemptingAll is MarkAttempting for many messages in one statement:
// at hundreds of messages a second, a round trip per message would cap
// delivery. It returns the ids whose claims were lost, which it left alone.
func (s *Store) MarkAttemptingAll(ctx context.Context, marks []ClaimMark) (lost []uint, err error) {
	marked, err := s.markClaimed(s.DB.WithContext(ctx), marks, `attempted_at = @now, attempts = attempts + 1`, false)
	if err != nil {
		return nil, fmt.Errorf("mark attempting %d outbox messages: %w", len(marks), err)
	}
	return lostMarks(marks, marked), nil
}

// MarkSentAll is MarkSent for many messages, like MarkAttemptingAll, and
// hands each sent head's turn on to the next message of its chat in the
// same transaction: in the row update that marks it sent rather than in one
// more update of its own at the next claim. Each update of a queued row
// writes a new version of it and of its index entries, and the claims,
// which the calls wait for, no longer spend their time handing on. A head
// held by a transaction queueing behind it is left to the claim, as
// promoteHeads leaves it.
func (s *Store) MarkSentAll(ctx context.Context, marks []ClaimMark) (lost []uint, err error) {
	if len(marks) == 0 {
		return nil, nil
	}
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		marked, err := s.markClaimed(tx, marks, `state = @sent, telegram_message_id = v.tid, sent_at = @now, last_error = '',
  lease_until = NULL, claim = '', claimed_by = ''`, true)
		if err != nil {
			return err
		}
		lost = lostMarks(marks, marked)
		var chats []int64
		for _, m := range marked {
			if !m.Head {
				chats = append(chats, m.ChatID)
			}
		}
		// A statement of its own: see promoteHeads.
		return s.promoteNext(tx, chats)
	})
	if err != nil {
		return nil, fmt.Errorf("mark sent %d outbox messages: %w", len(marks), err)
	}
	return lost, nil
}

// markedRow is a message an outcome mark applied to, as the mark left it.
type markedRow struct {
	ID     uint
	ChatID int64
	Head   bool
}

// markClaimed applies set to the messages of marks whose claims hold, as
// claimed does for one, with the marks passed as one JSON parameter so that
// the statement is the same, and prepared once, whatever their number. With
// handOn, the heads among them also give up their turn, except on
// PostgreSQL those a queueing transaction holds (see takeTurns): only the
// heads locked here, which no such transaction holds, are handed on, and
// the caller promotes their successors in a statement of its own.
func (s *Store) markClaimed(tx *gorm.DB, marks []ClaimMark, set string, handOn bool) ([]markedRow, error) {
	if len(marks) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(marks)
	if err != nil {
		return nil, err
	}
	args := map[string]any{"marks": string(list), "now": s.Now(), "sent": OutboxSent, "sending": OutboxSending}
	const held = `o.id = v.id AND o.claim = v.claim AND o.claim <> '' AND o.state = @sending`
	var stmt string
	if s.Dialect == Postgres {
		with, head := `WITH v AS (SELECT * FROM jsonb_to_recordset(CAST(@marks AS jsonb)) AS v(id bigint, claim text, tid bigint))`, ""
		if handOn {
			// FOR UPDATE waits for no one and is refused by the KEY SHARE
			// lock of a transaction queueing behind the head.
			with += `,
free AS (SELECT o.id FROM outbox_messages o JOIN v ON ` + held + ` AND o.head FOR UPDATE OF o SKIP LOCKED)`
			head = `, head = o.head AND o.id NOT IN (SELECT id FROM free)`
		}
		stmt = with + `
UPDATE outbox_messages AS o SET ` + set + head + `
FROM v WHERE ` + held + `
RETURNING o.id, o.chat_id, o.head`
	} else {
		// SQLite's RETURNING sees only the updated table, and not by its
		// alias. Left to itself, SQLite reads every message being sent
		// through idx_outbox_due and the list again for each: a batch of
		// hundreds took seconds. NOT INDEXED leaves it the marks' ids to
		// look up. Its one writer needs no locks: nothing queues behind a
		// head while this runs.
		head := ""
		if handOn {
			head = `, head = false`
		}
		stmt = `UPDATE outbox_messages AS o NOT INDEXED SET ` + set + head + `
FROM (SELECT value ->> 'id' AS id, value ->> 'claim' AS claim, value ->> 'tid' AS tid FROM json_each(@marks)) AS v
WHERE ` + held + `
RETURNING id, chat_id, head`
	}
	var marked []markedRow
	if err := tx.Raw(stmt, args).Scan(&marked).Error; err != nil {
		return nil, err
	}
	return marked, nil
}

// lostMarks names the marks that applied to no message: their claims were
// lost.
func lostMarks(marks []ClaimMark, marked []markedRow) []uint {
	if len(marked) == len(marks) {
		return nil
	}
	done := make(map[uint]bool, len(marked))
	for _, m := range marked {
		done[m.ID] = true
	}
	var lost []uint
	for _, m := range marks {
		if !done[m.ID] {
			lost = append(lost, m.ID)
		}
	}
	return lost
}

// fencedOne turns the lost claim of a one-message mark into ErrLostClaim.
func fencedOne(lost []uint, err error, id uint, what string) error {
	if err != nil {
		return err
	}
	if len(lost) > 0 {
		return fmt.Errorf("%s outbox message %d: %w", what, id, ErrLostClaim)
	}
	return nil
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

// PutBack returns a claimed message whose call was not made to the queue,
// due now. An attempt recorded for it is taken back: no call was made, so
// none counts, and no outcome is in doubt.
func (s *Store) PutBack(ctx context.Context, id uint, claim string, cause error) error {
	res := claimed(s.DB.WithContext(ctx), id, claim).Updates(released(map[string]any{
		"state":           OutboxPending,
		"next_attempt_at": s.Now(),
		"last_error":      truncate(cause.Error(), 2000),
		"attempts":        gorm.Expr("CASE WHEN attempted_at IS NULL THEN attempts ELSE attempts - 1 END"),
		"attempted_at":    nil,
	}))
	return fenced(res, id, "put back")
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
// outcome and is sent again (the one case the contract allows a duplicate),
// only when inDoubtToo.
func (s *Store) ReleaseDeadClaims(ctx context.Context, me string, ttl time.Duration, inDoubtToo bool) (unattempted, inDoubt int64, err error) {
	now := s.Now()
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		if err := s.boundLockWait(tx); err != nil {
			return err
		}
		live := tx.Model(&Instance{}).Select("id").Where("heartbeat_at >= ?", now.Add(-ttl))
		others := func() *gorm.DB {
			return tx.Model(&OutboxMessage{}).Where("state = ? AND claimed_by <> ? AND claimed_by NOT IN (?)", OutboxSending, me, live)
		}
		unattempted, inDoubt, err = releaseClaims(tx, others, inDoubtToo, now)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("release claims of dead instances: %w", err)
	}
	return unattempted, inDoubt, nil
}

// ReleaseNonLeaderClaims is called by the leader me: it gives back the
// claims other instances hold, left by an earlier leader (or taken by one
// that woke from a pause after its lease and found it deposed). Only a
// leader delivers, and a leader sends nothing once its lease could have run
// out, so no other instance will make a call for a claim it has not
// attempted yet: those go back at once. Attempted ones may still be in a
// call; they wait for their claimant's heartbeat to lapse
// (ReleaseDeadClaims) — except on SQLite, where one file is held by one
// process (HoldDatabase), so that any other claimant is a process that
// died.
func (s *Store) ReleaseNonLeaderClaims(ctx context.Context, me string) (unattempted, inDoubt int64, err error) {
	now := s.Now()
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		if err := s.boundLockWait(tx); err != nil {
			return err
		}
		others := func() *gorm.DB {
			return tx.Model(&OutboxMessage{}).Where("state = ? AND claimed_by <> ?", OutboxSending, me)
		}
		unattempted, inDoubt, err = releaseClaims(tx, others, s.Dialect == SQLite, now)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("release claims of other instances: %w", err)
	}
	return unattempted, inDoubt, nil
}

// ReleaseOwnClaims gives back the claims me holds and has not attempted.
// A dispatcher calls it as it starts, when no claim of its instance can be
// in its hands: those left by an earlier run that lost the lease, and took
// it again, would otherwise wait for their lease. Attempted ones have an
// unknown outcome and wait for it.
func (s *Store) ReleaseOwnClaims(ctx context.Context, me string) (int64, error) {
	res := s.DB.WithContext(ctx).Model(&OutboxMessage{}).Where("state = ? AND claimed_by = ? AND attempted_at IS NULL", OutboxSending, me).
		Updates(released(map[string]any{"state": OutboxPending}))
	if res.Error != nil {
		return 0, fmt.Errorf("release own claims: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// boundLockWait makes a release of others' claims give up after a moment
// on PostgreSQL when rows it would change are locked: an instance paused in
// the middle of a claim holds them until it wakes, and the new leader must
// not wait for it; the next sweep tries again.
func (s *Store) boundLockWait(tx *gorm.DB) error {
	if s.Dialect != Postgres {
		return nil
	}
	if err := tx.Exec("SET LOCAL lock_timeout = '2s'").Error; err != nil {
		return fmt.Errorf("bound lock wait: %w", err)
	}
	return nil
}

// releaseClaims puts the messages of claims back in the queue: those never
// attempted as they were, and with inDoubtToo the attempted ones, due now.
func releaseClaims(tx *gorm.DB, claims func() *gorm.DB, inDoubtToo bool, now time.Time) (unattempted, inDoubt int64, err error) {
	res := claims().Where("attempted_at IS NULL").Updates(released(map[string]any{"state": OutboxPending}))
	if res.Error != nil || !inDoubtToo {
		return res.RowsAffected, 0, res.Error
	}
	unattempted = res.RowsAffected
	res = claims().Where("attempted_at IS NOT NULL").Updates(released(map[string]any{
		"state":           OutboxPending,
		"next_attempt_at": now,
		"last_error":      "claimant died during the call; outcome unknown",
	}))
	return unattempted, res.RowsAffected, res.Error
}

// RequeueMigrated handles a message refused because its group became a
// supergroup (Telegram gave it the id to): in one transaction the message
// goes back to the queue for the new id, due now, and the work group and
// every message queued to the old id follow it (MigrateChat).
func (s *Store) RequeueMigrated(ctx context.Context, msg OutboxMessage, to int64, cause error) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		res := claimed(tx, msg.ID, msg.Claim).Updates(released(map[string]any{
			"state":           OutboxPending,
			"chat_id":         to,
			"next_attempt_at": s.Now(),
			"last_error":      truncate(cause.Error(), 2000),
		}))
		if err := fenced(res, msg.ID, "requeue migrated"); err != nil {
			return err
		}
		_, err := MigrateChat(tx, msg.ChatID, to)
		return err
	})
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

// SentMessage finds the bot's message a person replied to. An edit that
// gave the message a new purpose (a reminder turned into the
// acknowledgement of the report made from it) speaks for it from when it
// was decided, unless it failed; an edit without one only refreshed its
// text.
func SentMessage(tx *gorm.DB, chatID int64, telegramMessageID int) (*OutboxMessage, error) {
	// The few rows of one message are taken whole and the latest picked
	// here: asked to order them, SQLite spent several times the lookup.
	// "telegram_message_id <> 0", said in so many words, lets either store
	// read idx_outbox_chat_message, which holds only such rows (a generic
	// PostgreSQL plan, or SQLite, does not infer it from the bound id).
	var found []OutboxMessage
	err := eachRow(tx, func(rows *sql.Rows) error {
		var m OutboxMessage
		err := rows.Scan(&m.ID, &m.IdemKey, &m.ChatID, &m.Kind, &m.Payload, &m.State, &m.NextAttemptAt, &m.LeaseUntil, &m.Claim,
			&m.ClaimedBy, &m.AttemptedAt, &m.Attempts, &m.BlobID, &m.Priority, &m.Head, &m.LastError, &m.TelegramMessageID,
			&m.Purpose, &m.TaskID, &m.ReportID, &m.CreatedAt, &m.SentAt)
		found = append(found, m)
		return err
	}, `SELECT id, idem_key, chat_id, kind, payload, state, next_attempt_at, lease_until, claim, claimed_by, attempted_at, attempts,
  blob_id, priority, head, last_error, telegram_message_id, purpose, task_id, report_id, created_at, sent_at
FROM outbox_messages WHERE chat_id = ? AND telegram_message_id = ? AND telegram_message_id <> 0
AND ((state = ? AND kind IN ?) OR (kind = ? AND purpose <> '' AND state <> ?))`,
		chatID, telegramMessageID, OutboxSent, []OutKind{OutSendMessage, OutSendPhoto, OutSendDocument}, OutEditText, OutboxFailed)
	if err == nil && len(found) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("message %d in chat %d: %w", telegramMessageID, chatID, err)
	}
	latest := &found[0]
	for i := range found {
		if found[i].ID > latest.ID {
			latest = &found[i]
		}
	}
	return latest, nil
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

// pruneBatch bounds the rows one pruning transaction deletes, so that it
// never holds the database for long.
const pruneBatch = 5000

// PruneOutbox deletes the messages finished (sent or given up) before
// cutoff, and the blobs no message references any more and none queued
// since cutoff. A reply to a message pruned finds no context: cutoff is
// how far back replies are read in context. A finished head not yet handed
// on is kept for the claim that hands it on.
func (s *Store) PruneOutbox(ctx context.Context, cutoff time.Time) (messages, blobs int64, err error) {
	db := s.DB.WithContext(ctx)
	for {
		res := db.Exec(`DELETE FROM outbox_messages WHERE id IN (SELECT id FROM outbox_messages
  WHERE state IN (?, ?) AND NOT head AND COALESCE(sent_at, created_at) < ? LIMIT ?)`,
			OutboxSent, OutboxFailed, cutoff.UTC(), pruneBatch)
		if res.Error != nil {
			return messages, blobs, fmt.Errorf("prune outbox: %w", res.Error)
		}
		messages += res.RowsAffected
		if res.RowsAffected < pruneBatch {
			break
		}
	}
	// A blob used since cutoff is kept even unreferenced: the transaction
	// queueing it may not have committed yet.
	res := db.Exec(`DELETE FROM blobs WHERE COALESCE(used_at, created_at) < ?
  AND NOT EXISTS (SELECT 1 FROM outbox_messages o WHERE o.blob_id = blobs.id)`, cutoff.UTC())
	if res.Error != nil {
		return messages, 0, fmt.Errorf("prune blobs: %w", res.Error)
	}
	return messages, res.RowsAffected, nil
}
