package telegramtest

import (
	"context"
	"fmt"
)

// Group is a group chat the bot is a member of. Its id is negative, as in
// Telegram; ids at or below -1000000000000 are supergroups.
type Group struct {
	s     *Server
	id    int64
	title string
	chat  *chat
	// Guarded by s.mu.
	members map[int64]*User
}

// NewGroup creates a group containing the bot and members. It panics if
// id is not negative or already taken.
func (s *Server) NewGroup(id int64, title string, members ...*User) *Group {
	if id >= 0 {
		panic(fmt.Sprintf("telegramtest: group id must be negative, got %d", id))
	}
	kind := "group"
	if id <= -1_000_000_000_000 {
		kind = "supergroup"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chats[id] != nil {
		panic(fmt.Sprintf("telegramtest: chat %d already exists", id))
	}
	g := &Group{s: s, id: id, title: title, members: map[int64]*User{}}
	g.chat = newChat(id, kind)
	g.chat.group = g
	for _, u := range members {
		g.members[u.id] = u
	}
	s.groups[id] = g
	s.chats[id] = g.chat
	return g
}

// ID is the group's (negative) chat id.
func (g *Group) ID() int64 { return g.id }

// Title is the group's title.
func (g *Group) Title() string { return g.title }

// AddMember adds u to the group. Posting from a non-member adds them too.
func (g *Group) AddMember(u *User) {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	g.members[u.id] = u
}

// Members returns the group's members' ids.
func (g *Group) Members() []int64 {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	var ids []int64
	for id := range g.members {
		ids = append(ids, id)
	}
	sortInt64s(ids)
	return ids
}

// SendText posts text to the group as from. With privacy mode on (the
// default) the bot only gets the update if it is a command or a reply to
// the bot.
func (g *Group) SendText(from *User, text string) Msg {
	m, _ := g.s.userPost(g.chat, from, post{text: text})
	return m
}

// SendCommand posts "/command args" to the group as from.
func (g *Group) SendCommand(from *User, command, args string) Msg {
	return g.SendText(from, commandText(command, args))
}

// ReplyTo posts text as from, replying to message messageID.
func (g *Group) ReplyTo(from *User, messageID int, text string) (Msg, error) {
	return g.s.userPost(g.chat, from, post{text: text, replyTo: messageID})
}

// EditMessage edits one of from's messages in the group.
func (g *Group) EditMessage(from *User, messageID int, newText string) (Msg, error) {
	return g.s.userEdit(g.chat, from, messageID, newText)
}

// Press presses an inline button of the bot's message as from.
func (g *Group) Press(from *User, messageID int, callbackData string) (string, error) {
	return g.s.press(g.chat, from, messageID, callbackData)
}

// Messages returns the messages the bot has sent to the group.
func (g *Group) Messages() []Msg { return g.s.Messages(g.id) }

// History returns every message of the group.
func (g *Group) History() []Msg { return g.s.History(g.id) }

// LastMessage returns the bot's latest message in the group.
func (g *Group) LastMessage() (Msg, bool) { return last(g.Messages()) }

// WaitMessages waits until the bot has sent at least n messages to the
// group and returns them all.
func (g *Group) WaitMessages(ctx context.Context, n int) ([]Msg, error) {
	return g.s.waitMessages(ctx, g.id, n)
}
