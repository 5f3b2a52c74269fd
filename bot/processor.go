package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/models"
)

// Processor handles stored updates one by one in update_id order, which
// keeps each chat's updates in order. Each update's effects, its answers in
// the outbox and its "done" mark commit in one transaction: a crash before
// the commit leaves the update pending and it is handled again from
// scratch; a crash after it leaves nothing to do.
type Processor struct {
	Store   *models.Store
	Handler UpdateHandler
	// Catalog words the apology for an update that could not be handled.
	Catalog *Catalog
	Logger  *slog.Logger
	// MaxAttempts sets aside an update that keeps failing.
	MaxAttempts int
	// PollInterval bounds how long a stored update waits when no wake-up
	// arrives (another instance stored it).
	PollInterval time.Duration
	// Handled is called after each committed update, to wake the outbox.
	Handled func()

	once  sync.Once
	wake  chan struct{}
	waits map[int64]int // touched only by the goroutine that processes
}

// UpdateHandler applies one update inside the transaction that marks it done.
type UpdateHandler interface {
	Handle(ctx context.Context, tx *gorm.DB, upd *tgmodels.Update) error
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
		p.waits = map[int64]int{}
	})
}

// inboxKeep is how long handled updates are kept: well past Telegram's 24
// hours of redelivery, and long enough to look into a recent problem.
const inboxKeep = 7 * 24 * time.Hour

// Run handles updates until ctx ends; the update in hand is finished first.
// Once an hour it forgets updates handled more than a week ago.
func (p *Processor) Run(ctx context.Context) error {
	p.init()
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
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		case <-time.After(p.PollInterval):
		}
	}
}

// Drain handles every pending update, stopping early when stop closes.
// It returns how many it handled.
func (p *Processor) Drain(ctx context.Context, stop <-chan struct{}) (int, error) {
	total := 0
	for {
		batch, err := p.Store.PendingUpdates(ctx, 100)
		if err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		for _, u := range batch {
			select {
			case <-stop:
				return total, nil
			default:
			}
			if !p.Process(ctx, u) {
				// Later updates may belong to the same chat: stop here and
				// come back once the send is recorded.
				time.AfterFunc(100*time.Millisecond, p.Wake)
				return total, nil
			}
			total++
		}
	}
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

// Process handles one stored update; failures are recorded, never returned,
// so that one bad update does not stop the others. It reports false for an
// update that must wait a moment (see ErrNotYet).
func (p *Processor) Process(ctx context.Context, row models.InboxUpdate) bool {
	p.init()
	if p.waits[row.UpdateID] >= maxWaits {
		ctx = context.WithValue(ctx, patienceKey{}, true)
	}
	err := p.apply(ctx, row)
	if errors.Is(err, ErrNotYet) {
		p.waits[row.UpdateID]++
		return false
	}
	delete(p.waits, row.UpdateID)
	switch {
	case err == nil:
		if p.Handled != nil {
			p.Handled()
		}
		return true
	case errors.Is(err, errAlreadyHandled):
		return true
	}
	state, ferr := p.Store.FailUpdate(ctx, row.UpdateID, err, p.MaxAttempts)
	if ferr != nil {
		p.Logger.Error("record update failure", "update_id", row.UpdateID, "err", ferr)
		return true
	}
	p.Logger.Error("update failed", "update_id", row.UpdateID, "chat_id", row.ChatID, "state", state, "err", err)
	if state == models.InboxFailed {
		p.apologise(ctx, row)
	}
	return true
}

func (p *Processor) apply(ctx context.Context, row models.InboxUpdate) (err error) {
	var upd tgmodels.Update
	if jerr := json.Unmarshal([]byte(row.Payload), &upd); jerr != nil {
		return fmt.Errorf("decode update %d: %w", row.UpdateID, jerr)
	}
	return p.Store.Tx(ctx, func(tx *gorm.DB) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic handling update %d: %v\n%s", row.UpdateID, r, debug.Stack())
			}
		}()
		// Marking it done first takes the row's lock, so a second process
		// on the same update waits here and then finds nothing to do.
		first, err := models.FinishUpdate(tx, row.UpdateID)
		if err != nil {
			return err
		}
		if !first {
			return errAlreadyHandled
		}
		return p.Handler.Handle(ctx, tx, &upd)
	})
}

// apologise tells the sender that their message could not be handled.
func (p *Processor) apologise(ctx context.Context, row models.InboxUpdate) {
	var upd tgmodels.Update
	if json.Unmarshal([]byte(row.Payload), &upd) != nil || upd.Message == nil || upd.Message.From == nil ||
		upd.Message.Chat.Type != tgmodels.ChatTypePrivate {
		return
	}
	lang := LanguageFor("", upd.Message.From.LanguageCode)
	text := p.Catalog.T(lang, "error_apology", nil)
	err := p.Store.Tx(ctx, func(tx *gorm.DB) error {
		return models.Enqueue(tx, fmt.Sprintf("u%d.failed", row.UpdateID), row.ChatID, models.OutSendMessage, models.Outgoing{Text: text})
	})
	if err != nil {
		p.Logger.Error("enqueue apology", "update_id", row.UpdateID, "err", err)
	}
}
