package telegramtest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

type testUpdate struct {
	UpdateID      int64           `json:"update_id"`
	Message       *wMessage       `json:"message"`
	EditedMessage *wMessage       `json:"edited_message"`
	CallbackQuery *wCallbackQuery `json:"callback_query"`
	MyChatMember  json.RawMessage `json:"my_chat_member"`
}

func getUpdates(t *testing.T, srv *Server, params map[string]any) []testUpdate {
	t.Helper()
	r := api(t, srv, "getUpdates", params)
	wantOK(t, r)
	return decode[[]testUpdate](t, r.Result)
}

func updateIDs(ups []testUpdate) []int64 {
	var ids []int64
	for _, u := range ups {
		ids = append(ids, u.UpdateID)
	}
	return ids
}

func TestGetUpdatesOffsetAndRedelivery(t *testing.T) {
	srv := newServer(t, Options{Seed: 7})
	alice := srv.NewUser(1001, "Alice", "en")
	for i := range 20 {
		alice.SendText(fmt.Sprintf("m%d", i))
	}

	all := getUpdates(t, srv, nil)
	if len(all) != 20 {
		t.Fatalf("got %d updates, want 20", len(all))
	}
	gaps := false
	for i := 1; i < len(all); i++ {
		d := all[i].UpdateID - all[i-1].UpdateID
		if d < 1 || d > 3 {
			t.Errorf("update_id step %d, want 1..3", d)
		}
		gaps = gaps || d > 1
		if got := all[i].Message.Text; got != fmt.Sprintf("m%d", i) {
			t.Errorf("update %d text %q", i, got)
		}
	}
	if !gaps {
		t.Error("update ids are contiguous; bots must not be able to rely on that")
	}

	// Without a new offset, everything is delivered again.
	if again := getUpdates(t, srv, nil); fmt.Sprint(updateIDs(again)) != fmt.Sprint(updateIDs(all)) {
		t.Errorf("redelivery = %v, want %v", updateIDs(again), updateIDs(all))
	}
	if got := getUpdates(t, srv, map[string]any{"limit": 3}); len(got) != 3 || got[0].UpdateID != all[0].UpdateID {
		t.Errorf("limit 3 gave %v", updateIDs(got))
	}

	// offset confirms everything below it, even ids never seen.
	got := getUpdates(t, srv, map[string]any{"offset": all[5].UpdateID})
	if len(got) != 15 || got[0].UpdateID != all[5].UpdateID {
		t.Errorf("after offset: %v", updateIDs(got))
	}
	if srv.PendingUpdates() != 15 {
		t.Errorf("pending = %d, want 15", srv.PendingUpdates())
	}

	// A negative offset keeps only the last -offset updates.
	got = getUpdates(t, srv, map[string]any{"offset": -2})
	if len(got) != 2 || got[1].UpdateID != all[19].UpdateID {
		t.Errorf("offset -2 gave %v", updateIDs(got))
	}

	got = getUpdates(t, srv, map[string]any{"offset": all[19].UpdateID + 1})
	if len(got) != 0 || srv.PendingUpdates() != 0 {
		t.Errorf("after confirming all: %v, pending %d", updateIDs(got), srv.PendingUpdates())
	}

	// New ids keep growing after everything was confirmed.
	alice.SendText("later")
	got = getUpdates(t, srv, nil)
	if len(got) != 1 || got[0].UpdateID <= all[19].UpdateID {
		t.Errorf("later update %v", updateIDs(got))
	}
}

func TestGetUpdatesAllowedUpdates(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en")
	getUpdates(t, srv, map[string]any{"allowed_updates": []string{"callback_query"}})
	alice.SendText("ignored")
	if n := srv.PendingUpdates(); n != 0 {
		t.Errorf("message queued despite allowed_updates: %d", n)
	}
	getUpdates(t, srv, map[string]any{"allowed_updates": []string{}})
	alice.SendText("kept")
	if n := srv.PendingUpdates(); n != 1 {
		t.Errorf("pending = %d after resetting allowed_updates", n)
	}
}

func TestGetUpdatesLongPoll(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en")

	type result struct {
		ups []testUpdate
		err error
		dur time.Duration
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		r := api(t, srv, "getUpdates", map[string]any{"timeout": 30})
		var ups []testUpdate
		err := json.Unmarshal(r.Result, &ups)
		done <- result{ups, err, time.Since(start)}
	}()
	// Once the poll is parked, a user message must wake it.
	if err := srv.WaitFor(testCtx(t), (*State).Polling); err != nil {
		t.Fatal(err)
	}
	alice.SendText("wake up")
	res := <-done
	if res.err != nil || len(res.ups) != 1 || res.ups[0].Message.Text != "wake up" {
		t.Fatalf("long poll returned %+v", res)
	}
	if res.dur > 10*time.Second {
		t.Errorf("long poll returned after %v, not on the update", res.dur)
	}

	// With nothing to deliver, the poll ends after its timeout.
	getUpdates(t, srv, map[string]any{"offset": res.ups[0].UpdateID + 1})
	start = time.Now()
	if got := getUpdates(t, srv, map[string]any{"timeout": 1}); len(got) != 0 {
		t.Errorf("empty poll returned %v", updateIDs(got))
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("poll with timeout 1 returned after %v", d)
	}
}

func TestGetUpdatesConflict(t *testing.T) {
	srv := newServer(t, Options{})
	first := make(chan apiResp, 1)
	go func() { first <- api(t, srv, "getUpdates", map[string]any{"timeout": 30}) }()
	if err := srv.WaitFor(testCtx(t), (*State).Polling); err != nil {
		t.Fatal(err)
	}
	wantOK(t, api(t, srv, "getUpdates", nil))
	wantError(t, <-first, 409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")

	hook := "http://127.0.0.1:1/hook"
	wantOK(t, api(t, srv, "setWebhook", map[string]any{"url": hook}))
	wantError(t, api(t, srv, "getUpdates", nil), 409,
		"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
	r := api(t, srv, "deleteWebhook", nil)
	wantOK(t, r)
	if r.Description != "Webhook was deleted" {
		t.Errorf("deleteWebhook description %q", r.Description)
	}
	wantOK(t, api(t, srv, "getUpdates", nil))
}

// TestUpdateShapes checks every kind of update users produce against the
// spec and against what a bot needs from it.
func TestUpdateShapes(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en").WithUsername("alice").WithLastName("Liddell")

	r := api(t, srv, "sendMessage", map[string]any{"chat_id": 1001, "text": "Pick one", "reply_markup": map[string]any{
		"inline_keyboard": [][]map[string]any{{{"text": "Done", "callback_data": "done:1"}, {"text": "Docs", "url": "https://example.com"}}}}})
	wantOK(t, r)
	botMsg := decode[wMessage](t, r.Result)

	cmd := alice.SendCommand("start", "abc")
	reply, err := alice.ReplyTo(botMsg.MessageID, "replying")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.ReplyTo(999, "x"); err == nil {
		t.Error("reply to a missing message succeeded")
	}
	photo, err := alice.SendPhoto("a photo", 0)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := alice.SendDocument("tasks.csv", "import these", cmd.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.EditMessage(reply.ID, "replying, edited"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.EditMessage(botMsg.MessageID, "not mine"); err == nil {
		t.Error("user edited the bot's message")
	}
	qid, err := alice.Press(botMsg.MessageID, "done:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Press(botMsg.MessageID, "nope"); err == nil {
		t.Error("pressing a button that does not exist succeeded")
	}
	alice.Block()
	alice.Unblock()

	ups := getUpdates(t, srv, nil)
	var kinds []string
	for _, u := range ups {
		switch {
		case u.Message != nil:
			kinds = append(kinds, "message")
		case u.EditedMessage != nil:
			kinds = append(kinds, "edited_message")
		case u.CallbackQuery != nil:
			kinds = append(kinds, "callback_query")
		case u.MyChatMember != nil:
			kinds = append(kinds, "my_chat_member")
		}
	}
	want := "[message message message message edited_message callback_query my_chat_member my_chat_member]"
	if fmt.Sprint(kinds) != want {
		t.Fatalf("update kinds %v, want %s", kinds, want)
	}

	m := ups[0].Message
	if m.Text != "/start abc" || len(m.Entities) != 1 || m.Entities[0] != (Entity{Type: "bot_command", Offset: 0, Length: 6}) {
		t.Errorf("command message %q %+v", m.Text, m.Entities)
	}
	if m.From == nil || m.From.ID != 1001 || m.From.IsBot || m.From.Username != "alice" || m.From.LastName != "Liddell" || m.From.LanguageCode != "en" {
		t.Errorf("from = %+v", m.From)
	}
	if m.Chat.ID != 1001 || m.Chat.Type != "private" || m.Chat.FirstName != "Alice" {
		t.Errorf("chat = %+v", m.Chat)
	}
	if rt := ups[1].Message.ReplyToMessage; rt == nil || rt.MessageID != botMsg.MessageID || rt.From == nil || !rt.From.IsBot || rt.Text != "Pick one" {
		t.Errorf("reply_to_message = %+v", rt)
	}
	if p := ups[2].Message; len(p.Photo) < 2 || p.Caption != "a photo" || p.Photo[len(p.Photo)-1].Width != 640 || p.MessageID != photo.ID {
		t.Errorf("photo message = %+v", p)
	}
	if d := ups[3].Message; d.Document == nil || d.Document.FileName != "tasks.csv" || d.Document.MIMEType != "text/csv" ||
		d.ReplyToMessage == nil || d.ReplyToMessage.MessageID != cmd.ID || d.MessageID != doc.ID {
		t.Errorf("document message = %+v", d)
	}
	if e := ups[4].EditedMessage; e.Text != "replying, edited" || e.EditDate == 0 || e.MessageID != reply.ID {
		t.Errorf("edited message = %+v", e)
	}
	cq := ups[5].CallbackQuery
	if cq.ID != qid || cq.Data != "done:1" || cq.From.ID != 1001 || cq.Message == nil || cq.Message.MessageID != botMsg.MessageID || cq.ChatInstance == "" {
		t.Errorf("callback query = %+v", cq)
	}
	var member struct {
		Old struct{ Status string } `json:"old_chat_member"`
		New struct {
			Status string
			User   wUser
		} `json:"new_chat_member"`
	}
	_ = json.Unmarshal(ups[6].MyChatMember, &member)
	if member.Old.Status != "member" || member.New.Status != "kicked" || member.New.User.ID != srv.BotUser().ID {
		t.Errorf("block update = %s", ups[6].MyChatMember)
	}
	_ = json.Unmarshal(ups[7].MyChatMember, &member)
	if member.Old.Status != "kicked" || member.New.Status != "member" {
		t.Errorf("unblock update = %s", ups[7].MyChatMember)
	}
}

func TestGroupPrivacy(t *testing.T) {
	for _, readAll := range []bool{false, true} {
		t.Run(fmt.Sprint("readAll=", readAll), func(t *testing.T) {
			srv := newServer(t, Options{ReadAllGroupMessages: readAll, RateLimits: noLimits})
			alice := srv.NewUser(1001, "Alice", "en")
			bob := srv.NewUser(1002, "Bob", "de")
			team := srv.NewGroup(-100, "Team", alice)
			r := api(t, srv, "sendMessage", map[string]any{"chat_id": team.ID(), "text": "hello team"})
			wantOK(t, r)
			botMsg := decode[wMessage](t, r.Result)

			team.SendText(alice, "chatter")
			team.SendCommand(bob, "list", "")
			team.SendText(alice, "/list@"+srv.BotUser().Username)
			team.SendText(alice, "/list@some_other_bot")
			if _, err := team.ReplyTo(bob, botMsg.MessageID, "reply to bot"); err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, u := range getUpdates(t, srv, nil) {
				if u.Message.Chat.ID != -100 || u.Message.Chat.Type != "group" || u.Message.Chat.Title != "Team" {
					t.Errorf("group chat = %+v", u.Message.Chat)
				}
				texts = append(texts, u.Message.Text)
			}
			want := "[/list /list@taskbot_demo_bot reply to bot]"
			if readAll {
				want = "[chatter /list /list@taskbot_demo_bot /list@some_other_bot reply to bot]"
			}
			if fmt.Sprint(texts) != want {
				t.Errorf("bot received %v, want %s", texts, want)
			}
			if got := team.Members(); fmt.Sprint(got) != "[1001 1002]" {
				t.Errorf("members %v", got)
			}
			if n := len(team.History()); n != 6 {
				t.Errorf("history has %d messages, want 6", n)
			}
		})
	}
}

// After a quiet week Telegram restarts update ids, possibly below the ones
// a bot saw: an offset from before the restart confirms the new updates
// unseen, as Telegram documents it; a call without one returns them.
func TestGetUpdatesAfterRestartedIDs(t *testing.T) {
	srv := newServer(t, Options{Seed: 3})
	alice := srv.NewUser(1001, "Alice", "en")
	alice.SendText("before")
	before := getUpdates(t, srv, nil)
	getUpdates(t, srv, map[string]any{"offset": before[0].UpdateID + 1})

	srv.RestartUpdateIDs(10)
	alice.SendText("after a week")
	got := getUpdates(t, srv, nil)
	if len(got) != 1 || got[0].UpdateID < 10 || got[0].UpdateID > 12 || got[0].Message.Text != "after a week" {
		t.Fatalf("after the restart: %v", updateIDs(got))
	}
	if got := getUpdates(t, srv, map[string]any{"offset": before[0].UpdateID + 1}); len(got) != 0 || srv.PendingUpdates() != 0 {
		t.Fatalf("an offset above the restarted ids left %v, %d pending", updateIDs(got), srv.PendingUpdates())
	}
}
