package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
)

// inboxLooks counts the processor's looks for due updates.
type inboxLooks struct {
	logger.Interface
	n atomic.Int64
}

func (c *inboxLooks) LogMode(logger.LogLevel) logger.Interface { return c }

func (c *inboxLooks) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	if sql, _ := fc(); strings.Contains(sql, "NOT EXISTS (SELECT 1 FROM inbox_updates w") {
		c.n.Add(1)
	}
}

// failsFirst fails its first update and handles the rest.
type failsFirst struct {
	inner bot.UpdateHandler
	calls atomic.Int32
}

func (f *failsFirst) Handle(ctx context.Context, tx *gorm.DB, inboxID uint, u *tgmodels.Update) error {
	if f.calls.Add(1) == 1 {
		return errors.New("boom: database hiccup")
	}
	return f.inner.Handle(ctx, tx, inboxID, u)
}

// A drained processor waits IdlePoll, not PollInterval, for its next look:
// the updates it stores wake it, and so does the retry it records.
func TestIdleProcessorWaitsIdlePollAndWakesForItsRetry(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu := userRef{id: 101}
		h.say(liu, "/start "+h.invite("刘洋"))
		looks := &inboxLooks{Interface: logger.Discard}
		s.DB = s.DB.Session(&gorm.Session{Logger: looks})
		handler := &failsFirst{inner: h.proc.Handler}
		p := &bot.Processor{Store: s, Handler: handler, Catalog: h.proc.Catalog, Logger: h.proc.Logger,
			PollInterval: time.Millisecond, IdlePoll: time.Hour,
			Retry: models.InboxRetry{Attempts: 5, First: 20 * time.Millisecond, Max: 20 * time.Millisecond}}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { defer close(stopped); _ = p.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-stopped })

		deadline := time.Now().Add(10 * time.Second)
		for looks.n.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the processor never looked at the inbox")
			}
			time.Sleep(time.Millisecond)
		}
		// Polling every millisecond would look dozens of times meanwhile.
		time.Sleep(50 * time.Millisecond)
		if n := looks.n.Load(); n != 1 {
			t.Fatalf("%d looks at an empty inbox, want 1", n)
		}

		h.update(message(liu, private(liu.id), "/mytasks"))
		p.Wake()
		for {
			counts, err := s.InboxCounts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if counts[models.InboxPending] == 0 && handler.calls.Load() >= 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the failed update was not retried: %d attempts, inbox %v", handler.calls.Load(), counts)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}
