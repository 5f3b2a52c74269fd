package telegramtest

import (
	"slices"
	"testing"
	"time"
)

// A protected document carries has_protected_content; pinning it posts a
// pinned_message the bot receives; a group needs the right to pin.
func TestPinAndProtectedContent(t *testing.T) {
	clock := newFakeClock()
	srv := newServer(t, Options{Now: clock.Now})
	alice := srv.NewUser(1001, "Alice", "zh")
	r := callMultipart(t, srv, "sendDocument", map[string]string{"chat_id": "1001", "protect_content": "true", "caption": "责任书"},
		map[string]testFile{"document": {"commitment.pdf", []byte("%PDF-1.3 …")}})
	wantOK(t, r)
	doc := decode[wMessage](t, r.Result)
	if !doc.HasProtectedContent {
		t.Fatalf("sent with protect_content, answered %+v", doc)
	}
	clock.Advance(time.Second)
	plain := decode[wMessage](t, api(t, srv, "sendMessage", map[string]any{"chat_id": 1001, "text": "hello"}).Result)
	if plain.HasProtectedContent {
		t.Fatal("a message sent without protect_content is protected")
	}
	if msgs := alice.Messages(); !msgs[0].Protected || msgs[1].Protected {
		t.Fatalf("protected as seen by the user: %v, %v", msgs[0].Protected, msgs[1].Protected)
	}
	wantError(t, api(t, srv, "pinChatMessage", map[string]any{"chat_id": 1001, "message_id": 99}), 400, "Bad Request: message to pin not found")
	wantError(t, api(t, srv, "pinChatMessage", map[string]any{"chat_id": 1001}), 400, "Bad Request: message_id is required")
	for range 2 { // pinning again changes nothing
		wantOK(t, api(t, srv, "pinChatMessage", map[string]any{"chat_id": 1001, "message_id": doc.MessageID, "disable_notification": true}))
	}
	if got := srv.Pinned(1001); !slices.Equal(got, []int{doc.MessageID}) {
		t.Fatalf("pinned %v", got)
	}
	wantOK(t, api(t, srv, "pinChatMessage", map[string]any{"chat_id": 1001, "message_id": plain.MessageID}))
	if got := srv.Pinned(1001); !slices.Equal(got, []int{doc.MessageID, plain.MessageID}) {
		t.Fatalf("pinned %v", got)
	}
	var notices []*wMessage
	for _, u := range getUpdates(t, srv, nil) {
		if u.Message != nil && u.Message.PinnedMessage != nil {
			notices = append(notices, u.Message)
		}
	}
	if len(notices) != 2 || notices[0].PinnedMessage.MessageID != doc.MessageID || notices[0].From == nil || !notices[0].From.IsBot {
		t.Fatalf("pinned_message updates %+v", notices)
	}
	hist := alice.History()
	if last := hist[len(hist)-1]; last.Service != "pinned_message" || last.PinnedMessageID != plain.MessageID {
		t.Fatalf("service message %+v", last)
	}
	wantError(t, api(t, srv, "pinChatMessage", map[string]any{"chat_id": 1001, "message_id": hist[len(hist)-1].ID}), 400, "Bad Request: message can't be pinned")

	g := srv.NewSupergroup(-1001234567890, "Team", false, alice)
	post := decode[wMessage](t, api(t, srv, "sendMessage", map[string]any{"chat_id": g.ID(), "text": "通知"}).Result)
	wantError(t, api(t, srv, "pinChatMessage", map[string]any{"chat_id": g.ID(), "message_id": post.MessageID}), 400,
		"Bad Request: not enough rights to manage pinned messages in the chat")
	g.SetBotRights(&Rights{CanPinMessages: true})
	wantOK(t, api(t, srv, "pinChatMessage", map[string]any{"chat_id": g.ID(), "message_id": post.MessageID}))

	alice.Block()
	wantError(t, api(t, srv, "pinChatMessage", map[string]any{"chat_id": 1001, "message_id": plain.MessageID}), 403, "Forbidden: bot was blocked by the user")
}

// disable_notification is kept as Msg.Silent, for a test to assert which
// messages reach people quietly.
func TestSilentSend(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "zh")
	wantOK(t, api(t, srv, "sendMessage", map[string]any{"chat_id": 1001, "text": "quiet", "disable_notification": true}))
	wantOK(t, api(t, srv, "sendMessage", map[string]any{"chat_id": 1001, "text": "loud"}))
	if msgs := alice.Messages(); !msgs[0].Silent || msgs[1].Silent {
		t.Fatalf("silent as seen by the user: %v, %v", msgs[0].Silent, msgs[1].Silent)
	}
}
