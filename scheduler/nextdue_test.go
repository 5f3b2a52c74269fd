package scheduler

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

// Run waits for the earliest pending slot or follow-up, not a whole
// interval.
func TestNextDue(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		r := &Reminders{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		ctx := context.Background()
		next, err := r.nextDue(ctx)
		if err != nil || !next.IsZero() {
			t.Fatalf("empty store: %v, %v", next, err)
		}
		slot := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		for i, at := range []time.Time{slot.Add(time.Hour), slot} {
			row := models.Schedule{Kind: models.ScheduleAdminSummary, ChatID: int64(i + 1), Spec: "0 18 * * *", TimeZone: "UTC",
				NextWall: "2026-11-23T18:00", NextFireAt: at}
			if err := s.DB.Create(&row).Error; err != nil {
				t.Fatal(err)
			}
		}
		next, err = r.nextDue(ctx)
		if err != nil || !next.Equal(slot) {
			t.Fatalf("next due %v (%v), want %v", next, err, slot)
		}
	})
}
