package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func wantBadRequest(t *testing.T, err error, desc string) {
	t.Helper()
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.HasSuffix(err.Error(), "Bad Request: "+desc) {
		t.Errorf("got %v, want 400 Bad Request: %s", err, desc)
	}
}

func TestForumTopics(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	forum := srv.NewSupergroup(-1001234567890, "Projects", true, alice)
	plain := srv.NewSupergroup(-1001111111111, "Plain", false, alice)
	basic := srv.NewGroup(-4001, "Basic", alice)
	b := newBot(t, srv)
	ctx := testCtx(t)
	create := func(chat int64, name string, color int) (*models.ForumTopic, error) {
		return b.CreateForumTopic(ctx, &bot.CreateForumTopicParams{ChatID: chat, Name: name, IconColor: color})
	}

	_, err := create(forum.ID(), "Task 7", 0)
	wantBadRequest(t, err, "not enough rights to create a topic")
	for _, g := range []*Group{plain, basic} {
		g.SetBotRights(&topicsAdmin)
		_, err := create(g.ID(), "Task 7", 0)
		wantBadRequest(t, err, "the chat is not a forum")
	}
	forum.SetBotRights(&topicsAdmin)
	topic, err := create(forum.ID(), "  Task 7:\n  the   report ", 0)
	if err != nil {
		t.Fatal(err)
	}
	if topic.Name != "Task 7: the report" || topic.IconColor != 7322096 || topic.MessageThreadID <= 0 {
		t.Errorf("created %+v", topic)
	}
	id := topic.MessageThreadID
	long, err := create(forum.ID(), strings.Repeat("я", 200), 16766590)
	if err != nil || long.Name != strings.Repeat("я", 128) || long.IconColor != 16766590 {
		t.Errorf("long name, colour: %+v, %v", long, err)
	}
	_, err = create(forum.ID(), "x", 123)
	wantBadRequest(t, err, "invalid icon color specified")
	_, err = create(forum.ID(), " \n ", 0)
	wantBadRequest(t, err, "name must be non-empty")

	// The bot hears of the topics it creates.
	ups := takeUpdates(t, srv)
	if len(ups) != 2 {
		t.Fatalf("updates %v", texts(ups))
	}
	if m := ups[0].Message; m.ForumTopicCreated == nil || m.ForumTopicCreated.Name != "Task 7: the report" ||
		m.ID != id || m.MessageThreadID != id || !m.IsTopicMessage || m.From.ID != srv.BotUser().ID || m.ReplyToMessage != nil {
		t.Errorf("forum_topic_created %+v", m)
	}

	// A message in the topic replies to the topic's creation message.
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum.ID(), MessageThreadID: id, Text: "Report due Friday",
		ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "Done", CallbackData: "done"}})})
	if err != nil {
		t.Fatal(err)
	}
	if sent.MessageThreadID != id || !sent.IsTopicMessage || sent.ReplyToMessage == nil || sent.ReplyToMessage.ID != id ||
		sent.ReplyToMessage.ForumTopicCreated == nil {
		t.Errorf("topic message %+v", sent)
	}
	if m, _ := forum.LastMessage(); m.ThreadID != id || m.ReplyTo != 0 || m.Text != "Report due Friday" {
		t.Errorf("stored %+v", m)
	}
	for _, thread := range []int{1, 9999} {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum.ID(), MessageThreadID: thread, Text: "x"})
		wantBadRequest(t, err, "message thread not found")
	}
	// Outside forums: ignored in groups, as the real server does; no topics
	// in private chats with this bot.
	if m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: plain.ID(), MessageThreadID: id, Text: "x"}); err != nil || m.MessageThreadID != 0 {
		t.Errorf("thread id in a non-forum group: %+v, %v", m, err)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), MessageThreadID: id, Text: "x"})
	wantBadRequest(t, err, "message thread not found")

	// Users post, reply and press buttons in the topic.
	if _, err := forum.SendInTopic(alice, id, "on it"); err != nil {
		t.Fatal(err)
	}
	reply, err := forum.ReplyTo(alice, sent.ID, "done already")
	if err != nil || reply.ThreadID != id || reply.ReplyTo != sent.ID {
		t.Fatalf("reply %+v, %v", reply, err)
	}
	if _, err := forum.Press(alice, sent.ID, "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := forum.SendInTopic(alice, 9999, "nowhere"); err == nil {
		t.Error("posting in a missing topic succeeded")
	}
	ups = takeUpdates(t, srv)
	if len(ups) != 3 {
		t.Fatalf("updates %v", texts(ups))
	}
	if m := ups[0].Message; m.MessageThreadID != id || !m.IsTopicMessage || m.ReplyToMessage.ID != id || m.From.ID != alice.ID() {
		t.Errorf("user's topic message %+v", m)
	}
	if m := ups[1].Message; m.MessageThreadID != id || m.ReplyToMessage.ID != sent.ID {
		t.Errorf("user's reply %+v", m)
	}
	if cq := ups[2].CallbackQuery; cq == nil || cq.Message.Message.MessageThreadID != id {
		t.Errorf("press in topic %+v", cq)
	}

	// Edit, close, reopen.
	ok, err := b.EditForumTopic(ctx, &bot.EditForumTopicParams{ChatID: forum.ID(), MessageThreadID: id, Name: "Task 7 (late)"})
	if err != nil || !ok {
		t.Fatalf("edit: %v", err)
	}
	_, err = b.EditForumTopic(ctx, &bot.EditForumTopicParams{ChatID: forum.ID(), MessageThreadID: id, Name: "Task 7 (late)"})
	wantBadRequest(t, err, "TOPIC_NOT_MODIFIED")
	_, err = b.EditForumTopic(ctx, &bot.EditForumTopicParams{ChatID: forum.ID(), MessageThreadID: 9999, Name: "x"})
	wantBadRequest(t, err, "TOPIC_ID_INVALID")
	if _, err := b.CloseForumTopic(ctx, &bot.CloseForumTopicParams{ChatID: forum.ID(), MessageThreadID: id}); err != nil {
		t.Fatal(err)
	}
	_, err = b.CloseForumTopic(ctx, &bot.CloseForumTopicParams{ChatID: forum.ID(), MessageThreadID: id})
	wantBadRequest(t, err, "TOPIC_NOT_MODIFIED")
	if tp, _ := forum.Topic(id); tp.Name != "Task 7 (late)" || !tp.Closed || !tp.CreatedByBot {
		t.Errorf("Topic(%d) = %+v", id, tp)
	}
	if _, err := forum.SendInTopic(alice, id, "closed?"); err == nil || !strings.Contains(err.Error(), "TOPIC_CLOSED") {
		t.Errorf("member posting in a closed topic: %v", err)
	}
	ups = takeUpdates(t, srv)
	if len(ups) != 2 || ups[0].Message.ForumTopicEdited == nil || ups[0].Message.ForumTopicEdited.Name != "Task 7 (late)" ||
		ups[1].Message.ForumTopicClosed == nil || ups[1].Message.MessageThreadID != id {
		t.Errorf("edit and close updates %v", texts(ups))
	}
	if _, err := b.ReopenForumTopic(ctx, &bot.ReopenForumTopicParams{ChatID: forum.ID(), MessageThreadID: id}); err != nil {
		t.Fatal(err)
	}
	if got := len(forum.Topics()); got != 2 {
		t.Errorf("%d topics", got)
	}
}

// Without can_manage_topics the bot manages only the topics it created,
// and cannot post in other closed topics.
func TestForumTopicRights(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	forum := srv.NewSupergroup(-1001234567890, "Projects", true, alice)
	forum.SetBotRights(&topicsAdmin)
	b := newBot(t, srv)
	ctx := testCtx(t)
	mine, err := b.CreateForumTopic(ctx, &bot.CreateForumTopicParams{ChatID: forum.ID(), Name: "Mine"})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := forum.CreateTopic(alice, "Theirs")
	if err != nil {
		t.Fatal(err)
	}
	forum.SetBotRights(nil)

	close := func(id int) error {
		_, err := b.CloseForumTopic(ctx, &bot.CloseForumTopicParams{ChatID: forum.ID(), MessageThreadID: id})
		return err
	}
	send := func(id int) error {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum.ID(), MessageThreadID: id, Text: "update"})
		return err
	}
	if err := close(mine.MessageThreadID); err != nil {
		t.Errorf("closing its own topic: %v", err)
	}
	if err := send(mine.MessageThreadID); err != nil {
		t.Errorf("posting in its own closed topic: %v", err)
	}
	wantBadRequest(t, close(theirs), "not enough rights to close or open the topic")
	_, err = b.EditForumTopic(ctx, &bot.EditForumTopicParams{ChatID: forum.ID(), MessageThreadID: theirs, Name: "x"})
	wantBadRequest(t, err, "not enough rights to edit the topic")
	asked, err := forum.SendInTopic(alice, theirs, "who takes this?")
	if err != nil {
		t.Fatal(err)
	}
	if err := forum.CloseTopic(alice, theirs); err != nil {
		t.Fatal(err)
	}
	wantBadRequest(t, send(theirs), "TOPIC_CLOSED")
	// A reply to a message of the closed topic would land there too.
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum.ID(), Text: "me",
		ReplyParameters: &models.ReplyParameters{MessageID: asked.ID}})
	wantBadRequest(t, err, "TOPIC_CLOSED")
	if err := forum.ReopenTopic(alice, theirs); err != nil {
		t.Fatal(err)
	}
	if err := send(theirs); err != nil {
		t.Errorf("posting after reopening: %v", err)
	}
	if err := forum.ReopenTopic(alice, theirs); err == nil {
		t.Error("reopening an open topic succeeded")
	}
}

// Under privacy mode, every message of a topic the bot created is an
// implicit reply to the bot's message, so the bot receives it; messages of
// other topics it does not.
func TestForumTopicPrivacy(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	forum := srv.NewSupergroup(-1001234567890, "Projects", true, alice)
	forum.SetBotRights(&topicsAdmin)
	b := newBot(t, srv)
	mine, err := b.CreateForumTopic(context.Background(), &bot.CreateForumTopicParams{ChatID: forum.ID(), Name: "Mine"})
	if err != nil {
		t.Fatal(err)
	}
	forum.SetBotRights(nil)
	theirs, err := forum.CreateTopic(alice, "Theirs")
	if err != nil {
		t.Fatal(err)
	}
	takeUpdates(t, srv)
	for _, p := range []struct {
		thread int
		text   string
	}{{mine.MessageThreadID, "in mine"}, {theirs, "in theirs"}, {0, "in general"}} {
		if _, err := forum.Post(GroupPost{From: alice, ThreadID: p.thread, Text: p.text}); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(texts(takeUpdates(t, srv))); got != "[in mine]" {
		t.Errorf("privacy mode in topics delivered %s", got)
	}
	if err := forum.CloseTopic(alice, theirs); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(texts(takeUpdates(t, srv))); got != "[<service>]" {
		t.Errorf("a user closing a topic: %s", got)
	}
}

// A reply in a supergroup outside topics — a group without topics, or a
// forum's General — carries the message_thread_id of its reply chain's
// first message and no is_topic_message; a reply in a topic carries the
// topic with is_topic_message; a basic group has no threads.
func TestReplyThreadsAreNoTopics(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits, ReadAllGroupMessages: true})
	alice := srv.NewUser(1001, "Alice", "en")
	bob := srv.NewUser(1002, "Bob", "en")
	forum := srv.NewSupergroup(-1001234567890, "Projects", true, alice, bob)
	plain := srv.NewSupergroup(-1001111111111, "Plain", false, alice, bob)
	basic := srv.NewGroup(-4001, "Basic", alice, bob)
	forum.SetBotRights(&topicsAdmin)
	topic, err := forum.CreateTopic(alice, "Task 7")
	if err != nil {
		t.Fatal(err)
	}
	takeUpdates(t, srv)
	for _, g := range []*Group{forum, plain, basic} {
		first := g.SendText(alice, "first")
		second, err := g.ReplyTo(bob, first.ID, "second")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.ReplyTo(alice, second.ID, "third"); err != nil {
			t.Fatal(err)
		}
		want := first.ID
		if g == basic {
			want = 0
		}
		ups := takeUpdates(t, srv)
		if len(ups) != 3 {
			t.Fatalf("%s: %d updates", g.Title(), len(ups))
		}
		for i, u := range ups {
			m := u.Message
			wantThread := want
			if i == 0 {
				wantThread = 0
			}
			if m.MessageThreadID != wantThread || m.IsTopicMessage {
				t.Errorf("%s message %d: thread %d topic %v, want thread %d and no topic", g.Title(), i, m.MessageThreadID, m.IsTopicMessage, wantThread)
			}
		}
	}
	inTopic, err := forum.SendInTopic(alice, topic, "on it")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := forum.ReplyTo(bob, inTopic.ID, "thanks"); err != nil {
		t.Fatal(err)
	}
	for _, u := range takeUpdates(t, srv) {
		if m := u.Message; m.MessageThreadID != topic || !m.IsTopicMessage {
			t.Errorf("in the topic: thread %d topic %v", m.MessageThreadID, m.IsTopicMessage)
		}
	}
}
