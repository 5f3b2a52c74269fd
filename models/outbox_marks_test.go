package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

// Outcome marks written together apply to the messages whose claims hold
// and leave alone, and name, those whose claims were lost; a message put
// back after its attempt was recorded does not count the attempt.
func TestBatchMarksAreFencedPerMessage(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		queueRound(t, s, "r", 100, 4, 1)
		held, err := s.ClaimOutbox(ctx, "i1", 4, time.Minute)
		if err != nil || len(held) != 4 {
			t.Fatalf("claimed %d: %v", len(held), err)
		}
		marks := make([]models.ClaimMark, len(held))
		for i, m := range held {
			marks[i] = models.ClaimMark{ID: m.ID, Claim: m.Claim, TelegramID: 1000 + int(m.ID)}
		}
		stale := marks[1]
		stale.Claim = "not-the-claim"
		lost, err := s.MarkAttemptingAll(ctx, []models.ClaimMark{marks[0], stale, marks[2], marks[3]})
		if err != nil || !slices.Equal(lost, []uint{held[1].ID}) {
			t.Fatalf("attempting: lost %v, %v; want only %d", lost, err, held[1].ID)
		}
		if err := s.PutBack(ctx, held[3].ID, held[3].Claim, errors.New("stopped")); err != nil {
			t.Fatal(err)
		}
		lost, err = s.MarkSentAll(ctx, marks)
		if err != nil || !slices.Equal(lost, []uint{held[3].ID}) {
			t.Fatalf("sent: lost %v, %v; want only the message put back, %d", lost, err, held[3].ID)
		}
		for i, m := range held {
			got, err := s.OutboxMessageByID(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			switch i {
			case 0, 2:
				if got.State != models.OutboxSent || got.TelegramMessageID != 1000+int(m.ID) || got.Attempts != 1 || got.Claim != "" {
					t.Fatalf("message %d: %+v, want sent after one attempt", i, got)
				}
			case 1:
				if got.State != models.OutboxSent || got.Attempts != 0 {
					t.Fatalf("message %d: %+v, want sent, its attempt never recorded", i, got)
				}
			case 3:
				if got.State != models.OutboxPending || got.Attempts != 0 || got.AttemptedAt != nil || got.Claim != "" {
					t.Fatalf("put back: %+v, want pending with no attempt", got)
				}
			}
		}
		if lost, err := s.MarkSentAll(ctx, nil); err != nil || lost != nil {
			t.Fatalf("no marks: %v %v", lost, err)
		}
	})
}

// A sent mark hands its head's turn on in the same transaction: the chat's
// next message heads it at once, raised to the chat's highest priority
// queued, and a chat with nothing more queued is left without a head. On
// PostgreSQL a head that a transaction queueing behind it holds keeps its
// turn, and the claim after that transaction hands it on: the message
// queued there is not left behind no head.
func TestSentMarkHandsTheTurnOn(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		queueRound(t, s, "r", 1, 2, 2) // chat 1: two bulk messages
		enqueueOne(t, s, "r:reply", 1, models.MessageRef{})
		queueRound(t, s, "q", 2, 1, 1) // chat 2: one
		held, err := s.ClaimOutbox(ctx, "i1", 10, time.Minute)
		if err != nil || len(held) != 2 {
			t.Fatalf("claimed %d: %v", len(held), err)
		}
		sendAll(t, s, held)
		if got, want := queued(t, s, 1), "0/sent/p0/hfalse 1/pending/p0/htrue reply/pending/p0/hfalse "; got != want {
			t.Fatalf("chat 1 after its head was sent:\n got %s\nwant %s", got, want)
		}
		if got, want := queued(t, s, 2), "0/sent/p1/hfalse "; got != want {
			t.Fatalf("chat 2 after its only message was sent:\n got %s\nwant %s", got, want)
		}
		if s.Dialect != models.Postgres {
			return
		}

		sendAll(t, s, mustClaim(t, s, "r:1"))
		last := mustClaim(t, s, "r:reply")
		// A transaction queueing behind the claimed head, the chat's last
		// message, holds it while the head is marked sent.
		queueing := s.DB.Begin()
		defer queueing.Rollback()
		if err := models.Enqueue(queueing, "r:late", 1, models.OutSendMessage, models.Outgoing{Text: "late"}); err != nil {
			t.Fatal(err)
		}
		sendAll(t, s, last)
		if err := queueing.Commit().Error; err != nil {
			t.Fatal(err)
		}
		sendAll(t, s, mustClaim(t, s, "r:late"))
	})
}

func mustClaim(t *testing.T, s *models.Store, key string) []models.OutboxMessage {
	t.Helper()
	got, err := s.ClaimOutbox(context.Background(), "i1", 10, time.Minute)
	if err != nil || len(got) != 1 || got[0].IdemKey != key {
		t.Fatalf("claimed %v: %v, want %s", keys(got), err, key)
	}
	return got
}
