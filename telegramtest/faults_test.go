package telegramtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func sendVia(ctx context.Context, b *bot.Bot, chatID int64, text string) (*models.Message, error) {
	return b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: text})
}

func TestFaultServerError(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	ctx := testCtx(t)

	srv.InjectFault("sendMessage", ServerError(500))
	_, err := sendVia(ctx, b, alice.ID(), "lost")
	if err == nil || !strings.Contains(err.Error(), "500 Internal Server Error") {
		t.Errorf("500: err = %v", err)
	}
	// A proxy's HTML error page: the client cannot even decode it.
	srv.InjectFault(AnySend, Fault{Kind: FaultServerError, Status: 502, PlainBody: true})
	_, err = sendVia(ctx, b, alice.ID(), "lost too")
	if err == nil || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Errorf("502: err = %v", err)
	}
	if n := len(alice.Messages()); n != 0 {
		t.Errorf("failed sends delivered %d messages", n)
	}
	// A 502 after the message went out: delivered, yet reported as failed.
	srv.InjectFault(AnySend, Fault{Kind: FaultServerError, Status: 502, Performed: true})
	if _, err = sendVia(ctx, b, alice.ID(), "delivered anyway"); err == nil {
		t.Error("performed 502 returned no error")
	}
	if ms := alice.Messages(); len(ms) != 1 || ms[0].Text != "delivered anyway" {
		t.Errorf("messages %+v", ms)
	}
	// Faults are used up.
	if _, err := sendVia(ctx, b, alice.ID(), "fine"); err != nil {
		t.Errorf("after faults: %v", err)
	}
	if srv.PendingFaults("sendMessage") != 0 || srv.PendingFaults(AnySend) != 0 {
		t.Error("faults left over")
	}
}

func TestFaultTooManyRequests(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	srv.InjectFaults("SENDMESSAGE", 2, TooManyRequests(7))
	for range 2 {
		_, err := sendVia(testCtx(t), b, alice.ID(), "x")
		var tm *bot.TooManyRequestsError
		if !errors.As(err, &tm) || tm.RetryAfter != 7 {
			t.Errorf("err = %v, want 429 retry_after 7", err)
		}
	}
	if srv.TooManyRequests() != 2 || len(alice.Messages()) != 0 {
		t.Errorf("429s counted %d, messages %d", srv.TooManyRequests(), len(alice.Messages()))
	}
}

func TestFaultTimeout(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)

	// The message is delivered but the answer never comes: the bot sees
	// a timeout and cannot know the outcome.
	srv.InjectFault("sendMessage", Timeout(0, true))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err := sendVia(ctx, b, alice.ID(), "maybe")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	if ms := alice.Messages(); len(ms) != 1 || ms[0].Text != "maybe" {
		t.Errorf("performed timeout: messages %+v", ms)
	}

	// Not performed, and the client gives up first: never delivered.
	srv.InjectFault("sendMessage", Timeout(0, false))
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err = sendVia(ctx, b, alice.ID(), "never")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}

	// A slow server: the call goes through once the hold is over.
	srv.InjectFault("sendMessage", Timeout(50*time.Millisecond, false))
	start := time.Now()
	if _, err := sendVia(testCtx(t), b, alice.ID(), "slow"); err != nil {
		t.Errorf("slow send: %v", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answer came after %v, before the hold ended", d)
	}
	var texts []string
	for _, m := range alice.Messages() {
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, ",") != "maybe,slow" {
		t.Errorf("messages %v", texts)
	}
}

func TestFaultDropConnection(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	ctx := testCtx(t)

	srv.InjectFault(AnySend, DropConnection(false))
	if _, err := sendVia(ctx, b, alice.ID(), "dropped"); err == nil {
		t.Error("dropped connection returned no error")
	}
	srv.InjectFault(AnySend, DropConnection(true))
	if _, err := sendVia(ctx, b, alice.ID(), "delivered, then dropped"); err == nil {
		t.Error("dropped connection returned no error")
	}
	if ms := alice.Messages(); len(ms) != 1 || ms[0].Text != "delivered, then dropped" {
		t.Errorf("messages %+v", ms)
	}
	// The server keeps serving.
	if _, err := sendVia(ctx, b, alice.ID(), "ok"); err != nil {
		t.Error(err)
	}
}

func TestFaultOnlyMatchingMethod(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	ctx := testCtx(t)
	srv.InjectFault("editMessageText", ServerError(500))
	srv.InjectFault(AnySend, ServerError(503))
	// getMe is not a send: AnySend faults do not touch it.
	if _, err := b.GetMe(ctx); err != nil {
		t.Errorf("getMe: %v", err)
	}
	_, err := sendVia(ctx, b, alice.ID(), "x")
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("send: %v, want the AnySend 503", err)
	}
	m, err := sendVia(ctx, b, alice.ID(), "x")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID(), MessageID: m.ID, Text: "y"})
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("edit: %v, want the injected 500", err)
	}
	srv.InjectFault("getUpdates", ServerError(502))
	wantError(t, api(t, srv, "getUpdates", nil), 502, "Bad Gateway")
	srv.InjectFault("sendMessage", ServerError(500))
	srv.ClearFaults()
	if _, err := sendVia(ctx, b, alice.ID(), "z"); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}

func TestForbiddenWhenBlocked(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	ctx := testCtx(t)
	alice.Block()
	if !alice.Blocked() {
		t.Fatal("not blocked")
	}
	if kinds := view(srv, (*State).PendingUpdateKinds); len(kinds) != 1 || kinds[0] != UpdateMyChatMember {
		t.Errorf("pending after block: %v", kinds)
	}
	_, err := sendVia(ctx, b, alice.ID(), "hello?")
	if !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Errorf("err = %v, want forbidden", err)
	}
	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID(), Action: models.ChatActionTyping})
	if !errors.Is(err, bot.ErrorForbidden) {
		t.Errorf("chat action err = %v, want forbidden", err)
	}
	// Writing to the bot again unblocks it, as restarting a bot does.
	alice.SendText("/start")
	if alice.Blocked() {
		t.Error("still blocked after writing")
	}
	if _, err := sendVia(ctx, b, alice.ID(), "welcome back"); err != nil {
		t.Error(err)
	}
	_, err = sendVia(ctx, b, 4242, "nobody")
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "chat not found") {
		t.Errorf("unknown chat err = %v", err)
	}
}

func TestInjectFaultUnknownMethodPanics(t *testing.T) {
	srv := newServer(t, Options{})
	defer func() {
		if recover() == nil {
			t.Error("a fault for a misspelt method was accepted")
		}
	}()
	srv.InjectFault("sendMesage", ServerError(500))
}
