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
