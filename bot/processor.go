package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/watchdog"
)

// Processor handles stored updates in the order they were received. Each
// update's effects, its answers in the outbox and its "done" mark commit in
// one transaction: a crash before the commit leaves the update pending and
// it is handled again from scratch; a crash after it leaves nothing to do.
//
// An update whose handling fails is tried again after growing delays
// (Retry), then set aside as failed for `taskbot inbox`. Its sender hears
// once that the message is delayed, and again when it is recorded.
//
// Order within a chat matters more than speed: a report, then its
// correction, or a button flow's steps, mean something else when swapped.
// So while an update waits for a retry, the later updates of its chat wait
// behind it — for no longer than its retries, after which it is set aside
// and they go on. Other chats never wait for it.
type Processor struct {
	Store   *models.Store
	Handler UpdateHandler
	// Catalog words what the sender of a delayed update is told.
	Catalog *Catalog
	Logger  *slog.Logger
	// Retry is how a failing update is tried again
	// (models.DefaultInboxRetry when zero).
	Retry models.InboxRetry
	// PollInterval bounds how long a stored update waits when no wake-up
	// arrives: another instance stored it, or its failure could not even be
	// recorded.
	PollInterval time.Duration
	// IdlePoll, when longer than PollInterval, is the wait once the inbox
	// is drained and nothing failed unrecorded: for a process that stores
	// every update itself (long polling), whose wake-ups and retry timers
	// cover what it waits for. What another process puts back (taskbot inbox
	// retry, the retries a former leader recorded) waits up to IdlePoll.
	IdlePoll time.Duration
	// Handled is called after each committed update, to wake the outbox.
	Handled func()
	// Watch, when set, is told of the processor's progress (watchdog).
	Watch *watchdog.Part

	once  sync.Once
	wake  chan struct{}
	waits map[uint]int // touched only by the goroutine that processes
	// unsettled is set when a failure could not be recorded: the update
	// stays due, and the next look comes after PollInterval, not IdlePoll.
	unsettled atomic.Bool
}

// Preparer is an UpdateHandler that reads what an update needs from
// Telegram before the transaction that handles it: a call to Telegram
// inside it would hold the database (SQLite's one writer) on the network.
// What it read travels in the context it returns; an error makes the
// update fail and wait for its retry.
type Preparer interface {
	Prepare(ctx context.Context, upd *tgmodels.Update) (context.Context, error)
}

// UpdateHandler applies one update inside the transaction that marks it done.
type UpdateHandler interface {
	// inboxID is the update's row in the inbox: unlike Telegram's update
	// id, which restarts after a week without updates, it never repeats,
	// so answers keyed by it are never taken for an old update's.
	Handle(ctx context.Context, tx *gorm.DB, inboxID uint, upd *tgmodels.Update) error
}

// Wake makes Run look for updates now.
func (p *Processor) Wake() {
	p.init()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Processor) init() {
	p.once.Do(func() {
		p.wake = make(chan struct{}, 1)
		p.waits = map[uint]int{}
	})
}

// inboxKeep is how long handled updates are kept: well past Telegram's 24
// hours of redelivery, and long enough to look into a recent problem.
const inboxKeep = 7 * 24 * time.Hour

// Run handles updates until ctx ends; the update in hand is finished first.
// Once an hour it forgets updates handled more than a week ago.
func (p *Processor) Run(ctx context.Context) error {
	p.init()
	defer p.Watch.Running()()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	for {
		select {
		case <-prune.C:
			if n, err := p.Store.PruneInbox(ctx, p.Store.Now().Add(-inboxKeep)); err != nil {
				p.Logger.Warn("prune inbox", "err", err)
			} else if n > 0 {
				p.Logger.Info("inbox pruned", "updates", n)
			}
		default:
		}
		n, err := p.Drain(context.WithoutCancel(ctx), ctx.Done())
		if err != nil {
			p.Logger.Error("read inbox failed", "err", err)
		}
		p.Watch.Beat()
		if n > 0 {
			continue
		}
		wait := p.PollInterval
		if p.IdlePoll > wait && err == nil && !p.unsettled.Swap(false) {
			wait = p.IdlePoll
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		case <-time.After(wait):
		}
	}
}

// Drain handles every update that is due, stopping early when stop closes.
// It returns how many it finished (handled or set aside).
func (p *Processor) Drain(ctx context.Context, stop <-chan struct{}) (int, error) {
	total := 0
	for {
		batch, err := p.Store.PendingUpdates(ctx, 100)
		if err != nil {
			return total, err
		}
		p.Watch.Beat()
		if len(batch) == 0 {
			return total, nil
		}
		// A chat whose update failed in this batch waits for the retry;
		// the store holds it back from the next batch on.
		held := map[int64]bool{}
		progress := false
		for start := 0; start < len(batch); start += groupSize {
			select {
			case <-stop:
				return total, nil
			default:
			}
			r := p.processGroup(ctx, batch[start:min(start+groupSize, len(batch))], held)
			total += r.finished
			progress = progress || r.progress
			if r.wait {
				// Later updates may belong to the same chat: stop here and
				// come back once the send is recorded.
				time.AfterFunc(100*time.Millisecond, p.Wake)
				return total, nil
			}
		}
		if !progress {
			// Not even the failures could be recorded: leave the rest
			// to the next round rather than spin on them.
			return total, nil
		}
	}
}

// groupSize is how many waiting updates one transaction handles: one
// commit, the durable write that costs most, serves them all, while each
// update still applies whole or not at all inside a savepoint of its own.
// Answers leave only after the commit, so nothing is acknowledged before
// it is stored.
const groupSize = 32

// groupResult is what became of a group of updates.
type groupResult struct {
	finished int
	progress bool
	// wait: an update must wait a moment (ErrNotYet); the group stopped
	// before it.
	wait bool
}

type failedUpdate struct {
	row models.InboxUpdate
	err error
}

// processGroup handles rows in one transaction, skipping chats in held and
// adding to it the chats of updates that failed.
func (p *Processor) processGroup(ctx context.Context, rows []models.InboxUpdate, held map[int64]bool) groupResult {
	p.init()
	var (
		res      groupResult
		handled  []models.InboxUpdate
		failures []failedUpdate
	)
	prepared := map[uint]prepared{}
	for _, row := range rows {
		if row.ChatID == 0 || !held[row.ChatID] {
			prepared[row.ID] = p.prepare(ctx, row)
		}
	}
	err := p.Store.Tx(ctx, func(tx *gorm.DB) error {
		handled, failures, res = nil, nil, groupResult{}
		// The group's answers are written together before the commit;
		// an update rolled back takes its own out of the batch.
		queue, forget := models.DeferOutbox(tx)
		defer forget()
		flush := func() error {
			if _, err := queue.Flush(tx); err != nil {
				return fmt.Errorf("queue the answers of %d updates: %w", len(handled), err)
			}
			return nil
		}
		skip := map[int64]bool{}
		for _, row := range rows {
			if row.ChatID != 0 && (held[row.ChatID] || skip[row.ChatID]) {
				continue
			}
			pre := prepared[row.ID]
			if pre.err != nil {
				failures = append(failures, failedUpdate{row, pre.err})
				skip[row.ChatID] = true
				continue
			}
			uctx := pre.ctx
			if p.waits[row.ID] >= maxWaits {
				uctx = context.WithValue(uctx, patienceKey{}, true)
			}
			savepoint := fmt.Sprintf("update%d", row.ID)
			if err := models.Savepoint(tx, savepoint); err != nil {
				return fmt.Errorf("update %d: %w", row.UpdateID, err)
			}
			mark := queue.Mark()
			err := p.applyIn(uctx, tx, row, pre.upd)
			if err != nil {
				if rerr := models.RollbackToSavepoint(tx, savepoint); rerr != nil {
					return fmt.Errorf("update %d: %w", row.UpdateID, rerr)
				}
				queue.Rollback(mark)
			}
			// Released, the savepoint's record of the pages the update
			// changed is dropped: otherwise it would grow with every
			// update of the group, kept for a rollback that can no longer
			// come.
			if rerr := models.ReleaseSavepoint(tx, savepoint); rerr != nil {
				return fmt.Errorf("update %d: %w", row.UpdateID, rerr)
			}
			if err == nil {
				handled = append(handled, row)
				continue
			}
			switch {
			case errors.Is(err, ErrNotYet):
				p.waits[row.ID]++
				res.wait = true
				return flush()
			case errors.Is(err, errAlreadyHandled):
				res.finished++
			default:
				failures = append(failures, failedUpdate{row, err})
				skip[row.ChatID] = true
			}
		}
		return flush()
	})
	if err != nil {
		// The group could not commit: each update is tried on its own, so
		// that only a bad one is held back.
		p.Logger.Warn("update group not committed; handling one by one", "updates", len(rows), "err", err)
		res = groupResult{}
		for _, row := range rows {
			if row.ChatID != 0 && held[row.ChatID] {
				continue
			}
			switch p.process(ctx, row) {
			case finished:
				res.finished++
				res.progress = true
			case retryLater:
				held[row.ChatID] = true
				res.progress = true
			case unrecorded:
				held[row.ChatID] = true
			case waitMoment:
				res.wait = true
				return res
			}
		}
		return res
	}
	for _, row := range handled {
		delete(p.waits, row.ID)
	}
	res.finished += len(handled)
	res.progress = res.finished > 0
	if len(handled) > 0 && p.Handled != nil {
		p.Handled()
	}
	for _, f := range failures {
		delete(p.waits, f.row.ID)
		held[f.row.ChatID] = true
		switch p.fail(ctx, f.row, f.err) {
		case finished:
			res.finished++
			res.progress = true
		case retryLater:
			res.progress = true
		}
	}
	return res
}

// ErrNotYet is returned by a handler for an update that should wait a
// moment: it answers a message of the bot whose sending is still being
// recorded. The processor tries it again shortly, keeping the chat's order.
var ErrNotYet = errors.New("update must wait for a send to be recorded")

type patienceKey struct{}

// patienceOver tells a handler to stop waiting and handle the update with
// what it knows.
func patienceOver(ctx context.Context) bool { return ctx.Value(patienceKey{}) != nil }

// maxWaits bounds how often one update waits (about 5 s), so that a
// stopped dispatcher cannot hold the inbox.
const maxWaits = 50

// errAlreadyHandled rolls back a transaction whose update another process
// finished first.
var errAlreadyHandled = errors.New("update already handled")

// outcome is what became of one attempt at an update.
type outcome int

const (
	// finished: handled, found handled by another process, or set aside.
	finished outcome = iota
	// retryLater: it failed and waits for its retry.
	retryLater
	// unrecorded: it failed and even the failure could not be recorded.
	unrecorded
	// waitMoment: see ErrNotYet.
	waitMoment
)

// Process handles one stored update; failures are recorded, never returned,
// so that one bad update does not stop the others. It reports whether the
// update is finished: false for one that waits for a retry or a moment
// (see ErrNotYet).
func (p *Processor) Process(ctx context.Context, row models.InboxUpdate) bool {
	return p.process(ctx, row) == finished
}

func (p *Processor) process(ctx context.Context, row models.InboxUpdate) outcome {
	p.init()
	pre := p.prepare(ctx, row)
	err := pre.err
	if err == nil {
		uctx := pre.ctx
		if p.waits[row.ID] >= maxWaits {
			uctx = context.WithValue(uctx, patienceKey{}, true)
		}
		err = p.apply(uctx, row, pre.upd)
	}
	if errors.Is(err, ErrNotYet) {
		p.waits[row.ID]++
		return waitMoment
	}
	delete(p.waits, row.ID)
	switch {
	case err == nil:
		if p.Handled != nil {
			p.Handled()
		}
		return finished
	case errors.Is(err, errAlreadyHandled):
		return finished
	}
	return p.fail(ctx, row, err)
}

// prepared is what the handler read before an update's transaction, and
// the update decoded, or nil.
type prepared struct {
	ctx context.Context
	err error
	upd *tgmodels.Update
}

// prepare decodes the update and has a Preparer read what it needs; a row
// that cannot be decoded is left for applyIn to fail.
func (p *Processor) prepare(ctx context.Context, row models.InboxUpdate) prepared {
	upd, err := decodeUpdate(row)
	if err != nil {
		return prepared{ctx: ctx}
	}
	pr, ok := p.Handler.(Preparer)
	if !ok {
		return prepared{ctx: ctx, upd: upd}
	}
	uctx, err := pr.Prepare(ctx, upd)
	if err != nil {
		return prepared{ctx: ctx, err: err}
	}
	return prepared{ctx: uctx, upd: upd}
}

func decodeUpdate(row models.InboxUpdate) (*tgmodels.Update, error) {
	var upd tgmodels.Update
	if err := json.Unmarshal([]byte(row.Payload), &upd); err != nil {
		return nil, fmt.Errorf("decode update %d: %w", row.UpdateID, err)
	}
	return &upd, nil
}

func (p *Processor) apply(ctx context.Context, row models.InboxUpdate, upd *tgmodels.Update) error {
	return p.Store.Tx(ctx, func(tx *gorm.DB) error { return p.applyIn(ctx, tx, row, upd) })
}

// applyIn handles one update inside tx, its effects, answers and done mark
// together; a panic is returned as an error. upd is the row's update as
// prepare decoded it, or nil to decode it here.
func (p *Processor) applyIn(ctx context.Context, tx *gorm.DB, row models.InboxUpdate, upd *tgmodels.Update) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic handling update %d: %v\n%s", row.UpdateID, r, debug.Stack())
		}
	}()
	if upd == nil {
		if upd, err = decodeUpdate(row); err != nil {
			return err
		}
	}
	// Marking it done first takes the row's lock, so a second process on
	// the same update waits here and then finds nothing to do.
	first, err := models.FinishUpdate(tx, row.ID)
	if err != nil {
		return err
	}
	if !first {
		return errAlreadyHandled
	}
	if row.LastError != "" {
		// It failed before, so its sender was told it is delayed; the
		// news that it is recorded commits with the record itself.
		if err := p.notify(tx, row, upd, "inbox_recorded", "recorded"); err != nil {
			return err
		}
	}
	return p.Handler.Handle(ctx, tx, row.ID, upd)
}

// fail records a failed attempt: the update is retried later or, after
// its last attempt, set aside. The first failure tells the sender, in the
// same transaction, so they hear it once.
func (p *Processor) fail(ctx context.Context, row models.InboxUpdate, cause error) outcome {
	var u models.InboxUpdate
	err := p.Store.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = models.FailUpdate(tx, row.ID, cause, p.Retry); err != nil {
			return err
		}
		if u.Attempts != 1 || u.State != models.InboxPending {
			return nil
		}
		upd, err := decodeUpdate(row)
		if err != nil {
			return nil // nobody to tell
		}
		return p.notify(tx, row, upd, "inbox_delayed", "delayed")
	})
	switch {
	case errors.Is(err, models.ErrUpdateNotPending):
		return finished
	case err != nil:
		p.Logger.Error("record update failure", "update_id", row.UpdateID, "inbox_id", row.ID, "chat_id", row.ChatID,
			"err", err, "cause", cause)
		p.unsettled.Store(true)
		return unrecorded
	case u.State == models.InboxFailed:
		p.Logger.Error("update set aside after its last attempt; see taskbot inbox", "update_id", row.UpdateID,
			"inbox_id", row.ID, "chat_id", row.ChatID, "attempts", u.Attempts, "err", cause)
		return finished
	}
	p.Logger.Warn("update failed, will retry", "update_id", row.UpdateID, "inbox_id", row.ID, "chat_id", row.ChatID,
		"attempts", u.Attempts, "retry_at", u.NextAttemptAt, "err", cause)
	if u.Attempts == 1 && p.Handled != nil {
		p.Handled() // the notice waits in the outbox
	}
	if u.NextAttemptAt != nil {
		// An idle processor would otherwise look only after IdlePoll.
		time.AfterFunc(max(0, u.NextAttemptAt.Sub(p.Store.Now())), p.Wake)
	}
	return retryLater
}

// notify tells the person who sent upd, in their private chat and their
// language, text (a catalog key). Its outbox key names the inbox row, not
// the update id, which Telegram may reuse.
func (p *Processor) notify(tx *gorm.DB, row models.InboxUpdate, upd *tgmodels.Update, text, suffix string) error {
	from := privateSender(upd)
	if from == nil {
		return nil
	}
	lang := LanguageFor("", from.LanguageCode)
	person, err := models.PersonByTelegramID(tx, from.ID)
	switch {
	case err == nil:
		lang = LanguageFor(person.Language, from.LanguageCode)
	case !models.IsNotFound(err):
		return err
	}
	return models.Enqueue(tx, fmt.Sprintf("in%d.%s", row.ID, suffix), from.ID, models.OutSendMessage,
		models.Outgoing{Text: p.Catalog.T(lang, text, nil)})
}

// privateSender is who sent an update in a private chat with the bot, or
// nil: in a group the bot does not speak about one person's message.
func privateSender(u *tgmodels.Update) *tgmodels.User {
	switch {
	case u.Message != nil && u.Message.Chat.Type == tgmodels.ChatTypePrivate:
		return u.Message.From
	case u.EditedMessage != nil && u.EditedMessage.Chat.Type == tgmodels.ChatTypePrivate:
		return u.EditedMessage.From
	case u.CallbackQuery != nil:
		m := u.CallbackQuery.Message
		if m.Message != nil && m.Message.Chat.Type == tgmodels.ChatTypePrivate ||
			m.InaccessibleMessage != nil && m.InaccessibleMessage.Chat.Type == tgmodels.ChatTypePrivate {
			return &u.CallbackQuery.From
		}
	}
	return nil
}
