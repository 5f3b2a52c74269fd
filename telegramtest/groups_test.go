package telegramtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// takeUpdates fetches the pending updates (getUpdates answers are checked
// against the spec), decodes them the way go-telegram/bot does, and
// confirms them.
func takeUpdates(t *testing.T, srv *Server) []models.Update {
	t.Helper()
	r := api(t, srv, "getUpdates", nil)
	wantOK(t, r)
	ups := decode[[]models.Update](t, r.Result)
	if len(ups) > 0 {
		getUpdates(t, srv, map[string]any{"offset": ups[len(ups)-1].ID + 1})
	}
	return ups
}

// texts lists the text of each message update, or "<field>" for service
// messages and other update kinds, for comparing deliveries at a glance.
func texts(ups []models.Update) []string {
	var out []string
	for _, u := range ups {
		switch m := u.Message; {
		case u.MyChatMember != nil:
			out = append(out, "<my_chat_member "+string(u.MyChatMember.OldChatMember.Type)+"->"+string(u.MyChatMember.NewChatMember.Type)+">")
		case m == nil:
			out = append(out, "<other>")
		case m.Text != "":
			out = append(out, m.Text)
		case len(m.NewChatMembers) > 0:
			out = append(out, "<new_chat_members>")
		case m.LeftChatMember != nil:
			out = append(out, "<left_chat_member>")
		default:
			out = append(out, "<service>")
		}
	}
	return out
}

var topicsAdmin = Rights{CanManageTopics: true, CanPinMessages: true, CanInviteUsers: true, CanDeleteMessages: true}

func TestGroupKindsAndGetChat(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en").WithUsername("alice")
	basic := srv.NewGroup(-4001, "Basic", alice)
	super := srv.NewSupergroup(-1001234567890, "Super", false, alice)
	forum := srv.NewSupergroup(-1009876543210, "Forum", true, alice)
	b := newBot(t, srv)
	ctx := testCtx(t)

	for _, c := range []struct {
		g     *Group
		typ   string
		forum bool
	}{{basic, "group", false}, {super, "supergroup", false}, {forum, "supergroup", true}} {
		info, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: c.g.ID()})
		if err != nil {
			t.Fatal(err)
		}
		if info.ID != c.g.ID() || string(info.Type) != c.typ || info.IsForum != c.forum || info.Title != c.g.Title() || info.MaxReactionCount == 0 {
			t.Errorf("getChat(%s) = %+v", c.g.Title(), info)
		}
		if c.g.Type() != c.typ || c.g.IsForum() != c.forum {
			t.Errorf("%s: Type %s IsForum %v", c.g.Title(), c.g.Type(), c.g.IsForum())
		}
	}
	// Messages carry the forum flag in their chat too.
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum.ID(), Text: "hi"})
	if err != nil || !sent.Chat.IsForum || sent.Chat.Type != "supergroup" {
		t.Errorf("message chat %+v, %v", sent.Chat, err)
	}
	info, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: alice.ID()})
	if err != nil || info.Type != "private" || info.FirstName != "Alice" || info.Username != "alice" {
		t.Errorf("getChat(private) = %+v, %v", info, err)
	}
	if _, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: -777}); !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "chat not found") {
		t.Errorf("unknown chat: %v", err)
	}
	for _, bad := range []func(){
		func() { srv.NewSupergroup(-4002, "not a supergroup id", false) },
		func() { srv.NewSupergroup(forum.ID(), "taken", false) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("bad NewSupergroup did not panic")
				}
			}()
			bad()
		}()
	}
}

func TestGetChatMember(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en")
	bob := srv.NewUser(1002, "Bob", "en")
	basic := srv.NewGroup(-4001, "Basic", alice)
	forum := srv.NewSupergroup(-1001234567890, "Forum", true, alice)
	b := newBot(t, srv)
	ctx := testCtx(t)
	me := srv.BotUser().ID
	member := func(chat, user int64) *models.ChatMember {
		t.Helper()
		m, err := b.GetChatMember(ctx, &bot.GetChatMemberParams{ChatID: chat, UserID: user})
		if err != nil {
			t.Fatalf("getChatMember(%d, %d): %v", chat, user, err)
		}
		return m
	}

	if m := member(forum.ID(), me); m.Type != models.ChatMemberTypeMember || m.Member.User.ID != me {
		t.Errorf("plain member bot: %+v", m)
	}
	forum.SetBotRights(&topicsAdmin)
	m := member(forum.ID(), me)
	if a := m.Administrator; m.Type != models.ChatMemberTypeAdministrator || !a.CanManageTopics || !a.CanPinMessages ||
		!a.CanInviteUsers || !a.CanManageChat || a.CanPromoteMembers || a.CanBeEdited || a.User.ID != me || !a.User.IsBot {
		t.Errorf("admin bot: %+v", a)
	}
	if status, r := forum.BotStatus(); status != StatusAdministrator || !r.CanManageChat || !r.CanManageTopics {
		t.Errorf("BotStatus = %s %+v", status, r)
	}
	// Basic groups have no topics: the field is absent there.
	basic.SetBotRights(&topicsAdmin)
	raw := api(t, srv, "getChatMember", map[string]any{"chat_id": basic.ID(), "user_id": me})
	wantOK(t, raw)
	if strings.Contains(string(raw.Result), "can_manage_topics") || !strings.Contains(string(raw.Result), `"can_pin_messages":true`) {
		t.Errorf("basic group admin: %s", raw.Result)
	}
	forum.SetBotRights(nil)
	if m := member(forum.ID(), me); m.Type != models.ChatMemberTypeMember {
		t.Errorf("after SetBotRights(nil): %+v", m)
	}

	if m := member(forum.ID(), alice.ID()); m.Type != models.ChatMemberTypeMember || m.Member.User.FirstName != "Alice" {
		t.Errorf("alice: %+v", m)
	}
	forum.SetMemberRights(alice, &Rights{CanManageTopics: true, CustomTitle: "lead"})
	if m := member(forum.ID(), alice.ID()); m.Type != models.ChatMemberTypeAdministrator || m.Administrator.CustomTitle != "lead" {
		t.Errorf("admin alice: %+v", m)
	}
	if m := member(forum.ID(), bob.ID()); m.Type != models.ChatMemberTypeLeft {
		t.Errorf("bob, not a member: %+v", m)
	}
	if m := member(alice.ID(), alice.ID()); m.Type != models.ChatMemberTypeMember {
		t.Errorf("private chat: %+v", m)
	}
	_, err := b.GetChatMember(ctx, &bot.GetChatMemberParams{ChatID: forum.ID(), UserID: 424242})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "user not found") {
		t.Errorf("unknown user: %v", err)
	}
}

func TestBotMembershipUpdates(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	basic := srv.NewGroup(-4001, "Basic", alice)
	forum := srv.NewSupergroup(-1001234567890, "Forum", true, alice)
	b := newBot(t, srv)
	ctx := testCtx(t)

	if err := forum.PromoteBot(alice, topicsAdmin); err != nil {
		t.Fatal(err)
	}
	if err := forum.PromoteBot(alice, topicsAdmin); err == nil {
		t.Error("promoting to the same rights again succeeded")
	}
	if err := forum.PromoteBot(alice, Rights{}); err != nil {
		t.Fatal(err)
	}
	if err := forum.RemoveBot(alice); err != nil {
		t.Fatal(err)
	}
	if err := forum.RemoveBot(alice); err == nil {
		t.Error("removing a removed bot succeeded")
	}
	ups := takeUpdates(t, srv)
	want := "[<my_chat_member member->administrator> <my_chat_member administrator->member> <my_chat_member member->kicked> <left_chat_member>]"
	if got := fmt.Sprint(texts(ups)); got != want {
		t.Fatalf("updates %s, want %s", got, want)
	}
	promo := ups[0].MyChatMember
	if promo.Chat.ID != forum.ID() || !promo.Chat.IsForum || promo.From.ID != alice.ID() || promo.Date == 0 ||
		!promo.NewChatMember.Administrator.CanManageTopics || promo.OldChatMember.Member.User.ID != srv.BotUser().ID {
		t.Errorf("promotion %+v", promo)
	}
	if kicked := ups[2].MyChatMember.NewChatMember.Banned; kicked == nil || kicked.UntilDate != 0 {
		t.Errorf("removal %+v", ups[2].MyChatMember.NewChatMember)
	}
	if left := ups[3].Message; left.LeftChatMember.ID != srv.BotUser().ID || left.From.ID != alice.ID() {
		t.Errorf("left_chat_member %+v", left)
	}

	// A removed bot can do nothing in a supergroup, and in a basic group
	// still read it.
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum.ID(), Text: "still here?"})
	if !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was kicked from the supergroup chat") {
		t.Errorf("send after removal: %v", err)
	}
	if _, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: forum.ID()}); !errors.Is(err, bot.ErrorForbidden) {
		t.Errorf("getChat after removal: %v", err)
	}
	forum.SendText(alice, "/start@"+srv.BotUser().Username)
	if n := srv.PendingUpdates(); n != 0 {
		t.Errorf("a removed bot got %d updates", n)
	}
	if err := basic.RemoveBot(alice); err != nil {
		t.Fatal(err)
	}
	takeUpdates(t, srv)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: basic.ID(), Text: "x"}); err == nil || !strings.Contains(err.Error(), "Forbidden: bot was kicked from the group chat") {
		t.Errorf("send to basic group after removal: %v", err)
	}
	if _, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: basic.ID()}); err != nil {
		t.Errorf("getChat of a basic group after removal: %v", err)
	}

	// Added back, as an administrator straight away.
	if err := forum.AddBotAsAdmin(alice, Rights{CanManageTopics: true}); err != nil {
		t.Fatal(err)
	}
	if err := forum.AddBot(alice); err == nil {
		t.Error("adding a member bot succeeded")
	}
	ups = takeUpdates(t, srv)
	if got := fmt.Sprint(texts(ups)); got != "[<my_chat_member kicked->administrator> <new_chat_members>]" {
		t.Fatalf("re-adding: %s", got)
	}
	if nm := ups[1].Message.NewChatMembers; len(nm) != 1 || nm[0].ID != srv.BotUser().ID || !nm[0].IsBot {
		t.Errorf("new_chat_members %+v", nm)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum.ID(), Text: "back"}); err != nil {
		t.Errorf("send after re-adding: %v", err)
	}
	if h := forum.History(); len(h) < 2 || h[0].Service != "left_chat_member" || h[1].Service != "" {
		t.Errorf("history %+v", h)
	}
}

// TestPrivacyMode follows https://core.telegram.org/bots/features#privacy-mode.
func TestPrivacyMode(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	other := srv.NewOtherBot(5001, "Other", "other_bot")
	g := srv.NewSupergroup(-1001234567890, "Team", false, alice)
	me := srv.BotUser().Username

	g.SendCommand(alice, "list", "")
	g.AddMember(other)
	// With another bot in the group, a bare command goes to the last bot
	// that posted: nobody yet, then the other bot, then this one.
	g.SendCommand(alice, "one", "")
	g.SendText(other, "/two I am a bot")
	g.SendCommand(alice, "three", "")
	g.SendText(alice, "/four@"+me)
	wantOK(t, api(t, srv, "sendMessage", map[string]any{"chat_id": g.ID(), "text": "I post"}))
	g.SendCommand(alice, "five", "")
	g.SendText(alice, "chatter")
	if got := fmt.Sprint(texts(takeUpdates(t, srv))); got != "[/list /four@"+me+" /five]" {
		t.Errorf("privacy mode, member: %s", got)
	}

	// An administrator bot gets everything but other bots' messages.
	if err := g.PromoteBot(alice, Rights{CanPinMessages: true}); err != nil {
		t.Fatal(err)
	}
	g.SendText(alice, "chatter")
	g.SendText(other, "bot chatter")
	if got := fmt.Sprint(texts(takeUpdates(t, srv))); got != "[<my_chat_member member->administrator> chatter]" {
		t.Errorf("admin: %s", got)
	}
	// Service messages reach a plain member too.
	if err := g.PromoteBot(alice, Rights{}); err != nil {
		t.Fatal(err)
	}
	if err := g.RemoveBot(alice); err != nil {
		t.Fatal(err)
	}
	if err := g.AddBot(alice); err != nil {
		t.Fatal(err)
	}
	g.SendText(alice, "chatter")
	want := "[<my_chat_member administrator->member> <my_chat_member member->kicked> <left_chat_member> <my_chat_member kicked->member> <new_chat_members>]"
	if got := fmt.Sprint(texts(takeUpdates(t, srv))); got != want {
		t.Errorf("service messages: %s", got)
	}
	if _, err := other.ReplyTo(1, "bots cannot write to bots"); err == nil {
		t.Error("another bot wrote to this bot")
	}
	raw, _ := json.Marshal(other.wire())
	if !strings.Contains(string(raw), `"is_bot":true`) {
		t.Errorf("other bot %s", raw)
	}
}

// An administrator posting as the group comes from GroupAnonymousBot with
// sender_chat set to the group.
func TestAnonymousAdministrator(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en")
	g := srv.NewSupergroup(-1001234567890, "Team", false, alice)
	me := srv.BotUser().Username

	cmd, err := g.Post(GroupPost{Anonymous: true, Signature: "Chair", Text: "/report@" + me})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.SendAnonymous("chatter"); err != nil {
		t.Fatal(err)
	}
	if cmd.FromID != GroupAnonymousBotID || cmd.SenderChatID != g.ID() || cmd.AuthorSignature != "Chair" {
		t.Errorf("stored %+v", cmd)
	}
	ups := takeUpdates(t, srv)
	if len(ups) != 1 {
		t.Fatalf("privacy mode delivered %v", texts(ups))
	}
	m := ups[0].Message
	if m.From == nil || m.From.ID != GroupAnonymousBotID || !m.From.IsBot || m.From.Username != "GroupAnonymousBot" ||
		m.SenderChat == nil || m.SenderChat.ID != g.ID() || m.SenderChat.Title != "Team" || m.AuthorSignature != "Chair" {
		t.Errorf("anonymous command %+v from %+v sender_chat %+v", m, m.From, m.SenderChat)
	}
	// GroupAnonymousBot is a bot, but its messages are the administrators'
	// and reach an administrator bot.
	g.SetBotRights(&Rights{CanPinMessages: true})
	if _, err := g.SendAnonymous("chatter"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(texts(takeUpdates(t, srv))); got != "[chatter]" {
		t.Errorf("admin bot got %s", got)
	}
	if _, err := g.Post(GroupPost{Text: "nobody"}); err == nil {
		t.Error("a post without From or Anonymous succeeded")
	}
	if got := g.Members(); fmt.Sprint(got) != "[1001]" {
		t.Errorf("anonymous posts added members: %v", got)
	}
}

func TestCommandScopesInGroups(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en")
	g := srv.NewSupergroup(-1001234567890, "Team", true, alice)
	old := srv.NewGroup(-4001, "Old", alice)
	b := newBot(t, srv)
	ctx := testCtx(t)
	set := func(scope models.BotCommandScope, cmds ...string) error {
		var list []models.BotCommand
		for _, c := range cmds {
			list = append(list, models.BotCommand{Command: c, Description: c})
		}
		_, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: list, Scope: scope})
		return err
	}
	if err := set(&models.BotCommandScopeAllGroupChats{}, "report"); err != nil {
		t.Fatal(err)
	}
	if err := set(&models.BotCommandScopeChat{ChatID: g.ID()}, "report", "topic"); err != nil {
		t.Fatal(err)
	}
	if err := set(&models.BotCommandScopeChatMember{ChatID: g.ID(), UserID: alice.ID()}, "report", "topic", "assign"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands(CommandScope{Type: "all_group_chats"}, ""); len(got) != 1 || got[0].Command != "report" {
		t.Errorf("all_group_chats %+v", got)
	}
	if got := srv.Commands(CommandScope{Type: "chat", ChatID: g.ID()}, ""); len(got) != 2 {
		t.Errorf("chat %+v", got)
	}
	if got := srv.Commands(CommandScope{Type: "chat_member", ChatID: g.ID(), UserID: alice.ID()}, ""); len(got) != 3 {
		t.Errorf("chat_member %+v", got)
	}
	got, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: &models.BotCommandScopeChatMember{ChatID: g.ID(), UserID: alice.ID()}})
	if err != nil || len(got) != 3 || got[2].Command != "assign" {
		t.Errorf("getMyCommands(chat_member) = %+v, %v", got, err)
	}
	// A scope may name the chat as a string, as go-telegram/bot allows.
	if got, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: &models.BotCommandScopeChat{ChatID: fmt.Sprint(g.ID())}}); err != nil || len(got) != 2 {
		t.Errorf("getMyCommands(chat as string) = %+v, %v", got, err)
	}

	wantBadRequest(t, set(&models.BotCommandScopeChatMember{ChatID: alice.ID(), UserID: alice.ID()}, "x"), "can't use specified scope in private chats")
	wantBadRequest(t, set(&models.BotCommandScopeChatAdministrators{ChatID: alice.ID()}, "x"), "can't use specified scope in private chats")
	wantBadRequest(t, set(&models.BotCommandScopeChatMember{ChatID: g.ID(), UserID: 424242}, "x"), "user not found")
	wantBadRequest(t, set(&models.BotCommandScopeChat{ChatID: -777}, "x"), "chat not found")
	if err := set(&models.BotCommandScopeChat{ChatID: alice.ID()}, "start"); err != nil {
		t.Errorf("chat scope of a private chat: %v", err)
	}
	sg, err := srv.MigrateToSupergroup(old, alice)
	if err != nil {
		t.Fatal(err)
	}
	var migrate *bot.MigrateError
	if err := set(&models.BotCommandScopeChat{ChatID: old.ID()}, "x"); !errors.As(err, &migrate) || migrate.MigrateToChatID != int(sg.ID()) {
		t.Errorf("scope naming a migrated group: %v", err)
	}
	if err := g.RemoveBot(alice); err != nil {
		t.Fatal(err)
	}
	if err := set(&models.BotCommandScopeChat{ChatID: g.ID()}, "x"); !errors.Is(err, bot.ErrorForbidden) {
		t.Errorf("scope naming a group the bot left: %v", err)
	}
}

// A photo or document posted to a group carries its text as caption, with
// caption_entities; under privacy mode the bot gets it only when the
// caption is a command for it or it replies to the bot, as with text.
func TestPhotoWithCaptionInAGroup(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	g := srv.NewSupergroup(-1001234567891, "Team", false, alice)
	me := srv.BotUser().Username
	sent := api(t, srv, "sendMessage", map[string]any{"chat_id": g.ID(), "text": "report here"})
	wantOK(t, sent)
	botMsg := decode[models.Message](t, sent.Result)

	for _, p := range []GroupPost{
		{From: alice, Photo: true, Text: "/report@" + me + " T01 1 done"},
		{From: alice, Photo: true, Text: "just a photo"},
		{From: alice, Photo: true, Text: "1 80%", ReplyTo: botMsg.ID},
		{From: alice, DocumentName: "plan.pdf", Text: "/report@" + me + " T01 2 50%"},
	} {
		if _, err := g.Post(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.Post(GroupPost{From: alice, Photo: true, DocumentName: "x.pdf"}); err == nil {
		t.Error("a post with a photo and a document was accepted")
	}
	ups := takeUpdates(t, srv)
	if len(ups) != 3 {
		t.Fatalf("%d updates, want the command caption, the reply and the document: %+v", len(ups), texts(ups))
	}
	first := ups[0].Message
	if first.Text != "" || first.Caption != "/report@"+me+" T01 1 done" || len(first.Photo) == 0 {
		t.Fatalf("photo message %+v", first)
	}
	if len(first.CaptionEntities) != 1 || first.CaptionEntities[0].Type != models.MessageEntityTypeBotCommand || first.CaptionEntities[0].Offset != 0 {
		t.Fatalf("caption entities %+v", first.CaptionEntities)
	}
	if reply := ups[1].Message; reply.Caption != "1 80%" || reply.ReplyToMessage == nil || reply.ReplyToMessage.ID != botMsg.ID || len(reply.Photo) == 0 {
		t.Fatalf("photo reply %+v", reply)
	}
	if doc := ups[2].Message; doc.Document == nil || doc.Document.FileName != "plan.pdf" || !strings.HasPrefix(doc.Caption, "/report@") {
		t.Fatalf("document %+v", doc)
	}
}
