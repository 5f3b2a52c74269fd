package telegramtest

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Topic is a forum topic. Its ID, the message_thread_id, is the id of the
// service message that created it, as in Telegram.
type Topic struct {
	ID                int
	Name              string
	IconColor         int
	IconCustomEmojiID string
	Closed            bool
	// CreatedByBot: the bot may then edit, close, reopen and post in the
	// topic without can_manage_topics, as its creator.
	CreatedByBot bool
}

type topic struct {
	Topic
	creator *User // nil for the bot
}

// maxTopicName is Telegram's limit on topic names, in characters.
const maxTopicName = 128

// topicIconColors are the icon colours createForumTopic accepts, read from
// the spec's description of icon_color ("must be one of 7322096
// (0x6FB9F0), ..."); the first is the one Telegram gives topics created
// without a colour.
var topicIconColors = sync.OnceValue(func() []int {
	var colors []int
	f := loadSpec().method("createForumTopic").byName["icon_color"]
	for _, m := range regexp.MustCompile(`(\d+) \(0x[0-9A-Fa-f]+\)`).FindAllStringSubmatch(f.Description, -1) {
		n, _ := strconv.Atoi(m[1])
		colors = append(colors, n)
	}
	if len(colors) == 0 {
		panic("telegramtest: the spec lists no topic icon colours")
	}
	return colors
})

// cleanTopicName is what Telegram makes of a topic name (td::clean_name):
// cut to 128 characters, runs of spaces and newlines made one space, the
// ends trimmed. A longer name is cut, not refused.
func cleanTopicName(name string) string {
	if utf8.RuneCountInString(name) > maxTopicName {
		name = string([]rune(name)[:maxTopicName])
	}
	var b strings.Builder
	space := false
	for _, r := range name {
		if r == ' ' || r == '\n' || r == '\u00a0' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSpace(b.String())
}

// Topics returns the group's forum topics, oldest first.
func (g *Group) Topics() []Topic {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	var out []Topic
	for _, t := range g.topics {
		out = append(out, t.Topic)
	}
	slices.SortFunc(out, func(a, b Topic) int { return a.ID - b.ID })
	return out
}

// Topic returns the forum topic with the given message_thread_id.
func (g *Group) Topic(id int) (Topic, bool) {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	if t := g.topics[id]; t != nil {
		return t.Topic, true
	}
	return Topic{}, false
}

// CreateTopic creates a forum topic as from, who must be a member allowed
// to (the test's business), and returns its message_thread_id. The bot
// receives the forum_topic_created service message.
func (g *Group) CreateTopic(from *User, name string) (int, error) {
	s := g.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := g.usableLocked(); err != nil {
		return 0, err
	}
	if !g.forum {
		return 0, fmt.Errorf("telegramtest: group %d is not a forum", g.id)
	}
	if name = cleanTopicName(name); name == "" {
		return 0, errors.New("telegramtest: a topic needs a name")
	}
	g.members[from.id] = from
	t := s.createTopicLocked(g, from, name, topicIconColors()[0], "")
	return t.ID, nil
}

// CloseTopic closes a forum topic as from. Only administrators with
// can_manage_topics and the topic's creator may post in a closed topic.
func (g *Group) CloseTopic(from *User, id int) error { return g.userToggleTopic(from, id, true) }

// ReopenTopic reopens a closed forum topic as from.
func (g *Group) ReopenTopic(from *User, id int) error { return g.userToggleTopic(from, id, false) }

func (g *Group) userToggleTopic(from *User, id int, closed bool) error {
	s := g.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := g.usableLocked(); err != nil {
		return err
	}
	t := g.topics[id]
	if t == nil {
		return fmt.Errorf("telegramtest: group %d has no topic %d", g.id, id)
	}
	if t.Closed == closed {
		return fmt.Errorf("telegramtest: topic %d is already in that state", id)
	}
	s.toggleTopicLocked(g, from, t, closed)
	return nil
}

// SendInTopic posts text as from in the forum topic threadID.
func (g *Group) SendInTopic(from *User, threadID int, text string) (Msg, error) {
	return g.Post(GroupPost{From: from, Text: text, ThreadID: threadID})
}

// createTopicLocked creates a topic by from (nil: the bot) with its
// creation service message.
func (s *Server) createTopicLocked(g *Group, from *User, name string, color int, emoji string) *topic {
	created := &wForumTopicCreated{Name: name, IconColor: color, IconCustomEmojiID: emoji}
	m := s.servicePostLocked(g.chat, from, &service{kind: "forum_topic_created", topicCreated: created}, 0)
	t := &topic{Topic: Topic{ID: m.id, Name: name, IconColor: color, IconCustomEmojiID: emoji, CreatedByBot: from == nil}, creator: from}
	if g.topics == nil {
		g.topics = map[int]*topic{}
	}
	g.topics[t.ID] = t
	s.emitTopicLocked(g, from, fmt.Sprintf("created topic #%d %q", t.ID, name))
	return t
}

func (s *Server) toggleTopicLocked(g *Group, from *User, t *topic, closed bool) {
	t.Closed = closed
	kind, what := "forum_topic_reopened", "reopened"
	if closed {
		kind, what = "forum_topic_closed", "closed"
	}
	s.servicePostLocked(g.chat, from, &service{kind: kind}, t.ID)
	s.emitTopicLocked(g, from, fmt.Sprintf("%s topic #%d", what, t.ID))
}

func (s *Server) emitTopicLocked(g *Group, from *User, text string) {
	e := Event{Time: s.now(), Kind: EventService, ChatID: g.id, Chat: g.title, Text: text}
	if from == nil {
		e.From = "@" + s.bot.Username
	} else {
		e.From, e.UserID = from.displayName(), from.id
	}
	s.emitLocked(e)
}

// mayManageTopicLocked reports whether from (nil: the bot) may edit,
// close or reopen t, and post in it while it is closed: administrators
// with can_manage_topics and the topic's creator may
// (ForumTopicManager::can_send_message_to_forum_topic).
func (g *Group) mayManageTopicLocked(from *User, t *topic) bool {
	if from == nil {
		return t.CreatedByBot || g.bot.status == StatusAdministrator && g.bot.rights.CanManageTopics
	}
	if from == g.s.anonymous {
		return true
	}
	r, admin := g.admins[from.id]
	return t.creator == from || admin && r.CanManageTopics
}

// threadForLocked decides which topic a message to c lands in: the one
// asked for (threadID, 0 for none) or else that of the message replied
// to. It refuses what Telegram refuses and what this server does not
// model; sender is nil for the bot. In chats that are not forums
// message_thread_id is ignored, as the real server ignores it.
func (s *Server) threadForLocked(c *chat, sender *User, threadID int, reply *message) (int, *apiError) {
	g := c.group
	if g == nil {
		if threadID > 0 {
			// Private chats have topics only for bots with topics
			// mode, which this one is not.
			return 0, badRequest("message thread not found")
		}
		return 0, nil
	}
	if !g.forum {
		return 0, nil
	}
	if threadID <= 0 {
		if reply == nil || reply.thread == 0 {
			return 0, nil
		}
		threadID = reply.thread
	}
	t := g.topics[threadID]
	if t == nil {
		// Including 1, the General topic, which takes no thread id.
		return 0, badRequest("message thread not found")
	}
	if reply != nil && reply.thread != threadID {
		// Telegram turns this into an external reply, which this
		// server does not model.
		return 0, badRequest("telegramtest does not model replies to a message of another topic")
	}
	if t.Closed && !g.mayManageTopicLocked(sender, t) {
		return 0, badRequest("TOPIC_CLOSED")
	}
	return threadID, nil
}

// forumLocked resolves the chat of a topic method: only forums have
// topics.
func (s *Server) forumLocked(p *params) (*Group, *apiError) {
	ch, e := s.chatLocked(p.str("chat_id"), accessWrite)
	if e != nil {
		return nil, e
	}
	if ch.group == nil || !ch.group.forum {
		return nil, badRequest("the chat is not a forum")
	}
	return ch.group, nil
}

// topicLocked finds the topic a method names by message_thread_id.
func (s *Server) topicLocked(g *Group, p *params) (*topic, *apiError) {
	id := parseInt(p.str("message_thread_id"))
	if id <= 0 {
		return nil, badRequest("invalid forum topic identifier specified")
	}
	t := g.topics[int(id)]
	if t == nil {
		return nil, badRequest("TOPIC_ID_INVALID")
	}
	return t, nil
}

func (s *Server) createForumTopic(c *call) (any, *apiError) {
	p := c.p
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.forumLocked(p)
	if e != nil {
		return nil, e
	}
	// Members may create topics if the group lets them; this server
	// gives that right to administrators only, so that a bot's need for
	// can_manage_topics shows.
	if g.bot.status != StatusAdministrator || !g.bot.rights.CanManageTopics {
		return nil, badRequest("not enough rights to create a topic")
	}
	name := cleanTopicName(p.str("name"))
	if name == "" {
		return nil, badRequest("name must be non-empty")
	}
	color := topicIconColors()[0]
	if p.has("icon_color") {
		color = int(parseInt(p.str("icon_color")))
		if !slices.Contains(topicIconColors(), color) {
			return nil, badRequest("invalid icon color specified")
		}
	}
	t := s.createTopicLocked(g, nil, name, color, p.str("icon_custom_emoji_id"))
	return wForumTopic{MessageThreadID: t.ID, Name: t.Name, IconColor: t.IconColor, IconCustomEmojiID: t.IconCustomEmojiID}, nil
}

func (s *Server) editForumTopic(c *call) (any, *apiError) {
	p := c.p
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.forumLocked(p)
	if e != nil {
		return nil, e
	}
	t, e := s.topicLocked(g, p)
	if e != nil {
		return nil, e
	}
	if !g.mayManageTopicLocked(nil, t) {
		return nil, badRequest("not enough rights to edit the topic")
	}
	_, editIcon := p.values["icon_custom_emoji_id"]
	name := t.Name
	if raw := p.str("name"); raw != "" {
		if name = cleanTopicName(raw); name == "" {
			return nil, badRequest("name must be non-empty")
		}
	}
	emoji := t.IconCustomEmojiID
	if editIcon {
		emoji = p.str("icon_custom_emoji_id")
	}
	if p.str("name") == "" && !editIcon {
		// Nothing asked, nothing done: the real server answers true
		// without a request.
		return true, nil
	}
	if name == t.Name && emoji == t.IconCustomEmojiID {
		return nil, badRequest("TOPIC_NOT_MODIFIED")
	}
	edited := &wForumTopicEdited{}
	if name != t.Name {
		edited.Name = name
	}
	if emoji != t.IconCustomEmojiID {
		edited.IconCustomEmojiID = &emoji
	}
	t.Name, t.IconCustomEmojiID = name, emoji
	s.servicePostLocked(g.chat, nil, &service{kind: "forum_topic_edited", topicEdited: edited}, t.ID)
	s.emitTopicLocked(g, nil, fmt.Sprintf("edited topic #%d %q", t.ID, t.Name))
	return true, nil
}

func (s *Server) closeForumTopic(c *call) (any, *apiError) { return s.toggleForumTopic(c, true) }

func (s *Server) reopenForumTopic(c *call) (any, *apiError) { return s.toggleForumTopic(c, false) }

func (s *Server) toggleForumTopic(c *call, closed bool) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.forumLocked(c.p)
	if e != nil {
		return nil, e
	}
	t, e := s.topicLocked(g, c.p)
	if e != nil {
		return nil, e
	}
	if !g.mayManageTopicLocked(nil, t) {
		return nil, badRequest("not enough rights to close or open the topic")
	}
	if t.Closed == closed {
		return nil, badRequest("TOPIC_NOT_MODIFIED")
	}
	s.toggleTopicLocked(g, nil, t, closed)
	return true, nil
}
