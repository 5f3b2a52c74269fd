package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tg "github.com/go-telegram/bot"
	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
)

// ChatReader reads a group from Telegram: what it is (getChat: a forum or
// not) and the bot's own membership of it (getChatMember). Binding a group
// needs both, and the handler cannot call Telegram inside the transaction
// it handles an update in (SQLite's one writer would wait on the network),
// so the processor has them read first (see Handler.Prepare).
type ChatReader interface {
	Chat(ctx context.Context, chatID int64) (ChatInfo, error)
	BotMember(ctx context.Context, chatID int64) (models.BotRights, error)
}

// ChatInfo is what getChat says of a group.
type ChatInfo struct {
	Type  string
	Title string
	Forum bool
}

// ErrChatGone is a ChatReader's answer for a chat the bot cannot see: it
// is not in it, or the chat is gone (or became a supergroup).
var ErrChatGone = errors.New("the bot cannot see the chat")

// TelegramChats is the ChatReader of a go-telegram client.
type TelegramChats struct {
	API *tg.Bot
}

var _ ChatReader = (*TelegramChats)(nil)

// Chat reads the chat with getChat.
func (c *TelegramChats) Chat(ctx context.Context, chatID int64) (ChatInfo, error) {
	info, err := c.API.GetChat(ctx, &tg.GetChatParams{ChatID: chatID})
	if err != nil {
		return ChatInfo{}, readError(c.API, "getChat", chatID, err)
	}
	return ChatInfo{Type: string(info.Type), Title: info.Title, Forum: info.IsForum}, nil
}

// BotMember reads the bot's own membership with getChatMember.
func (c *TelegramChats) BotMember(ctx context.Context, chatID int64) (models.BotRights, error) {
	m, err := c.API.GetChatMember(ctx, &tg.GetChatMemberParams{ChatID: chatID, UserID: c.API.ID()})
	if err != nil {
		return models.BotRights{}, readError(c.API, "getChatMember", chatID, err)
	}
	return botRightsOf(*m), nil
}

// readError tells a chat the bot cannot see (a definite answer, kept as
// ErrChatGone) from a failure worth retrying.
func readError(api *tg.Bot, method string, chatID int64, err error) error {
	err = scrubToken(err, api.Token())
	var migrate *tg.MigrateError
	if errors.Is(err, tg.ErrorForbidden) || errors.Is(err, tg.ErrorBadRequest) || errors.Is(err, tg.ErrorNotFound) || errors.As(err, &migrate) {
		return fmt.Errorf("%s %d: %w: %w", method, chatID, ErrChatGone, err)
	}
	return fmt.Errorf("%s %d: %w", method, chatID, err)
}

// botRightsOf is a ChatMember of the bot as the domain keeps it.
func botRightsOf(m tgmodels.ChatMember) models.BotRights {
	r := models.BotRights{Status: string(m.Type)}
	if a := m.Administrator; a != nil {
		r.ManageTopics, r.PinMessages, r.InviteUsers, r.DeleteMessages = a.CanManageTopics, a.CanPinMessages, a.CanInviteUsers, a.CanDeleteMessages
	}
	if m.Owner != nil {
		r.ManageTopics, r.PinMessages, r.InviteUsers, r.DeleteMessages = true, true, true, true
	}
	return r
}

// groupFacts is what Prepare read of a group: the group, or gone when the
// bot cannot see it.
type groupFacts struct {
	chat models.GroupChat
	gone bool
}

type factsKey struct{}

// Prepare reads from Telegram what handling upd will need and cannot read
// inside its transaction: the group named by a /bind in it, by a group
// shared with the request button, or by a binding button. Other updates
// need nothing. An error is worth retrying (the update is handled later);
// a group the bot cannot see is a fact, answered as such.
func (h *Handler) Prepare(ctx context.Context, upd *tgmodels.Update) (context.Context, error) {
	if h.Chats == nil {
		return ctx, nil
	}
	chatID := h.groupToRead(upd)
	if chatID == 0 {
		return ctx, nil
	}
	f := groupFacts{chat: models.GroupChat{ChatID: chatID}}
	info, err := h.Chats.Chat(ctx, chatID)
	if err == nil {
		f.chat.Title, f.chat.Forum = info.Title, info.Forum
		f.chat.Bot, err = h.Chats.BotMember(ctx, chatID)
	}
	switch {
	case errors.Is(err, ErrChatGone):
		f.gone = true
	case err != nil:
		return ctx, fmt.Errorf("read group %d: %w", chatID, err)
	}
	return context.WithValue(ctx, factsKey{}, f), nil
}

// groupToRead is the group an update binds, 0 for none.
func (h *Handler) groupToRead(upd *tgmodels.Update) int64 {
	switch {
	case upd.Message != nil:
		m := upd.Message
		if m.Chat.Type == tgmodels.ChatTypePrivate {
			if m.ChatShared != nil && m.ChatShared.RequestID == groupRequestID {
				return m.ChatShared.ChatID
			}
			return 0
		}
		if cmd, _, addressed := parseCommand(textOf(m), h.BotUsername); addressed && cmd == "bind" {
			return m.Chat.ID
		}
	case upd.CallbackQuery != nil:
		if chatID, _, ok := parseBindButton(upd.CallbackQuery.Data); ok {
			return chatID
		}
	}
	return 0
}

// factsFor is what Prepare read of chatID, if anything.
func factsFor(ctx context.Context, chatID int64) (groupFacts, bool) {
	f, ok := ctx.Value(factsKey{}).(groupFacts)
	if !ok || f.chat.ChatID != chatID {
		return groupFacts{}, false
	}
	return f, true
}

// bindButton is the callback data of a button binding a task to a group
// shared with the request button: "gb:<chat id>:<task id>", at most 44
// bytes.
func bindButton(chatID int64, taskID uint) string {
	return fmt.Sprintf("gb:%d:%d", chatID, taskID)
}

func parseBindButton(data string) (chatID int64, taskID uint, ok bool) {
	rest, found := strings.CutPrefix(data, "gb:")
	if !found {
		return 0, 0, false
	}
	c, t, found := strings.Cut(rest, ":")
	if !found {
		return 0, 0, false
	}
	chat, err1 := strconv.ParseInt(c, 10, 64)
	task, err2 := strconv.ParseUint(t, 10, 64)
	if err1 != nil || err2 != nil || chat >= 0 {
		return 0, 0, false
	}
	return chat, uint(task), true
}
