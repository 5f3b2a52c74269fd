package telegramtest

import (
	"slices"
)

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

// editTargetLocked finds the bot's message an edit refers to.
func (s *Server) editTargetLocked(p *params) (*message, *apiError) {
	if p.has("inline_message_id") {
		// The server never issues inline messages, so no id can be valid.
		return nil, badRequest("MESSAGE_ID_INVALID")
	}
	if !p.has("chat_id") {
		return nil, badRequest("chat_id is empty")
	}
	if !p.has("message_id") {
		return nil, badRequest("message identifier is not specified")
	}
	ch, e := s.chatLocked(p.str("chat_id"), accessEdit)
	if e != nil {
		return nil, e
	}
	m := ch.byID[int(parseInt(p.str("message_id")))]
	if m == nil {
		return nil, badRequest("message to edit not found")
	}
	if m.from != nil {
		return nil, badRequest("message can't be edited")
	}
	return m, nil
}

func (s *Server) editMessageText(c *call) (any, *apiError) {
	p := c.p
	if p.has("rich_message") {
		return nil, badRequest("rich_message is not supported by telegramtest")
	}
	if !p.has("text") {
		return nil, badRequest("message text is empty")
	}
	// Like the real server, a missing reply_markup removes the keyboard.
	text, ents, mk, e := textAndMarkup(p)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.editTargetLocked(p)
	if e != nil {
		return nil, e
	}
	if m.photo != nil || m.document != nil {
		return nil, badRequest("there is no text in the message to edit")
	}
	if m.text == text && slices.Equal(m.entities, ents) && m.markup.equal(mk) {
		return nil, badRequest(notModified)
	}
	if m.chat.user == nil && mk.webApps() {
		return nil, badRequest("BUTTON_TYPE_INVALID")
	}
	now := s.now()
	if e := s.limiter.check(now, m.chat.id); e != nil {
		return nil, e
	}
	s.limiter.record(now, m.chat.id)
	m.rawText, m.text, m.entities, m.parseMode, m.markup = p.str("text"), text, ents, p.str("parse_mode"), mk
	m.editDate = now
	s.recordSentLocked(c.method.Name, m, EventBotEdit)
	return s.wireMessage(m, true), nil
}

func (s *Server) editMessageReplyMarkup(c *call) (any, *apiError) {
	p := c.p
	mk, e := parseMarkup(p.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.editTargetLocked(p)
	if e != nil {
		return nil, e
	}
	if m.markup.equal(mk) {
		return nil, badRequest(notModified)
	}
	if m.chat.user == nil && mk.webApps() {
		return nil, badRequest("BUTTON_TYPE_INVALID")
	}
	now := s.now()
	if e := s.limiter.check(now, m.chat.id); e != nil {
		return nil, e
	}
	s.limiter.record(now, m.chat.id)
	m.markup = mk
	m.editDate = now
	s.recordSentLocked(c.method.Name, m, EventBotEdit)
	return s.wireMessage(m, true), nil
}
