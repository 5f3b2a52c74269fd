package telegramtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// hookReceiver records webhook deliveries and fails the first few.
type hookReceiver struct {
	mu       sync.Mutex
	failures int
	attempts int
	bodies   []string
	secrets  []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.attempts++
	if h.failures > 0 {
		h.failures--
		http.Error(w, "not now", http.StatusInternalServerError)
		return
	}
	h.bodies = append(h.bodies, string(body))
	h.secrets = append(h.secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
}

func (h *hookReceiver) delivered() ([]string, []string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...), append([]string(nil), h.secrets...), h.attempts
}

func TestWebhookDelivery(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en")
	recv := &hookReceiver{failures: 2}
	hook := httptest.NewServer(recv)
	defer hook.Close()

	alice.SendText("before the webhook")
	wantOK(t, api(t, srv, "setWebhook", map[string]any{"url": hook.URL + "/tg", "secret_token": "s3cr3t_-X"}))
	alice.SendText("second")
	alice.SendText("third")

	ctx := testCtx(t)
	if err := srv.WaitFor(ctx, func(st *State) bool { return st.PendingUpdates() == 0 }); err != nil {
		t.Fatalf("updates not delivered: %v (pending %d)", err, srv.PendingUpdates())
	}
	bodies, secrets, attempts := recv.delivered()
	if len(bodies) != 3 || attempts != 5 {
		t.Fatalf("delivered %d updates in %d attempts, want 3 in 5 (two failures retried)", len(bodies), attempts)
	}
	for i, want := range []string{"before the webhook", "second", "third"} {
		if err := CheckObject("Update", []byte(bodies[i])); err != nil {
			t.Errorf("webhook body violates the spec: %v", err)
		}
		var u testUpdate
		_ = json.Unmarshal([]byte(bodies[i]), &u)
		if u.Message == nil || u.Message.Text != want {
			t.Errorf("delivery %d = %s, want %q", i, bodies[i], want)
		}
		if secrets[i] != "s3cr3t_-X" {
			t.Errorf("secret header %q", secrets[i])
		}
	}

	r := api(t, srv, "getWebhookInfo", nil)
	wantOK(t, r)
	info := decode[wWebhookInfo](t, r.Result)
	if info.URL != hook.URL+"/tg" || info.PendingUpdateCount != 0 || !strings.Contains(info.LastErrorMessage, "500") || info.LastErrorDate == 0 {
		t.Errorf("webhook info = %+v", info)
	}

	// After deleteWebhook nothing more is pushed; updates wait for getUpdates.
	wantOK(t, api(t, srv, "deleteWebhook", nil))
	alice.SendText("after delete")
	if ups := getUpdates(t, srv, nil); len(ups) != 1 || ups[0].Message.Text != "after delete" {
		t.Errorf("getUpdates after deleteWebhook = %v", ups)
	}
	if bodies, _, _ := recv.delivered(); len(bodies) != 3 {
		t.Errorf("webhook got %d deliveries after deleteWebhook", len(bodies))
	}
}

func TestWebhookValidation(t *testing.T) {
	srv := newServer(t, Options{})
	srv.NewUser(1001, "Alice", "en").SendText("pending")
	refused := "Bad Request: bad webhook: telegramtest only delivers to http(s) URLs on 127.0.0.1, localhost or [::1]"
	for _, u := range []string{"https://example.com/hook", "http://10.0.0.1/hook", "ftp://127.0.0.1/hook", "http://127.0.0.1.example.com/", "not a url"} {
		wantError(t, api(t, srv, "setWebhook", map[string]any{"url": u}), 400, refused)
	}
	for _, u := range []string{"http://localhost:1/x", "https://[::1]:8443/x", "http://127.0.0.1:9/x"} {
		wantOK(t, api(t, srv, "setWebhook", map[string]any{"url": u}))
	}
	for _, secret := range []string{"has space", "ünïcode", strings.Repeat("a", 257)} {
		wantError(t, api(t, srv, "setWebhook", map[string]any{"url": "http://127.0.0.1:9/x", "secret_token": secret}), 400,
			"Bad Request: secret token contains unallowed characters")
	}
	wantOK(t, api(t, srv, "setWebhook", map[string]any{"url": "http://127.0.0.1:9/x", "drop_pending_updates": true}))
	if n := srv.PendingUpdates(); n != 0 {
		t.Errorf("drop_pending_updates left %d updates", n)
	}
	// An empty url removes the webhook.
	wantOK(t, api(t, srv, "setWebhook", map[string]any{"url": ""}))
	if url := view(srv, (*State).WebhookURL); url != "" {
		t.Errorf("webhook still %q", url)
	}
}

func TestLoopbackClientRefusesOtherHosts(t *testing.T) {
	resp, err := loopbackClient().Get("http://192.0.2.1:80/")
	if err == nil {
		resp.Body.Close()
		t.Fatal("the webhook client connected to a non-loopback address")
	}
	if !strings.Contains(err.Error(), "non-loopback") {
		t.Errorf("error %v", err)
	}
}

// TestWebhookWithGoTelegramBot runs go-telegram/bot in webhook mode
// behind an httptest server: the secret token round-trips and the update
// reaches the handler.
func TestWebhookWithGoTelegramBot(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en")
	got := make(chan string, 1)
	b := newBot(t, srv,
		bot.WithWebhookSecretToken("topsecret"),
		bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) {
			if u.Message != nil {
				got <- u.Message.Text
			}
		}))
	hook := httptest.NewServer(b.WebhookHandler())
	defer hook.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.StartWebhook(ctx)

	ok, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook.URL, SecretToken: "topsecret"})
	if err != nil || !ok {
		t.Fatalf("SetWebhook: %v", err)
	}
	alice.SendText("hello hook")
	select {
	case text := <-got:
		if text != "hello hook" {
			t.Errorf("handler got %q", text)
		}
	case <-testCtx(t).Done():
		t.Fatal("update never reached the bot")
	}
	info, err := b.GetWebhookInfo(ctx)
	if err != nil || info.URL != hook.URL {
		t.Errorf("GetWebhookInfo = %+v, %v", info, err)
	}
}
