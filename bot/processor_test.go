package bot_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
)

// flaky fails one update while failing is set, noting the store's time of
// each attempt.
type flaky struct {
	inner    bot.UpdateHandler
	update   int64
	failing  bool
	store    *models.Store
	attempts []time.Time
}

func (f *flaky) Handle(ctx context.Context, tx *gorm.DB, inboxID uint, u *tgmodels.Update) error {
	if u.ID == f.update && f.failing {
		f.attempts = append(f.attempts, f.store.Now())
		return errors.New("boom: database hiccup")
	}
	return f.inner.Handle(ctx, tx, inboxID, u)
}

// An update that keeps failing is retried with growing delays for more
// than an hour, then set aside with its error; its sender hears once that
// it is delayed; later updates of its chat wait behind it until then, and
// other chats never wait.
func TestFailingUpdateRetriesWithBackoffThenParks(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		liu := userRef{id: 101}
		h.say(liu, "/start "+h.invite("刘洋"))
		bad := &flaky{inner: h.proc.Handler, failing: true, store: s}
		h.proc.Handler = bad

		bad.update = h.update(message(liu, private(liu.id), "/mytasks"))
		h.update(message(liu, private(liu.id), "/help"))
		h.update(message(userRef{id: adminID}, private(adminID), "/help"))
		mustContain(t, one(t, h.drain(adminID)), "/mytasks")
		mustContain(t, one(t, h.newTexts(liu.id)), "自动重试")
		if len(bad.attempts) != 1 {
			t.Fatalf("tried %d times at once, want 1", len(bad.attempts))
		}
		if got := h.drain(liu.id); len(got) != 0 || len(bad.attempts) != 1 {
			t.Fatalf("retried before its time: %d attempts, answers %q", len(bad.attempts), got)
		}

		start := clock.Now()
		for {
			clock.Advance(time.Minute)
			got := h.drain(liu.id)
			counts, err := s.InboxCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if counts[models.InboxFailed] == 1 {
				// Set aside: the /help behind it goes on.
				mustContain(t, one(t, got), "/mytasks")
				break
			}
			if len(got) != 0 {
				t.Fatalf("answered while its chat is retrying: %q", got)
			}
			if clock.Now().Sub(start) > 12*time.Hour {
				t.Fatalf("still retrying after 12 h: %d attempts", len(bad.attempts))
			}
		}
		if span := bad.attempts[len(bad.attempts)-1].Sub(bad.attempts[0]); span < time.Hour {
			t.Fatalf("%d attempts within %v; retries must span an hour", len(bad.attempts), span)
		}
		if first := bad.attempts[1].Sub(bad.attempts[0]); first > time.Minute {
			t.Fatalf("first retry after %v, want seconds", first)
		}
		n := len(bad.attempts)
		if bad.attempts[n-1].Sub(bad.attempts[n-2]) <= bad.attempts[1].Sub(bad.attempts[0]) {
			t.Fatalf("delays do not grow: %v", bad.attempts)
		}
		var parked models.InboxUpdate
		if err := s.DB.Where("state = ?", models.InboxFailed).Take(&parked).Error; err != nil {
			t.Fatal(err)
		}
		if parked.Attempts != n || !contains(parked.LastError, "boom: database hiccup") {
			t.Fatalf("parked %+v after %d attempts", parked, n)
		}
	})
}

// A set-aside update requeued by the admin is recorded once it succeeds,
// and its sender, told once that it was delayed, hears in their language
// that it is recorded now.
func TestRequeuedUpdateIsRecordedAndSenderTold(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		h.proc.Retry = models.InboxRetry{Attempts: 2, First: time.Minute, Max: time.Minute}
		wang := userRef{id: 102, lang: "en"}
		h.say(wang, "/start "+h.invite("王建国"))
		bad := &flaky{inner: h.proc.Handler, failing: true, store: s}
		h.proc.Handler = bad
		bad.update = h.update(message(wang, private(wang.id), "/mytasks"))
		mustContain(t, one(t, h.drain(wang.id)), "could not be handled just now")
		clock.Advance(time.Minute)
		if got := h.drain(wang.id); len(got) != 0 {
			t.Fatalf("set aside with a second notice: %q", got)
		}
		failed, err := s.FailedUpdates(ctx)
		if err != nil || len(failed) != 1 || failed[0].UpdateID != bad.update {
			t.Fatalf("failed %+v, %v", failed, err)
		}

		bad.failing = false
		if n, err := s.RequeueUpdates(ctx, failed[0].ID); err != nil || n != 1 {
			t.Fatalf("requeue: %d, %v", n, err)
		}
		got := h.drain(wang.id)
		if len(got) != 2 {
			t.Fatalf("after requeue: %q, want the notice and the answer", got)
		}
		mustContain(t, got[0], "has now been recorded")
		mustContain(t, got[1], "T01")
		counts, _ := s.InboxCounts(ctx)
		if counts[models.InboxFailed] != 0 || counts[models.InboxPending] != 0 {
			t.Fatalf("inbox %v", counts)
		}
	})
}

// breaker writes a row, then makes the database refuse a statement, as a
// bug in a handler might; PostgreSQL then refuses everything else in the
// transaction until it is rolled back.
type breaker struct {
	inner  bot.UpdateHandler
	update int64
}

func (b *breaker) Handle(ctx context.Context, tx *gorm.DB, inboxID uint, u *tgmodels.Update) error {
	if u.ID != b.update {
		return b.inner.Handle(ctx, tx, inboxID, u)
	}
	if err := tx.Create(&models.Person{Key: "半途", Name: "半途"}).Error; err != nil {
		return err
	}
	return tx.Create(&models.Person{Key: "半途", Name: "半途"}).Error
}

// Updates waiting together are handled in one transaction, each in a
// savepoint of its own: one that fails leaves nothing behind and does not
// take the others down with it, on either database.
func TestOneFailingUpdateInAGroupLeavesTheOthers(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu, sun := userRef{id: 101}, userRef{id: 102}
		h.say(liu, "/start "+h.invite("刘洋"))
		h.say(sun, "/start "+h.invite("孙丽"))
		bad := &breaker{inner: h.proc.Handler}
		h.proc.Handler = bad
		h.update(message(liu, private(liu.id), "/help"))
		bad.update = h.update(message(sun, private(sun.id), "/mytasks"))
		h.update(message(userRef{id: adminID}, private(adminID), "/help"))
		h.update(message(liu, private(liu.id), "/mytasks"))
		if _, err := h.proc.Drain(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if got := h.newTexts(liu.id); len(got) != 2 {
			t.Fatalf("the failing update's neighbours answered %q", got)
		}
		mustContain(t, one(t, h.newTexts(adminID)), "/mytasks")
		mustContain(t, one(t, h.newTexts(sun.id)), "自动重试")
		var half int64
		s.DB.Model(&models.Person{}).Where("key = ?", "半途").Count(&half)
		if half != 0 {
			t.Fatal("a failed update left a row behind")
		}
		counts, err := s.InboxCounts(context.Background())
		if err != nil || counts[models.InboxPending] != 1 {
			t.Fatalf("inbox %v %v, want the failed update pending its retry", counts, err)
		}
	})
}

// reportThenBreak handles its update in full, has everything queued in
// the transaction so far written (EnqueueRefID writes the answers the
// group holds back), then fails: the rollback undoes the writing of its
// neighbours' answers too.
type reportThenBreak struct {
	inner   bot.UpdateHandler
	update  int64
	failing bool
}

func (b *reportThenBreak) Handle(ctx context.Context, tx *gorm.DB, inboxID uint, u *tgmodels.Update) error {
	if err := b.inner.Handle(ctx, tx, inboxID, u); err != nil || u.ID != b.update || !b.failing {
		return err
	}
	if _, err := models.EnqueueRefID(tx, fmt.Sprintf("in%d.probe", inboxID), u.Message.Chat.ID, models.OutSendMessage,
		models.Outgoing{Text: "probe"}, models.MessageRef{}); err != nil {
		return err
	}
	return errors.New("boom: after the report")
}

// The answers of a group of updates are written together before its
// commit. A status reply that fails after its report and acknowledgement
// were queued, and after the group's earlier answers were written, leaves
// no report and no acknowledgement of its own, and each of its neighbours'
// reports and acknowledgements stored once, on either database; retried,
// it is recorded and acknowledged once.
func TestFailingReplyInAGroupLeavesTheOthersAcknowledged(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu, sun := userRef{id: 101}, userRef{id: 102}
		h.say(liu, "/start "+h.invite("刘洋"))
		h.say(sun, "/start "+h.invite("孙丽"))
		bad := &reportThenBreak{inner: h.proc.Handler, failing: true}
		h.proc.Handler = bad
		h.update(message(liu, private(liu.id), "/report T01 1 50% 对接中"))
		h.update(message(userRef{id: adminID}, private(adminID), "/help"))
		bad.update = h.update(message(sun, private(sun.id), "/report T02 1 30% 清淤过半"))
		h.update(message(liu, private(liu.id), "/report T01 2 10% 签约准备"))
		if _, err := h.proc.Drain(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		acks := h.newTexts(liu.id)
		if len(acks) != 2 || !contains(acks[0], "50%") || !contains(acks[1], "10%") {
			t.Fatalf("the failing reply's neighbours were acknowledged %q", acks)
		}
		mustContain(t, one(t, h.newTexts(adminID)), "/mytasks")
		mustContain(t, one(t, h.newTexts(sun.id)), "自动重试")
		reports := func(chat int64) int64 {
			var n int64
			if err := s.DB.Model(&models.Report{}).Where("chat_id = ?", chat).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		if liuN, sunN := reports(liu.id), reports(sun.id); liuN != 2 || sunN != 0 {
			t.Fatalf("%d and %d reports stored, want 2 and none of the failed reply", liuN, sunN)
		}

		bad.failing = false
		clock.Advance(time.Minute)
		got := h.drain(sun.id)
		if len(got) != 2 || !contains(got[1], "30%") {
			t.Fatalf("retried reply answered %q, want its acknowledgement and the news it is recorded", got)
		}
		if n := reports(sun.id); n != 1 {
			t.Fatalf("%d reports of the retried reply", n)
		}
		if again := h.newTexts(liu.id); len(again) != 0 {
			t.Fatalf("acknowledged again: %q", again)
		}
	})
}
