package telegramtest

import (
	"strconv"
	"strings"
)

// memberWire renders a ChatMember the way the real server does
// (Client::JsonChatMember): an administrator carries every right, except
// that can_manage_topics exists in supergroups only.
func memberWire(status string, u wUser, r Rights, super bool) wChatMember {
	w := wChatMember{"status": status, "user": u}
	switch status {
	case StatusKicked:
		w["until_date"] = 0
	case StatusAdministrator:
		w["can_be_edited"] = false
		w["is_anonymous"] = r.IsAnonymous
		w["can_manage_chat"] = r.CanManageChat
		w["can_change_info"] = r.CanChangeInfo
		w["can_delete_messages"] = r.CanDeleteMessages
		w["can_invite_users"] = r.CanInviteUsers
		w["can_restrict_members"] = r.CanRestrictMembers
		w["can_pin_messages"] = r.CanPinMessages
		if super {
			w["can_manage_topics"] = r.CanManageTopics
		}
		w["can_promote_members"] = r.CanPromoteMembers
		w["can_manage_video_chats"] = r.CanManageVideoChats
		w["can_post_stories"] = r.CanPostStories
		w["can_edit_stories"] = r.CanEditStories
		w["can_delete_stories"] = r.CanDeleteStories
		w["can_manage_tags"] = r.CanManageTags
		if r.CustomTitle != "" {
			w["custom_title"] = r.CustomTitle
		}
	}
	return w
}

func (s *Server) botMemberWire(g *Group, m membership) wChatMember {
	return memberWire(m.status, s.wireBot(), m.rights, g.super())
}

// wChatFullInfo is the getChat answer: the chat plus the fields the spec
// requires of ChatFullInfo.
type wChatFullInfo struct {
	wChat
	AccentColorID     int            `json:"accent_color_id"`
	MaxReactionCount  int            `json:"max_reaction_count"`
	AcceptedGiftTypes wAcceptedGifts `json:"accepted_gift_types"`
	ActiveUsernames   []string       `json:"active_usernames,omitempty"`
}

type wAcceptedGifts struct {
	UnlimitedGifts      bool `json:"unlimited_gifts"`
	LimitedGifts        bool `json:"limited_gifts"`
	UniqueGifts         bool `json:"unique_gifts"`
	PremiumSubscription bool `json:"premium_subscription"`
	GiftsFromChannels   bool `json:"gifts_from_channels"`
}

// defaultMaxReactions is what Telegram answers for chats that did not
// change it.
const defaultMaxReactions = 11

func (s *Server) getChat(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, e := s.chatLocked(c.p.str("chat_id"), accessRead)
	if e != nil {
		return nil, e
	}
	w := wChatFullInfo{
		wChat: s.wireChat(ch),
		// Telegram derives the default accent colour from the id, one of
		// seven.
		AccentColorID:    int(((ch.id % 7) + 7) % 7),
		MaxReactionCount: defaultMaxReactions,
	}
	if ch.user != nil {
		// Users accept gifts unless they turned them off; groups take
		// none.
		w.AcceptedGiftTypes = wAcceptedGifts{true, true, true, true, true}
		if ch.user.username != "" {
			w.ActiveUsernames = []string{ch.user.username}
		}
	}
	return w, nil
}

func (s *Server) getChatMember(c *call) (any, *apiError) {
	userID, err := strconv.ParseInt(strings.TrimSpace(c.p.str("user_id")), 10, 64)
	if err != nil || userID <= 0 {
		return nil, badRequest("invalid user_id specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Reading the bot's own membership needs less than reading others'.
	a := accessReadMembers
	if userID == s.bot.ID {
		a = accessRead
	}
	ch, e := s.chatLocked(c.p.str("chat_id"), a)
	if e != nil {
		return nil, e
	}
	if g := ch.group; g != nil {
		if userID == s.bot.ID {
			return s.botMemberWire(g, g.bot), nil
		}
		if u := g.members[userID]; u != nil {
			if r, ok := g.admins[userID]; ok {
				return memberWire(StatusAdministrator, u.wire(), r, g.super()), nil
			}
			return memberWire(StatusMember, u.wire(), Rights{}, g.super()), nil
		}
		if u := s.users[userID]; u != nil {
			return memberWire(StatusLeft, u.wire(), Rights{}, g.super()), nil
		}
		return nil, badRequest("user not found")
	}
	// A private chat has two members: the user and the bot.
	switch userID {
	case ch.user.id:
		return memberWire(StatusMember, ch.user.wire(), Rights{}, false), nil
	case s.bot.ID:
		return memberWire(StatusMember, s.wireBot(), Rights{}, false), nil
	}
	return nil, badRequest("user not found")
}
