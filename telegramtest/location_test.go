package telegramtest

import (
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestSendLocation(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	bob := srv.NewUser(1002, "Bob", "en")
	b := newBot(t, srv)
	ask, err := b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: alice.ID(), Text: "Where are you?",
		ReplyMarkup: &models.ReplyKeyboardMarkup{ResizeKeyboard: true, OneTimeKeyboard: true, Keyboard: [][]models.KeyboardButton{{
			{Text: "Send location", RequestLocation: true}, {Text: "Skip"},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := alice.LastMessage()
	if kb := m.ReplyKeyboard; len(kb) != 1 || len(kb[0]) != 2 || !kb[0][0].RequestLocation || kb[0][1].RequestLocation {
		t.Fatalf("keyboard %+v", m.ReplyKeyboard)
	}

	point, err := alice.SendLocation(31.23, 121.47, 0, ask.ID)
	if err != nil {
		t.Fatal(err)
	}
	if point.Location == nil || point.Location.Latitude != 31.23 || point.ReplyTo != ask.ID {
		t.Fatalf("stored %+v", point)
	}
	if _, err := alice.SendLocation(31.23, 121.47, 15*time.Minute, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SendLocation(31.23, 121.47, LiveUntilStopped, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.ForwardLocation(bob, 30, 120); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		lat, lon float64
		live     time.Duration
	}{{91, 0, 0}, {0, 181, 0}, {0, 0, 30 * time.Second}, {0, 0, 25 * time.Hour}} {
		if _, err := alice.SendLocation(bad.lat, bad.lon, bad.live, 0); err == nil {
			t.Errorf("sent %+v", bad)
		}
	}

	ups := getUpdates(t, srv, nil)
	if len(ups) != 4 {
		t.Fatalf("%d updates", len(ups))
	}
	if l := ups[0].Message.Location; l == nil || l.Latitude != 31.23 || l.Longitude != 121.47 || l.LivePeriod != 0 || ups[0].Message.ReplyToMessage == nil {
		t.Fatalf("point %+v", ups[0].Message)
	}
	if l := ups[1].Message.Location; l == nil || l.LivePeriod != 900 || ups[1].Message.ForwardOrigin != nil {
		t.Fatalf("live %+v", ups[1].Message)
	}
	if l := ups[2].Message.Location; l == nil || l.LivePeriod != 0x7FFFFFFF {
		t.Fatalf("live until stopped %+v", ups[2].Message)
	}
	if o := ups[3].Message.ForwardOrigin; o == nil || o.Type != "user" || o.SenderUser == nil || o.SenderUser.ID != bob.ID() || o.Date == 0 {
		t.Fatalf("forwarded %+v", ups[3].Message)
	}
}
