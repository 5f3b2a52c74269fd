package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/outbox"
	"taskbot/telegramtest"
)

// senderWait bounds every wait in these tests; reaching it is a failure.
const senderWait = 20 * time.Second

func senderFake(t testing.TB, limits *telegramtest.RateLimits) *telegramtest.Server {
	t.Helper()
	srv, err := telegramtest.New(telegramtest.Options{RateLimits: limits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func senderAPI(t testing.TB, serverURL, token string) *tg.Bot {
	t.Helper()
	api, err := tg.New(token, tg.WithServerURL(serverURL), tg.WithSkipGetMe(), tg.WithErrorsHandler(func(error) {}))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func senderCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), senderWait)
	t.Cleanup(cancel)
	return ctx
}

func senderPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 12))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSenderMakesEachCall(t *testing.T) {
	srv := senderFake(t, &telegramtest.RateLimits{})
	alice := srv.NewUser(1001, "Alice", "en")
	s := NewSender(senderAPI(t, srv.URL(), srv.Token()))
	ctx := senderCtx(t)

	id, err := s.Send(ctx, alice.ID(), models.OutSendMessage, models.Outgoing{
		Text: "<b>T07</b> due https://example.com/x",
		Buttons: [][]models.Button{
			{{Text: "Done", Data: "ms:1:done"}, {Text: "Open", URL: "https://example.com/t07"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := alice.Messages()
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Text != "T07 due https://example.com/x" || msgs[0].ParseMode != "HTML" {
		t.Fatalf("message %+v (id %d)", msgs, id)
	}
	if b, ok := msgs[0].Button("Done"); !ok || b.CallbackData != "ms:1:done" {
		t.Errorf("Done button %+v", b)
	}
	if b, ok := msgs[0].Button("Open"); !ok || b.URL != "https://example.com/t07" || b.CallbackData != "" {
		t.Errorf("Open button %+v", b)
	}

	// A forced reply with a placeholder, replying to the user's message.
	said := alice.SendText("2 80%")
	ask, err := s.Send(ctx, alice.ID(), models.OutSendMessage, models.Outgoing{
		Text: "Note?", ForceReply: true, Placeholder: "a short note", ReplyTo: said.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := alice.LastMessage()
	if m.ID != ask || !m.ForceReply || m.Placeholder != "a short note" || m.ReplyTo != said.ID {
		t.Fatalf("forced reply %+v", m)
	}
	// The message replied to is gone: the answer still goes.
	if _, err := s.Send(ctx, alice.ID(), models.OutSendMessage, models.Outgoing{Text: "still here", ReplyTo: 999999}); err != nil {
		t.Fatalf("reply to a missing message: %v", err)
	}

	photo, err := s.Send(ctx, alice.ID(), models.OutSendPhoto, models.Outgoing{Text: "<i>chart</i>", File: senderPNG(t), FileName: "chart.png"})
	if err != nil {
		t.Fatal(err)
	}
	m, _ = alice.LastMessage()
	if m.ID != photo || m.Photo == nil || m.Caption != "chart" {
		t.Fatalf("photo %+v", m)
	}
	doc, err := s.Send(ctx, alice.ID(), models.OutSendDocument, models.Outgoing{Text: "export", File: []byte("a,b\n1,2\n"), FileName: "export.csv"})
	if err != nil {
		t.Fatal(err)
	}
	m, _ = alice.LastMessage()
	if m.ID != doc || m.Document == nil || m.Document.Name != "export.csv" || string(m.Document.Data) != "a,b\n1,2\n" || m.Caption != "export" {
		t.Fatalf("document %+v", m)
	}

	// Edits: text with new buttons, then the same again (not modified:
	// done), then the markup alone, then no markup (keyboard removed).
	edit := models.Outgoing{Text: "<b>T07</b> done", EditMessageID: id, Buttons: [][]models.Button{{{Text: "Undo", Data: "undo"}}}}
	for range 2 {
		got, err := s.Send(ctx, alice.ID(), models.OutEditText, edit)
		if err != nil || got != id {
			t.Fatalf("edit text: %d %v", got, err)
		}
	}
	if got, err := s.Send(ctx, alice.ID(), models.OutEditMarkup, models.Outgoing{EditMessageID: id, Buttons: [][]models.Button{{{Text: "Redo", Data: "redo"}}}}); err != nil || got != id {
		t.Fatalf("edit markup: %d %v", got, err)
	}
	m = alice.Messages()[0]
	if m.Text != "T07 done" || len(m.Buttons) != 1 || m.Buttons[0][0].Text != "Redo" {
		t.Fatalf("edited %+v", m)
	}
	if _, err := s.Send(ctx, alice.ID(), models.OutEditMarkup, models.Outgoing{EditMessageID: id}); err != nil {
		t.Fatal(err)
	}
	if m = alice.Messages()[0]; len(m.Buttons) != 0 {
		t.Fatalf("keyboard not removed: %+v", m.Buttons)
	}

	if _, err := s.Send(ctx, alice.ID(), models.OutEditMarkup, models.Outgoing{EditMessageID: id, Buttons: [][]models.Button{{{Text: "Go", Data: "go"}}}}); err != nil {
		t.Fatal(err)
	}
	qid, err := alice.Press(id, "go")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Send(ctx, alice.ID(), models.OutAnswerCallback, models.Outgoing{CallbackQueryID: qid, Text: "Saved", Alert: true}); err != nil || got != 0 {
		t.Fatalf("answer: %d %v", got, err)
	}
	answers := srv.CallbackAnswers()
	if len(answers) != 1 || answers[0].Text != "Saved" || !answers[0].ShowAlert {
		t.Fatalf("answers %+v", answers)
	}
}

func TestSenderMapsTelegramErrors(t *testing.T) {
	srv := senderFake(t, &telegramtest.RateLimits{})
	alice := srv.NewUser(1001, "Alice", "en")
	blocked := srv.NewUser(1002, "Bob", "en")
	blocked.Block()
	s := NewSender(senderAPI(t, srv.URL(), srv.Token()))
	ctx := senderCtx(t)
	hello := models.Outgoing{Text: "hello"}
	token := srv.Token()

	check := func(name string, err error, want func(error) bool) {
		t.Helper()
		if err == nil || !want(err) {
			t.Errorf("%s: got %v", name, err)
			return
		}
		if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "TEST-TOKEN") {
			t.Errorf("%s: error shows the token: %v", name, err)
		}
	}
	rejected := func(err error) bool { return errors.Is(err, outbox.ErrRejected) }
	transient := func(err error) bool {
		var ra *outbox.RetryAfterError
		return !errors.Is(err, outbox.ErrRejected) && !errors.Is(err, outbox.ErrRecipientBlocked) && !errors.As(err, &ra)
	}

	_, err := s.Send(ctx, blocked.ID(), models.OutSendMessage, hello)
	check("blocked", err, func(err error) bool { return errors.Is(err, outbox.ErrRecipientBlocked) })
	_, err = s.Send(ctx, 424242, models.OutSendMessage, hello)
	check("unknown chat", err, rejected)
	_, err = s.Send(ctx, alice.ID(), models.OutSendMessage, models.Outgoing{Text: "<b>unclosed"})
	check("bad HTML", err, rejected)
	_, err = s.Send(ctx, alice.ID(), models.OutEditText, models.Outgoing{Text: "x", EditMessageID: 777})
	check("edit of a missing message", err, rejected)
	_, err = s.Send(ctx, alice.ID(), models.OutSendPhoto, models.Outgoing{Text: "no file"})
	check("photo without file", err, rejected)
	_, err = s.Send(ctx, alice.ID(), models.OutAnswerCallback, models.Outgoing{CallbackQueryID: "nope"})
	check("unknown callback query", err, rejected)

	srv.InjectFault(telegramtest.AnySend, telegramtest.TooManyRequests(7))
	_, err = s.Send(ctx, alice.ID(), models.OutSendMessage, hello)
	var ra *outbox.RetryAfterError
	check("429", err, func(err error) bool { return errors.As(err, &ra) && ra.After == 7*time.Second })

	srv.InjectFault(telegramtest.AnySend, telegramtest.ServerError(502))
	_, err = s.Send(ctx, alice.ID(), models.OutSendMessage, hello)
	check("502", err, transient)
	srv.InjectFault(telegramtest.AnySend, telegramtest.Fault{Kind: telegramtest.FaultServerError, Status: 503, PlainBody: true})
	_, err = s.Send(ctx, alice.ID(), models.OutSendMessage, hello)
	check("503 page from a proxy", err, transient)
	srv.InjectFault(telegramtest.AnySend, telegramtest.DropConnection(false))
	_, err = s.Send(ctx, alice.ID(), models.OutSendMessage, hello)
	check("dropped connection", err, transient)
	srv.InjectFault(telegramtest.AnySend, telegramtest.Timeout(0, false))
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = s.Send(short, alice.ID(), models.OutSendMessage, hello)
	cancel()
	check("timeout", err, func(err error) bool { return transient(err) && errors.Is(err, context.DeadlineExceeded) })
	if n := len(alice.Messages()); n != 0 {
		t.Fatalf("%d messages delivered by failed calls", n)
	}

	wrong := NewSender(senderAPI(t, srv.URL(), "123456:WRONG-SECRET"))
	_, err = wrong.Send(ctx, alice.ID(), models.OutSendMessage, hello)
	check("wrong token", err, transient)
	if err != nil && strings.Contains(err.Error(), "WRONG-SECRET") {
		t.Errorf("error shows the token: %v", err)
	}

	// A server that is not there: the client's error names the URL.
	gone := NewSender(senderAPI(t, "http://127.0.0.1:1", token))
	_, err = gone.Send(ctx, alice.ID(), models.OutSendMessage, hello)
	check("connection refused", err, transient)
}

// Errors the fake server does not produce, built the way go-telegram
// builds them.
func TestSenderErrorMapping(t *testing.T) {
	const token = "4242:SECRET-PART"
	s := NewSender(senderAPI(t, "http://127.0.0.1:1", token))
	notModified := fmt.Errorf("%w, %s", tg.ErrorBadRequest, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same")
	migrated := &tg.MigrateError{Message: "bad request: Bad Request: group chat was upgraded to a supergroup chat", MigrateToChatID: -1001234}
	leaky := fmt.Errorf("error do request for method sendMessage, %w", &url.Error{Op: "Post", URL: "https://api.telegram.org/bot" + token + "/sendMessage", Err: errors.New("boom")})

	if id, err := s.sendError(models.OutEditText, models.Outgoing{EditMessageID: 5}, notModified); err != nil || id != 5 {
		t.Errorf("not modified edit: %d %v", id, err)
	}
	if id, err := s.sendError(models.OutEditMarkup, models.Outgoing{EditMessageID: 6}, notModified); err != nil || id != 6 {
		t.Errorf("not modified markup: %d %v", id, err)
	}
	if _, err := s.sendError(models.OutSendMessage, models.Outgoing{}, notModified); !errors.Is(err, outbox.ErrRejected) {
		t.Errorf("not modified on a send: %v", err)
	}
	_, err := s.sendError(models.OutSendMessage, models.Outgoing{}, migrated)
	var (
		me    *tg.MigrateError
		moved *outbox.MigratedError
	)
	if errors.Is(err, outbox.ErrRejected) || !errors.As(err, &moved) || moved.To != -1001234 || !errors.As(err, &me) {
		t.Errorf("migrated: %v", err)
	}
	topicSame := fmt.Errorf("%w, %s", tg.ErrorBadRequest, "Bad Request: TOPIC_NOT_MODIFIED")
	for _, k := range []models.OutKind{models.OutEditTopic, models.OutCloseTopic, models.OutReopenTopic} {
		if _, err := s.sendError(k, models.Outgoing{MessageThreadID: 9}, topicSame); err != nil {
			t.Errorf("topic not modified on %s: %v", k, err)
		}
	}
	if _, err := s.sendError(models.OutSendMessage, models.Outgoing{}, fmt.Errorf("%w, Not Found", tg.ErrorNotFound)); !errors.Is(err, outbox.ErrRejected) {
		t.Errorf("404: %v", err)
	}
	if _, err := s.sendError(models.OutSendMessage, models.Outgoing{}, fmt.Errorf("%w, Conflict", tg.ErrorConflict)); errors.Is(err, outbox.ErrRejected) || err == nil {
		t.Errorf("409 taken as permanent: %v", err)
	}
	_, err = s.sendError(models.OutSendMessage, models.Outgoing{}, leaky)
	var ue *url.Error
	if err == nil || strings.Contains(err.Error(), "SECRET-PART") || !errors.As(err, &ue) {
		t.Errorf("leaky error: %v", err)
	}
	_, err = s.sendError(models.OutSendMessage, models.Outgoing{}, &tg.TooManyRequestsError{Message: "too many requests", RetryAfter: 3})
	var ra *outbox.RetryAfterError
	if !errors.As(err, &ra) || ra.After != 3*time.Second {
		t.Errorf("429: %v", err)
	}
}

// outboxRig runs the real dispatcher and this Sender against the fake
// Bot API server.
type outboxRig struct {
	t        *testing.T
	srv      *telegramtest.Server
	store    *models.Store
	d        *outbox.Dispatcher
	outcomes chan outbox.Outcome
	early    []outbox.Outcome
	cancel   context.CancelFunc
	done     chan error
}

func newOutboxRig(t *testing.T, s *models.Store, srv *telegramtest.Server, opt outbox.Options) *outboxRig {
	t.Helper()
	r := &outboxRig{t: t, srv: srv, store: s, outcomes: make(chan outbox.Outcome, 256)}
	opt.Store = s
	opt.Sender = NewSender(senderAPI(t, srv.URL(), srv.Token()))
	opt.Logger = slog.New(slog.DiscardHandler)
	if opt.RetryBase == 0 {
		opt.RetryBase = 20 * time.Millisecond
	}
	opt.OnOutcome = func(o outbox.Outcome) { r.outcomes <- o }
	d, err := outbox.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	r.d = d
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- d.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *outboxRig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("Run: %v", err)
		}
	case <-time.After(senderWait):
		r.t.Error("Run did not return")
	}
	r.cancel = nil
}

func (r *outboxRig) enqueue(key string, chatID int64, kind models.OutKind, out models.Outgoing) uint {
	r.t.Helper()
	ctx := context.Background()
	if err := r.store.Tx(ctx, func(tx *gorm.DB) error { return models.Enqueue(tx, key, chatID, kind, out) }); err != nil {
		r.t.Fatal(err)
	}
	var m models.OutboxMessage
	if err := r.store.DB.Where("idem_key = ?", key).Take(&m).Error; err != nil {
		r.t.Fatal(err)
	}
	r.d.Notify()
	return m.ID
}

// next returns the next outcome recorded for outbox message id.
func (r *outboxRig) next(id uint) outbox.Outcome {
	r.t.Helper()
	for i, o := range r.early {
		if o.ID == id {
			r.early = append(r.early[:i], r.early[i+1:]...)
			return o
		}
	}
	deadline := time.After(senderWait)
	for {
		select {
		case o := <-r.outcomes:
			if o.ID == id {
				return o
			}
			r.early = append(r.early, o)
		case <-deadline:
			r.t.Fatalf("no outcome for outbox message %d", id)
			return outbox.Outcome{}
		}
	}
}

func (r *outboxRig) results(id uint, want ...outbox.Result) []outbox.Outcome {
	r.t.Helper()
	var seen []outbox.Outcome
	for i, w := range want {
		o := r.next(id)
		if o.Result != w || o.RecordErr != nil {
			r.t.Fatalf("outcome %d of message %d: %+v, want %s", i+1, id, o, w)
		}
		seen = append(seen, o)
	}
	return seen
}

func (r *outboxRig) row(id uint) *models.OutboxMessage {
	r.t.Helper()
	m, err := r.store.OutboxMessageByID(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}

func TestOutboxHonoursInjected429(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		srv := senderFake(t, nil)
		alice := srv.NewUser(1001, "Alice", "en")
		bob := srv.NewUser(1002, "Bob", "en")
		// retry_after 2: longer than the per-chat spacing, which alone would
		// hold the retry back a second.
		srv.InjectFault(telegramtest.AnySend, telegramtest.TooManyRequests(2))
		r := newOutboxRig(t, s, srv, outbox.Options{})
		before := time.Now() // the 429 comes after this
		first := r.enqueue("m1", alice.ID(), models.OutSendMessage, models.Outgoing{Text: "hello"})
		r.results(first, outbox.ResultRateLimited)
		// Another chat's message, due at once, waits for the pause too.
		other := r.enqueue("m2", bob.ID(), models.OutSendMessage, models.Outgoing{Text: "hi"})
		r.results(first, outbox.ResultSent)
		r.results(other, outbox.ResultSent)
		sent := srv.Sent()
		if len(sent) != 2 || srv.TooManyRequests() != 1 {
			t.Fatalf("sent %+v, 429s %d", sent, srv.TooManyRequests())
		}
		for _, c := range sent {
			if d := c.At.Sub(before); d < 2*time.Second {
				t.Errorf("%s to chat %d %s after the 429 with retry_after 2", c.Method, c.ChatID, d)
			}
		}
		if m := r.row(first); m.State != models.OutboxSent || m.TelegramMessageID != alice.Messages()[0].ID {
			t.Fatalf("row %+v", m)
		}
	})
}

func TestOutboxRetriesServerErrors(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		srv := senderFake(t, nil)
		alice := srv.NewUser(1001, "Alice", "en")
		srv.InjectFault(telegramtest.AnySend, telegramtest.ServerError(502))
		srv.InjectFault(telegramtest.AnySend, telegramtest.Fault{Kind: telegramtest.FaultServerError, Status: 503, PlainBody: true})
		srv.InjectFault(telegramtest.AnySend, telegramtest.DropConnection(false))
		r := newOutboxRig(t, s, srv, outbox.Options{})
		id := r.enqueue("m1", alice.ID(), models.OutSendMessage, models.Outgoing{Text: "hello"})
		r.results(id, outbox.ResultRetry, outbox.ResultRetry, outbox.ResultRetry, outbox.ResultSent)
		if n, calls := len(alice.Messages()), srv.Calls("sendMessage"); n != 1 || calls != 4 {
			t.Fatalf("%d messages from %d calls", n, calls)
		}
		if m := r.row(id); m.State != models.OutboxSent || m.Attempts != 4 {
			t.Fatalf("row %+v", m)
		}
	})
}

// When a call's outcome is unknown — the answer never came — the message
// is sent again: twice at the server if the first call took effect, once
// if it did not.
func TestOutboxResendsWhenOutcomeUnknown(t *testing.T) {
	for _, c := range []struct {
		name      string
		fault     telegramtest.Fault
		delivered int
	}{
		{"timeout after delivery", telegramtest.Timeout(0, true), 2},
		{"timeout before delivery", telegramtest.Timeout(0, false), 1},
		{"connection dropped after delivery", telegramtest.DropConnection(true), 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
				srv := senderFake(t, nil)
				alice := srv.NewUser(1001, "Alice", "en")
				srv.InjectFault(telegramtest.AnySend, c.fault)
				r := newOutboxRig(t, s, srv, outbox.Options{SendTimeout: 300 * time.Millisecond})
				id := r.enqueue("m1", alice.ID(), models.OutSendMessage, models.Outgoing{Text: "reminder"})
				r.results(id, outbox.ResultRetry, outbox.ResultSent)
				r.stop()
				msgs := alice.Messages()
				if len(msgs) != c.delivered || srv.Calls("sendMessage") != 2 {
					t.Fatalf("%d messages from %d calls, want %d from 2", len(msgs), srv.Calls("sendMessage"), c.delivered)
				}
				if m := r.row(id); m.State != models.OutboxSent || m.TelegramMessageID != msgs[len(msgs)-1].ID {
					t.Fatalf("row %+v", m)
				}
			})
		})
	}
}

func TestOutboxBlockedUserBecomesUnreachable(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		srv := senderFake(t, nil)
		alice := srv.NewUser(1001, "Alice", "en")
		admin := srv.NewUser(1, "Admin", "en")
		tgID := alice.ID()
		p := &models.Person{Key: "alice", Name: "Alice", TelegramID: &tgID}
		if err := s.DB.Create(p).Error; err != nil {
			t.Fatal(err)
		}
		alice.Block()
		var (
			mu       sync.Mutex
			notified []uint
		)
		r := newOutboxRig(t, s, srv, outbox.Options{
			OnUnreachable: func(tx *gorm.DB, who *models.Person) error {
				mu.Lock()
				notified = append(notified, who.ID)
				mu.Unlock()
				return models.Enqueue(tx, fmt.Sprintf("unreachable:%d", who.ID), admin.ID(), models.OutSendMessage,
					models.Outgoing{Text: who.Name + " blocked the bot"})
			},
		})
		// Both are queued in one transaction, so the second is waiting when
		// the first meets the 403: it fails with it, unsent. (A message
		// queued after that is tried, since the person may have come back.)
		err := s.Tx(context.Background(), func(tx *gorm.DB) error {
			for _, m := range []struct{ key, text string }{{"m1", "one"}, {"m2", "two"}} {
				if err := models.Enqueue(tx, m.key, alice.ID(), models.OutSendMessage, models.Outgoing{Text: m.text}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		r.d.Notify()
		var first, second uint
		s.DB.Model(&models.OutboxMessage{}).Where("idem_key = ?", "m1").Pluck("id", &first)
		s.DB.Model(&models.OutboxMessage{}).Where("idem_key = ?", "m2").Pluck("id", &second)
		r.results(first, outbox.ResultUnreachable)
		got, err := admin.WaitMessages(senderCtx(t), 1)
		if err != nil || got[0].Text != "Alice blocked the bot" {
			t.Fatalf("admin notice %+v %v", got, err)
		}
		r.stop()
		if len(notified) != 1 || notified[0] != p.ID {
			t.Fatalf("notified %v", notified)
		}
		var after models.Person
		if err := s.DB.Take(&after, p.ID).Error; err != nil || !after.Unreachable {
			t.Fatalf("person %+v %v", after, err)
		}
		for _, id := range []uint{first, second} {
			if m := r.row(id); m.State != models.OutboxFailed {
				t.Errorf("row %+v", m)
			}
		}
		if srv.Calls("sendMessage") != 2 { // the first message and the notice
			t.Fatalf("%d calls", srv.Calls("sendMessage"))
		}
	})
}

// Telegram's own limits, enforced by the fake: one message per second per
// chat. The dispatcher spaces them and is never told off.
func TestOutboxRespectsPerChatLimit(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		srv := senderFake(t, nil) // Telegram's documented limits
		alice := srv.NewUser(1001, "Alice", "en")
		r := newOutboxRig(t, s, srv, outbox.Options{})
		first := r.enqueue("m1", alice.ID(), models.OutSendMessage, models.Outgoing{Text: "one", Buttons: [][]models.Button{{{Text: "ok", Data: "ok"}}}})
		r.enqueue("m2", alice.ID(), models.OutSendMessage, models.Outgoing{Text: "two"})
		r.enqueue("m3", alice.ID(), models.OutSendMessage, models.Outgoing{Text: "three"})
		edit := r.enqueue("e1", alice.ID(), models.OutEditText, models.Outgoing{Text: "one, edited", EditOutboxID: first})
		r.results(edit, outbox.ResultSent)
		sent := srv.Sent()
		if len(sent) != 4 || srv.TooManyRequests() != 0 {
			t.Fatalf("sent %+v, 429s %d", sent, srv.TooManyRequests())
		}
		for i := 1; i < len(sent); i++ {
			if d := sent[i].At.Sub(sent[i-1].At); d < time.Second {
				t.Errorf("call %d came %s after the previous one", i+1, d)
			}
		}
		msgs := alice.Messages()
		if len(msgs) != 3 || msgs[0].Text != "one, edited" || msgs[1].Text != "two" || msgs[2].Text != "three" {
			t.Fatalf("messages %+v", msgs)
		}
	})
}
