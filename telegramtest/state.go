package telegramtest

import (
	"context"
	"slices"
)

// State is a read-only view of the server given to WaitFor conditions.
// It is only valid during the call of the condition, which runs with the
// server locked: use State's methods there, never the Server's.
type State struct{ s *Server }

// Messages returns the bot's messages in a chat, in order, edits applied.
// Service messages the bot caused (a topic it created...) are not among
// them; History has them.
func (st *State) Messages(chatID int64) []Msg {
	var out []Msg
	if c := st.s.chats[chatID]; c != nil {
		for _, m := range c.msgs {
			if m.from == nil && m.svc == nil {
				out = append(out, m.toMsg())
			}
		}
	}
	return out
}

// History returns every message in a chat, the users' included.
func (st *State) History(chatID int64) []Msg {
	var out []Msg
	if c := st.s.chats[chatID]; c != nil {
		for _, m := range c.msgs {
			out = append(out, m.toMsg())
		}
	}
	return out
}

// Sent returns every successful send and edit by the bot, in order.
func (st *State) Sent() []SentCall { return slices.Clone(st.s.sent) }

// SentCount is len(Sent()) without the copy, for waiting on a long run.
func (st *State) SentCount() int { return len(st.s.sent) }

// CallbackAnswers returns the bot's answers to button presses, in order.
func (st *State) CallbackAnswers() []CallbackAnswer { return slices.Clone(st.s.answers) }

// UnansweredCallbacks is how many button presses the bot has not answered.
func (st *State) UnansweredCallbacks() int {
	n := 0
	for _, q := range st.s.callbacks {
		if !q.answered {
			n++
		}
	}
	return n
}

// Commands returns the command menu set for a scope and language code.
func (st *State) Commands(scope CommandScope, languageCode string) []BotCommand {
	return slices.Clone(st.s.commands[commandKey{scope: scope, lang: languageCode}])
}

// Calls is how many requests for a Bot API method (case-insensitive)
// reached the server with the right token, whatever their outcome.
func (st *State) Calls(method string) int {
	if m := st.s.spec.method(method); m != nil {
		method = m.Name
	}
	return st.s.calls[method]
}

// TooManyRequests is how many 429 answers the server gave, from flood
// limits and injected faults alike.
func (st *State) TooManyRequests() int {
	n := 0
	for _, c := range st.s.tooMany {
		n += c
	}
	return n
}

// TooManyRequestsFor is TooManyRequests for one method.
func (st *State) TooManyRequestsFor(method string) int {
	if m := st.s.spec.method(method); m != nil {
		method = m.Name
	}
	return st.s.tooMany[method]
}

// PendingUpdates is how many updates the bot has not confirmed yet.
func (st *State) PendingUpdates() int { return len(st.s.upd.items) }

// Polling reports whether a getUpdates long poll is parked waiting for an
// update, e.g. to know that a bot has started before acting as a user.
func (st *State) Polling() bool { return st.s.upd.poll != nil && st.s.upd.poll.waiting }

// PendingUpdateKinds lists the kinds (UpdateMessage, ...) of the
// unconfirmed updates, oldest first.
func (st *State) PendingUpdateKinds() []string {
	out := make([]string, len(st.s.upd.items))
	for i, u := range st.s.upd.items {
		out[i] = u.kind
	}
	return out
}

// WebhookURL is the webhook currently set, "" if none.
func (st *State) WebhookURL() string { return st.s.hook.url }

// WebhookError is the last webhook delivery error, "" if none.
func (st *State) WebhookError() string { return st.s.hook.lastErrMsg }

func view[T any](s *Server, f func(*State) T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(&State{s: s})
}

// Messages returns the bot's messages in a chat; see State.Messages.
func (s *Server) Messages(chatID int64) []Msg {
	return view(s, func(st *State) []Msg { return st.Messages(chatID) })
}

// History returns every message in a chat; see State.History.
func (s *Server) History(chatID int64) []Msg {
	return view(s, func(st *State) []Msg { return st.History(chatID) })
}

// Sent returns every successful send and edit by the bot, in order.
func (s *Server) Sent() []SentCall { return view(s, (*State).Sent) }

// SentCount is how many sends and edits succeeded; see State.SentCount.
func (s *Server) SentCount() int { return view(s, (*State).SentCount) }

// CallbackAnswers returns the bot's answers to button presses, in order.
func (s *Server) CallbackAnswers() []CallbackAnswer { return view(s, (*State).CallbackAnswers) }

// Commands returns the command menu set for a scope and language code.
func (s *Server) Commands(scope CommandScope, languageCode string) []BotCommand {
	return view(s, func(st *State) []BotCommand { return st.Commands(scope, languageCode) })
}

// Calls is how many requests for method reached the server.
func (s *Server) Calls(method string) int {
	return view(s, func(st *State) int { return st.Calls(method) })
}

// TooManyRequests is how many 429 answers the server gave.
func (s *Server) TooManyRequests() int { return view(s, (*State).TooManyRequests) }

// TooManyRequestsFor is how many 429 answers calls of method got.
func (s *Server) TooManyRequestsFor(method string) int {
	return view(s, func(st *State) int { return st.TooManyRequestsFor(method) })
}

// WaitFor blocks until cond holds, re-checking it after every change of
// the server's state (no polling). It returns ctx's error on timeout and
// ErrClosed if the server closes first.
func (s *Server) WaitFor(ctx context.Context, cond func(*State) bool) error {
	s.mu.Lock()
	for {
		if cond(&State{s: s}) {
			s.mu.Unlock()
			return nil
		}
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
		}
		s.mu.Lock()
	}
}

func (s *Server) waitMessages(ctx context.Context, chatID int64, n int) ([]Msg, error) {
	var out []Msg
	err := s.WaitFor(ctx, func(st *State) bool {
		out = st.Messages(chatID)
		return len(out) >= n
	})
	return out, err
}
