package bot

import (
	"errors"
	"slices"
	"testing"

	"taskbot/models"
	"taskbot/outbox"
	"taskbot/telegramtest"
)

// A protected document is sent with protect_content, and a pin pins the
// message it names; a pin naming no message is refused before any call.
func TestSenderProtectsAndPins(t *testing.T) {
	srv := senderFake(t, &telegramtest.RateLimits{})
	alice := srv.NewUser(1001, "Alice", "zh")
	s := NewSender(senderAPI(t, srv.URL(), srv.Token()))
	ctx := senderCtx(t)
	doc, err := s.Send(ctx, alice.ID(), models.OutSendDocument, models.Outgoing{File: []byte("%PDF-1.3"), FileName: "c.pdf", ProtectContent: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := s.Send(ctx, alice.ID(), models.OutSendMessage, models.Outgoing{Text: "receipt"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := alice.Messages()
	if !msgs[0].Protected || msgs[1].Protected {
		t.Fatalf("protected: document %v, message %v", msgs[0].Protected, msgs[1].Protected)
	}
	if id, err := s.Send(ctx, alice.ID(), models.OutPinMessage, models.Outgoing{EditMessageID: plain, Silent: true}); err != nil || id != plain {
		t.Fatalf("pin: %d, %v", id, err)
	}
	if got := srv.Pinned(alice.ID()); !slices.Equal(got, []int{plain}) {
		t.Fatalf("pinned %v, want [%d] (not the document %d)", got, plain, doc)
	}
	if _, err := s.Send(ctx, alice.ID(), models.OutPinMessage, models.Outgoing{}); !errors.Is(err, outbox.ErrRejected) {
		t.Fatalf("a pin of nothing: %v", err)
	}
	if _, err := s.Send(ctx, alice.ID(), models.OutPinMessage, models.Outgoing{EditMessageID: 999}); !errors.Is(err, outbox.ErrRejected) {
		t.Fatalf("a pin of a message that is not there: %v", err)
	}
}
