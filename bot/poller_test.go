package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/telegramtest"
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

// After a week without updates Telegram restarts update ids at a random
// value, possibly below the ones already stored. The first call after the
// quiet week sends no offset, and the next one confirms the newest update
// received, so the restarted updates are neither lost nor fetched again
// and again.
func TestPollerOffsetFollowsRestartedUpdateIDs(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		var (
			mu      sync.Mutex
			offsets []int64
			answers = [][]int64{{900, 901}, {}, {20}, {}}
		)
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req struct {
				Offset int64 `json:"offset"`
			}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			var result []json.RawMessage
			if n := len(offsets); n < len(answers) {
				for _, id := range answers[n] {
					result = append(result, json.RawMessage(fmt.Sprintf(
						`{"update_id":%d,"message":{"message_id":1,"date":1,"chat":{"id":7,"type":"private"},"text":"hi"}}`, id)))
				}
			}
			offsets = append(offsets, req.Offset)
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
		}))
		defer api.Close()
		p := &bot.Poller{ServerURL: api.URL, Token: "1:T", Store: s, Client: api.Client(),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		ctx := context.Background()
		for i := range answers {
			if i == 2 {
				clock.Advance(8 * 24 * time.Hour) // a quiet week: ids restart
			}
			if _, err := p.PollOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if want := []int64{0, 902, 0, 21}; !reflect.DeepEqual(offsets, want) {
			t.Fatalf("offsets %v, want %v", offsets, want)
		}
		pending, err := s.PendingUpdates(ctx, 10)
		if err != nil || len(pending) != 3 || pending[2].UpdateID != 20 {
			t.Fatalf("inbox %+v %v", pending, err)
		}
	})
}

// The right to poll follows the leader's lease, not a database session: a
// deposed leader whose process and database connections stay open (paused,
// or cut off from Telegram) makes no more calls, and the new leader polls
// at once, without waiting for anything the old one holds.
func TestPollerTakeoverWhileTheOldLeaderStaysConnected(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	srv, err := telegramtest.New(telegramtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	open := func() *models.Store {
		s, err := models.Open(context.Background(), dsn, models.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	var oldLeads, newLeads atomic.Bool
	oldLeads.Store(true)
	run := func(p *bot.Poller, leads *atomic.Bool) (stop func()) {
		p.Leads = leads.Load
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = p.Run(ctx) }()
		return func() { cancel(); <-done }
	}
	oldStore, newStore := open(), open()
	u := srv.NewUser(42, "刘洋", "zh")
	u.SendText("/help")
	// Once deposed, the old leader is as good as paused: a call it makes
	// hangs, and it gets nothing from Telegram.
	old := newPoller(t, srv, oldStore)
	old.Client = &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		if !oldLeads.Load() {
			<-r.Context().Done()
			return nil, r.Context().Err()
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	stopOld := run(old, &oldLeads)
	defer stopOld()
	waitUntil(t, "the old leader to poll", func() bool { return srv.PendingUpdates() == 0 && inboxCount(t, oldStore) == 1 })

	oldLeads.Store(false) // its lease ran out; its connections stay open
	newLeads.Store(true)
	calls := srv.Calls("getUpdates")
	stopNew := run(newPoller(t, srv, newStore), &newLeads)
	defer stopNew()
	u.SendText("/mytasks")
	waitUntil(t, "the new leader to store the update", func() bool { return inboxCount(t, newStore) == 2 })
	// Confirmed by the offset of the new leader's next call.
	waitUntil(t, "the new leader to confirm it", func() bool { return srv.PendingUpdates() == 0 })
	if got := srv.Calls("getUpdates") - calls; got < 1 {
		t.Fatalf("the new leader made %d getUpdates calls", got)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func inboxCount(t *testing.T, s *models.Store) int64 {
	t.Helper()
	var n int64
	if err := s.DB.Model(&models.InboxUpdate{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// When the newest stored update is older than a day (the bot was down a
// week and Telegram restarted its ids below ours), the first getUpdates
// sends no offset: the updates waiting at Telegram are read and stored,
// not confirmed away by an offset above their ids.
func TestPollerAfterALongSilenceReadsWhatWaits(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		srv, err := telegramtest.New(telegramtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		u := srv.NewUser(42, "刘洋", "zh")
		ctx := context.Background()
		p := newPoller(t, srv, s)
		u.SendText("/help")
		if n, err := p.PollOnce(ctx); err != nil || n != 1 {
			t.Fatalf("first poll stored %d, %v", n, err)
		}
		if _, err := p.PollOnce(ctx); err != nil || srv.PendingUpdates() != 0 {
			t.Fatalf("not confirmed: %v, %d pending", err, srv.PendingUpdates())
		}

		clock.Advance(7 * 24 * time.Hour) // the bot was down a week
		srv.RestartUpdateIDs(50)
		u.SendText("/report T01 1 done")
		u.SendText("/mytasks")
		if n, err := p.PollOnce(ctx); err != nil || n != 2 {
			t.Fatalf("first poll after the silence stored %d, %v; %d left at Telegram", n, err, srv.PendingUpdates())
		}
		pending, err := s.PendingUpdates(ctx, 10)
		if err != nil || len(pending) != 3 || !strings.Contains(pending[1].Payload, "/report T01 1 done") || !strings.Contains(pending[2].Payload, "/mytasks") {
			t.Fatalf("inbox %+v %v", pending, err)
		}
		if _, err := p.PollOnce(ctx); err != nil || srv.PendingUpdates() != 0 {
			t.Fatalf("the waiting updates were not confirmed once stored: %v, %d pending", err, srv.PendingUpdates())
		}
		if pending, _ := s.PendingUpdates(ctx, 10); len(pending) != 3 {
			t.Fatalf("stored twice: %d updates", len(pending))
		}
	})
}
