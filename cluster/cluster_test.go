package cluster_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/cluster"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/outbox"
	"taskbot/telegramtest"
)

const waitLimit = 90 * time.Second

// instance is one in-process taskbot instance: its own pool, clock, API
// client, dispatcher and cluster membership.
type instance struct {
	id     string
	store  *models.Store
	clock  *storetest.Clock
	member *cluster.Member
	dead   atomic.Bool
	cancel context.CancelFunc
}

// deadable cuts a killed instance off Telegram, as a dead process would be.
type deadable struct {
	in   *instance
	next outbox.Sender
}

func (d deadable) Send(ctx context.Context, chatID int64, kind models.OutKind, out models.Outgoing) (int, error) {
	if d.in.dead.Load() {
		return 0, fmt.Errorf("instance %s is dead", d.in.id)
	}
	return d.next.Send(ctx, chatID, kind, out)
}

func startInstance(t testing.TB, dsn string, srv *telegramtest.Server, id string, start time.Time, rate float64) *instance {
	t.Helper()
	in := &instance{id: id, clock: storetest.NewClock(start)}
	store, err := models.Open(context.Background(), dsn, models.Options{Clock: in.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	in.store = store
	api, err := tg.New(srv.Token(), tg.WithServerURL(srv.URL()), tg.WithSkipGetMe(), tg.WithErrorsHandler(func(error) {}),
		tg.WithHTTPClient(time.Minute, bot.NewHTTPClient(outbox.DefaultWorkers(rate), time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	in.member = &cluster.Member{Store: store, ID: id, Lease: 10 * time.Second, Renew: 100 * time.Millisecond, Logger: log}
	d, err := outbox.New(outbox.Options{
		Store: store, Sender: deadable{in: in, next: bot.NewSender(api)}, GlobalRate: rate,
		Instance: id, Liveness: in.member.Liveness(), Leadership: in.member, PollInterval: 50 * time.Millisecond, Logger: log,
		Lease: 40 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = in.member.Run(ctx, func(ctx context.Context) { _ = d.Run(ctx) })
	}()
	t.Cleanup(func() {
		cancel()
		if !in.dead.Load() {
			<-done
		}
	})
	return in
}

// kill stops the instance abruptly: no more calls reach Telegram, nothing
// more reaches the database, and it gives up nothing (lease, claims).
func (in *instance) kill() {
	in.dead.Store(true)
	if sqlDB, err := in.store.DB.DB(); err == nil {
		_ = sqlDB.Close()
	}
	in.cancel()
}

func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func leader(ins []*instance) *instance {
	for _, in := range ins {
		if !in.dead.Load() && in.member.Token() != 0 {
			return in
		}
	}
	return nil
}

func enqueueRound(t testing.TB, s *models.Store, round string, chats int) {
	t.Helper()
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		for i := range chats {
			key := fmt.Sprintf("remind:%s:%d", round, i)
			if err := models.Enqueue(tx, key, int64(100_000+i), models.OutSendMessage, models.Outgoing{Text: key}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Three instances on one PostgreSQL database deliver a reminder round to
// 1,000 chats exactly once; the leader killed mid-round, a standby takes
// over once the lease has run out, every reminder arrives, and only the
// messages whose call was in flight at the crash may arrive twice.
func TestThreeInstancesDeliverOnceThroughALeaderCrash(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	const chats = 1000
	srv, err := telegramtest.New(telegramtest.Options{
		RateLimits: &telegramtest.RateLimits{GlobalPerSecond: 300, PerChatPerSecond: 1, PerGroupPerMinute: 20},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for i := range chats {
		srv.NewUser(int64(100_000+i), fmt.Sprintf("User %d", i), "en")
	}
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	var ins []*instance
	for i := range 3 {
		ins = append(ins, startInstance(t, dsn, srv, fmt.Sprintf("i%d", i), start, 300))
	}
	advance := func(d time.Duration) {
		for _, in := range ins {
			in.clock.Advance(d)
		}
	}
	waitFor(t, "a leader", func() bool { return leader(ins) != nil })
	perChat := func() map[int64]int {
		n := map[int64]int{}
		for _, c := range srv.Sent() {
			n[c.ChatID]++
		}
		return n
	}

	// Round 1: exactly once.
	enqueueRound(t, ins[0].store, "1", chats)
	waitFor(t, "round 1", func() bool { return srv.SentCount() >= chats })
	first := leader(ins)
	for chat, n := range perChat() {
		if n != 1 {
			t.Fatalf("round 1: chat %d got %d messages", chat, n)
		}
	}
	if got := srv.TooManyRequests(); got != 0 {
		t.Fatalf("%d 429s", got)
	}

	// Round 2: the leader dies a third of the way through.
	advance(2 * time.Second)
	before := srv.SentCount()
	enqueueRound(t, ins[1].store, "2", chats)
	waitFor(t, "a third of round 2", func() bool { return srv.SentCount() >= before+chats/3 })
	first.kill()
	killed := time.Now()
	atKill := srv.SentCount() - before
	var survivor *instance
	for _, in := range ins {
		if in != first {
			survivor = in
			break
		}
	}
	var inDoubt []models.OutboxMessage
	if err := survivor.store.DB.Where("state = ? AND claimed_by = ? AND attempted_at IS NOT NULL", models.OutboxSending, first.id).
		Find(&inDoubt).Error; err != nil {
		t.Fatal(err)
	}
	doubtful := map[int64]bool{}
	for _, m := range inDoubt {
		doubtful[m.ChatID] = true
	}
	if l := leader(ins); l != nil {
		t.Fatalf("%s led while the dead leader's lease held", l.id)
	}
	// The lease (10 s) outlasts every Telegram window, and a new leader
	// starts with empty limits. Here the lease runs out by moving the clocks,
	// so the windows of the dead leader's last calls must pass for real.
	waitFor(t, "Telegram's windows to pass", func() bool {
		sent := srv.Sent()
		return time.Since(sent[len(sent)-1].At) > time.Second+outbox.WindowGuard
	})
	advance(11 * time.Second) // the dead leader's lease runs out
	expired := time.Now()
	waitFor(t, "a new leader", func() bool { return leader(ins) != nil })
	takeover := time.Since(expired)
	waitFor(t, "round 2", func() bool {
		var n int64
		survivor.store.DB.Model(&models.OutboxMessage{}).Where("state <> ?", models.OutboxSent).Count(&n)
		advance(100 * time.Millisecond) // retries fall due in store time
		return n == 0
	})
	roundEnd := time.Since(killed)
	twice := 0
	for chat, n := range perChat() {
		switch {
		case n < 2:
			t.Errorf("chat %d got %d messages over two rounds", chat, n)
		case n > 2 && !doubtful[chat]:
			t.Errorf("chat %d got %d messages, and none was in flight at the crash", chat, n)
		case n > 2:
			twice++
		}
	}
	if got := srv.TooManyRequests(); got != 0 {
		t.Errorf("%d 429s", got)
	}
	t.Logf("killed %s after %d of round 2's messages; %d in doubt, %d sent twice; new leader %v after the lease ran out, round done %v after the kill",
		first.id, atKill, len(inDoubt), twice, takeover.Round(time.Millisecond), roundEnd.Round(time.Millisecond))
}
