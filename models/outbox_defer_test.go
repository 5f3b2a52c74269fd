package models_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// Messages deferred in a transaction (DeferOutbox) are queued exactly as
// if each had been queued when decided: same order per chat, same heads,
// whatever comes between them — an edit written at once, a row whose id
// is read back, a call that replaces a waiting one, another batch — and a
// savepoint rolled back takes its messages out, and undoes the writing of
// earlier ones, which are then written again, once.
func TestDeferredOutboxQueuesAsOneByOne(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 4))
		const chats = 4
		for _, way := range []string{"single", "defer"} {
			base := int64(1000)
			if way == "defer" {
				base = 2000
			}
			queueRound(t, s, way+":before", base+1, 2, 2)
		}
		type op struct {
			kind   int // 0 queue, 1 edit written at once, 2 id read back, 3 latest, 4 another batch
			chat   int64
			key    string
			failed bool // in an update rolled back
		}
		var updates [][]op
		for u := range 24 {
			var ops []op
			failed := u%5 == 3
			for i := range 1 + rng.IntN(3) {
				k := 0
				if rng.IntN(4) == 0 {
					k = 1 + rng.IntN(4)
				}
				ops = append(ops, op{kind: k, chat: int64(rng.IntN(chats) + 1), key: fmt.Sprintf("u%d.%d", u, i), failed: failed})
			}
			updates = append(updates, ops)
		}
		for _, way := range []string{"single", "defer"} {
			base := int64(1000)
			if way == "defer" {
				base = 2000
			}
			err := s.Tx(ctx, func(tx *gorm.DB) error {
				var queue *models.OutboxBatch
				if way == "defer" {
					var forget func()
					queue, forget = models.DeferOutbox(tx)
					defer forget()
				}
				for u, ops := range updates {
					sp := fmt.Sprintf("u%d", u)
					if err := tx.SavePoint(sp).Error; err != nil {
						return err
					}
					var mark models.OutboxMark
					if queue != nil {
						mark = queue.Mark()
					}
					for _, o := range ops {
						key, chat := way+":"+o.key, base+o.chat
						var err error
						switch o.kind {
						case 0:
							err = models.Enqueue(tx, key, chat, models.OutSendMessage, models.Outgoing{Text: o.key})
						case 1:
							err = models.EnqueueRef(tx, key, chat, models.OutEditText, models.Outgoing{Text: o.key, EditMessageID: 7},
								models.MessageRef{Purpose: models.PurposeAck})
						case 2:
							var id uint
							id, err = models.EnqueueRefID(tx, key, chat, models.OutSendMessage, models.Outgoing{Text: o.key}, models.MessageRef{})
							var row models.OutboxMessage
							if err == nil && (tx.Take(&row, id).Error != nil || row.IdemKey != key) {
								t.Errorf("EnqueueRefID of %s gave %d, which holds %q", key, id, row.IdemKey)
							}
						case 3:
							err = models.EnqueueLatest(tx, way+":latest", way+":latest."+o.key, chat, models.OutEditText, models.Outgoing{Text: o.key}, models.MessageRef{})
						case 4:
							var q models.OutboxBatch
							if err = q.Add(key, chat, models.OutSendMessage, models.Outgoing{Text: o.key}, models.MessageRef{Bulk: true}); err == nil {
								_, err = q.Flush(tx)
							}
						}
						if err != nil {
							return err
						}
					}
					if ops[0].failed {
						if err := tx.RollbackTo(sp).Error; err != nil {
							return err
						}
						if queue != nil {
							queue.Rollback(mark)
						}
					}
				}
				if queue != nil {
					_, err := queue.Flush(tx)
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for c := int64(1); c <= chats; c++ {
			one, deferred := queued(t, s, 1000+c), queued(t, s, 2000+c)
			if testing.Verbose() {
				t.Logf("chat %d: %s", c, one)
			}
			if one != deferred {
				t.Errorf("chat %d\none by one: %s\ndeferred:   %s", c, one, deferred)
			}
		}
	})
}
