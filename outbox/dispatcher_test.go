package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"taskbot/models"
	"taskbot/models/storetest"
)

// waitLimit bounds every wait in these tests; reaching it is a failure,
// never a way to let something happen.
const waitLimit = 15 * time.Second

// testStart is where test clocks start; each database's subtest sets it
// again, since both share the clock given to Open.
var testStart = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func newTestClock() *storetest.Clock { return storetest.NewClock(testStart) }

// call is one Send the fake received.
type call struct {
	n      int // 1-based, across all chats
	chatID int64
	kind   models.OutKind
	out    models.Outgoing
	start  time.Time
	end    time.Time
	err    error
}

// fakeSender answers with reply and reports every call on calls.
type fakeSender struct {
	reply func(c call) (int, error)

	mu     sync.Mutex
	n      int
	nextID int
	log    []call
	calls  chan call
}

func newFakeSender(reply func(c call) (int, error)) *fakeSender {
	return &fakeSender{reply: reply, nextID: 1000, calls: make(chan call, 1024)}
}

func (f *fakeSender) Send(ctx context.Context, chatID int64, kind models.OutKind, out models.Outgoing) (int, error) {
	f.mu.Lock()
	f.n++
	c := call{n: f.n, chatID: chatID, kind: kind, out: out, start: time.Now()}
	f.mu.Unlock()
	var (
		id  int
		err error
	)
	if f.reply != nil {
		id, err = f.reply(c)
	}
	if err == nil && id == 0 {
		f.mu.Lock()
		f.nextID++
		id = f.nextID
		f.mu.Unlock()
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("send context ended: %w", ctx.Err())
	}
	c.end, c.err = time.Now(), err
	f.mu.Lock()
	f.log = append(f.log, c)
	f.mu.Unlock()
	f.calls <- c
	return id, err
}

func (f *fakeSender) callsTo(chatID int64) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.log {
		if c.chatID == chatID {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeSender) all() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.log...)
}

// harness runs a dispatcher on a store with a fake sender.
type harness struct {
	t        *testing.T
	s        *models.Store
	send     *fakeSender
	d        *Dispatcher
	outcomes chan Outcome
	pending  []Outcome
	cancel   context.CancelFunc
	done     chan error
}

func newHarness(t *testing.T, s *models.Store, send *fakeSender, opt Options) *harness {
	t.Helper()
	h := &harness{t: t, s: s, send: send, outcomes: make(chan Outcome, 1024)}
	opt.Store, opt.Sender = s, send
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.PollInterval == 0 {
		// Long enough that nothing here relies on polling: Notify and
		// due-time wake-ups must do the work.
		opt.PollInterval = time.Hour
	}
	opt.OnOutcome = func(o Outcome) { h.outcomes <- o }
	d, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	h.d = d
	return h
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.d.Run(ctx) }()
	h.t.Cleanup(func() { h.stop() })
}

// stop cancels Run and waits for it to return.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(waitLimit):
		h.t.Fatal("Run did not return after cancel")
	}
	h.cancel = nil
}

func (h *harness) enqueue(key string, chatID int64, kind models.OutKind, out models.Outgoing) uint {
	h.t.Helper()
	ctx := context.Background()
	if err := h.s.Tx(ctx, func(tx *gorm.DB) error { return models.Enqueue(tx, key, chatID, kind, out) }); err != nil {
		h.t.Fatal(err)
	}
	var m models.OutboxMessage
	if err := h.s.DB.Where("idem_key = ?", key).Take(&m).Error; err != nil {
		h.t.Fatal(err)
	}
	return m.ID
}

func (h *harness) text(key string, chatID int64) uint {
	return h.enqueue(key, chatID, models.OutSendMessage, models.Outgoing{Text: key})
}

func (h *harness) waitCall() call {
	h.t.Helper()
	select {
	case c := <-h.send.calls:
		return c
	case <-time.After(waitLimit):
		h.t.Fatal("no Send call")
		return call{}
	}
}

// waitOutcome returns the next outcome recorded for outbox message id.
func (h *harness) waitOutcome(id uint) Outcome {
	h.t.Helper()
	for i, o := range h.pending {
		if o.ID == id {
			h.pending = append(h.pending[:i], h.pending[i+1:]...)
			return o
		}
	}
	deadline := time.After(waitLimit)
	for {
		select {
		case o := <-h.outcomes:
			if o.RecordErr != nil && !errors.Is(o.RecordErr, models.ErrLostClaim) {
				h.t.Errorf("outcome of %d not recorded: %v", o.ID, o.RecordErr)
			}
			if o.ID == id {
				return o
			}
			h.pending = append(h.pending, o)
		case <-deadline:
			h.t.Fatalf("no outcome for outbox message %d", id)
			return Outcome{}
		}
	}
}

// waitRow waits until the row satisfies ok.
func (h *harness) waitRow(id uint, ok func(*models.OutboxMessage) bool) {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !ok(h.row(id)) {
		if time.Now().After(deadline) {
			h.t.Fatalf("row %d: %+v", id, h.row(id))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) row(id uint) *models.OutboxMessage {
	h.t.Helper()
	m, err := h.s.OutboxMessageByID(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

func transient(c call) (int, error) { return 0, errors.New("502 Bad Gateway") }

func TestDispatcherKeepsEachChatInOrderAndSpaced(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		send := newFakeSender(nil)
		h := newHarness(t, s, send, Options{PerChatInterval: 150 * time.Millisecond, PerGroupInterval: 300 * time.Millisecond})
		var ids []uint
		for i := range 3 {
			ids = append(ids, h.text(fmt.Sprintf("a%d", i), 10))
			ids = append(ids, h.text(fmt.Sprintf("b%d", i), 20))
			ids = append(ids, h.text(fmt.Sprintf("g%d", i), -30))
		}
		h.start()
		for _, id := range ids {
			if o := h.waitOutcome(id); o.Result != ResultSent {
				t.Fatalf("message %d: %+v", id, o)
			}
		}
		for chat, gap := range map[int64]time.Duration{10: 150 * time.Millisecond, 20: 150 * time.Millisecond, -30: 300 * time.Millisecond} {
			calls := send.callsTo(chat)
			if len(calls) != 3 {
				t.Fatalf("chat %d: %d calls", chat, len(calls))
			}
			for i, c := range calls {
				if want := fmt.Sprintf("%c%d", map[int64]rune{10: 'a', 20: 'b', -30: 'g'}[chat], i); c.out.Text != want {
					t.Errorf("chat %d call %d sent %q, want %q", chat, i, c.out.Text, want)
				}
				if i > 0 {
					if d := c.start.Sub(calls[i-1].end); d < gap {
						t.Errorf("chat %d: call %d started %s after the previous one ended, want ≥ %s", chat, i, d, gap)
					}
				}
			}
		}
		for _, id := range ids {
			if m := h.row(id); m.State != models.OutboxSent || m.TelegramMessageID < 1000 || m.SentAt == nil {
				t.Errorf("row %d: %+v", id, m)
			}
		}
	})
}

func TestDispatcherNotifyWakesAtOnce(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s, newFakeSender(nil), Options{})
		h.start()
		// The first claim found nothing; the next poll is an hour away.
		id := h.text("late", 10)
		h.d.Notify()
		if o := h.waitOutcome(id); o.Result != ResultSent {
			t.Fatalf("%+v", o)
		}
	})
}

func TestDispatcherRetriesTransientFailureWithBackoff(t *testing.T) {
	clock := newTestClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(testStart)
		send := newFakeSender(func(c call) (int, error) {
			if c.n == 1 {
				return transient(c)
			}
			return 0, nil
		})
		reg := prometheus.NewRegistry()
		h := newHarness(t, s, send, Options{Registerer: reg, PerChatInterval: time.Millisecond})
		id := h.text("m", 10)
		h.start()

		o := h.waitOutcome(id)
		if o.Result != ResultRetry || o.Err == nil || !strings.Contains(o.Err.Error(), "502") {
			t.Fatalf("first outcome %+v", o)
		}
		// Attempt 1 waits between half and all of the 1 s base.
		if d := o.RetryAt.Sub(clock.Now()); d < 500*time.Millisecond || d > time.Second {
			t.Fatalf("retry in %s", d)
		}
		m := h.row(id)
		if m.State != models.OutboxPending || m.Attempts != 1 || !strings.Contains(m.LastError, "502") {
			t.Fatalf("after failure: %+v", m)
		}
		clock.Advance(time.Second)
		h.d.Notify()
		if o := h.waitOutcome(id); o.Result != ResultSent {
			t.Fatalf("second outcome %+v", o)
		}
		if m := h.row(id); m.State != models.OutboxSent || m.Attempts != 2 || m.LastError != "" {
			t.Fatalf("after retry: %+v", m)
		}
		if n := len(send.all()); n != 2 {
			t.Fatalf("%d calls", n)
		}
		if v := counterValue(h.d.metrics.retried.WithLabelValues(string(models.OutSendMessage))); v != 1 {
			t.Errorf("retried metric %v", v)
		}
		if v := counterValue(h.d.metrics.sent.WithLabelValues(string(models.OutSendMessage))); v != 1 {
			t.Errorf("sent metric %v", v)
		}
	})
}

func TestDispatcherBackoffGrowsToCap(t *testing.T) {
	d := &Dispatcher{opt: Options{RetryBase: time.Second, RetryCap: 5 * time.Minute}}
	for attempt, full := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 12: 5 * time.Minute, 80: 5 * time.Minute} {
		for range 50 {
			if w := d.backoff(attempt); w < full/2 || w > full {
				t.Fatalf("attempt %d waits %s, want within [%s, %s]", attempt, w, full/2, full)
			}
		}
	}
}

func TestDispatcherGivesUpAfterMaxAttempts(t *testing.T) {
	clock := newTestClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(testStart)
		send := newFakeSender(transient)
		h := newHarness(t, s, send, Options{MaxAttempts: 3, PerChatInterval: time.Millisecond})
		id := h.text("doomed", 10)
		next := h.text("next", 10)
		h.start()
		for attempt := 1; attempt <= 2; attempt++ {
			if o := h.waitOutcome(id); o.Result != ResultRetry || o.Attempt != attempt {
				t.Fatalf("attempt %d: %+v", attempt, o)
			}
			clock.Advance(5 * time.Minute)
			h.d.Notify()
		}
		o := h.waitOutcome(id)
		if o.Result != ResultFailed || o.Attempt != 3 {
			t.Fatalf("last outcome %+v", o)
		}
		m := h.row(id)
		if m.State != models.OutboxFailed || m.Attempts != 3 || !strings.Contains(m.LastError, "gave up after 3 attempts") {
			t.Fatalf("row %+v", m)
		}
		// The chat's next message goes on (and fails its first attempt).
		if o := h.waitOutcome(next); o.Result != ResultRetry {
			t.Fatalf("next message: %+v", o)
		}
		if n := len(send.all()); n != 4 {
			t.Fatalf("%d calls, want 3 + 1", n)
		}
	})
}

func TestDispatcherRejectedMessageFailsAndChatGoesOn(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		send := newFakeSender(func(c call) (int, error) {
			if c.out.Text == "bad" {
				return 0, fmt.Errorf("%w: can't parse entities", ErrRejected)
			}
			return 0, nil
		})
		h := newHarness(t, s, send, Options{PerChatInterval: time.Millisecond})
		bad := h.text("bad", 10)
		good := h.text("good", 10)
		h.start()
		if o := h.waitOutcome(bad); o.Result != ResultFailed || !errors.Is(o.Err, ErrRejected) {
			t.Fatalf("bad: %+v", o)
		}
		if o := h.waitOutcome(good); o.Result != ResultSent {
			t.Fatalf("good: %+v", o)
		}
		if m := h.row(bad); m.State != models.OutboxFailed || m.Attempts != 1 || !strings.Contains(m.LastError, "can't parse entities") {
			t.Fatalf("bad row %+v", m)
		}
		if n := len(send.callsTo(10)); n != 2 {
			t.Fatalf("%d calls: a rejected message must not be retried", n)
		}
	})
}

func TestDispatcherRetryAfterPausesAllSending(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		const retryAfter = 400 * time.Millisecond
		var (
			mu     sync.Mutex
			pauseT time.Time
		)
		send := newFakeSender(func(c call) (int, error) {
			if c.n == 1 {
				mu.Lock()
				pauseT = time.Now()
				mu.Unlock()
				return 0, &RetryAfterError{After: retryAfter}
			}
			return 0, nil
		})
		reg := prometheus.NewRegistry()
		h := newHarness(t, s, send, Options{Workers: 1, Registerer: reg})
		first := h.text("first", 10)
		others := []uint{h.text("second", 20), h.text("third", 30)}
		h.start()
		o := h.waitOutcome(first)
		var ra *RetryAfterError
		if o.Result != ResultRateLimited || !errors.As(o.Err, &ra) {
			t.Fatalf("first outcome %+v", o)
		}
		for _, id := range append(others, first) {
			if o := h.waitOutcome(id); o.Result != ResultSent {
				t.Fatalf("message %d: %+v", id, o)
			}
		}
		calls := send.all()
		if len(calls) != 4 {
			t.Fatalf("%d calls", len(calls))
		}
		for _, c := range calls[1:] {
			if d := c.start.Sub(pauseT); d < retryAfter {
				t.Errorf("call to chat %d started %s after the 429, want ≥ %s", c.chatID, d, retryAfter)
			}
		}
		if m := h.row(first); m.State != models.OutboxSent || m.Attempts != 2 {
			t.Fatalf("first row %+v", m)
		}
		if v := counterValue(h.d.metrics.rateLimited.WithLabelValues(string(models.OutSendMessage))); v != 1 {
			t.Errorf("429 metric %v", v)
		}
	})
}

func TestDispatcherBlockedChatMarksPersonUnreachable(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		const blocked, admin = int64(4242), int64(1)
		tg := blocked
		p := &models.Person{Key: "陈静", Name: "陈静", TelegramID: &tg}
		if err := s.DB.Create(p).Error; err != nil {
			t.Fatal(err)
		}
		send := newFakeSender(func(c call) (int, error) {
			if c.chatID == blocked {
				return 0, fmt.Errorf("%w: bot was blocked by the user", ErrRecipientBlocked)
			}
			return 0, nil
		})
		var notified []string
		h := newHarness(t, s, send, Options{
			OnUnreachable: func(tx *gorm.DB, who *models.Person) error {
				notified = append(notified, who.Name)
				return models.Enqueue(tx, "unreachable-"+who.Key, admin, models.OutSendMessage, models.Outgoing{Text: who.Name + " blocked the bot"})
			},
		})
		first := h.text("m1", blocked)
		rest := []uint{h.text("m2", blocked), h.text("m3", blocked)}
		other := h.text("other", 20)
		h.start()
		if o := h.waitOutcome(first); o.Result != ResultUnreachable || !errors.Is(o.Err, ErrRecipientBlocked) {
			t.Fatalf("first: %+v", o)
		}
		if o := h.waitOutcome(other); o.Result != ResultSent {
			t.Fatalf("other chat: %+v", o)
		}
		// The admin notice enqueued in the same transaction goes out too.
		h.d.Notify()
		var notice call
		for notice.chatID != admin {
			notice = h.waitCall()
		}
		if notice.out.Text != "陈静 blocked the bot" {
			t.Fatalf("notice %q", notice.out.Text)
		}
		h.stop()
		if len(notified) != 1 {
			t.Fatalf("OnUnreachable called %d times", len(notified))
		}
		if n := len(send.callsTo(blocked)); n != 1 {
			t.Fatalf("%d calls to the blocked chat", n)
		}
		for _, id := range append(rest, first) {
			if m := h.row(id); m.State != models.OutboxFailed {
				t.Errorf("row %d %+v", id, m)
			}
		}
		var after models.Person
		if err := s.DB.Take(&after, p.ID).Error; err != nil || !after.Unreachable {
			t.Fatalf("person %+v %v", after, err)
		}
	})
}

func TestDispatcherResolvesEditOutboxID(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		send := newFakeSender(func(c call) (int, error) {
			switch {
			case c.kind == models.OutSendMessage && c.out.Text == "rejected":
				return 0, ErrRejected
			case c.kind == models.OutSendMessage:
				return 500 + int(c.chatID), nil
			}
			return c.out.EditMessageID, nil
		})
		h := newHarness(t, s, send, Options{PerChatInterval: time.Millisecond})
		orig := h.text("original", 10)
		edit := h.enqueue("edit", 10, models.OutEditText, models.Outgoing{Text: "edited", EditOutboxID: orig})
		markup := h.enqueue("markup", 10, models.OutEditMarkup, models.Outgoing{EditOutboxID: orig, Buttons: [][]models.Button{{{Text: "ok", Data: "x"}}}})
		lost := h.text("rejected", 20)
		editLost := h.enqueue("edit-lost", 20, models.OutEditText, models.Outgoing{Text: "never", EditOutboxID: lost})
		elsewhere := h.enqueue("edit-elsewhere", 30, models.OutEditText, models.Outgoing{Text: "wrong chat", EditOutboxID: orig})
		early := h.enqueue("edit-early", 40, models.OutEditText, models.Outgoing{Text: "too early", EditOutboxID: 99999})
		h.start()
		for _, id := range []uint{orig, edit, markup} {
			if o := h.waitOutcome(id); o.Result != ResultSent {
				t.Fatalf("%d: %+v", id, o)
			}
		}
		for _, id := range []uint{lost, editLost, elsewhere, early} {
			if o := h.waitOutcome(id); o.Result != ResultFailed {
				t.Fatalf("%d: %+v", id, o)
			}
		}
		calls := send.callsTo(10)
		if len(calls) != 3 || calls[1].kind != models.OutEditText || calls[1].out.EditMessageID != 510 ||
			calls[2].kind != models.OutEditMarkup || calls[2].out.EditMessageID != 510 {
			t.Fatalf("calls to chat 10: %+v", calls)
		}
		if m := h.row(edit); m.TelegramMessageID != 510 {
			t.Errorf("edit row %+v", m)
		}
		if n := len(send.callsTo(20)) + len(send.callsTo(30)) + len(send.callsTo(40)); n != 1 {
			t.Fatalf("%d calls for impossible edits, want only the rejected send", n)
		}
		if m := h.row(editLost); !strings.Contains(m.LastError, "never sent") {
			t.Errorf("edit-lost row %+v", m)
		}
	})
}

// An edit whose message another dispatcher still holds waits for it.
func TestDispatcherDefersEditOfMessageStillSending(t *testing.T) {
	clock := newTestClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(testStart)
		send := newFakeSender(nil)
		h := newHarness(t, s, send, Options{})
		orig := h.text("original", 10)
		edit := h.enqueue("edit", 10, models.OutEditText, models.Outgoing{Text: "edited", EditOutboxID: orig})
		ctx := context.Background()
		held, err := s.ClaimOutbox(ctx, "other", 10, time.Minute) // the other dispatcher
		if err != nil || len(held) != 1 || held[0].ID != orig {
			t.Fatalf("claim %+v %v", held, err)
		}
		var m models.OutboxMessage
		if err := s.DB.Take(&m, edit).Error; err != nil {
			t.Fatal(err)
		}
		// As if this dispatcher had claimed it.
		m.State, m.Claim = models.OutboxSending, "this-claim"
		if err := s.DB.Model(&m).Updates(map[string]any{"state": m.State, "claim": m.Claim}).Error; err != nil {
			t.Fatal(err)
		}
		h.d.handle(ctx, m, time.Now())
		if o := h.waitOutcome(edit); o.Result != ResultDeferred || !o.RetryAt.After(clock.Now()) {
			t.Fatalf("edit outcome %+v", o)
		}
		if len(send.all()) != 0 {
			t.Fatal("edit sent before its message")
		}
		if err := s.MarkSent(ctx, orig, held[0].Claim, 777); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		h.start()
		if o := h.waitOutcome(edit); o.Result != ResultSent {
			t.Fatalf("edit outcome %+v", o)
		}
		if c := send.all(); len(c) != 1 || c[0].out.EditMessageID != 777 {
			t.Fatalf("calls %+v", c)
		}
	})
}

func TestDispatcherShutdownFinishesCallsInFlight(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		gate := make(chan struct{})
		started := make(chan struct{}, 1)
		send := newFakeSender(func(c call) (int, error) {
			if c.chatID == 20 {
				started <- struct{}{}
				<-gate
			}
			return 0, nil
		})
		// Chat 10's second message is claimed once its first is sent, and
		// waits an hour for its chat's spacing.
		h := newHarness(t, s, send, Options{PerChatInterval: time.Hour})
		first := h.text("a1", 10)
		inFlight := h.text("b", 20)
		waiting := h.text("a2", 10)
		h.start()
		select {
		case <-started:
		case <-time.After(waitLimit):
			t.Fatal("no call started")
		}
		if o := h.waitOutcome(first); o.Result != ResultSent {
			t.Fatalf("first: %+v", o)
		}
		h.waitRow(waiting, func(m *models.OutboxMessage) bool { return m.State == models.OutboxSending })
		h.cancel()
		// The waiting message is put back unsent, its claim never attempted...
		if o := h.waitOutcome(waiting); o.Result != ResultDeferred {
			t.Fatalf("waiting: %+v", o)
		}
		// ...while Run keeps waiting for the call in flight.
		select {
		case <-h.done:
			t.Fatal("Run returned with a call in flight")
		default:
		}
		close(gate)
		select {
		case err := <-h.done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(waitLimit):
			t.Fatal("Run did not return")
		}
		h.cancel = nil
		c := send.callsTo(20)
		if len(c) != 1 || c[0].err != nil {
			t.Fatalf("calls %+v: the call in flight must finish with its context intact", c)
		}
		if m := h.row(inFlight); m.State != models.OutboxSent {
			t.Fatalf("in-flight row %+v", m)
		}
		if m := h.row(waiting); m.State != models.OutboxPending || m.LeaseUntil != nil || m.Claim != "" || m.Attempts != 0 || m.AttemptedAt != nil {
			t.Fatalf("waiting row %+v", m)
		}
	})
}

// A dispatcher that lost its claim while its call was in flight (it was
// taken for dead, and the message given to another) cannot record the
// outcome: the write is refused and counted, and the other's stands.
func TestDispatcherStaleOutcomeRejected(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		gate := make(chan struct{})
		started := make(chan struct{}, 1)
		send := newFakeSender(func(c call) (int, error) {
			started <- struct{}{}
			<-gate
			return 0, nil
		})
		h := newHarness(t, s, send, Options{Instance: "stale"})
		id := h.text("m", 10)
		h.start()
		select {
		case <-started:
		case <-time.After(waitLimit):
			t.Fatal("no call started")
		}
		ctx := context.Background()
		// "stale" has no heartbeat: another instance takes the message over.
		if u, d, err := s.ReleaseDeadClaims(ctx, "other", time.Second, true); err != nil || u+d != 1 {
			t.Fatalf("released %d+%d: %v", u, d, err)
		}
		taken, err := s.ClaimOutbox(ctx, "other", 10, time.Minute)
		if err != nil || len(taken) != 1 {
			t.Fatalf("takeover claim %+v %v", taken, err)
		}
		close(gate)
		o := h.waitOutcome(id)
		if o.Result != ResultSent || !errors.Is(o.RecordErr, models.ErrLostClaim) {
			t.Fatalf("stale outcome %+v, want sent with a lost claim", o)
		}
		if n := counterValue(h.d.metrics.lostClaims); n != 1 {
			t.Fatalf("lost claims counted %v, want 1", n)
		}
		if m := h.row(id); m.State != models.OutboxSending || m.Claim != taken[0].Claim || m.TelegramMessageID != 0 {
			t.Fatalf("row after the stale write %+v", m)
		}
	})
}

// A claim lost before its call is never attempted: nothing is sent.
func TestDispatcherLostClaimSendsNothing(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		send := newFakeSender(nil)
		h := newHarness(t, s, send, Options{Instance: "stale"})
		id := h.text("m", 10)
		ctx := context.Background()
		mine, err := s.ClaimOutbox(ctx, "stale", 10, time.Minute)
		if err != nil || len(mine) != 1 {
			t.Fatalf("claim %+v %v", mine, err)
		}
		if _, _, err := s.ReleaseDeadClaims(ctx, "other", time.Second, true); err != nil {
			t.Fatal(err)
		}
		h.d.handle(ctx, mine[0], time.Now())
		if o := h.waitOutcome(id); o.Result != ResultLostClaim || !errors.Is(o.RecordErr, models.ErrLostClaim) {
			t.Fatalf("outcome %+v", o)
		}
		if len(send.all()) != 0 {
			t.Fatal("sent under a lost claim")
		}
		if m := h.row(id); m.State != models.OutboxPending || m.Attempts != 0 {
			t.Fatalf("row %+v", m)
		}
	})
}

// With Liveness, a dead instance's claims come back as soon as its
// heartbeat lapses, not when their lease runs out.
func TestDispatcherReleasesDeadInstanceClaims(t *testing.T) {
	clock := newTestClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(testStart)
		ctx := context.Background()
		send := newFakeSender(nil)
		h := newHarness(t, s, send, Options{Instance: "me", Liveness: 5 * time.Second, PollInterval: 10 * time.Millisecond})
		claimed := h.text("claimed", 10)
		attempted := h.text("attempted", 20)
		if err := s.Heartbeat(ctx, "dead", "h"); err != nil {
			t.Fatal(err)
		}
		held, err := s.ClaimOutbox(ctx, "dead", 10, time.Hour)
		if err != nil || len(held) != 2 {
			t.Fatalf("claim %+v %v", held, err)
		}
		if err := s.MarkAttempting(ctx, held[1].ID, held[1].Claim); err != nil {
			t.Fatal(err)
		}
		clock.Advance(6 * time.Second) // the heartbeat lapses; the lease holds
		h.start()
		if o := h.waitOutcome(claimed); o.Result != ResultSent || o.Attempt != 1 {
			t.Fatalf("claimed: %+v", o)
		}
		if o := h.waitOutcome(attempted); o.Result != ResultSent || o.Attempt != 2 {
			t.Fatalf("attempted: %+v", o)
		}
	})
}

// A dispatcher died mid-send: when its lease runs out the outcome is
// unknown, and the message is sent again, once.
func TestDispatcherResendsAfterLeaseExpiry(t *testing.T) {
	clock := newTestClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(testStart)
		send := newFakeSender(nil)
		h := newHarness(t, s, send, Options{PerChatInterval: time.Millisecond})
		ctx := context.Background()
		id := h.text("m1", 10)
		dead, err := s.ClaimOutbox(ctx, "dead", 10, time.Minute)
		if err != nil || len(dead) != 1 {
			t.Fatalf("claim %v %v", dead, err)
		}
		if err := s.MarkAttempting(ctx, dead[0].ID, dead[0].Claim); err != nil {
			t.Fatal(err)
		}
		h.start()
		// Still leased: another chat's message goes, this one does not.
		other := h.text("other", 20)
		h.d.Notify()
		if o := h.waitOutcome(other); o.Result != ResultSent {
			t.Fatalf("other: %+v", o)
		}
		if n := len(send.callsTo(10)); n != 0 {
			t.Fatalf("leased message sent %d times", n)
		}
		clock.Advance(61 * time.Second)
		next := h.text("m2", 10)
		h.d.Notify()
		if o := h.waitOutcome(id); o.Result != ResultSent || o.Attempt != 2 {
			t.Fatalf("m1: %+v", o)
		}
		if o := h.waitOutcome(next); o.Result != ResultSent {
			t.Fatalf("m2: %+v", o)
		}
		calls := send.callsTo(10)
		if len(calls) != 2 || calls[0].out.Text != "m1" || calls[1].out.Text != "m2" {
			t.Fatalf("calls %+v", calls)
		}
	})
}

func TestDispatcherAnswersCallbacksWithoutLimits(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		send := newFakeSender(nil)
		h := newHarness(t, s, send, Options{PerChatInterval: time.Hour})
		msg := h.text("m", 10)
		answer := h.enqueue("cb", 10, models.OutAnswerCallback, models.Outgoing{CallbackQueryID: "q1", Text: "ok"})
		h.start()
		for _, id := range []uint{msg, answer} {
			if o := h.waitOutcome(id); o.Result != ResultSent {
				t.Fatalf("%d: %+v", id, o)
			}
		}
	})
}

func TestNewValidatesOptions(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	if _, err := New(Options{Store: s}); err == nil {
		t.Error("no sender accepted")
	}
	if _, err := New(Options{Store: s, Sender: newFakeSender(nil), Lease: time.Second, SendTimeout: 2 * time.Second}); err == nil {
		t.Error("lease shorter than the send timeout accepted")
	}
	reg := prometheus.NewRegistry()
	for range 2 { // a second dispatcher shares the series
		if _, err := New(Options{Store: s, Sender: newFakeSender(nil), Registerer: reg}); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := New(Options{Store: s, Sender: newFakeSender(nil)})
	if d.opt.GlobalRate != 25 || d.opt.PerChatInterval != time.Second || d.opt.PerGroupInterval != 3*time.Second ||
		d.opt.Workers != 25 || d.opt.Lease != 2*time.Minute || d.opt.SendTimeout != 30*time.Second || d.opt.MaxAttempts != 12 {
		t.Errorf("defaults %+v", d.opt)
	}
}

// A file too large to draw in the transaction that queues it is drawn by
// Options.Draw just before the call; the queued row never holds it. Without
// a way to draw it the message is given up rather than sent empty.
func TestDispatcherDrawsDeferredFilesBeforeTheCall(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		send := newFakeSender(func(call) (int, error) { return 0, nil })
		var drawn int
		h := newHarness(t, s, send, Options{Draw: func(_ context.Context, out models.Outgoing) (models.Outgoing, error) {
			drawn++
			out.Deferred, out.File, out.FileName, out.Text = nil, []byte("ledger bytes"), "ledger.xlsx", "the ledger"
			return out, nil
		}})
		id := h.enqueue("export", 10, models.OutSendDocument, models.Outgoing{Deferred: &models.DeferredFile{Kind: models.DeferredLedger, Lang: "en", Location: "UTC"}})
		if row := h.row(id); row.BlobID != nil || !strings.Contains(row.Payload, `"deferred"`) {
			t.Fatalf("queued row %+v, want the file deferred", row)
		}
		h.start()
		c := h.waitCall()
		if string(c.out.File) != "ledger bytes" || c.out.FileName != "ledger.xlsx" || c.out.Text != "the ledger" || c.out.Deferred != nil {
			t.Fatalf("call %+v, want the drawn file", c.out)
		}
		if o := h.waitOutcome(id); o.Result != ResultSent || drawn != 1 {
			t.Fatalf("outcome %+v after %d draws", o, drawn)
		}
	})
}

func TestDispatcherGivesUpDeferredFileItCannotDraw(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		send := newFakeSender(func(call) (int, error) { return 0, nil })
		h := newHarness(t, s, send, Options{})
		id := h.enqueue("export", 10, models.OutSendDocument, models.Outgoing{Deferred: &models.DeferredFile{Kind: models.DeferredLedger}})
		h.start()
		if o := h.waitOutcome(id); o.Result != ResultFailed {
			t.Fatalf("outcome %+v, want given up", o)
		}
		if n := len(send.calls); n != 0 {
			t.Fatalf("%d calls made without a file", n)
		}
	})
}

// A send refused because the group became a supergroup moves, with every
// message queued to the old id, to the new one and goes out there, in
// order; the work group follows.
func TestDispatcherFollowsAGroupToItsSupergroup(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		const basic, super = int64(-4001), int64(-1009990002)
		send := newFakeSender(func(c call) (int, error) {
			if c.chatID == basic {
				return 0, &MigratedError{To: super, Err: errors.New("Bad Request: group chat was upgraded to a supergroup chat")}
			}
			return 0, nil
		})
		h := newHarness(t, s, send, Options{PerChatInterval: time.Millisecond, PerGroupInterval: time.Millisecond})
		err := s.Tx(context.Background(), func(tx *gorm.DB) error {
			return tx.Create(&models.WorkGroup{ChatID: basic, Title: "专班", AckMode: models.AckQuiet}).Error
		})
		if err != nil {
			t.Fatal(err)
		}
		first, second, third := h.text("one", basic), h.text("two", basic), h.text("three", basic)
		h.start()
		if o := h.waitOutcome(first); o.Result != ResultMigrated {
			t.Fatalf("first outcome %+v", o)
		}
		for _, id := range []uint{first, second, third} {
			if o := h.waitOutcome(id); o.Result != ResultSent {
				t.Fatalf("%d: %+v", id, o)
			}
		}
		var texts []string
		for _, c := range send.callsTo(super) {
			texts = append(texts, c.out.Text)
		}
		if strings.Join(texts, " ") != "one two three" || len(send.callsTo(basic)) != 1 {
			t.Fatalf("calls to the supergroup %q, to the old group %d", texts, len(send.callsTo(basic)))
		}
		if _, err := models.WorkGroupByChat(s.DB, super); err != nil {
			t.Fatalf("work group did not follow: %v", err)
		}
	})
}

// A message for a topic still being created waits for it, and goes with
// the thread id the creation got; a topic never created leaves the
// message to the General topic.
func TestDispatcherResolvesTopicThread(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		const forum = int64(-1009990003)
		send := newFakeSender(func(c call) (int, error) {
			switch {
			case c.kind == models.OutCreateTopic && c.out.TopicName == "broken":
				return 0, ErrRejected
			case c.kind == models.OutCreateTopic:
				return 77, nil
			}
			return 0, nil
		})
		h := newHarness(t, s, send, Options{PerChatInterval: time.Millisecond, PerGroupInterval: time.Millisecond})
		topic := h.enqueue("topic", forum, models.OutCreateTopic, models.Outgoing{TopicName: "T01 · 招商"})
		inTopic := h.enqueue("in", forum, models.OutSendMessage, models.Outgoing{Text: "in the topic", ThreadOutboxID: topic})
		broken := h.enqueue("broken", forum, models.OutCreateTopic, models.Outgoing{TopicName: "broken"})
		general := h.enqueue("general", forum, models.OutSendMessage, models.Outgoing{Text: "general", ThreadOutboxID: broken})
		h.start()
		for _, id := range []uint{topic, inTopic, general} {
			if o := h.waitOutcome(id); o.Result != ResultSent {
				t.Fatalf("%d: %+v", id, o)
			}
		}
		calls := send.callsTo(forum)
		if len(calls) != 4 || calls[1].out.MessageThreadID != 77 || calls[3].out.MessageThreadID != 0 {
			t.Fatalf("calls %+v", calls)
		}
		if m := h.row(topic); m.TelegramMessageID != 77 {
			t.Fatalf("topic row %+v", m)
		}
	})
}

// claimCounter counts the outbox claims a store runs, by their statement.
type claimCounter struct {
	logger.Interface
	n atomic.Int64
}

func (c *claimCounter) LogMode(logger.LogLevel) logger.Interface { return c }

func (c *claimCounter) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	if sql, _ := fc(); strings.Contains(sql, "o.next_attempt_at <=") {
		c.n.Add(1)
	}
}

func TestIdleDispatcherPollsAtIdlePollAndWakesOnNotify(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		claims := &claimCounter{Interface: logger.Discard}
		s.DB = s.DB.Session(&gorm.Session{Logger: claims})
		h := newHarness(t, s, newFakeSender(nil), Options{PollInterval: time.Millisecond, IdlePoll: time.Hour})
		h.start()
		deadline := time.Now().Add(waitLimit)
		for claims.n.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the dispatcher never claimed")
			}
			time.Sleep(time.Millisecond)
		}
		// Polling every millisecond would claim dozens of times meanwhile;
		// idle, the next poll is an hour away.
		time.Sleep(50 * time.Millisecond)
		if n := claims.n.Load(); n != 1 {
			t.Fatalf("%d claims of an empty outbox, want 1", n)
		}
		id := h.text("wake", 10)
		h.d.Notify()
		if o := h.waitOutcome(id); o.Result != ResultSent {
			t.Fatalf("%+v", o)
		}
	})
}
