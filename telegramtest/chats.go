package telegramtest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Msg is a message in a chat as it currently is (edits applied), whether
// the bot or a user sent it.
type Msg struct {
	ID     int
	ChatID int64
	// FromBot is true for messages the bot sent; otherwise FromID is the
	// sending user.
	FromBot bool
	FromID  int64
	Date    time.Time
	// EditDate is the time of the last edit, zero if never edited.
	EditDate time.Time

	// Text is the text as the recipient sees it: markup parsed away,
	// entities decoded, surrounding whitespace trimmed. RawText is the
	// text parameter as sent, markup included.
	Text      string
	RawText   string
	ParseMode string
	Entities  []Entity
	Caption   string
	// Location is a location the user sent, nil for none.
	Location *Location

	// Buttons is the inline keyboard, row by row.
	Buttons [][]Button
	// Keyboard is a reply keyboard's button texts, row by row, and
	// ReplyKeyboard its buttons with the chat and user requests.
	Keyboard       [][]string
	ReplyKeyboard  [][]KeyboardButton
	RemoveKeyboard bool
	ForceReply     bool
	// Placeholder is the input field placeholder of a reply keyboard or
	// force reply.
	Placeholder string

	// ReplyTo is the id of the message this one explicitly replies to, 0
	// if none. (On the wire, messages of a forum topic also reply to the
	// topic's creation message; ThreadID says which topic that is.)
	ReplyTo int
	// ThreadID is the forum topic the message is in (message_thread_id),
	// 0 outside topics.
	ThreadID int

	// SenderChatID is the chat the message was sent on behalf of: the
	// group itself for a message of an anonymous administrator, whose
	// FromID is then GroupAnonymousBotID. AuthorSignature is their custom
	// title, if any.
	SenderChatID    int64
	AuthorSignature string

	// Service is the kind of a service message, named after the Message
	// field that carries it ("new_chat_members", "left_chat_member",
	// ...); empty for ordinary messages.
	Service string
	// MigrateToChatID and MigrateFromChatID are set in the service
	// messages of a group's migration to a supergroup.
	MigrateToChatID   int64
	MigrateFromChatID int64
	// RequestID, SharedChatID and SharedUserIDs are set in the
	// chat_shared and users_shared messages of a user answering a
	// keyboard request.
	RequestID     int
	SharedChatID  int64
	SharedUserIDs []int64

	Photo    *File
	Document *File

	// Reactions are the emoji the bot reacted to the message with
	// (setMessageReaction).
	Reactions []string

	// Protected is true for a message sent with protect_content.
	Protected bool
	// Silent is true for a message sent with disable_notification: its
	// recipients are not notified with a sound.
	Silent bool
	// PinnedMessageID is the message a pinned_message service message
	// says was pinned.
	PinnedMessageID int
}

// Button returns the first inline button with the given text.
func (m Msg) Button(text string) (Button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == text {
				return b, true
			}
		}
	}
	return Button{}, false
}

// File is a photo or document that went through the server. Data must not
// be modified.
type File struct {
	FileID       string
	FileUniqueID string
	Name         string
	MIMEType     string
	Width        int
	Height       int
	Data         []byte

	isPhoto bool
	sizes   []wPhotoSize
	path    string // set by getFile
}

type message struct {
	id        int
	chat      *chat
	from      *User // nil: sent by the bot
	date      time.Time
	editDate  time.Time
	rawText   string
	text      string
	entities  []Entity
	parseMode string
	caption   string
	capEnts   []Entity
	markup    *markup
	replyTo   *message
	photo     *File
	document  *File
	location  *Location
	// forwardedFrom is the user whose message this one forwards.
	forwardedFrom *User
	forwardDate   time.Time
	svc           *service // set for service messages
	// senderChat is the chat a message was posted on behalf of: the group
	// itself for its anonymous administrators.
	senderChat *chat
	signature  string
	// thread is the forum topic of the message: the id of the topic's
	// creation message, 0 for none.
	thread int
	// reactions are the bot's reactions to the message.
	reactions []string
	// protected is protect_content: the message cannot be forwarded or
	// saved.
	protected bool
	// silent is disable_notification.
	silent bool
}

// replyTarget is the message this one replies to, as Telegram sees it: in
// a forum topic, a message that replies to nothing else replies to the
// topic's creation message (Client::get_implicit_reply_to_message_id).
func (m *message) replyTarget() *message {
	if m.replyTo != nil || m.thread == 0 || m.thread >= m.id {
		return m.replyTo
	}
	return m.chat.byID[m.thread]
}

// replyThreadRoot is the reply thread of a supergroup message outside
// forum topics: Telegram gives a reply there the message_thread_id of the
// first message of its chain of replies, without is_topic_message — in a
// group without topics and in a forum's General topic alike. 0 for a
// message that replies to nothing, and outside supergroups.
func (m *message) replyThreadRoot() int {
	if m.thread != 0 || m.replyTo == nil || m.chat.kind != "supergroup" {
		return 0
	}
	root := m.replyTo
	for root.replyTo != nil && root.thread == 0 {
		root = root.replyTo
	}
	return root.id
}

type chat struct {
	id     int64
	kind   string // "private", "group" or "supergroup"
	user   *User  // the other party of a private chat
	group  *Group
	nextID int
	msgs   []*message
	byID   map[int]*message
	// pinned are the ids of the pinned messages, the latest last.
	pinned []int
}

func newChat(id int64, kind string) *chat {
	return &chat{id: id, kind: kind, nextID: 1, byID: map[int]*message{}}
}

func (c *chat) add(m *message) *message {
	m.id = c.nextID
	c.nextID++
	m.chat = c
	c.msgs = append(c.msgs, m)
	c.byID[m.id] = m
	return m
}

// title is a human name for the chat, for events.
func (c *chat) title() string {
	if c.user != nil {
		return c.user.displayName()
	}
	if c.group != nil {
		return c.group.title
	}
	return strconv.FormatInt(c.id, 10)
}

func (m *message) toMsg() Msg {
	out := Msg{
		ID:        m.id,
		ChatID:    m.chat.id,
		FromBot:   m.from == nil,
		Date:      m.date,
		EditDate:  m.editDate,
		Text:      m.text,
		RawText:   m.rawText,
		ParseMode: m.parseMode,
		Entities:  slices.Clone(m.entities),
		Caption:   m.caption,
		Photo:     m.photo,
		Document:  m.document,
		Location:  m.location,
		ThreadID:  m.thread,
		Reactions: slices.Clone(m.reactions),
		Protected: m.protected,
		Silent:    m.silent,
	}
	if m.svc != nil {
		out.Service = m.svc.kind
		out.MigrateToChatID, out.MigrateFromChatID = m.svc.migrateTo, m.svc.migrateFrom
		if cs := m.svc.chatShared; cs != nil {
			out.RequestID, out.SharedChatID = cs.RequestID, cs.ChatID
		}
		if pm := m.svc.pinned; pm != nil {
			out.PinnedMessageID = pm.id
		}
		if us := m.svc.usersShared; us != nil {
			out.RequestID = us.RequestID
			for _, u := range us.Users {
				out.SharedUserIDs = append(out.SharedUserIDs, u.UserID)
			}
		}
	}
	if m.senderChat != nil {
		out.SenderChatID, out.AuthorSignature = m.senderChat.id, m.signature
	}
	if m.from != nil {
		out.FromID = m.from.id
	}
	if m.replyTo != nil {
		out.ReplyTo = m.replyTo.id
	}
	if mk := m.markup; mk != nil {
		for _, row := range mk.inline {
			out.Buttons = append(out.Buttons, slices.Clone(row))
		}
		for _, row := range mk.keyboard {
			var texts []string
			for _, b := range row {
				texts = append(texts, b.Text)
			}
			out.Keyboard = append(out.Keyboard, texts)
			out.ReplyKeyboard = append(out.ReplyKeyboard, slices.Clone(row))
		}
		out.RemoveKeyboard = mk.removeKbd
		out.ForceReply = mk.forceReply
		out.Placeholder = mk.placeholder
	}
	return out
}

func (s *Server) wireBot() wUser {
	return wUser{ID: s.bot.ID, IsBot: true, FirstName: s.bot.FirstName, Username: s.bot.Username}
}

func (s *Server) wireChat(c *chat) wChat {
	w := wChat{ID: c.id, Type: c.kind}
	if c.user != nil {
		w.FirstName, w.LastName, w.Username = c.user.firstName, c.user.lastName, c.user.username
	}
	if c.group != nil {
		w.Title = c.group.title
		w.IsForum = c.group.forum
	}
	return w
}

// wireMessage renders a message the way the Bot API does. A replied-to
// message is included without its own reply_to_message, as documented.
func (s *Server) wireMessage(m *message, withReply bool) *wMessage {
	w := &wMessage{
		MessageID:       m.id,
		Date:            m.date.Unix(),
		Chat:            s.wireChat(m.chat),
		Text:            m.text,
		Entities:        m.entities,
		Caption:         m.caption,
		CaptionEntities: m.capEnts,
		ReplyMarkup:     m.markup.wire(),
	}
	if m.from == nil {
		bot := s.wireBot()
		w.From = &bot
	} else {
		u := m.from.wire()
		w.From = &u
	}
	if m.senderChat != nil {
		sc := s.wireChat(m.senderChat)
		w.SenderChat, w.AuthorSignature = &sc, m.signature
	}
	if !m.editDate.IsZero() {
		w.EditDate = m.editDate.Unix()
	}
	if m.thread != 0 {
		w.MessageThreadID, w.IsTopicMessage = m.thread, true
	} else if root := m.replyThreadRoot(); root != 0 {
		w.MessageThreadID = root
	}
	if r := m.replyTarget(); withReply && r != nil {
		w.ReplyToMessage = s.wireMessage(r, false)
	}
	if m.photo != nil {
		w.Photo = m.photo.sizes
	}
	if d := m.document; d != nil {
		w.Document = &wDocument{FileID: d.FileID, FileUniqueID: d.FileUniqueID, FileName: d.Name, MIMEType: d.MIMEType, FileSize: len(d.Data)}
	}
	if l := m.location; l != nil {
		w.Location = &wLocation{Latitude: l.Latitude, Longitude: l.Longitude, LivePeriod: int(l.LivePeriod / time.Second)}
	}
	if f := m.forwardedFrom; f != nil {
		u := f.wire()
		w.ForwardOrigin = &wMessageOrigin{Type: "user", Date: m.forwardDate.Unix(), SenderUser: &u}
	}
	if m.protected {
		w.HasProtectedContent = true
	}
	if m.svc != nil {
		m.svc.wire(w)
		if pm := m.svc.pinned; pm != nil {
			// "will not contain further reply_to_message fields even if
			// it itself is a reply"
			w.PinnedMessage = s.wireMessage(pm, false)
		}
	}
	return w
}

// chatByParam resolves a chat_id parameter. Telegram also takes the
// @username of public channels and supergroups, but never of users, and
// this server has no public chats, so only numeric ids resolve.
func (s *Server) chatByParam(v string) *chat {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return nil
	}
	return s.chats[id]
}

// access is what a call needs from the chat it names, after the access
// rights of the real server (Client::check_chat_access): reading the chat,
// reading its members, editing messages, or writing (sending, managing
// topics).
type access int

const (
	accessRead access = iota
	accessReadMembers
	accessEdit
	accessWrite
)

// chatLocked resolves a chat_id parameter and checks that the bot may act
// on the chat as the call needs, failing as the real server does. In a
// basic group the bot may still read after being removed, in a (private)
// supergroup it may not.
func (s *Server) chatLocked(chatID string, a access) (*chat, *apiError) {
	c := s.chatByParam(chatID)
	if c == nil {
		return nil, badRequest("chat not found")
	}
	if c.user != nil && c.user.blocked && a == accessWrite {
		return nil, forbidden("bot was blocked by the user")
	}
	g := c.group
	if g == nil {
		return c, nil
	}
	kind := "supergroup"
	if !g.super() {
		kind = "group"
		// A group that became a supergroup answers everything but reads
		// with where it went, which go-telegram/bot turns into a
		// *bot.MigrateError. (The real server lets edits through to
		// fail further on; here they fail the same way as sends.)
		if g.migratedTo != nil && a != accessRead {
			return nil, &apiError{code: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: g.migratedTo.id}
		}
		// Members can only be read with write access in basic groups.
		needEdit := a != accessRead
		if !needEdit {
			return c, nil
		}
	}
	switch g.bot.status {
	case StatusKicked:
		return nil, forbidden("bot was kicked from the " + kind + " chat")
	case StatusLeft:
		return nil, forbidden("bot is not a member of the " + kind + " chat")
	}
	return c, nil
}

// replyTargetLocked resolves reply_parameters for a send into c.
func (s *Server) replyTargetLocked(c *chat, raw string) (*message, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var rp struct {
		MessageID                int64  `json:"message_id"`
		ChatID                   any    `json:"chat_id"`
		AllowSendingWithoutReply bool   `json:"allow_sending_without_reply"`
		Quote                    string `json:"quote"`
	}
	if err := jsonUnmarshal(raw, &rp); err != nil {
		return nil, badRequest("can't parse reply parameters JSON object")
	}
	target := c
	if rp.ChatID != nil {
		target = s.chatByParam(fmt.Sprint(rp.ChatID))
	}
	var m *message
	if target == c {
		m = c.byID[int(rp.MessageID)]
	}
	if m == nil && !rp.AllowSendingWithoutReply {
		return nil, badRequest("message to be replied not found")
	}
	return m, nil
}
