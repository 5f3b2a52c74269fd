package telegramtest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestMigrateToSupergroup(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits, Seed: 5})
	alice := srv.NewUser(1001, "Alice", "en")
	bob := srv.NewUser(1002, "Bob", "en")
	old := srv.NewGroup(-4001, "专班", alice, bob)
	old.SetBotRights(&Rights{CanPinMessages: true})
	b := newBot(t, srv)
	ctx := testCtx(t)
	before, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: old.ID(), Text: "before"})
	if err != nil {
		t.Fatal(err)
	}

	sg, err := srv.MigrateToSupergroup(old, alice)
	if err != nil {
		t.Fatal(err)
	}
	if sg.ID() > -1_000_000_000_000 || sg.Type() != "supergroup" || sg.Title() != "专班" ||
		fmt.Sprint(sg.Members()) != "[1001 1002]" || old.MigratedTo() != sg {
		t.Fatalf("supergroup %d %s %q %v", sg.ID(), sg.Type(), sg.Title(), sg.Members())
	}
	if status, r := sg.BotStatus(); status != StatusAdministrator || !r.CanPinMessages {
		t.Errorf("bot in the supergroup: %s %+v", status, r)
	}
	ups := takeUpdates(t, srv)
	if len(ups) != 2 {
		t.Fatalf("updates %v", texts(ups))
	}
	if m := ups[0].Message; m.Chat.ID != old.ID() || m.Chat.Type != "group" || m.MigrateToChatID != sg.ID() || m.From.ID != alice.ID() {
		t.Errorf("migrate_to message %+v", m)
	}
	if m := ups[1].Message; m.Chat.ID != sg.ID() || m.Chat.Type != "supergroup" || m.MigrateFromChatID != old.ID() {
		t.Errorf("migrate_from message %+v", m)
	}
	if h := old.History(); h[len(h)-1].MigrateToChatID != sg.ID() || h[len(h)-1].Service != "migrate_to_chat_id" {
		t.Errorf("old history %+v", h)
	}

	// Everything but reading the old group answers where it went.
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: old.ID(), Text: "after"})
	var migrate *bot.MigrateError
	if !errors.As(err, &migrate) || migrate.MigrateToChatID != int(sg.ID()) {
		t.Fatalf("send to the old group: %v", err)
	}
	r := api(t, srv, "sendMessage", map[string]any{"chat_id": old.ID(), "text": "after"})
	wantError(t, r, 400, "Bad Request: group chat was upgraded to a supergroup chat")
	if r.Parameters == nil || r.Parameters.MigrateToChatID != sg.ID() {
		t.Errorf("parameters %+v", r.Parameters)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: old.ID(), MessageID: before.ID, Text: "edited"})
	if !errors.As(err, &migrate) {
		t.Errorf("edit in the old group: %v", err)
	}
	_, err = b.GetChatMember(ctx, &bot.GetChatMemberParams{ChatID: old.ID(), UserID: alice.ID()})
	if !errors.As(err, &migrate) {
		t.Errorf("getChatMember in the old group: %v", err)
	}
	if info, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: old.ID()}); err != nil || info.Type != models.ChatTypeGroup {
		t.Errorf("getChat of the old group: %+v, %v", info, err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: sg.ID(), Text: "after"}); err != nil {
		t.Errorf("send to the supergroup: %v", err)
	}
	if _, err := old.Post(GroupPost{From: alice, Text: "still here?"}); err == nil {
		t.Error("posting in the old group succeeded")
	}
	if _, err := srv.MigrateToSupergroup(old, alice); err == nil {
		t.Error("migrating twice succeeded")
	}
	if _, err := srv.MigrateToSupergroup(sg, alice); err == nil {
		t.Error("migrating a supergroup succeeded")
	}
	sg.SendText(bob, "/start@"+srv.BotUser().Username)
	if got := fmt.Sprint(texts(takeUpdates(t, srv))); got != "[/start@"+srv.BotUser().Username+"]" {
		t.Errorf("supergroup updates %s", got)
	}
}
