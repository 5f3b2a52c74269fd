package telegramtest

import (
	"fmt"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestShareChatAndUsers(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en").WithLastName("Liddell").WithUsername("alice")
	bob := srv.NewUser(1002, "Bob", "en")
	other := srv.NewOtherBot(5001, "Other", "other_bot")
	forum := srv.NewSupergroup(-1001234567890, "Projects", true, alice)
	plain := srv.NewSupergroup(-1001111111111, "Plain", false, alice)
	b := newBot(t, srv)
	ctx := testCtx(t)

	// go-telegram/bot leaves the false rights out of
	// ChatAdministratorRights; the real server takes them as false.
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "Where does the task live, and who works on it?",
		ReplyMarkup: &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{{
			{Text: "Work group", RequestChat: &models.KeyboardButtonRequestChat{RequestID: 7, ChatIsForum: true, RequestTitle: true,
				BotAdministratorRights: &models.ChatAdministratorRights{CanManageTopics: true, CanPinMessages: true}}},
			{Text: "People", RequestUsers: &models.KeyboardButtonRequestUsers{RequestID: 8, MaxQuantity: 2, RequestName: true}},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := alice.LastMessage()
	if kb := m.ReplyKeyboard; len(kb) != 1 || len(kb[0]) != 2 || kb[0][0].RequestChat == nil || kb[0][0].RequestChat.RequestID != 7 ||
		!*kb[0][0].RequestChat.ChatIsForum || !kb[0][0].RequestChat.BotAdministratorRights.CanManageTopics ||
		kb[0][1].RequestUsers == nil || kb[0][1].RequestUsers.MaxQuantity != 2 || fmt.Sprint(m.Keyboard) != "[[Work group People]]" {
		t.Fatalf("keyboard %+v", m.ReplyKeyboard)
	}

	if _, err := alice.ShareChat(sent.ID, 7, plain); err == nil {
		t.Error("shared a chat that is not a forum")
	}
	if _, err := alice.ShareChat(sent.ID, 8, forum); err == nil {
		t.Error("shared a chat for a users request")
	}
	if _, err := alice.ShareChat(sent.ID, 99, forum); err == nil {
		t.Error("shared a chat for a missing request")
	}
	if _, err := bob.ShareChat(sent.ID, 7, forum); err == nil {
		t.Error("shared a chat through someone else's keyboard")
	}
	shared, err := alice.ShareChat(sent.ID, 7, forum)
	if err != nil {
		t.Fatal(err)
	}
	if shared.Service != "chat_shared" || shared.RequestID != 7 || shared.SharedChatID != forum.ID() || shared.FromID != alice.ID() {
		t.Errorf("stored %+v", shared)
	}
	// Picking the chat gave the bot the rights the request asked for.
	if status, r := forum.BotStatus(); status != StatusAdministrator || !r.CanManageTopics || !r.CanPinMessages {
		t.Errorf("bot in the shared chat: %s %+v", status, r)
	}

	if _, err := alice.ShareUsers(sent.ID, 8, bob, alice, other); err == nil {
		t.Error("shared more users than max_quantity")
	}
	if _, err := alice.ShareUsers(sent.ID, 8); err == nil {
		t.Error("shared no users")
	}
	if _, err := alice.ShareUsers(sent.ID, 8, bob, alice); err != nil {
		t.Fatal(err)
	}

	ups := takeUpdates(t, srv)
	if got := fmt.Sprint(texts(ups)); got != "[<my_chat_member member->administrator> <service> <service>]" {
		t.Fatalf("updates %s", got)
	}
	if up := ups[0].MyChatMember; up.Chat.ID != forum.ID() || up.From.ID != alice.ID() || !up.NewChatMember.Administrator.CanManageTopics {
		t.Errorf("promotion %+v", up)
	}
	cs := ups[1].Message.ChatShared
	if cs == nil || cs.RequestID != 7 || cs.ChatID != forum.ID() || cs.Title != "Projects" || ups[1].Message.Chat.ID != alice.ID() {
		t.Errorf("chat_shared %+v", cs)
	}
	us := ups[2].Message.UsersShared
	if us == nil || us.RequestID != 8 || len(us.Users) != 2 || us.Users[0].UserID != bob.ID() || us.Users[1].FirstName != "Alice" ||
		us.Users[1].LastName != "Liddell" || us.Users[1].Username != "" {
		t.Errorf("users_shared %+v", us)
	}
}

func TestShareUsersFilters(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	bob := srv.NewUser(1002, "Bob", "en").WithUsername("bob")
	other := srv.NewOtherBot(5001, "Other", "other_bot")
	r := api(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID(), "text": "Who?", "reply_markup": map[string]any{
		"keyboard": [][]map[string]any{{
			{"text": "Person", "request_users": map[string]any{"request_id": 1, "user_is_bot": false, "request_username": true}},
			{"text": "Bot", "request_users": map[string]any{"request_id": 2, "user_is_bot": true}},
			{"text": "Premium", "request_users": map[string]any{"request_id": 3, "user_is_premium": true}},
		}}}})
	wantOK(t, r)
	id := decode[wMessage](t, r.Result).MessageID
	if _, err := alice.ShareUsers(id, 1, other); err == nil {
		t.Error("shared a bot for a request of people")
	}
	if _, err := alice.ShareUsers(id, 2, bob); err == nil {
		t.Error("shared a person for a request of bots")
	}
	if _, err := alice.ShareUsers(id, 3, bob); err == nil {
		t.Error("shared a premium user")
	}
	if m, err := alice.ShareUsers(id, 1, bob); err != nil || fmt.Sprint(m.SharedUserIDs) != "[1002]" {
		t.Errorf("sharing bob: %+v, %v", m, err)
	}
	if m, err := alice.ShareUsers(id, 2, other); err != nil || m.RequestID != 2 {
		t.Errorf("sharing a bot: %+v, %v", m, err)
	}
	ups := takeUpdates(t, srv)
	if len(ups) != 2 || ups[0].Message.UsersShared.Users[0].Username != "bob" || ups[0].Message.UsersShared.Users[0].FirstName != "" {
		t.Errorf("updates %+v", ups)
	}
}

// Keyboard request buttons are checked against the spec and the rules of
// the real server.
func TestRequestButtonValidation(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	srv.NewUser(1001, "Alice", "en")
	g := srv.NewSupergroup(-1001234567890, "Team", false)
	kbd := func(button map[string]any) map[string]any {
		return map[string]any{"keyboard": [][]map[string]any{{button}}}
	}
	chatReq := func(req map[string]any) map[string]any {
		return kbd(map[string]any{"text": "Pick", "request_chat": req})
	}
	for _, c := range []struct {
		chat   int64
		markup map[string]any
		want   string
	}{
		{1001, chatReq(map[string]any{"request_id": 1}),
			`Bad Request: can't parse reply keyboard markup JSON object: reply_markup.keyboard[0][0].request_chat: KeyboardButtonRequestChat is missing required field "chat_is_channel"`},
		{1001, chatReq(map[string]any{"chat_is_channel": false}),
			`Bad Request: can't parse reply keyboard markup JSON object: reply_markup.keyboard[0][0].request_chat: KeyboardButtonRequestChat is missing required field "request_id"`},
		{1001, chatReq(map[string]any{"request_id": 1, "chat_is_channel": false, "chat_is_supergroup": true}),
			`Bad Request: can't parse reply keyboard markup JSON object: reply_markup.keyboard[0][0].request_chat: KeyboardButtonRequestChat has no field "chat_is_supergroup"`},
		{1001, chatReq(map[string]any{"request_id": 1, "chat_is_channel": false, "bot_administrator_rights": map[string]any{"can_manage_topics": "yes"}}),
			"Bad Request: can't parse reply keyboard markup JSON object: reply_markup.keyboard[0][0].request_chat.bot_administrator_rights.can_manage_topics: expected Boolean, got String"},
		{1001, chatReq(map[string]any{"request_id": int64(1) << 40, "chat_is_channel": false}),
			`Bad Request: can't parse keyboard button: Field "request_id" must be a valid Number`},
		{1001, kbd(map[string]any{"text": "Who", "request_users": map[string]any{"request_id": 1, "max_quantity": 11}}),
			"Bad Request: can't parse keyboard button: max_quantity must be 1-10"},
		{g.ID(), chatReq(map[string]any{"request_id": 1, "chat_is_channel": false}),
			"Bad Request: chats can be requested in private chats only"},
		{g.ID(), kbd(map[string]any{"text": "Who", "request_users": map[string]any{"request_id": 1}}),
			"Bad Request: users can be requested in private chats only"},
	} {
		wantError(t, api(t, srv, "sendMessage", map[string]any{"chat_id": c.chat, "text": "x", "reply_markup": c.markup}), 400, c.want)
	}
	// Rights the real server reads as false when absent.
	wantOK(t, api(t, srv, "sendMessage", map[string]any{"chat_id": 1001, "text": "x",
		"reply_markup": chatReq(map[string]any{"request_id": 1, "chat_is_channel": false, "user_administrator_rights": map[string]any{"can_invite_users": true}})}))
}
