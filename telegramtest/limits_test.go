package telegramtest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func sendText(t *testing.T, srv *Server, chatID int64, text string) apiResp {
	t.Helper()
	return api(t, srv, "sendMessage", map[string]any{"chat_id": chatID, "text": text})
}

func wantTooMany(t *testing.T, r apiResp, retryAfter int) {
	t.Helper()
	if r.OK || r.ErrorCode != 429 || r.Parameters == nil || r.Parameters.RetryAfter != retryAfter ||
		r.Description != "Too Many Requests: retry after "+itoa(retryAfter) {
		t.Errorf("got %v (parameters %+v), want 429 retry after %d", r, r.Parameters, retryAfter)
	}
}

func TestGlobalLimit(t *testing.T) {
	clock := newFakeClock()
	srv := newServer(t, Options{Now: clock.Now, RateLimits: &RateLimits{GlobalPerSecond: 3}})
	for id := int64(1); id <= 5; id++ {
		srv.NewUser(id, "U", "en")
	}
	for id := int64(1); id <= 3; id++ {
		wantOK(t, sendText(t, srv, id, "hi"))
		clock.Advance(100 * time.Millisecond)
	}
	wantTooMany(t, sendText(t, srv, 4, "over"), 1)
	if n := len(srv.Messages(4)); n != 0 {
		t.Errorf("a refused send was performed: %d messages", n)
	}
	// The window slides: once the first send is a second old, one fits.
	clock.Advance(701 * time.Millisecond)
	wantOK(t, sendText(t, srv, 4, "fits"))
	wantTooMany(t, sendText(t, srv, 5, "over again"), 1)
	if srv.TooManyRequests() != 2 || srv.TooManyRequestsFor("sendMessage") != 2 {
		t.Errorf("429 count %d / %d, want 2", srv.TooManyRequests(), srv.TooManyRequestsFor("sendMessage"))
	}
}

func TestPerChatLimit(t *testing.T) {
	clock := newFakeClock()
	srv := newServer(t, Options{Now: clock.Now, RateLimits: &RateLimits{PerChatPerSecond: 1}})
	srv.NewUser(1, "A", "en")
	srv.NewUser(2, "B", "en")
	r := sendText(t, srv, 1, "first")
	wantOK(t, r)
	wantTooMany(t, sendText(t, srv, 1, "second"), 1)
	// Edits count against the same chat.
	msg := decode[wMessage](t, r.Result)
	wantTooMany(t, api(t, srv, "editMessageText", map[string]any{"chat_id": 1, "message_id": msg.MessageID, "text": "edited"}), 1)
	wantOK(t, sendText(t, srv, 2, "other chat is fine"))
	clock.Advance(time.Second)
	wantOK(t, sendText(t, srv, 1, "a second later"))
	if srv.TooManyRequestsFor("editMessageText") != 1 || srv.TooManyRequests() != 2 {
		t.Errorf("429 counts: edit %d total %d", srv.TooManyRequestsFor("editMessageText"), srv.TooManyRequests())
	}
}

func TestPerGroupLimit(t *testing.T) {
	clock := newFakeClock()
	srv := newServer(t, Options{Now: clock.Now, RateLimits: &RateLimits{PerGroupPerMinute: 2, PerChatPerSecond: 1}})
	g := srv.NewGroup(-100, "Team")
	wantOK(t, sendText(t, srv, g.ID(), "one"))
	clock.Advance(10 * time.Second)
	wantOK(t, sendText(t, srv, g.ID(), "two"))
	clock.Advance(10 * time.Second)
	wantTooMany(t, sendText(t, srv, g.ID(), "three"), 40)
	clock.Advance(39500 * time.Millisecond)
	wantTooMany(t, sendText(t, srv, g.ID(), "three"), 1)
	clock.Advance(500 * time.Millisecond)
	wantOK(t, sendText(t, srv, g.ID(), "three"))
}

func TestLimitsDisabled(t *testing.T) {
	srv := newServer(t, Options{RateLimits: &RateLimits{GlobalPerSecond: 0, PerChatPerSecond: -1}})
	srv.NewUser(1, "A", "en")
	for range 50 {
		wantOK(t, sendText(t, srv, 1, "flood"))
	}
}

// TestLimitsNotOnOtherMethods: only sends and edits are flood-limited.
func TestLimitsNotOnOtherMethods(t *testing.T) {
	srv := newServer(t, Options{RateLimits: &RateLimits{GlobalPerSecond: 1, PerChatPerSecond: 1}})
	srv.NewUser(1, "A", "en")
	wantOK(t, sendText(t, srv, 1, "uses the budget"))
	for range 5 {
		wantOK(t, api(t, srv, "getMe", nil))
		wantOK(t, api(t, srv, "getUpdates", nil))
		wantOK(t, api(t, srv, "sendChatAction", map[string]any{"chat_id": 1, "action": "typing"}))
		wantOK(t, api(t, srv, "setMyCommands", map[string]any{"commands": []map[string]string{{"command": "a", "description": "b"}}}))
	}
}

// TestLimitThroughGoTelegram: the 429 reaches go-telegram/bot as a
// *bot.TooManyRequestsError carrying retry_after.
func TestLimitThroughGoTelegram(t *testing.T) {
	srv := newServer(t, Options{RateLimits: &RateLimits{PerChatPerSecond: 1}})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	ctx := testCtx(t)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "one"}); err != nil {
		t.Fatal(err)
	}
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "two"})
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 1 {
		t.Fatalf("err = %v, want TooManyRequestsError with RetryAfter 1", err)
	}
	_, err = b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(), Photo: &models.InputFileUpload{Filename: "p.png", Data: bytes.NewReader(userPhoto())}})
	if !bot.IsTooManyRequestsError(err) {
		t.Fatalf("sendPhoto err = %v, want 429", err)
	}
	if n := len(alice.Messages()); n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
}

// In a forum every topic is the same group for the per-group limit, and
// edits count with sends; answering presses, reacting and managing
// topics do not count.
func TestPerGroupLimitInTopics(t *testing.T) {
	clock := newFakeClock()
	srv := newServer(t, Options{Now: clock.Now, RateLimits: &RateLimits{PerGroupPerMinute: 3}})
	alice := srv.NewUser(1001, "Alice", "en")
	forum := srv.NewSupergroup(-1001234567890, "Projects", true, alice)
	forum.SetBotRights(&Rights{CanManageTopics: true})
	b := newBot(t, srv)
	ctx := testCtx(t)
	var topics []int
	for _, name := range []string{"A", "B", "C", "D"} {
		tp, err := b.CreateForumTopic(ctx, &bot.CreateForumTopicParams{ChatID: forum.ID(), Name: name})
		if err != nil {
			t.Fatalf("createForumTopic %s: %v", name, err)
		}
		topics = append(topics, tp.MessageThreadID)
	}
	send := func(thread int) (*models.Message, error) {
		return b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum.ID(), MessageThreadID: thread, Text: "status",
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "Done", CallbackData: "done"}})})
	}
	first, err := send(topics[0])
	if err != nil {
		t.Fatal(err)
	}
	second, err := send(topics[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: forum.ID(), MessageID: first.ID, Text: "status, edited"}); err != nil {
		t.Fatal(err)
	}
	var tooMany *bot.TooManyRequestsError
	if _, err := send(topics[2]); !errors.As(err, &tooMany) || tooMany.RetryAfter != 60 {
		t.Fatalf("fourth call into the group: %v", err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum.ID(), Text: "general"}); !bot.IsTooManyRequestsError(err) {
		t.Errorf("General topic: %v", err)
	}
	// Not counted, and not refused.
	if _, err := b.CloseForumTopic(ctx, &bot.CloseForumTopicParams{ChatID: forum.ID(), MessageThreadID: topics[3]}); err != nil {
		t.Errorf("closeForumTopic over the limit: %v", err)
	}
	if _, err := b.SetMessageReaction(ctx, &bot.SetMessageReactionParams{ChatID: forum.ID(), MessageID: first.ID, Reaction: emojiReaction("👍")}); err != nil {
		t.Errorf("setMessageReaction over the limit: %v", err)
	}
	qid, err := forum.Press(alice, second.ID, "done")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: qid}); err != nil {
		t.Errorf("answerCallbackQuery over the limit: %v", err)
	}
	clock.Advance(time.Minute)
	if _, err := send(topics[2]); err != nil {
		t.Errorf("a minute later: %v", err)
	}
}
