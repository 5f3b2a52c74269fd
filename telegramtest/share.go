package telegramtest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

type wChatShared struct {
	RequestID int    `json:"request_id"`
	ChatID    int64  `json:"chat_id"`
	Title     string `json:"title,omitempty"`
}

type wSharedUser struct {
	UserID    int64  `json:"user_id"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
}

type wUsersShared struct {
	RequestID int           `json:"request_id"`
	Users     []wSharedUser `json:"users"`
}

// requestButtonLocked finds the keyboard button with a request of the
// given id on the bot's message messageID in u's chat.
func (u *User) requestButtonLocked(messageID, requestID int) (KeyboardButton, error) {
	if u.chat == nil {
		return KeyboardButton{}, errNoChat
	}
	m := u.chat.byID[messageID]
	if m == nil || m.from != nil || m.markup == nil {
		return KeyboardButton{}, fmt.Errorf("telegramtest: no reply keyboard of the bot in message %d of chat %d", messageID, u.id)
	}
	for _, row := range m.markup.keyboard {
		for _, b := range row {
			if b.RequestChat != nil && b.RequestChat.RequestID == requestID ||
				b.RequestUsers != nil && b.RequestUsers.RequestID == requestID {
				return b, nil
			}
		}
	}
	return KeyboardButton{}, fmt.Errorf("telegramtest: message %d has no button with request_id %d", messageID, requestID)
}

// ShareChat presses the request_chat button requestID of the bot's reply
// keyboard in message messageID and picks g, which must fit the request:
// the bot receives a chat_shared service message from the user, with the
// title if the button asked for it. As the app does, picking a chat for a
// request with bot_administrator_rights adds or promotes the bot there
// with those rights first (my_chat_member update). Not checked, as this
// server does not model them: chat_is_created and request_photo.
func (u *User) ShareChat(messageID, requestID int, g *Group) (Msg, error) {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Msg{}, ErrClosed
	}
	b, err := u.requestButtonLocked(messageID, requestID)
	if err != nil {
		return Msg{}, err
	}
	req := b.RequestChat
	if req == nil {
		return Msg{}, fmt.Errorf("telegramtest: button %d requests users, not a chat", requestID)
	}
	if err := g.usableLocked(); err != nil {
		return Msg{}, err
	}
	var why []string
	if req.ChatIsChannel {
		why = append(why, "it asks for a channel")
	}
	if req.ChatIsForum != nil && *req.ChatIsForum != g.forum {
		why = append(why, "is_forum is "+strconv.FormatBool(g.forum))
	}
	if req.ChatHasUsername != nil && *req.ChatHasUsername {
		why = append(why, "groups here have no username")
	}
	if g.members[u.id] == nil {
		why = append(why, "the user is not a member")
	}
	if r := req.UserAdministratorRights; r != nil && !g.admins[u.id].covers(*r) {
		why = append(why, "the user lacks the administrator rights asked for")
	}
	if req.BotIsMember && !g.bot.isMember() {
		why = append(why, "the bot is not a member")
	}
	if len(why) > 0 {
		return Msg{}, fmt.Errorf("telegramtest: chat %d does not fit request %d: %s", g.id, requestID, strings.Join(why, "; "))
	}
	if r := req.BotAdministratorRights; r != nil && (g.bot.status != StatusAdministrator || !g.bot.rights.covers(*r)) {
		next := membership{status: StatusAdministrator, rights: r.normalized()}
		if g.bot.status == StatusAdministrator {
			next.rights = g.bot.rights.union(*r).normalized()
		}
		if g.bot.isMember() {
			s.setBotMembershipLocked(g, u, next, "promoted the bot")
		} else {
			s.setBotMembershipLocked(g, u, next, "added the bot")
			bot := s.wireBot()
			s.servicePostLocked(g.chat, u, &service{kind: "new_chat_members", newMembers: []wUser{bot}}, 0)
		}
	}
	shared := &wChatShared{RequestID: requestID, ChatID: g.id}
	if req.RequestTitle {
		shared.Title = g.title
	}
	m := s.servicePostLocked(u.chat, u, &service{kind: "chat_shared", chatShared: shared}, 0)
	s.emitLocked(Event{Time: s.now(), Kind: EventService, ChatID: u.id, Chat: u.displayName(), From: u.displayName(),
		UserID: u.id, MessageID: m.id, Text: fmt.Sprintf("shared chat %d %q", g.id, g.title)})
	return m.toMsg(), nil
}

// ShareUsers presses the request_users button requestID of the bot's reply
// keyboard in message messageID and picks users, who must fit the
// request (how many, bots or not): the bot receives a users_shared
// service message from the user, with names and usernames if the button
// asked for them. This server has no premium users.
func (u *User) ShareUsers(messageID, requestID int, users ...*User) (Msg, error) {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Msg{}, ErrClosed
	}
	b, err := u.requestButtonLocked(messageID, requestID)
	if err != nil {
		return Msg{}, err
	}
	req := b.RequestUsers
	if req == nil {
		return Msg{}, fmt.Errorf("telegramtest: button %d requests a chat, not users", requestID)
	}
	if len(users) < 1 || len(users) > req.MaxQuantity {
		return Msg{}, fmt.Errorf("telegramtest: request %d takes 1 to %d users, got %d", requestID, req.MaxQuantity, len(users))
	}
	if req.UserIsPremium != nil && *req.UserIsPremium {
		return Msg{}, errors.New("telegramtest: there are no premium users to share")
	}
	shared := &wUsersShared{RequestID: requestID}
	for _, x := range users {
		if req.UserIsBot != nil && *req.UserIsBot != x.isBot {
			return Msg{}, fmt.Errorf("telegramtest: user %d does not fit request %d: is_bot is %v", x.id, requestID, x.isBot)
		}
		su := wSharedUser{UserID: x.id}
		if req.RequestName {
			su.FirstName, su.LastName = x.firstName, x.lastName
		}
		if req.RequestUsername {
			su.Username = x.username
		}
		shared.Users = append(shared.Users, su)
	}
	m := s.servicePostLocked(u.chat, u, &service{kind: "users_shared", usersShared: shared}, 0)
	s.emitLocked(Event{Time: s.now(), Kind: EventService, ChatID: u.id, Chat: u.displayName(), From: u.displayName(),
		UserID: u.id, MessageID: m.id, Text: fmt.Sprintf("shared %d users", len(users))})
	return m.toMsg(), nil
}
