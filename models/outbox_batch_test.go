package models_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"taskbot/models"
	"taskbot/models/storetest"
)

// queued is what the claim reads of a chat's queue: its rows in order,
// which heads it and at what priority.
func queued(t *testing.T, s *models.Store, chat int64) string {
	t.Helper()
	var rows []models.OutboxMessage
	if err := s.DB.Where("chat_id = ?", chat).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		key := r.IdemKey[strings.IndexByte(r.IdemKey, ':')+1:]
		fmt.Fprintf(&b, "%s/%s/p%d/h%v ", key, r.State, r.Priority, r.Head)
	}
	return b.String()
}

// Messages written together by an OutboxBatch are queued exactly as the
// same messages queued one by one with EnqueueRef: same order per chat,
// same heads, same priorities, the heads already there raised alike, and a
// key used before (or twice in the batch) written once. Each case starts
// from chats with a pending bulk head, a claimed head, a finished head not
// handed on yet, and none.
func TestOutboxBatchQueuesAsOneByOne(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(1, 2))
		const chats = 6
		// Both ways start alike: "single" chats are 1000+c, "batch"
		// chats 2000+c.
		for _, way := range []string{"single", "batch"} {
			base := int64(1000)
			if way == "batch" {
				base = 2000
			}
			queueRound(t, s, way+":before-pending", base+1, 2, 2)
			queueRound(t, s, way+":before-claimed", base+2, 2, 2)
			queueRound(t, s, way+":before-sent", base+3, 1, 1)
			enqueueOne(t, s, way+":used", base+4, models.MessageRef{Bulk: true})
		}
		// Claim the heads of chats x002 and x003 of both ways, and
		// finish x003's without handing its turn on.
		claimedMsgs, err := s.ClaimOutbox(ctx, "i1", 100, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range claimedMsgs {
			switch m.ChatID % 1000 {
			case 1, 4:
				if err := s.PutBack(ctx, m.ID, m.Claim, fmt.Errorf("not now")); err != nil {
					t.Fatal(err)
				}
			case 3:
				sendAll(t, s, []models.OutboxMessage{m})
			}
		}
		type op struct {
			chat int64
			key  string
			bulk bool
		}
		var ops []op
		for i := range 60 {
			key := fmt.Sprintf("m%d", i)
			if i%17 == 5 {
				key = "used"
			} else if i%13 == 7 {
				key = fmt.Sprintf("m%d", i-1) // twice in the batch
			}
			ops = append(ops, op{chat: int64(rng.IntN(chats) + 1), key: key, bulk: rng.IntN(3) > 0})
		}
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			for _, o := range ops {
				if err := models.EnqueueRef(tx, "single:"+o.key, 1000+o.chat, models.OutSendMessage,
					models.Outgoing{Text: o.key}, models.MessageRef{Bulk: o.bulk}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			var q models.OutboxBatch
			for _, o := range ops {
				if err := q.Add("batch:"+o.key, 2000+o.chat, models.OutSendMessage,
					models.Outgoing{Text: o.key}, models.MessageRef{Bulk: o.bulk}); err != nil {
					return err
				}
			}
			var err error
			n, err = q.Flush(tx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var singles int64
		s.DB.Model(&models.OutboxMessage{}).Where("idem_key LIKE 'single:m%'").Count(&singles)
		if int64(n) != singles {
			t.Errorf("Flush says %d written, one by one wrote %d", n, singles)
		}
		for c := int64(1); c <= chats; c++ {
			one, batch := queued(t, s, 1000+c), queued(t, s, 2000+c)
			if one != batch {
				t.Errorf("chat %d\none by one: %s\nbatch:      %s", c, one, batch)
			}
		}
	})
}

// A batch is one insert per outboxChunk of messages, whatever their
// number, and the heads of its chats are read together.
func TestOutboxBatchWritesByTheChunk(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		const n = 2500
		capture := &sqlCapture{}
		err := s.Tx(context.Background(), func(tx *gorm.DB) error {
			var q models.OutboxBatch
			for i := range n {
				if err := q.Add(fmt.Sprintf("k%d", i), int64(i/3), models.OutSendMessage, models.Outgoing{Text: "x"}, models.MessageRef{Bulk: true}); err != nil {
					return err
				}
			}
			written, err := q.Flush(tx.Session(&gorm.Session{Logger: capture.LogMode(logger.Info)}))
			if written != n {
				t.Errorf("wrote %d, want %d", written, n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		inserts := 0
		for _, st := range capture.stmt {
			if strings.HasPrefix(st, "INSERT INTO outbox_messages") {
				inserts++
			}
		}
		if inserts != 3 || len(capture.stmt) > 9 {
			t.Errorf("%d inserts in %d statements for %d messages:\n%s", inserts, len(capture.stmt), n, strings.Join(capture.stmt, "\n"))
		}
		var heads int64
		s.DB.Model(&models.OutboxMessage{}).Where("head").Count(&heads)
		if heads != (n+2)/3 {
			t.Errorf("%d heads for %d chats", heads, (n+2)/3)
		}
	})
}

// Every index of the outbox is written with each message queued, and a
// round queues thousands: it keeps only those its queries read (checked
// with EXPLAIN on both stores when 0020_outbox_indexes dropped the rest),
// and the index of files holds only the rows that have one.
func TestOutboxKeepsOnlyTheIndexesItReads(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		idx, err := s.DB.Migrator().GetIndexes(&models.OutboxMessage{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, i := range idx {
			if p, _ := i.PrimaryKey(); !p {
				names = append(names, i.Name())
			}
		}
		slices.Sort(names)
		want := []string{"idx_outbox_blob", "idx_outbox_chat_message", "idx_outbox_due", "idx_outbox_head", "idx_outbox_messages_idem_key", "idx_outbox_queue"}
		if !slices.Equal(names, want) {
			t.Errorf("outbox indexes %v, want %v", names, want)
		}
		// The index of files holds only the rows that have one, and the
		// index of replies only the messages Telegram gave an id: a
		// message queued writes neither.
		for _, name := range []string{"idx_outbox_blob", "idx_outbox_chat_message"} {
			var def string
			q := "SELECT sql FROM sqlite_master WHERE name = ?"
			if s.Dialect == models.Postgres {
				q = "SELECT pg_get_indexdef(CAST(? AS regclass))"
			}
			if err := s.DB.Raw(q, name).Scan(&def).Error; err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(def, "WHERE") {
				t.Errorf("%s holds every row: %s", name, def)
			}
		}
	})
}

// The message a person replied to is found through the index of replies,
// which holds only the messages sent (or edited) with an id.
func TestSentMessageReadsTheRepliesIndex(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		const chat, id = 8, 41
		enqueueOne(t, s, "reminder", chat, models.MessageRef{Purpose: models.PurposeReminder})
		enqueueOne(t, s, "queued", chat, models.MessageRef{Purpose: models.PurposeReminder})
		s.DB.Model(&models.OutboxMessage{}).Where("idem_key = ?", "reminder").
			Updates(map[string]any{"state": models.OutboxSent, "telegram_message_id": id})

		capture := &sqlCapture{}
		m, err := models.SentMessage(s.DB.Session(&gorm.Session{Logger: capture}), chat, id)
		if err != nil || m.IdemKey != "reminder" {
			t.Fatalf("replied-to message %+v, %v", m, err)
		}
		if len(capture.stmt) != 1 {
			t.Fatalf("statements %q", capture.stmt)
		}
		if plan := explain(t, s, capture.stmt[0]); !strings.Contains(plan, "idx_outbox_chat_message") {
			t.Errorf("not read through the index of replies:\n%s\nplan:\n%s", capture.stmt[0], plan)
		}
	})
}

// A message added by look is rendered once per batch: the other chats of
// the look get the same payload under their own keys and references, a
// new look renders anew, and a flushed batch forgets its looks.
func TestOutboxBatchRendersALookOnce(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		renders := map[string]int{}
		add := func(q *models.OutboxBatch, look, key string, chat int64, task uint) {
			t.Helper()
			err := q.AddShared(look, key, chat, models.OutSendMessage, models.MessageRef{Purpose: models.PurposeReminder, TaskID: &task, Bulk: true},
				func() (models.Outgoing, error) {
					renders[look]++
					return models.Outgoing{Text: fmt.Sprintf("%s #%d", look, renders[look])}, nil
				})
			if err != nil {
				t.Fatal(err)
			}
		}
		err := s.Tx(context.Background(), func(tx *gorm.DB) error {
			var q models.OutboxBatch
			add(&q, "a", "k1", 1, 7)
			add(&q, "b", "k2", 1, 8)
			add(&q, "a", "k3", 2, 9)
			if _, err := q.Flush(tx); err != nil {
				return err
			}
			add(&q, "a", "k4", 3, 7)
			_, err := q.Flush(tx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var rows []models.OutboxMessage
		if err := s.DB.Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			out, err := r.Outgoing()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s %d %q task %d p%d", r.IdemKey, r.ChatID, out.Text, *r.TaskID, r.Priority))
		}
		want := []string{`k1 1 "a #1" task 7 p1`, `k2 1 "b #1" task 8 p1`, `k3 2 "a #1" task 9 p1`, `k4 3 "a #2" task 7 p1`}
		if !slices.Equal(got, want) {
			t.Fatalf("queued\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
