package bot_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
)

func TestWebhookStoresBeforeAnswering(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	woken := 0
	hook := &bot.Webhook{Store: s, Secret: "s3cret_token-1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stored: func() { woken++ }}
	post := func(secret, body string) int {
		req := httptest.NewRequest(http.MethodPost, "/telegram", strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		rec := httptest.NewRecorder()
		hook.ServeHTTP(rec, req)
		return rec.Code
	}
	update := `{"update_id":77,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"A"},"text":"/help"}}`
	tests := []struct {
		name   string
		secret string
		body   string
		want   int
	}{
		{"no secret", "", update, http.StatusForbidden},
		{"wrong secret", "guess", update, http.StatusForbidden},
		{"not json", "s3cret_token-1", "{", http.StatusBadRequest},
		{"no update_id", "s3cret_token-1", `{"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"/help"}}`, http.StatusBadRequest},
		{"update_id not a number", "s3cret_token-1", `{"update_id":"77"}`, http.StatusBadRequest},
		{"update_id zero", "s3cret_token-1", `{"update_id":0,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"/help"}}`, http.StatusBadRequest},
		{"stored", "s3cret_token-1", update, http.StatusOK},
		{"redelivered", "s3cret_token-1", update, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := post(tc.secret, tc.body); got != tc.want {
				t.Fatalf("HTTP %d, want %d", got, tc.want)
			}
		})
	}
	pending, err := s.PendingUpdates(context.Background(), 10)
	if err != nil || len(pending) != 1 || pending[0].UpdateID != 77 || pending[0].ChatID != 5 {
		t.Fatalf("inbox %+v %v", pending, err)
	}
	if woken != 2 {
		t.Fatalf("processor woken %d times", woken)
	}
}
