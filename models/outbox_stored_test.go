package models_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A picture stored once and queued to many chats by its blob is sent to
// each of them whole, and stored once.
func TestAddStoredSendsTheStoredFile(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		chart := []byte("\x89PNG one chart for many")
		err := s.Tx(ctx, func(tx *gorm.DB) error {
			blob, err := models.PutBlob(tx, chart)
			if err != nil {
				return err
			}
			var q models.OutboxBatch
			for _, chat := range []int64{1, 2, 3} {
				// A file left in out is the stored one's copy: it is not
				// stored again.
				out := models.Outgoing{Text: "caption", FileName: "summary.png", File: chart}
				if err := q.AddStored("chart:"+string(rune('0'+chat)), chat, models.OutSendPhoto, out, models.MessageRef{Bulk: true}, blob); err != nil {
					return err
				}
			}
			_, err = q.Flush(tx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var blobs int64
		s.DB.Model(&models.Blob{}).Count(&blobs)
		var rows []models.OutboxMessage
		s.DB.Order("id").Find(&rows)
		if blobs != 1 || len(rows) != 3 {
			t.Fatalf("%d blobs for %d rows", blobs, len(rows))
		}
		for _, r := range rows {
			out, err := s.LoadOutgoing(ctx, &r)
			if err != nil || string(out.File) != string(chart) || out.Text != "caption" || r.Priority != models.PriorityBulk {
				t.Fatalf("chat %d loaded %q %q priority %d: %v", r.ChatID, out.File, out.Text, r.Priority, err)
			}
		}
	})
}
