package main

import (
	"context"
	"encoding/json"
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
