package telegramtest

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// EventKind says what happened in an Event.
type EventKind string

// Event kinds.
const (
	EventUserMessage    EventKind = "user_message"
	EventUserEdit       EventKind = "user_edit"
	EventButtonPress    EventKind = "button_press"
	EventBlocked        EventKind = "blocked"
	EventUnblocked      EventKind = "unblocked"
	EventBotMessage     EventKind = "bot_message"
	EventBotEdit        EventKind = "bot_edit"
	EventCallbackAnswer EventKind = "callback_answer"
	// EventBotReaction is the bot setting its reaction to a message;
	// Text is the emoji, empty when it removed its reaction.
	EventBotReaction EventKind = "bot_reaction"
	// EventService is a change to a chat made by a user: the bot added,
	// removed or promoted, a topic created, the group migrated...
	EventService EventKind = "service"
)

// Event is one step of the conversation, for transcripts (see
// Options.OnEvent).
type Event struct {
	Time time.Time
	Kind EventKind
	// ChatID and Chat identify the chat: its id and the group title or,
	// for a private chat, the user's name.
	ChatID int64
	Chat   string
	// From is who acted: a user's name or the bot's @username. UserID is
	// the user involved (0 for the bot's own messages).
	From      string
	UserID    int64
	MessageID int
	// Text is the message text or caption, the pressed button's label, or
	// the callback answer's text.
	Text    string
	Buttons [][]Button
	// Data is the callback data of a press or of the press answered.
	Data string
	// File is "photo" or the document's file name for media messages.
	File string
	// Method is the Bot API method of a bot event.
	Method string
}

// String renders the event as one transcript line.
func (e Event) String() string {
	where := ""
	if e.ChatID < 0 {
		where = " [" + e.Chat + "]"
	}
	var b strings.Builder
	switch e.Kind {
	case EventUserMessage:
		fmt.Fprintf(&b, "%s%s: %s", e.From, where, e.Text)
	case EventUserEdit:
		fmt.Fprintf(&b, "%s%s edited #%d: %s", e.From, where, e.MessageID, e.Text)
	case EventButtonPress:
		fmt.Fprintf(&b, "%s%s pressed [%s] on #%d", e.From, where, e.Text, e.MessageID)
	case EventBlocked:
		fmt.Fprintf(&b, "%s blocked the bot", e.From)
	case EventUnblocked:
		fmt.Fprintf(&b, "%s unblocked the bot", e.From)
	case EventBotMessage:
		fmt.Fprintf(&b, "%s -> %s #%d: %s", e.From, e.Chat, e.MessageID, e.Text)
	case EventBotEdit:
		fmt.Fprintf(&b, "%s edited #%d for %s: %s", e.From, e.MessageID, e.Chat, e.Text)
	case EventBotReaction:
		fmt.Fprintf(&b, "%s reacted to #%d in %s: %s", e.From, e.MessageID, e.Chat, firstNonEmpty(e.Text, "(none)"))
	case EventService:
		fmt.Fprintf(&b, "%s%s %s", e.From, where, e.Text)
	case EventCallbackAnswer:
		fmt.Fprintf(&b, "%s answered the press on #%d", e.From, e.MessageID)
		if e.Text != "" {
			fmt.Fprintf(&b, ": %q", e.Text)
		}
	default:
		fmt.Fprintf(&b, "%s %s: %s", e.From, e.Kind, e.Text)
	}
	if e.File != "" {
		fmt.Fprintf(&b, " <%s>", e.File)
	}
	for _, row := range e.Buttons {
		b.WriteString("\n    ")
		for i, btn := range row {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "[%s]", btn.Text)
		}
	}
	return b.String()
}

func (s *Server) userEvent(kind EventKind, m *message) Event {
	from := m.from.displayName()
	if m.senderChat != nil {
		from = firstNonEmpty(m.signature, "anonymous admin")
	}
	return Event{
		Time: s.now(), Kind: kind, ChatID: m.chat.id, Chat: m.chat.title(),
		From: from, UserID: m.from.id, MessageID: m.id,
		Text: firstNonEmpty(m.text, m.caption), File: fileLabel(m),
	}
}

func (s *Server) emitLocked(e Event) { s.events.push(e) }

// eventQueue hands events to the callback on a goroutine of its own, in
// order, so that a slow or re-entrant callback can neither block the
// server nor deadlock on it.
type eventQueue struct {
	fn     func(Event)
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []Event
	closed bool
	done   chan struct{}
}

func newEventQueue(fn func(Event)) *eventQueue {
	q := &eventQueue{fn: fn, done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	if fn == nil {
		close(q.done)
		return q
	}
	go q.run()
	return q
}

func (q *eventQueue) push(e Event) {
	if q.fn == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.queue = append(q.queue, e)
		q.cond.Signal()
	}
}

func (q *eventQueue) run() {
	defer close(q.done)
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		for len(q.queue) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.queue) == 0 {
			return
		}
		e := q.queue[0]
		q.queue = q.queue[1:]
		q.mu.Unlock()
		q.fn(e)
		q.mu.Lock()
	}
}

// close stops taking events and waits until the queued ones are handled.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Signal()
	q.mu.Unlock()
	<-q.done
}
