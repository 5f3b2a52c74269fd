package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The bot's statuses in a group, as ChatMember.status spells them.
const (
	StatusAdministrator = "administrator"
	StatusMember        = "member"
	StatusLeft          = "left"
	StatusKicked        = "kicked"
)

// supergroupIDs is where supergroup ids start: they are the "-100…" ids,
// the basic group ids are above it.
const supergroupIDs = -1_000_000_000_000

// Group is a group or supergroup chat. Its id is negative, as in Telegram;
// supergroup ids are the "-100…" ones, at or below -1000000000000.
type Group struct {
	s     *Server
	id    int64
	title string
	chat  *chat
	// Guarded by s.mu.
	forum   bool
	members map[int64]*User
	// admins are the members who are administrators, with their rights.
	admins map[int64]Rights
	bot    membership
	// lastBot is the id of the last bot that posted here: under privacy
	// mode a bare /command goes to that bot only.
	lastBot int64
	// topics are a forum's topics by message_thread_id.
	topics map[int]*topic
	// migratedTo is the supergroup a basic group became.
	migratedTo *Group
}

// membership is the bot's status in a group.
type membership struct {
	status string // StatusMember, StatusAdministrator, StatusLeft or StatusKicked
	rights Rights // for StatusAdministrator
}

func (m membership) isMember() bool {
	return m.status == StatusMember || m.status == StatusAdministrator
}

// Rights are an administrator's rights, the fields of the Bot API's
// ChatAdministratorRights. Any right makes CanManageChat true, as in
// Telegram, where it is "implied by any other administrator privilege".
// CanManageTopics exists in supergroups only.
type Rights struct {
	IsAnonymous         bool
	CanManageChat       bool
	CanDeleteMessages   bool
	CanManageVideoChats bool
	CanRestrictMembers  bool
	CanPromoteMembers   bool
	CanChangeInfo       bool
	CanInviteUsers      bool
	CanPostStories      bool
	CanEditStories      bool
	CanDeleteStories    bool
	CanPinMessages      bool
	CanManageTopics     bool
	CanManageTags       bool
	// CustomTitle is the administrator's title in the chat, which is also
	// the signature of their messages when they post anonymously.
	CustomTitle string
}

// fields lists r's rights, so that every loop over them has one list.
func (r *Rights) fields() []*bool {
	return []*bool{&r.IsAnonymous, &r.CanManageChat, &r.CanDeleteMessages, &r.CanManageVideoChats,
		&r.CanRestrictMembers, &r.CanPromoteMembers, &r.CanChangeInfo, &r.CanInviteUsers, &r.CanPostStories,
		&r.CanEditStories, &r.CanDeleteStories, &r.CanPinMessages, &r.CanManageTopics, &r.CanManageTags}
}

// empty reports whether r grants nothing, which makes its holder a plain
// member.
func (r Rights) empty() bool {
	for _, f := range r.fields() {
		if *f {
			return false
		}
	}
	return true
}

// covers reports whether r has every right that want has.
func (r Rights) covers(want Rights) bool {
	have, need := r.fields(), want.fields()
	for i := range need {
		if *need[i] && !*have[i] {
			return false
		}
	}
	return true
}

// union is r with every right of o added.
func (r Rights) union(o Rights) Rights {
	add := o.fields()
	for i, f := range r.fields() {
		*f = *f || *add[i]
	}
	return r
}

func (r Rights) normalized() Rights {
	if !r.empty() {
		r.CanManageChat = true
	}
	return r
}

// NewGroup creates a group containing the bot, as a plain member, and
// members. An id at or below -1000000000000 makes a supergroup (see
// NewSupergroup), any other negative id a basic group. It panics if id is
// not negative or already taken.
func (s *Server) NewGroup(id int64, title string, members ...*User) *Group {
	if id >= 0 {
		panic(fmt.Sprintf("telegramtest: group id must be negative, got %d", id))
	}
	return s.newGroup(id, title, id <= supergroupIDs, false, members)
}

// NewSupergroup creates a supergroup containing the bot, as a plain
// member, and members; forum turns topics on (Chat.is_forum). It panics if
// id is not a supergroup id (at or below -1000000000000) or already taken.
func (s *Server) NewSupergroup(id int64, title string, forum bool, members ...*User) *Group {
	if id > supergroupIDs {
		panic(fmt.Sprintf("telegramtest: supergroup id must be at or below %d, got %d", int64(supergroupIDs), id))
	}
	return s.newGroup(id, title, true, forum, members)
}

func (s *Server) newGroup(id int64, title string, super, forum bool, members []*User) *Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chats[id] != nil {
		panic(fmt.Sprintf("telegramtest: chat %d already exists", id))
	}
	return s.newGroupLocked(id, title, super, forum, members)
}

func (s *Server) newGroupLocked(id int64, title string, super, forum bool, members []*User) *Group {
	kind := "group"
	if super {
		kind = "supergroup"
	}
	g := &Group{s: s, id: id, title: title, forum: forum, members: map[int64]*User{},
		admins: map[int64]Rights{}, bot: membership{status: StatusMember}}
	g.chat = newChat(id, kind)
	g.chat.group = g
	if super {
		// Message 1 of a supergroup is the service message that created
		// it, which is also the General topic of a forum: no topic and no
		// message of the bot's ever has id 1.
		g.chat.nextID = 2
	}
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

// Type is the chat type: "group" or "supergroup".
func (g *Group) Type() string { return g.chat.kind }

func (g *Group) super() bool { return g.chat.kind == "supergroup" }

// IsForum reports whether the group is a forum supergroup.
func (g *Group) IsForum() bool {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	return g.forum
}

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

// SetMemberRights makes u an administrator of the group with rights r, or a
// plain member again with nil, without any update: it is the group as the
// test finds it. getChatMember reports it.
func (g *Group) SetMemberRights(u *User, r *Rights) {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	g.members[u.id] = u
	if r == nil || r.empty() {
		delete(g.admins, u.id)
		return
	}
	g.admins[u.id] = r.normalized()
}

// SetBotRights makes the bot an administrator of the group with rights r,
// or a plain member with nil, without any update: it is the group as the
// bot finds it when the test starts. An administrator bot receives every
// message, privacy mode or not. Use PromoteBot for a change the bot is
// told about.
func (g *Group) SetBotRights(r *Rights) {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	g.bot = membershipFor(r)
}

func membershipFor(r *Rights) membership {
	if r == nil || r.empty() {
		return membership{status: StatusMember}
	}
	return membership{status: StatusAdministrator, rights: r.normalized()}
}

// BotStatus is the bot's status in the group (StatusMember,
// StatusAdministrator, StatusLeft or StatusKicked) and, for an
// administrator, its rights.
func (g *Group) BotStatus() (string, Rights) {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	return g.bot.status, g.bot.rights
}

// AddBot adds the bot to the group as a plain member, as by from: the bot
// gets a my_chat_member update (left or kicked → member) and the
// new_chat_members service message.
func (g *Group) AddBot(by *User) error { return g.addBot(by, nil) }

// AddBotAsAdmin adds the bot as an administrator with rights r: one
// my_chat_member update (left or kicked → administrator) and the
// new_chat_members service message.
func (g *Group) AddBotAsAdmin(by *User, r Rights) error { return g.addBot(by, &r) }

func (g *Group) addBot(by *User, r *Rights) error {
	s := g.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := g.usableLocked(); err != nil {
		return err
	}
	if g.bot.isMember() {
		return fmt.Errorf("telegramtest: the bot is already in group %d", g.id)
	}
	g.members[by.id] = by
	s.setBotMembershipLocked(g, by, membershipFor(r), "added the bot")
	bot := s.wireBot()
	s.servicePostLocked(g.chat, by, &service{kind: "new_chat_members", newMembers: []wUser{bot}}, 0)
	return nil
}

// RemoveBot removes the bot from the group, as by from. Telegram bans a
// removed member, so the bot gets a my_chat_member update to "kicked"
// (until_date 0) and the left_chat_member service message; from then on
// its calls into the group fail with 403.
func (g *Group) RemoveBot(by *User) error {
	s := g.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := g.usableLocked(); err != nil {
		return err
	}
	if !g.bot.isMember() {
		return fmt.Errorf("telegramtest: the bot is not in group %d", g.id)
	}
	s.setBotMembershipLocked(g, by, membership{status: StatusKicked}, "removed the bot")
	bot := s.wireBot()
	s.servicePostLocked(g.chat, by, &service{kind: "left_chat_member", leftMember: &bot}, 0)
	return nil
}

// PromoteBot changes the bot's rights in the group, as by from: to an
// administrator with r, or back to a plain member if r grants nothing.
// The bot gets a my_chat_member update with the old and new status.
func (g *Group) PromoteBot(by *User, r Rights) error {
	s := g.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := g.usableLocked(); err != nil {
		return err
	}
	if !g.bot.isMember() {
		return fmt.Errorf("telegramtest: the bot is not in group %d", g.id)
	}
	next := membershipFor(&r)
	if next == g.bot {
		return errors.New("telegramtest: the bot already has these rights")
	}
	what := "promoted the bot"
	if next.status == StatusMember {
		what = "demoted the bot"
	}
	s.setBotMembershipLocked(g, by, next, what)
	return nil
}

// usableLocked refuses test actions on a group that can no longer take
// them: after Close, or once it became a supergroup.
func (g *Group) usableLocked() error {
	if g.s.closed {
		return ErrClosed
	}
	if g.migratedTo != nil {
		return fmt.Errorf("telegramtest: group %d became supergroup %d", g.id, g.migratedTo.id)
	}
	return nil
}

// MigrateToSupergroup turns basic group g into a supergroup, as by does
// when upgrading it, and returns the supergroup. It gets a new "-100…" id
// and keeps the title, the members and the bot with its rights. The old
// group gets a service message with migrate_to_chat_id, the supergroup one
// with migrate_from_chat_id (the bot receives both), and from then on
// every call naming the old group but getChat fails with 400 and
// parameters.migrate_to_chat_id, which go-telegram/bot returns as a
// *bot.MigrateError.
func (s *Server) MigrateToSupergroup(g *Group, by *User) (*Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := g.usableLocked(); err != nil {
		return nil, err
	}
	if g.super() {
		return nil, fmt.Errorf("telegramtest: %d is a supergroup already", g.id)
	}
	var id int64
	for id == 0 || s.chats[id] != nil {
		// Like real supergroup ids: -100 and ten digits.
		id = supergroupIDs - 1_000_000_000 - s.rng.Int64N(9_000_000_000)
	}
	var members []*User
	for _, u := range g.members {
		members = append(members, u)
	}
	ng := s.newGroupLocked(id, g.title, true, false, members)
	for uid, r := range g.admins {
		ng.admins[uid] = r
	}
	ng.bot, ng.lastBot = g.bot, g.lastBot
	g.members[by.id], ng.members[by.id] = by, by
	s.servicePostLocked(g.chat, by, &service{kind: "migrate_to_chat_id", migrateTo: ng.id}, 0)
	g.migratedTo = ng
	s.servicePostLocked(ng.chat, by, &service{kind: "migrate_from_chat_id", migrateFrom: g.id}, 0)
	s.emitLocked(Event{Time: s.now(), Kind: EventService, ChatID: g.id, Chat: g.title, From: by.displayName(),
		UserID: by.id, Text: fmt.Sprintf("upgraded the group to supergroup %d", ng.id)})
	return ng, nil
}

// MigratedTo is the supergroup g became, nil if it did not.
func (g *Group) MigratedTo() *Group {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	return g.migratedTo
}

// setBotMembershipLocked changes the bot's status and sends the
// my_chat_member update about it.
func (s *Server) setBotMembershipLocked(g *Group, by *User, next membership, what string) {
	old := g.bot
	g.bot = next
	now := s.now()
	s.enqueueLocked(UpdateMyChatMember, wChatMemberUpdated{
		Chat: s.wireChat(g.chat), From: by.wire(), Date: now.Unix(),
		OldChatMember: s.botMemberWire(g, old), NewChatMember: s.botMemberWire(g, next),
	})
	s.emitLocked(Event{Time: now, Kind: EventService, ChatID: g.id, Chat: g.title, From: by.displayName(),
		UserID: by.id, Text: what})
	s.notifyLocked()
}

// SendText posts text to the group as from. With privacy mode on (the
// default) and the bot not an administrator, the bot only gets the update
// if it is a command for it or a reply to it.
func (g *Group) SendText(from *User, text string) Msg {
	m, _ := g.s.userPost(g.chat, from, post{text: text})
	return m
}

// SendCommand posts "/command args" to the group as from.
func (g *Group) SendCommand(from *User, command, args string) Msg {
	return g.SendText(from, commandText(command, args))
}

// GroupAnonymousBotID is the user id of GroupAnonymousBot, the account
// Telegram shows as the sender of an anonymous administrator's messages.
const GroupAnonymousBotID = 1087968824

// GroupPost is a message posted to a group, for Post.
type GroupPost struct {
	// From is the member posting; ignored with Anonymous.
	From *User
	// Anonymous posts as the group itself, as an administrator with
	// "remain anonymous" does: the message comes from GroupAnonymousBot
	// with sender_chat set to the group.
	Anonymous bool
	// Signature is an anonymous administrator's custom title, sent as
	// author_signature.
	Signature string
	Text      string
	// ReplyTo is the id of the message replied to, 0 for none. A reply
	// lands in the topic of the message replied to.
	ReplyTo int
	// ThreadID is the forum topic to post in (its message_thread_id), 0
	// for the General topic or a group without topics.
	ThreadID int
	// Photo posts a photo, and DocumentName a document of that name,
	// with Text as its caption (caption and caption_entities; empty for
	// none) instead of a text message.
	Photo        bool
	DocumentName string
}

// Post posts p to the group. The bot receives it as Telegram decides
// (see SendText).
func (g *Group) Post(p GroupPost) (Msg, error) {
	from := p.From
	if p.Anonymous {
		from = nil
	} else if from == nil {
		return Msg{}, errors.New("telegramtest: a group post needs From or Anonymous")
	}
	if p.Photo && p.DocumentName != "" {
		return Msg{}, errors.New("telegramtest: a message holds a photo or a document, not both")
	}
	pp := post{text: p.Text, replyTo: p.ReplyTo, thread: p.ThreadID, anonymous: p.Anonymous, signature: p.Signature,
		photo: p.Photo, docName: p.DocumentName}
	if p.Photo || p.DocumentName != "" {
		pp.text, pp.caption = "", p.Text
	}
	return g.s.userPost(g.chat, from, pp)
}

// SendAnonymous posts text as the group itself, as an anonymous
// administrator does.
func (g *Group) SendAnonymous(text string) (Msg, error) {
	return g.Post(GroupPost{Anonymous: true, Text: text})
}

// ReplyTo posts text as from, replying to message messageID, in the topic
// of that message.
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

// otherBotsLocked reports whether bots other than this one are members.
func (g *Group) otherBotsLocked() bool {
	for _, u := range g.members {
		if u.isBot {
			return true
		}
	}
	return false
}

// botReceivesLocked applies what Telegram delivers to a bot from a chat.
// Private chats: everything. Groups the bot is not in: nothing but its
// own removal. Groups
// (https://core.telegram.org/bots/features#privacy-mode): service messages
// always; never messages of other bots; everything else if the bot is an
// administrator or privacy mode is off; with privacy mode on, only
// commands addressed to it (/cmd@bot, or a bare /cmd if it was the last
// bot to post or is the only bot) and replies to its messages, which in a
// forum includes every message of a topic the bot created, since those
// are implicit replies to its topic creation message.
func (s *Server) botReceivesLocked(c *chat, m *message) bool {
	g := c.group
	if g == nil {
		return true
	}
	if !g.bot.isMember() {
		// Out of the group, the bot only hears of its own removal.
		return m.svc != nil && m.svc.leftMember != nil && m.svc.leftMember.ID == s.bot.ID
	}
	if m.svc != nil {
		return true
	}
	if m.from != nil && m.from.isBot && m.senderChat == nil {
		return false
	}
	if s.opts.ReadAllGroupMessages || g.bot.status == StatusAdministrator {
		return true
	}
	if r := m.replyTarget(); r != nil && r.from == nil {
		return true
	}
	text, ents := m.text, m.entities
	if m.photo != nil || m.document != nil {
		text, ents = m.caption, m.capEnts
	}
	if len(ents) == 0 || ents[0].Type != "bot_command" || ents[0].Offset != 0 {
		return false
	}
	cmd := text
	if i := strings.IndexFunc(cmd, func(r rune) bool { return r == ' ' || r == '\n' }); i >= 0 {
		cmd = cmd[:i]
	}
	_, addressee, addressed := strings.Cut(cmd, "@")
	if addressed {
		return strings.EqualFold(addressee, s.bot.Username)
	}
	return g.lastBot == s.bot.ID || !g.otherBotsLocked()
}
