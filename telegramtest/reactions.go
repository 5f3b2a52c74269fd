package telegramtest

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// reactionEmoji are the emoji a bot may react with, read from the spec's
// description of ReactionTypeEmoji.emoji ("Currently, it can be one of
// "❤", "👍", ..."). Telegram takes them exactly as listed: "❤" without a
// variation selector, for instance.
var reactionEmoji = sync.OnceValue(func() []string {
	f := loadSpec().Types["ReactionTypeEmoji"].byName["emoji"]
	_, list, _ := strings.Cut(f.Description, "one of")
	var out []string
	for _, m := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(list, -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		panic("telegramtest: the spec lists no reaction emoji")
	}
	return out
})

// maxBotReactions is how many reactions a bot may set on a message: "as
// non-premium users, bots can set up to one reaction per message".
const maxBotReactions = 1

// setMessageReaction sets the bot's reactions on a message, replacing
// those it had (an empty or absent list removes them). Reactions are not
// flood-limited here: Telegram documents no limit for them.
func (s *Server) setMessageReaction(c *call) (any, *apiError) {
	p := c.p
	var reactions []struct {
		Type          string `json:"type"`
		Emoji         string `json:"emoji"`
		CustomEmojiID string `json:"custom_emoji_id"`
	}
	if raw := p.str("reaction"); raw != "" {
		if err := jsonUnmarshal(raw, &reactions); err != nil {
			return nil, badRequest("can't parse reaction types JSON object")
		}
	}
	for _, r := range reactions {
		if r.Type != "emoji" && r.Type != "custom_emoji" {
			// Paid reactions are not for bots; the real server refuses
			// them while parsing (Client::get_reaction_type).
			return nil, badRequest("can't parse ReactionType: invalid reaction type specified")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, e := s.chatLocked(p.str("chat_id"), accessRead)
	if e != nil {
		return nil, e
	}
	if g := ch.group; g != nil && g.migratedTo != nil {
		// The real server lets a read through to a dead group; what
		// Telegram then answers is not known here, so the migration
		// error stands in for it.
		return nil, &apiError{code: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: g.migratedTo.id}
	}
	m := ch.byID[int(parseInt(p.str("message_id")))]
	if m == nil {
		return nil, badRequest("message to react not found")
	}
	var emoji []string
	for _, r := range reactions {
		// A custom emoji reaction needs to be on the message already or
		// allowed by the chat; no message here has any.
		if r.Type == "custom_emoji" || !slices.Contains(reactionEmoji(), r.Emoji) {
			return nil, badRequest("REACTION_INVALID")
		}
		if !slices.Contains(emoji, r.Emoji) {
			emoji = append(emoji, r.Emoji)
		}
	}
	if len(emoji) > maxBotReactions {
		return nil, badRequest("REACTIONS_TOO_MANY")
	}
	m.reactions = emoji
	s.emitLocked(Event{Time: s.now(), Kind: EventBotReaction, ChatID: ch.id, Chat: ch.title(),
		From: "@" + s.bot.Username, MessageID: m.id, Text: strings.Join(emoji, " ")})
	s.notifyLocked()
	return true, nil
}
