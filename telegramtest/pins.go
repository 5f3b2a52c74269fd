package telegramtest

import "slices"

// pinChatMessage pins a message. In a private chat the bot pins any
// message that is not a service message; in a group it must be an
// administrator with can_pin_messages. Pinning posts a pinned_message
// service message, which the bot receives like its other own service
// messages (see ownServiceDelivered); pinning a pinned message again
// succeeds and changes nothing.
func (s *Server) pinChatMessage(c *call) (any, *apiError) {
	p := c.p
	if p.has("business_connection_id") {
		return nil, badRequest("BUSINESS_CONNECTION_INVALID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, e := s.chatLocked(p.str("chat_id"), accessWrite)
	if e != nil {
		return nil, e
	}
	if g := ch.group; g != nil && (g.bot.status != StatusAdministrator || !g.bot.rights.CanPinMessages) {
		return nil, badRequest("not enough rights to manage pinned messages in the chat")
	}
	m := ch.byID[int(parseInt(p.str("message_id")))]
	if m == nil {
		return nil, badRequest("message to pin not found")
	}
	if m.svc != nil {
		return nil, badRequest("message can't be pinned")
	}
	if len(ch.pinned) > 0 && ch.pinned[len(ch.pinned)-1] == m.id {
		return true, nil
	}
	ch.pinned = append(slices.DeleteFunc(ch.pinned, func(id int) bool { return id == m.id }), m.id)
	s.servicePostLocked(ch, nil, &service{kind: "pinned_message", pinned: m}, m.thread)
	return true, nil
}

// Pinned returns the ids of the pinned messages of a chat, the latest
// pinned last.
func (st *State) Pinned(chatID int64) []int {
	if c := st.s.chats[chatID]; c != nil {
		return slices.Clone(c.pinned)
	}
	return nil
}

// Pinned returns the ids of the pinned messages of a chat; see
// State.Pinned.
func (s *Server) Pinned(chatID int64) []int {
	return view(s, func(st *State) []int { return st.Pinned(chatID) })
}
