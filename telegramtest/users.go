package telegramtest

import (
	"context"
	"fmt"
	"math"
	"time"
)

// User is a Telegram user talking to the bot. Their private chat with the
// bot has the same id as the user, as in Telegram.
type User struct {
	s  *Server
	id int64

	// Guarded by s.mu.
	firstName, lastName, username, lang string
	blocked                             bool
	// isBot marks another bot account, which has no chat with this bot.
	isBot bool
	chat  *chat
}

// NewUser creates a user who has started the bot, so the bot may write to
// them. It panics if id is not positive or already taken: both are
// mistakes in the test's setup, not conditions to handle.
func (s *Server) NewUser(id int64, firstName, languageCode string) *User {
	if id <= 0 {
		panic(fmt.Sprintf("telegramtest: user id must be positive, got %d", id))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chats[id] != nil || s.users[id] != nil {
		panic(fmt.Sprintf("telegramtest: chat %d already exists", id))
	}
	u := &User{s: s, id: id, firstName: firstName, lang: languageCode}
	u.chat = newChat(id, "private")
	u.chat.user = u
	s.users[id] = u
	s.chats[id] = u.chat
	return u
}

// NewOtherBot creates another bot account, e.g. to add to a group with
// AddMember: Telegram never delivers its messages to this bot, and under
// privacy mode a bare /command then only reaches whichever bot posted
// last. Posting as it works like posting as a user; it has no private chat
// with this bot. It panics if id is not positive or already taken.
func (s *Server) NewOtherBot(id int64, firstName, username string) *User {
	if id <= 0 {
		panic(fmt.Sprintf("telegramtest: bot id must be positive, got %d", id))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chats[id] != nil || s.users[id] != nil || id == s.bot.ID {
		panic(fmt.Sprintf("telegramtest: id %d already exists", id))
	}
	u := &User{s: s, id: id, firstName: firstName, username: username, isBot: true}
	s.users[id] = u
	return u
}

// WithUsername sets the user's @username (without "@") and returns u.
func (u *User) WithUsername(username string) *User {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	u.username = username
	return u
}

// WithLastName sets the user's last name and returns u.
func (u *User) WithLastName(lastName string) *User {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	u.lastName = lastName
	return u
}

// ID is the user's id, which is also the id of their chat with the bot.
func (u *User) ID() int64 { return u.id }

// FirstName is the user's first name.
func (u *User) FirstName() string {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.firstName
}

// Username is the user's username without "@", possibly empty.
func (u *User) Username() string {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.username
}

// LanguageCode is the user's IETF language tag, possibly empty.
func (u *User) LanguageCode() string {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.lang
}

func (u *User) displayName() string {
	if u.lastName != "" {
		return u.firstName + " " + u.lastName
	}
	return u.firstName
}

func (u *User) wire() wUser {
	return wUser{ID: u.id, IsBot: u.isBot, FirstName: u.firstName, LastName: u.lastName, Username: u.username, LanguageCode: u.lang}
}

// SendText sends a text message to the bot. Commands in it ("/start abc")
// get bot_command entities, as Telegram adds them. If the user had blocked
// the bot, writing to it unblocks it first, as restarting a bot does.
// After Close it does nothing and returns a zero Msg.
func (u *User) SendText(text string) Msg {
	m, _ := u.s.userPost(u.chat, u, post{text: text})
	return m
}

// SendCommand sends "/command args" (the slash is optional in command).
func (u *User) SendCommand(command, args string) Msg { return u.SendText(commandText(command, args)) }

// ReplyTo sends text as a reply to message messageID of this chat.
func (u *User) ReplyTo(messageID int, text string) (Msg, error) {
	return u.s.userPost(u.chat, u, post{text: text, replyTo: messageID})
}

// SendPhoto sends a generated photo with an optional caption, replying to
// replyTo unless it is 0.
func (u *User) SendPhoto(caption string, replyTo int) (Msg, error) {
	return u.s.userPost(u.chat, u, post{photo: true, caption: caption, replyTo: replyTo})
}

// SendDocument sends a small generated document named fileName.
func (u *User) SendDocument(fileName, caption string, replyTo int) (Msg, error) {
	return u.s.userPost(u.chat, u, post{docName: fileName, caption: caption, replyTo: replyTo})
}

// SendLocation sends a location: a point, or a live location shared for
// live (Telegram takes 60 s to 24 h, or "until stopped"), replying to
// replyTo unless it is 0. Only the first point of a live location is sent:
// its moves would come as edited messages.
func (u *User) SendLocation(lat, lon float64, live time.Duration, replyTo int) (Msg, error) {
	if math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return Msg{}, fmt.Errorf("telegramtest: no such place %v, %v", lat, lon)
	}
	if live != 0 && (live < time.Minute || live > 24*time.Hour) && live != LiveUntilStopped {
		return Msg{}, fmt.Errorf("telegramtest: live_period %s out of range", live)
	}
	return u.s.userPost(u.chat, u, post{location: &Location{Latitude: lat, Longitude: lon, LivePeriod: live}, replyTo: replyTo})
}

// ForwardLocation forwards to the bot a point that from sent elsewhere:
// the message carries forward_origin.
func (u *User) ForwardLocation(from *User, lat, lon float64) (Msg, error) {
	return u.s.userPost(u.chat, u, post{location: &Location{Latitude: lat, Longitude: lon}, forwardedFrom: from})
}

// LiveUntilStopped is the live_period of a live location shared until
// the user stops it (0x7FFFFFFF seconds).
const LiveUntilStopped = 0x7FFFFFFF * time.Second

// Location is a location a user sent; LivePeriod is set for a live
// location.
type Location struct {
	Latitude, Longitude float64
	LivePeriod          time.Duration
}

// EditMessage edits one of the user's own messages, producing an
// edited_message update.
func (u *User) EditMessage(messageID int, newText string) (Msg, error) {
	return u.s.userEdit(u.chat, u, messageID, newText)
}

// Press presses the inline button with callbackData under the bot's
// message messageID, producing a callback_query update. It returns the
// query id the bot must answer with answerCallbackQuery, and an error if
// the message has no such button.
func (u *User) Press(messageID int, callbackData string) (string, error) {
	return u.s.press(u.chat, u, messageID, callbackData)
}

// Block blocks the bot: sends to the user fail with 403 and the bot gets a
// my_chat_member update with status "kicked".
func (u *User) Block() {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	u.s.setBlockedLocked(u, true)
}

// Unblock undoes Block; the bot gets a my_chat_member update with status
// "member".
func (u *User) Unblock() {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	u.s.setBlockedLocked(u, false)
}

// Blocked reports whether the user has blocked the bot.
func (u *User) Blocked() bool {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.blocked
}

// Messages returns the messages the bot has sent to the user, in order,
// edits applied.
func (u *User) Messages() []Msg { return u.s.Messages(u.id) }

// History returns every message of the chat, the user's included.
func (u *User) History() []Msg { return u.s.History(u.id) }

// LastMessage returns the bot's latest message to the user.
func (u *User) LastMessage() (Msg, bool) { return last(u.Messages()) }

// WaitMessages waits until the bot has sent at least n messages to the
// user and returns them all. On timeout it returns the ctx error together
// with the messages there are, for the failure report.
func (u *User) WaitMessages(ctx context.Context, n int) ([]Msg, error) {
	return u.s.waitMessages(ctx, u.id, n)
}

func (s *Server) setBlockedLocked(u *User, blocked bool) {
	if u.blocked == blocked || u.chat == nil {
		return
	}
	u.blocked = blocked
	oldM := memberWire(StatusMember, s.wireBot(), Rights{}, false)
	newM := memberWire(StatusKicked, s.wireBot(), Rights{}, false)
	kind := EventBlocked
	if !blocked {
		oldM, newM = newM, oldM
		kind = EventUnblocked
	}
	now := s.now()
	s.enqueueLocked(UpdateMyChatMember, wChatMemberUpdated{
		Chat: s.wireChat(u.chat), From: u.wire(), Date: now.Unix(),
		OldChatMember: oldM, NewChatMember: newM,
	})
	s.emitLocked(Event{Time: now, Kind: kind, ChatID: u.id, Chat: u.displayName(), From: u.displayName(), UserID: u.id})
	s.notifyLocked()
}

func commandText(command, args string) string {
	if len(command) == 0 || command[0] != '/' {
		command = "/" + command
	}
	if args != "" {
		return command + " " + args
	}
	return command
}

func last(ms []Msg) (Msg, bool) {
	if len(ms) == 0 {
		return Msg{}, false
	}
	return ms[len(ms)-1], true
}
