package bot_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"taskbot/bot"
	"taskbot/outbox"
)

// Once the lease could have run out, the outbox's connections write
// nothing: a request made after that never reaches the server, on a new
// connection or on one kept from before.
func TestFencedClientWritesNothingWhenDeposed(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	var leads atomic.Bool
	leads.Store(true)
	c := bot.NewFencedHTTPClient(4, 5*time.Second, leads.Load)
	post := func() error {
		resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("sendMessage"))
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := post(); err != nil || got.Load() != 1 {
		t.Fatalf("while leading: %v, %d requests arrived", err, got.Load())
	}
	leads.Store(false)
	for range 2 { // the kept connection, then a new one
		if err := post(); !errors.Is(err, outbox.ErrDeposed) {
			t.Fatalf("deposed: %v, want ErrDeposed", err)
		}
		c.CloseIdleConnections()
	}
	if n := got.Load(); n != 1 {
		t.Fatalf("%d requests arrived after the lease ran out", n-1)
	}
}
