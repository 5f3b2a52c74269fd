package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/watchdog"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

// A webhook on a public address answers its own path and nothing else.
func TestWebhookListenerServesOnlyTheWebhook(t *testing.T) {
	hook := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := webhookHandler("/telegram", hook)
	for _, path := range []string{"/metrics", "/healthz", "/readyz", "/", "/telegram/../metrics"} {
		if code, body := get(t, h, path); code == http.StatusOK || code == http.StatusTeapot || strings.Contains(body, "taskbot_") {
			t.Errorf("GET %s on the webhook listener: %d %q", path, code, body)
		}
	}
	if code, _ := get(t, h, "/telegram"); code != http.StatusTeapot {
		t.Errorf("the webhook path answered %d", code)
	}
}

func TestOpsEndpoints(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, store *models.Store) {
		role := roleSingle
		ops := &opsServer{Store: store, Registry: prometheus.NewRegistry(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Role: func() string { return role }}
		if err := ops.register(); err != nil {
			t.Fatal(err)
		}
		h := ops.handler()
		if code, body := get(t, h, "/healthz"); code != http.StatusOK || body != "ok\n" {
			t.Fatalf("healthz: %d %q", code, body)
		}
		code, body := get(t, h, "/readyz")
		var r readiness
		if err := json.Unmarshal([]byte(body), &r); err != nil || code != http.StatusOK || !r.Ready || r.Role != "single" {
			t.Fatalf("readyz: %d %q", code, body)
		}
		role = "leader"
		if _, body := get(t, h, "/readyz"); !strings.Contains(body, `"role":"leader"`) {
			t.Fatalf("readyz does not show the role: %q", body)
		}

		err := store.Tx(context.Background(), func(tx *gorm.DB) error {
			return models.Enqueue(tx, "ops-test", 42, models.OutSendMessage, models.Outgoing{Text: "hi"})
		})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(90 * time.Second)
		_, metrics := get(t, h, "/metrics")
		for _, want := range []string{"taskbot_outbox_backlog 1\n", "taskbot_outbox_oldest_due_seconds 90\n", "taskbot_inbox_failed 0\n", `taskbot_lease_role{role="leader"} 1`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %q:\n%s", want, metrics)
			}
		}
		clock.Advance(-90 * time.Second)

		// A database behind this binary's schema is not ready.
		if err := store.DB.Exec("DELETE FROM migrations WHERE id = ?", models.LatestSchema()).Error; err != nil {
			t.Fatal(err)
		}
		if code, body := get(t, h, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"schema":"not `) {
			t.Fatalf("readyz on an old schema: %d %q", code, body)
		}
	})
}

// /healthz fails, naming the part, when a part with work made no progress
// for --stall-after; /readyz says the process is stuck when its pool
// cannot reach a database that a fresh connection reaches, and that the
// database refuses writes when the last heartbeat could not be written.
func TestHealthTellsTheTruth(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, store *models.Store) {
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		watch := watchdog.New(2 * time.Minute)
		watch.Now = func() time.Time { return now }
		var writeErr error
		ops := &opsServer{Store: store, Registry: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler),
			Watch: watch, WriteError: func() error { return writeErr }}
		h := ops.handler()
		dispatcher := watch.Part("dispatcher")
		defer dispatcher.Running()()
		watch.Part("poller").Running()

		now = now.Add(90 * time.Second)
		dispatcher.Beat()
		now = now.Add(60 * time.Second) // the poller has not beaten for 150 s
		code, body := get(t, h, "/healthz")
		if code != http.StatusServiceUnavailable || body != "stalled: poller (no progress for 2m30s)\n" {
			t.Fatalf("healthz with a stalled poller: %d %q", code, body)
		}
		code, body = get(t, h, "/readyz")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, `"stalled":["poller (no progress for 2m30s)"]`) {
			t.Fatalf("readyz with a stalled poller: %d %q", code, body)
		}
		watch.Part("poller").Beat()
		if code, body := get(t, h, "/healthz"); code != http.StatusOK || body != "ok\n" {
			t.Fatalf("healthz after progress: %d %q", code, body)
		}

		writeErr = errors.New("database or disk is full")
		if code, body := get(t, h, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"refuses writes"`) {
			t.Fatalf("readyz when writes fail: %d %q", code, body)
		}
		writeErr = nil

		// Every connection of the pool held by a transaction that never ends.
		sqlDB, err := store.DB.DB()
		if err != nil {
			t.Fatal(err)
		}
		sqlDB.SetMaxOpenConns(1)
		tx := store.DB.Begin()
		if tx.Error != nil {
			t.Fatal(tx.Error)
		}
		code, body = get(t, h, "/readyz")
		tx.Rollback()
		if code != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"stuck"`) {
			t.Fatalf("readyz with the pool held: %d %q", code, body)
		}
		if code, body := get(t, h, "/readyz"); code != http.StatusOK {
			t.Fatalf("readyz once released: %d %q", code, body)
		}
	})
}
