package bot_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"taskbot/bot"
	"taskbot/bot/telegramtest"
	"taskbot/models"
	"taskbot/models/storetest"
)

func newPoller(t *testing.T, srv *telegramtest.Server, s *models.Store) *bot.Poller {
	return &bot.Poller{
		ServerURL: srv.URL(), Token: srv.Token(), Store: s,
		Client:      &http.Client{Timeout: 10 * time.Second},
		PollTimeout: 0, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// A poller that dies after storing updates but before its next getUpdates
// never confirmed them: Telegram sends them again to its successor, which
// must store each once and confirm them all.
func TestPollerConfirmsOnlyWhatIsStored(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		srv, err := telegramtest.New(telegramtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		u := srv.NewUser(42, "刘洋", "zh")
		u.SendText("/help")
		u.SendText("/mytasks")

		ctx := context.Background()
		first := newPoller(t, srv, s)
		if n, err := first.PollOnce(ctx); err != nil || n != 2 {
			t.Fatalf("first poll stored %d, %v", n, err)
		}
		if srv.PendingUpdates() != 2 {
			t.Fatalf("updates confirmed before the next call: %d pending at Telegram", srv.PendingUpdates())
		}
		// The first poller "crashes" here; a new one takes over.
		u.SendText("/task T01")
		second := newPoller(t, srv, s)
		if n, err := second.PollOnce(ctx); err != nil || n != 1 {
			t.Fatalf("second poll stored %d, %v", n, err)
		}
		pending, err := s.PendingUpdates(ctx, 10)
		if err != nil || len(pending) != 3 {
			t.Fatalf("inbox has %d updates, want 3 (%v)", len(pending), err)
		}
		if _, err := second.PollOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if srv.PendingUpdates() != 0 {
			t.Fatalf("%d updates still unconfirmed at Telegram", srv.PendingUpdates())
		}
	})
}

func TestPollerErrorsNeverShowTheToken(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	srv, err := telegramtest.New(telegramtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p := newPoller(t, srv, s)
	p.ServerURL = "http://127.0.0.1:1" // nothing listens there
	_, err = p.PollOnce(context.Background())
	if err == nil {
		t.Fatal("poll against a closed port succeeded")
	}
	if contains(err.Error(), srv.Token()) {
		t.Fatalf("token leaked: %v", err)
	}
	p.ServerURL = srv.URL()
	p.Token = "123456:WRONG"
	_, err = p.PollOnce(context.Background())
	var apiErr *bot.APIError
	if !asAPIError(err, &apiErr) || apiErr.Code != 401 || contains(err.Error(), "WRONG") {
		t.Fatalf("wrong token: %v", err)
	}
}
