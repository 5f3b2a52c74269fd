package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// TestConversation runs a real go-telegram/bot bot in long-polling mode
// against the server and drives it as a user would.
func TestConversation(t *testing.T) {
	var (
		mu         sync.Mutex
		transcript []string
	)
	// Flood limits off: the edit follows the send within a second, which
	// the default per-chat limit would refuse (see TestPerChatLimit).
	srv := newServer(t, Options{RateLimits: noLimits, OnEvent: func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		transcript = append(transcript, e.String())
	}})
	alice := srv.NewUser(1001, "Alice", "en")

	// Handlers run on the bot's goroutines, possibly after the test has
	// ended; they report through errs instead of t.
	errs := make(chan error, 10)
	listDone := make(chan struct{})
	t.Cleanup(func() {
		for {
			select {
			case err := <-errs:
				t.Error(err)
			default:
				return
			}
		}
	})
	b := newBot(t, srv)
	b.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{
			ChatID:    u.Message.Chat.ID,
			Text:      fmt.Sprintf("Hello, <b>%s</b>! Args: %s", u.Message.From.FirstName, strings.TrimPrefix(u.Message.Text, "/start ")),
			ParseMode: models.ParseModeHTML,
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{
				{Text: "Add task", CallbackData: "add"}, {Text: "List", CallbackData: "list"},
			}),
		})
		if err != nil {
			errs <- fmt.Errorf("start handler: %w", err)
		}
	})
	b.RegisterHandler(bot.HandlerTypeCallbackQueryData, "list", bot.MatchTypeExact, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		msg := u.CallbackQuery.Message.Message
		if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID, Text: "Here you go"}); err != nil {
			errs <- fmt.Errorf("answer: %w", err)
		}
		if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: msg.Chat.ID, MessageID: msg.ID, Text: "No tasks yet."}); err != nil {
			errs <- fmt.Errorf("edit: %w", err)
		}
		close(listDone)
	})
	runBot(t, b)

	ctx := testCtx(t)
	alice.SendCommand("start", "from-ad")
	msgs, err := alice.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatalf("no greeting: %v", err)
	}
	greet := msgs[0]
	if greet.Text != "Hello, Alice! Args: from-ad" || len(greet.Entities) != 1 || greet.Entities[0].Type != "bold" {
		t.Errorf("greeting %q %+v", greet.Text, greet.Entities)
	}
	if _, err := alice.Press(greet.ID, "list"); err != nil {
		t.Fatal(err)
	}
	err = srv.WaitFor(ctx, func(st *State) bool {
		ms := st.Messages(alice.ID())
		return len(st.CallbackAnswers()) == 1 && len(ms) == 1 && ms[0].Text == "No tasks yet."
	})
	if err != nil {
		t.Fatalf("press not handled: %v", err)
	}
	select {
	case <-listDone:
	case <-ctx.Done():
		t.Fatal("list handler did not finish")
	}
	if m := alice.Messages()[0]; m.Buttons != nil {
		t.Errorf("keyboard survived an edit without reply_markup: %+v", m.Buttons)
	}
	// The bot confirmed the updates it processed on its next poll.
	if err := srv.WaitFor(ctx, func(st *State) bool { return st.PendingUpdates() == 0 }); err != nil {
		t.Errorf("updates never confirmed: %v", err)
	}

	_ = srv.Close()
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"Alice: /start from-ad",
		"@taskbot_demo_bot -> Alice #2: Hello, Alice! Args: from-ad\n    [Add task] [List]",
		"Alice pressed [List] on #2",
		"@taskbot_demo_bot answered the press on #2: \"Here you go\"",
		"@taskbot_demo_bot edited #2 for Alice: No tasks yet.",
	}
	if got := strings.Join(transcript, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("transcript:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestGetMeThroughGoTelegram(t *testing.T) {
	srv := newServer(t, Options{Token: "987654:ABC-def", BotUsername: "my_bot", BotFirstName: "My Bot"})
	// bot.New calls getMe unless told not to.
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	me, err := b.GetMe(testCtx(t))
	if err != nil || me.ID != 987654 || me.Username != "my_bot" || me.FirstName != "My Bot" || !me.IsBot || b.ID() != me.ID {
		t.Errorf("getMe = %+v, %v", me, err)
	}
	if _, err := bot.New("1:wrong", bot.WithServerURL(srv.URL())); !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
	if _, err := New(Options{Token: "nonsense"}); err == nil {
		t.Error("New accepted a malformed token")
	}
}

func TestWaitForTimeoutAndClose(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	msgs, err := alice.WaitMessages(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) || len(msgs) != 0 {
		t.Errorf("WaitMessages = %v, %v", msgs, err)
	}

	done := make(chan error, 1)
	go func() { done <- srv.WaitFor(context.Background(), func(*State) bool { return false }) }()
	// A parked long poll must be released by Close too.
	poll := make(chan apiResp, 1)
	go func() { poll <- api(t, srv, "getUpdates", map[string]any{"timeout": 60}) }()
	if err := srv.WaitFor(testCtx(t), (*State).Polling); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("WaitFor after Close = %v", err)
	}
	if r := <-poll; !r.OK {
		t.Errorf("parked poll after Close = %v", r)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	b := newBot(t, srv)
	var wg sync.WaitGroup
	for i := range 8 {
		u := srv.NewUser(int64(2000+i), "U", "en")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				u.SendText(fmt.Sprint("msg ", j))
				if _, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: u.ID(), Text: "ack"}); err != nil {
					t.Error(err)
				}
				_ = u.Messages()
			}
		}()
	}
	wg.Wait()
	if n := len(srv.Sent()); n != 80 {
		t.Errorf("sent %d, want 80", n)
	}
	if n := srv.PendingUpdates(); n != 80 {
		t.Errorf("pending %d, want 80", n)
	}
}
