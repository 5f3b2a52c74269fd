package telegramtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func emojiReaction(e string) []models.ReactionType {
	return []models.ReactionType{{Type: models.ReactionTypeTypeEmoji, ReactionTypeEmoji: &models.ReactionTypeEmoji{Emoji: e}}}
}

func TestMessageReactions(t *testing.T) {
	// Read only after Close, which returns once every event is handled.
	var events []string
	srv := newServer(t, Options{RateLimits: &RateLimits{PerGroupPerMinute: 1}, OnEvent: func(e Event) {
		if e.Kind == EventBotReaction {
			events = append(events, e.String())
		}
	}})
	alice := srv.NewUser(1001, "Alice", "en")
	g := srv.NewSupergroup(-1001234567890, "Team", false, alice)
	b := newBot(t, srv)
	ctx := testCtx(t)
	report := g.SendText(alice, "report: done")
	react := func(id int, r []models.ReactionType) error {
		_, err := b.SetMessageReaction(ctx, &bot.SetMessageReactionParams{ChatID: g.ID(), MessageID: id, Reaction: r})
		return err
	}

	// The per-group limit is used up: reactions do not count against it.
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: g.ID(), Text: "noted"}); err != nil {
		t.Fatal(err)
	}
	if err := react(report.ID, emojiReaction("👍")); err != nil {
		t.Fatal(err)
	}
	if err := react(report.ID, emojiReaction("🔥")); err != nil {
		t.Fatal(err)
	}
	if m := g.History()[0]; fmt.Sprint(m.Reactions) != "[🔥]" {
		t.Errorf("reactions %v", m.Reactions)
	}
	for _, c := range []struct {
		reaction []models.ReactionType
		want     string
	}{
		{emojiReaction("🦆"), "REACTION_INVALID"},
		{emojiReaction("❤️"), "REACTION_INVALID"}, // listed without the variation selector
		{[]models.ReactionType{{Type: models.ReactionTypeTypeCustomEmoji, ReactionTypeCustomEmoji: &models.ReactionTypeCustomEmoji{CustomEmojiID: "5368324170671202286"}}}, "REACTION_INVALID"},
		{append(emojiReaction("👍"), emojiReaction("🎉")...), "REACTIONS_TOO_MANY"},
	} {
		wantBadRequest(t, react(report.ID, c.reaction), c.want)
	}
	wantBadRequest(t, react(999, emojiReaction("👍")), "message to react not found")
	wantError(t, api(t, srv, "setMessageReaction", map[string]any{"chat_id": g.ID(), "message_id": report.ID,
		"reaction": []map[string]any{{"type": "paid"}}}), 400, "Bad Request: can't parse ReactionType: invalid reaction type specified")
	if err := react(report.ID, emojiReaction("❤")); err != nil {
		t.Errorf("❤ as listed: %v", err)
	}
	if err := react(report.ID, nil); err != nil {
		t.Fatal(err)
	}
	if m := g.History()[0]; len(m.Reactions) != 0 {
		t.Errorf("reactions after removing them: %v", m.Reactions)
	}
	if srv.TooManyRequests() != 0 {
		t.Errorf("%d 429s", srv.TooManyRequests())
	}
	_ = srv.Close()
	want := "@taskbot_demo_bot reacted to #2 in Team: 👍|@taskbot_demo_bot reacted to #2 in Team: 🔥|" +
		"@taskbot_demo_bot reacted to #2 in Team: ❤|@taskbot_demo_bot reacted to #2 in Team: (none)"
	if got := strings.Join(events, "|"); got != want {
		t.Errorf("events %s", got)
	}
}

func TestReactionEmojiFromSpec(t *testing.T) {
	list := reactionEmoji()
	if len(list) < 50 || list[0] != "❤" || !strings.Contains(strings.Join(list, " "), "👍") {
		t.Errorf("reaction emoji %v", list)
	}
	if fmt.Sprint(topicIconColors()) != "[7322096 16766590 13338331 9367192 16749490 16478047]" {
		t.Errorf("topic icon colours %v", topicIconColors())
	}
}
