package telegramtest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// post is what a user sends: text, or a photo or document with a caption.
type post struct {
	text    string
	caption string
	replyTo int
	photo   bool
	docName string
	// location is a location to send; forwardedFrom makes the message a
	// forward of that user's.
	location      *Location
	forwardedFrom *User
	// anonymous posts as the group itself, as an anonymous administrator
	// does, signed with signature (their custom title) if set.
	anonymous bool
	signature string
	// thread is the forum topic to post in.
	thread int
}

// errNoChat is what acting in a private chat gives for another bot's
// account: bots cannot write to bots.
var errNoChat = errors.New("telegramtest: another bot has no chat with this bot")

type callbackQuery struct {
	id        string
	from      *User
	chat      *chat
	messageID int
	data      string
	at        time.Time
	answered  bool
}

func (s *Server) userPost(c *chat, from *User, p post) (Msg, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Msg{}, ErrClosed
	}
	if c == nil {
		return Msg{}, errNoChat
	}
	if c.user != nil && c.user.blocked {
		s.setBlockedLocked(c.user, false)
	}
	if g := c.group; g != nil {
		if err := g.usableLocked(); err != nil {
			return Msg{}, err
		}
	}
	now := s.now()
	m := &message{from: from, date: now}
	switch g := c.group; {
	case p.anonymous && g == nil:
		return Msg{}, errors.New("telegramtest: only group administrators can post anonymously")
	case p.anonymous:
		// Telegram hides the administrator behind GroupAnonymousBot and
		// names the group as the sender.
		m.from, m.senderChat, m.signature = s.anonymous, c, p.signature
	case g != nil:
		g.members[from.id] = from
		if from.isBot {
			g.lastBot = from.id
		}
	}
	if p.replyTo != 0 {
		m.replyTo = c.byID[p.replyTo]
		if m.replyTo == nil {
			return Msg{}, fmt.Errorf("telegramtest: chat %d has no message %d to reply to", c.id, p.replyTo)
		}
	}
	if p.thread != 0 && (c.group == nil || !c.group.forum) {
		return Msg{}, fmt.Errorf("telegramtest: chat %d has no topics", c.id)
	}
	thread, e := s.threadForLocked(c, m.from, p.thread, m.replyTo)
	if e != nil {
		return Msg{}, fmt.Errorf("telegramtest: cannot post in topic %d of chat %d: %s", p.thread, c.id, e.desc)
	}
	m.thread = thread
	switch {
	case p.photo:
		m.photo = s.storeUserPhotoLocked()
		m.caption, m.capEnts = p.caption, commandEntities(p.caption)
	case p.docName != "":
		m.document = s.storeDocumentLocked(userDocument(p.docName), p.docName, "")
		m.caption, m.capEnts = p.caption, commandEntities(p.caption)
	case p.location != nil:
		l := *p.location
		m.location = &l
	default:
		if strings.TrimSpace(p.text) == "" {
			return Msg{}, errors.New("telegramtest: a user cannot send an empty message")
		}
		m.text, m.rawText, m.entities = p.text, p.text, commandEntities(p.text)
	}
	if p.forwardedFrom != nil {
		m.forwardedFrom, m.forwardDate = p.forwardedFrom, now.Add(-time.Hour)
	}
	c.add(m)
	if s.botReceivesLocked(c, m) {
		s.enqueueLocked(UpdateMessage, s.wireMessage(m, true))
	}
	s.emitLocked(s.userEvent(EventUserMessage, m))
	s.notifyLocked()
	return m.toMsg(), nil
}

func (s *Server) userEdit(c *chat, from *User, messageID int, text string) (Msg, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Msg{}, ErrClosed
	}
	if c == nil {
		return Msg{}, errNoChat
	}
	m := c.byID[messageID]
	if m == nil || m.from != from {
		return Msg{}, fmt.Errorf("telegramtest: chat %d has no message %d from user %d", c.id, messageID, from.id)
	}
	if strings.TrimSpace(text) == "" {
		return Msg{}, errors.New("telegramtest: a user cannot edit a message to empty text")
	}
	if m.photo != nil || m.document != nil {
		m.caption, m.capEnts = text, commandEntities(text)
	} else {
		m.text, m.rawText, m.entities = text, text, commandEntities(text)
	}
	m.editDate = s.now()
	if s.botReceivesLocked(c, m) {
		s.enqueueLocked(UpdateEditedMessage, s.wireMessage(m, true))
	}
	s.emitLocked(s.userEvent(EventUserEdit, m))
	s.notifyLocked()
	return m.toMsg(), nil
}

func (s *Server) press(c *chat, from *User, messageID int, data string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", ErrClosed
	}
	if c == nil {
		return "", errNoChat
	}
	m := c.byID[messageID]
	if m == nil || m.from != nil {
		return "", fmt.Errorf("telegramtest: chat %d has no bot message %d", c.id, messageID)
	}
	var pressed *Button
	if m.markup != nil {
		for _, row := range m.markup.inline {
			for i := range row {
				if row[i].CallbackData != "" && row[i].CallbackData == data {
					pressed = &row[i]
				}
			}
		}
	}
	if pressed == nil {
		return "", fmt.Errorf("telegramtest: message %d in chat %d has no button with callback data %q", messageID, c.id, data)
	}
	if c.group != nil {
		c.group.members[from.id] = from
	}
	// Query ids are opaque decimal strings in Telegram.
	id := strconv.FormatUint(s.rng.Uint64()>>1, 10)
	now := s.now()
	s.callbacks[id] = &callbackQuery{id: id, from: from, chat: c, messageID: m.id, data: data, at: now}
	s.enqueueLocked(UpdateCallbackQuery, wCallbackQuery{
		ID: id, From: from.wire(), Message: s.wireMessage(m, true),
		ChatInstance: chatInstance(c.id), Data: data,
	})
	s.emitLocked(Event{
		Time: now, Kind: EventButtonPress, ChatID: c.id, Chat: c.title(), From: from.displayName(),
		UserID: from.id, MessageID: m.id, Text: pressed.Text, Data: data,
	})
	s.notifyLocked()
	return id, nil
}

// chatInstance is the stable, opaque chat_instance of a chat.
func chatInstance(chatID int64) string {
	return strconv.FormatInt(int64((uint64(chatID)*0x9e3779b97f4a7c15)>>1), 10)
}
