package telegramtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"
)

// BotCommand is one entry of the bot's command menu.
type BotCommand struct {
	Command     string
	Description string
}

// CommandScope is a BotCommandScope: Type is "default",
// "all_private_chats", "all_group_chats", "all_chat_administrators",
// "chat", "chat_administrators" or "chat_member"; ChatID and UserID are
// set for the scopes that name them. ChatID is the numeric id whatever
// form the bot sent it in.
type CommandScope struct {
	Type   string
	ChatID int64
	UserID int64
}

// ScopeDefault is the scope of setMyCommands without a scope parameter.
var ScopeDefault = CommandScope{Type: "default"}

type commandKey struct {
	scope CommandScope
	lang  string
}

// CallbackAnswer is the bot's answerCallbackQuery for a button press.
type CallbackAnswer struct {
	At        time.Time
	QueryID   string
	UserID    int64
	ChatID    int64
	MessageID int
	// Data is the callback data of the pressed button.
	Data      string
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
}

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

const maxCommands = 100

func (s *Server) commandKeyLocked(p *params) (commandKey, *apiError) {
	key := commandKey{scope: ScopeDefault, lang: p.str("language_code")}
	if raw := p.str("scope"); raw != "" {
		var sc struct {
			Type   string `json:"type"`
			ChatID any    `json:"chat_id"`
			UserID int64  `json:"user_id"`
		}
		if err := jsonUnmarshal(raw, &sc); err != nil {
			return key, badRequest("can't parse BotCommandScope JSON object")
		}
		key.scope = CommandScope{Type: sc.Type, UserID: sc.UserID}
		if sc.Type == "chat_member" && sc.UserID <= 0 {
			return key, badRequest("can't parse BotCommandScope: Invalid user_id specified")
		}
		if sc.ChatID != nil {
			// As the real server: the chat must be one the bot can read
			// the members of (Client::check_bot_command_scope), and
			// only the chat scope applies to private chats.
			ch, e := s.chatLocked(fmt.Sprint(sc.ChatID), accessReadMembers)
			if e != nil {
				return key, e
			}
			if ch.user != nil && sc.Type != "chat" {
				return key, badRequest("can't use specified scope in private chats")
			}
			if sc.Type == "chat_member" && s.users[sc.UserID] == nil {
				return key, badRequest("user not found")
			}
			key.scope.ChatID = ch.id
		}
	}
	return key, nil
}

func (s *Server) setMyCommands(c *call) (any, *apiError) {
	var cmds []wBotCommand
	if err := json.Unmarshal([]byte(c.p.str("commands")), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > maxCommands {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	out := make([]BotCommand, 0, len(cmds))
	for _, cmd := range cmds {
		n := utf8.RuneCountInString(cmd.Description)
		if !commandRE.MatchString(cmd.Command) || n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		out = append(out, BotCommand(cmd))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, e := s.commandKeyLocked(c.p)
	if e != nil {
		return nil, e
	}
	if len(out) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = out
	}
	s.notifyLocked()
	return true, nil
}

func (s *Server) getMyCommands(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, e := s.commandKeyLocked(c.p)
	if e != nil {
		return nil, e
	}
	out := []wBotCommand{}
	for _, cmd := range s.commands[key] {
		out = append(out, wBotCommand(cmd))
	}
	return out, nil
}

func (s *Server) deleteMyCommands(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, e := s.commandKeyLocked(c.p)
	if e != nil {
		return nil, e
	}
	delete(s.commands, key)
	s.notifyLocked()
	return true, nil
}

func (s *Server) answerCallbackQuery(c *call) (any, *apiError) {
	p := c.p
	if utf8.RuneCountInString(p.str("text")) > maxCallbackLen {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.callbacks[p.str("callback_query_id")]
	if q == nil || q.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	q.answered = true
	now := s.now()
	a := CallbackAnswer{
		At: now, QueryID: q.id, UserID: q.from.id, ChatID: q.chat.id, MessageID: q.messageID, Data: q.data,
		Text: p.str("text"), ShowAlert: parseBool(p.str("show_alert")), URL: p.str("url"),
		CacheTime: int(parseInt(p.str("cache_time"))),
	}
	s.answers = append(s.answers, a)
	s.emitLocked(Event{
		Time: now, Kind: EventCallbackAnswer, ChatID: q.chat.id, Chat: q.chat.title(), From: "@" + s.bot.Username,
		UserID: q.from.id, MessageID: q.messageID, Text: a.Text, Data: q.data,
	})
	s.notifyLocked()
	return true, nil
}
