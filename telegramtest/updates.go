package telegramtest

import (
	"encoding/json"
	"strconv"
	"time"
)

// Update kinds the server produces.
const (
	UpdateMessage       = "message"
	UpdateEditedMessage = "edited_message"
	UpdateCallbackQuery = "callback_query"
	UpdateMyChatMember  = "my_chat_member"
)

type queuedUpdate struct {
	id   int64
	kind string
	body json.RawMessage
}

// updateQueue holds the updates the bot has not confirmed yet, for
// getUpdates and webhook delivery alike.
type updateQueue struct {
	items  []queuedUpdate
	lastID int64
	// allowed is the allowed_updates setting; nil means Telegram's default
	// (everything but chat_member and reactions).
	allowed map[string]bool
	poll    *poller
}

// poller is the getUpdates request currently being answered.
type poller struct {
	kicked  chan struct{}
	reason  string
	waiting bool // parked with nothing to deliver
}

// maxPollTimeout caps long polls (in seconds) so that a stray value cannot
// park a request for hours.
const maxPollTimeout = 50

var defaultExcluded = map[string]bool{"chat_member": true, "message_reaction": true, "message_reaction_count": true}

// enqueueLocked adds an update. update_ids grow by random steps of 1–3, as
// nothing in the Bot API promises consecutive ids and bots must not rely
// on it.
func (s *Server) enqueueLocked(kind string, payload any) {
	if s.upd.allowed != nil && !s.upd.allowed[kind] || s.upd.allowed == nil && defaultExcluded[kind] {
		return
	}
	s.upd.lastID += 1 + int64(s.rng.IntN(3))
	p, err := json.Marshal(payload)
	if err != nil {
		panic("telegramtest: marshal update: " + err.Error())
	}
	body := make([]byte, 0, len(p)+64)
	body = append(body, `{"update_id":`...)
	body = strconv.AppendInt(body, s.upd.lastID, 10)
	body = append(body, `,"`...)
	body = append(body, kind...)
	body = append(body, `":`...)
	body = append(body, p...)
	body = append(body, '}')
	s.upd.items = append(s.upd.items, queuedUpdate{id: s.upd.lastID, kind: kind, body: body})
}

// setAllowedLocked applies an allowed_updates parameter. It only affects
// updates created afterwards, as documented.
func (s *Server) setAllowedLocked(raw string) {
	if raw == "" {
		return
	}
	var kinds []string
	if err := json.Unmarshal([]byte(raw), &kinds); err != nil {
		return
	}
	if len(kinds) == 0 {
		s.upd.allowed = nil
		return
	}
	s.upd.allowed = map[string]bool{}
	for _, k := range kinds {
		s.upd.allowed[k] = true
	}
}

func (s *Server) allowedListLocked() []string {
	var out []string
	for k := range s.upd.allowed {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

// confirmLocked forgets updates as the offset parameter asks: those whose
// id is below a positive offset (Telegram: "an update is considered
// confirmed as soon as getUpdates is called with an offset higher than its
// update_id"), wherever they stand in the queue, or all but the last
// -offset for a negative one.
func (s *Server) confirmLocked(offset int64) {
	items := s.upd.items
	switch {
	case offset > 0:
		kept := make([]queuedUpdate, 0, len(items))
		for _, u := range items {
			if u.id >= offset {
				kept = append(kept, u)
			}
		}
		items = kept
	case offset < 0:
		if keep := int(-offset); keep < len(items) {
			items = items[len(items)-keep:]
		}
	default:
		return
	}
	if len(items) != len(s.upd.items) {
		s.upd.items = append([]queuedUpdate(nil), items...)
		s.notifyLocked()
	}
}

// kickPollLocked ends the running getUpdates, which gets a 409 conflict.
func (s *Server) kickPollLocked(reason string) {
	if s.upd.poll != nil {
		s.upd.poll.reason = reason
		close(s.upd.poll.kicked)
		s.upd.poll = nil
	}
}

func (s *Server) getUpdates(c *call) (any, *apiError) {
	p := c.p
	limit := int(parseInt(p.str("limit")))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout := time.Duration(min(max(parseInt(p.str("timeout")), 0), maxPollTimeout)) * time.Second

	s.mu.Lock()
	if s.hook.url != "" {
		s.mu.Unlock()
		return nil, &apiError{code: 409, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	s.setAllowedLocked(p.str("allowed_updates"))
	s.confirmLocked(parseInt(p.str("offset")))
	s.kickPollLocked("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
	me := &poller{kicked: make(chan struct{})}
	s.upd.poll = me
	defer func() {
		s.mu.Lock()
		if s.upd.poll == me {
			s.upd.poll = nil
		}
		s.mu.Unlock()
	}()

	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		select {
		case <-me.kicked:
			reason := me.reason
			s.mu.Unlock()
			return nil, &apiError{code: 409, desc: reason}
		default:
		}
		if n := min(len(s.upd.items), limit); n > 0 || timeout == 0 || s.closed {
			out := make([]json.RawMessage, n)
			for i := range n {
				out[i] = s.upd.items[i].body
			}
			s.mu.Unlock()
			return out, nil
		}
		if !me.waiting {
			me.waiting = true
			s.notifyLocked()
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-me.kicked:
		case <-deadline:
			timeout = 0
		case <-c.ctx.Done():
			return nil, &apiError{code: 499, desc: "client went away"}
		case <-s.done:
		}
		s.mu.Lock()
	}
}

// RestartUpdateIDs starts update ids again from about next, as Telegram
// does after a week without updates (ids then start "from a random positive
// number" again, possibly below the ones the bot has seen). Updates still
// unconfirmed are dropped: after such a week they are older than the 24
// hours Telegram keeps them.
func (s *Server) RestartUpdateIDs(next int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upd.items = nil
	s.upd.lastID = max(next, 1) - 1
	s.notifyLocked()
}

// PendingUpdates is the number of updates the bot has not confirmed yet.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.upd.items)
}
