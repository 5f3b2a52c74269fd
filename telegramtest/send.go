package telegramtest

import (
	"strings"
	"time"
	"unicode/utf8"
)

// SentCall is one successful send or edit by the bot.
type SentCall struct {
	At        time.Time
	Method    string
	ChatID    int64
	MessageID int
	// Msg is the message as it was right after the call.
	Msg Msg
}

func (s *Server) getMe(*call) (any, *apiError) {
	return wBotUser{
		wUser:                   s.wireBot(),
		CanJoinGroups:           true,
		CanReadAllGroupMessages: s.opts.ReadAllGroupMessages,
	}, nil
}

// checkText applies the message text limits to a rendered text.
func checkText(text string) *apiError {
	if strings.TrimSpace(text) == "" {
		return badRequest("message text is empty")
	}
	if utf8.RuneCountInString(text) > maxTextLen {
		return badRequest("message is too long")
	}
	return nil
}

func checkCaption(caption string) *apiError {
	if utf8.RuneCountInString(caption) > maxCaptionLen {
		return badRequest("message caption is too long")
	}
	return nil
}

// textAndMarkup reads and checks what sendMessage and editMessageText
// share: the markup, and the text with its entities.
func textAndMarkup(p *params) (text string, ents []Entity, mk *markup, e *apiError) {
	if mk, e = parseMarkup(p.str("reply_markup")); e != nil {
		return "", nil, nil, e
	}
	if text, ents, e = renderText(p.str("text"), p.str("parse_mode"), p.str("entities")); e != nil {
		return "", nil, nil, e
	}
	if e = checkText(text); e != nil {
		return "", nil, nil, e
	}
	return text, ents, mk, nil
}

func (s *Server) sendMessage(c *call) (any, *apiError) {
	p := c.p
	text, ents, mk, e := textAndMarkup(p)
	if e != nil {
		return nil, e
	}
	m := &message{rawText: p.str("text"), text: text, entities: ents, parseMode: p.str("parse_mode"), markup: mk}
	return s.commitSend(c, m, nil)
}

func (s *Server) sendPhoto(c *call) (any, *apiError) { return s.sendMedia(c, "photo") }

func (s *Server) sendDocument(c *call) (any, *apiError) { return s.sendMedia(c, "document") }

func (s *Server) sendMedia(c *call, kind string) (any, *apiError) {
	p := c.p
	mk, e := parseMarkup(p.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	caption, ents, e := renderText(p.str("caption"), p.str("parse_mode"), p.str("caption_entities"))
	if e != nil {
		return nil, e
	}
	if e := checkCaption(caption); e != nil {
		return nil, e
	}
	m := &message{caption: caption, capEnts: ents, parseMode: p.str("parse_mode"), markup: mk}
	attach := func() *apiError {
		f, e := s.inputFileLocked(p, kind, kind == "photo")
		if kind == "photo" {
			m.photo = f
		} else {
			m.document = f
		}
		return e
	}
	return s.commitSend(c, m, attach)
}

// commitSend is the common tail of every send: resolve the chat and
// the reply, apply flood limits, store the message. attach, if set, runs
// once the send is known to go through, so a refused send stores no file.
func (s *Server) commitSend(c *call, m *message, attach func() *apiError) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, e := s.chatLocked(c.p.str("chat_id"), accessWrite)
	if e != nil {
		return nil, e
	}
	if ch.user == nil && m.markup.webApps() {
		return nil, badRequest("BUTTON_TYPE_INVALID")
	}
	if chats, users := m.markup.requests(); ch.user == nil && (chats || users) {
		if chats {
			return nil, badRequest("chats can be requested in private chats only")
		}
		return nil, badRequest("users can be requested in private chats only")
	}
	if m.replyTo, e = s.replyTargetLocked(ch, c.p.str("reply_parameters")); e != nil {
		return nil, e
	}
	if m.thread, e = s.threadForLocked(ch, nil, int(parseInt(c.p.str("message_thread_id"))), m.replyTo); e != nil {
		return nil, e
	}
	now := s.now()
	if e := s.limiter.check(now, ch.id); e != nil {
		return nil, e
	}
	if attach != nil {
		if e := attach(); e != nil {
			return nil, e
		}
	}
	s.limiter.record(now, ch.id)
	m.date = now
	m.protected = parseBool(c.p.str("protect_content"))
	m.silent = parseBool(c.p.str("disable_notification"))
	ch.add(m)
	if ch.group != nil {
		ch.group.lastBot = s.bot.ID
	}
	s.recordSentLocked(c.method.Name, m, EventBotMessage)
	return s.wireMessage(m, true), nil
}

func (s *Server) recordSentLocked(method string, m *message, kind EventKind) {
	now := s.now()
	msg := m.toMsg()
	s.sent = append(s.sent, SentCall{At: now, Method: method, ChatID: m.chat.id, MessageID: m.id, Msg: msg})
	s.emitLocked(Event{
		Time: now, Kind: kind, ChatID: m.chat.id, Chat: m.chat.title(), From: "@" + s.bot.Username,
		MessageID: m.id, Text: firstNonEmpty(msg.Text, msg.Caption), Buttons: msg.Buttons,
		File: fileLabel(m), Method: method,
	})
	s.notifyLocked()
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func (s *Server) sendChatAction(c *call) (any, *apiError) {
	if !chatActions[c.p.str("action")] {
		return nil, badRequest("wrong parameter action in request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.chatLocked(c.p.str("chat_id"), accessWrite); e != nil {
		return nil, e
	}
	return true, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func fileLabel(m *message) string {
	switch {
	case m.photo != nil:
		return "photo"
	case m.document != nil:
		return m.document.Name
	}
	return ""
}
