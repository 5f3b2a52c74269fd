package models_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// queueRound enqueues a bulk round of n messages, perChat to each of n/perChat
// chats from first on, in one transaction as a scheduler round would.
func queueRound(t testing.TB, s *models.Store, round string, first int64, n, perChat int) {
	t.Helper()
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		for i := range n {
			chat := first + int64(i/perChat)
			key := fmt.Sprintf("%s:%d", round, i)
			if err := models.EnqueueBulk(tx, key, chat, models.OutSendMessage, models.Outgoing{Text: key}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func enqueueOne(t testing.TB, s *models.Store, key string, chat int64, ref models.MessageRef) {
	t.Helper()
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		return models.EnqueueRef(tx, key, chat, models.OutSendMessage, models.Outgoing{Text: key}, ref)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sendAll(t testing.TB, s *models.Store, ms []models.OutboxMessage) {
	t.Helper()
	ctx := context.Background()
	for _, m := range ms {
		if err := s.MarkAttempting(ctx, m.ID, m.Claim); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, m.ID, m.Claim, int(m.ID)); err != nil {
			t.Fatal(err)
		}
	}
}

// A person's answer queued while a round of thousands is going out is
// claimed next; in a chat with round messages still queued ahead of it, the
// chat goes next instead, and the answer right after them, in order.
func TestReplyDuringBulkRoundIsClaimedNext(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		const round = 3000
		queueRound(t, s, "remind", 1_000, round, 1)
		queueRound(t, s, "digest", 9_000, 4, 2) // chats 9000, 9001: two each
		first, err := s.ClaimOutbox(ctx, "i1", 64, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 64 || first[0].IdemKey != "remind:0" {
			t.Fatalf("first claim: %d messages from %q", len(first), first[0].IdemKey)
		}
		sendAll(t, s, first)

		// An answer to someone with nothing queued, and one to someone whose
		// digest is still queued.
		enqueueOne(t, s, "ack", 42, models.MessageRef{})
		enqueueOne(t, s, "answer", 9_001, models.MessageRef{})
		next, err := s.ClaimOutbox(ctx, "i1", 3, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got := keys(next); fmt.Sprint(got) != "[digest:2 ack remind:64]" {
			t.Fatalf("claimed %v, want the answer's chat and the answer first", got)
		}
		sendAll(t, s, next)
		again, err := s.ClaimOutbox(ctx, "i1", 2, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got := keys(again); fmt.Sprint(got) != "[digest:3 remind:65]" {
			t.Fatalf("claimed %v, want chat 9001's second digest before its answer", got)
		}
		sendAll(t, s, again)
		last, err := s.ClaimOutbox(ctx, "i1", 1, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got := keys(last); fmt.Sprint(got) != "[answer]" {
			t.Fatalf("claimed %v, want the answer", got)
		}
	})
}

func keys(ms []models.OutboxMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.IdemKey)
	}
	return out
}

// Heads stay one per chat while messages are queued, claimed and finished
// in every order: every message is claimed once, after its chat's earlier
// ones finished.
func TestOutboxHeadsKeepEveryChatInOrder(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		const chats, perChat = 7, 12
		queued := 0
		enqueue := func() {
			chat := int64(queued % chats)
			enqueueOne(t, s, fmt.Sprintf("m%03d", queued), chat, models.MessageRef{Bulk: queued%3 == 0})
			queued++
		}
		for range chats * 2 {
			enqueue()
		}
		last := map[int64]string{}
		sent := 0
		for step := 0; sent < chats*perChat; step++ {
			if step > 1000 {
				t.Fatalf("stuck after %d sent", sent)
			}
			got, err := s.ClaimOutbox(ctx, "i1", 3, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range got {
				if m.IdemKey <= last[m.ChatID] {
					t.Fatalf("chat %d: %s after %s", m.ChatID, m.IdemKey, last[m.ChatID])
				}
				last[m.ChatID] = m.IdemKey
				if queued < chats*perChat {
					enqueue() // queued between the claim and the outcome
				}
				if i == 1 {
					if err := s.MarkFailed(ctx, m.ID, m.Claim, fmt.Errorf("rejected")); err != nil {
						t.Fatal(err)
					}
				} else {
					sendAll(t, s, []models.OutboxMessage{m})
				}
				sent++
			}
			if len(got) == 0 && queued < chats*perChat {
				enqueue()
			}
		}
		var heads int64
		s.DB.Model(&models.OutboxMessage{}).Where("head").Count(&heads)
		if n, _ := s.ClaimOutbox(ctx, "i1", 10, time.Minute); len(n) != 0 {
			t.Fatalf("claimed %v after all were sent", keys(n))
		}
		s.DB.Model(&models.OutboxMessage{}).Where("head").Count(&heads)
		if heads != 0 {
			t.Fatalf("%d heads left with an empty queue", heads)
		}
	})
}

// BenchmarkClaimOutbox measures one claim of 10 messages with 30 messages
// queued (3 to each of 10 chats) and with 30,000 (3 to each of 10,000), on
// each database, in the same run, and reports the ratio. Each claimed
// message is given back at once, so the backlog stays the same.
//
//	go test -run '^$' -bench ClaimOutbox ./models/
func BenchmarkClaimOutbox(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			open := func() *models.Store {
				clock := newClock()
				if db == "sqlite" {
					return storetest.SQLite(b, models.Options{Clock: clock.Now})
				}
				return storetest.Postgres(b, models.Options{Clock: clock.Now})
			}
			small, large := open(), open()
			queueRound(b, small, "r", 1, 30, 3)
			queueRound(b, large, "r", 1, 30_000, 3)
			if db == "postgres" {
				large.DB.Exec("ANALYZE outbox_messages")
				small.DB.Exec("ANALYZE outbox_messages")
			}
			ctx := context.Background()
			claim := func(s *models.Store) time.Duration {
				start := time.Now()
				got, err := s.ClaimOutbox(ctx, "bench", 10, time.Minute)
				took := time.Since(start)
				if err != nil || len(got) != 10 {
					b.Fatalf("claimed %d: %v", len(got), err)
				}
				for _, m := range got {
					if err := s.RetryLater(ctx, m.ID, m.Claim, s.Now(), fmt.Errorf("given back")); err != nil {
						b.Fatal(err)
					}
				}
				return took
			}
			claim(small)
			claim(large)
			var tSmall, tLarge time.Duration
			b.ResetTimer()
			for range b.N {
				tSmall += claim(small)
				tLarge += claim(large)
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(float64(tSmall.Microseconds())/n, "µs/claim@30")
			b.ReportMetric(float64(tLarge.Microseconds())/n, "µs/claim@30000")
			b.ReportMetric(float64(tLarge)/float64(tSmall), "ratio")
		})
	}
}

// A file is stored once however often it is queued, and the payload holds
// only its caption and name.
func TestFilesAreBlobsNotPayload(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		chart := []byte("\x89PNG same chart")
		err := s.Tx(ctx, func(tx *gorm.DB) error {
			for i, chat := range []int64{1, 2} {
				out := models.Outgoing{Text: "caption", FileName: "summary.png", File: chart}
				if err := models.EnqueueBulk(tx, fmt.Sprintf("chart:%d", i), chat, models.OutSendPhoto, out); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var blobs int64
		s.DB.Model(&models.Blob{}).Count(&blobs)
		var rows []models.OutboxMessage
		s.DB.Order("id").Find(&rows)
		if blobs != 1 || len(rows) != 2 || rows[0].BlobID == nil || rows[1].BlobID == nil || *rows[0].BlobID != *rows[1].BlobID {
			t.Fatalf("%d blobs for %d rows", blobs, len(rows))
		}
		for _, r := range rows {
			if len(r.Payload) > 100 || !strings.Contains(r.Payload, "summary.png") {
				t.Fatalf("payload %s", r.Payload)
			}
			out, err := s.LoadOutgoing(ctx, &r)
			if err != nil || string(out.File) != string(chart) || out.Text != "caption" {
				t.Fatalf("loaded %+v %v", out, err)
			}
		}
	})
}

// Pruning deletes the messages finished before the cutoff and the files
// none of the rest needs; queued ones, recent ones and a head not handed on
// yet stay, and so does a reply's context within the period.
func TestPruneOutbox(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		photo := func(key string, chat int64, data string) {
			t.Helper()
			err := s.Tx(ctx, func(tx *gorm.DB) error {
				return models.EnqueueBulk(tx, key, chat, models.OutSendPhoto, models.Outgoing{FileName: "c.png", File: []byte(data)})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		sendNext := func() {
			t.Helper()
			got, err := s.ClaimOutbox(ctx, "i1", 100, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			sendAll(t, s, got)
		}
		photo("old", 1, "old chart")
		photo("shared-old", 2, "shared chart")
		enqueueOne(t, s, "old-text", 3, models.MessageRef{Purpose: models.PurposeReminder})
		sendNext()
		clock.Advance(20 * 24 * time.Hour)
		photo("shared-new", 4, "shared chart")
		enqueueOne(t, s, "recent", 3, models.MessageRef{Purpose: models.PurposeReminder})
		sendNext()
		clock.Advance(15 * 24 * time.Hour)
		photo("queued", 5, "queued chart")
		enqueueOne(t, s, "pending", 6, models.MessageRef{})

		msgs, blobs, err := s.PruneOutbox(ctx, clock.Now().Add(-30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		s.DB.Model(&models.OutboxMessage{}).Order("id").Pluck("idem_key", &left)
		// "old" and "shared-old" were heads handed on by the second claim;
		// "old-text" was handed on to "recent".
		if msgs != 3 || blobs != 1 || fmt.Sprint(left) != "[shared-new recent queued pending]" {
			t.Fatalf("pruned %d messages and %d files; left %v", msgs, blobs, left)
		}
		var data []string
		s.DB.Model(&models.Blob{}).Order("id").Pluck("data", &data)
		if fmt.Sprint(data) != "[shared chart queued chart]" {
			t.Fatalf("files left %q", data)
		}
		var recent models.OutboxMessage
		s.DB.Where("idem_key = ?", "recent").Take(&recent)
		if m, err := models.SentMessage(s.DB, 3, recent.TelegramMessageID); err != nil || !reflect.DeepEqual(*m, recent) {
			t.Fatalf("context of a recent message:\n%+v %v\nwant %+v", m, err, recent)
		}
	})
}

// A reminder edited into an acknowledgement is read as the
// acknowledgement from when the edit is decided, not once it is made; an
// edit that failed, or one that only refreshed the text, leaves the
// message what it was.
func TestEditWithPurposeSpeaksForTheMessage(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		const chat, id = 8, 41
		enqueueOne(t, s, "reminder", chat, models.MessageRef{Purpose: models.PurposeReminder})
		s.DB.Model(&models.OutboxMessage{}).Where("idem_key = ?", "reminder").
			Updates(map[string]any{"state": models.OutboxSent, "telegram_message_id": id})
		edit := func(key, purpose string) {
			t.Helper()
			err := s.Tx(context.Background(), func(tx *gorm.DB) error {
				return models.EnqueueRef(tx, key, chat, models.OutEditText, models.Outgoing{Text: key, EditMessageID: id}, models.MessageRef{Purpose: purpose})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		purpose := func() string {
			t.Helper()
			m, err := models.SentMessage(s.DB, chat, id)
			if err != nil {
				t.Fatal(err)
			}
			return m.Purpose
		}
		edit("refresh", "")
		if p := purpose(); p != models.PurposeReminder {
			t.Fatalf("a refreshed reminder reads as %q", p)
		}
		edit("ack", models.PurposeAck)
		if p := purpose(); p != models.PurposeAck {
			t.Fatalf("a reminder being turned into an acknowledgement reads as %q", p)
		}
		s.DB.Model(&models.OutboxMessage{}).Where("idem_key = ?", "ack").Update("state", models.OutboxFailed)
		if p := purpose(); p != models.PurposeReminder {
			t.Fatalf("after the edit failed the reminder reads as %q", p)
		}
	})
}
