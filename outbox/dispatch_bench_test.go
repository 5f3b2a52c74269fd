package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/outbox"
	"taskbot/telegramtest"
)

// BenchmarkOutboxFanout sends 10,000 messages to 10,000 chats through the
// real client to the fake Bot API server, which enforces a global limit of
// 1,000 calls in any sliding second and answers 429 above it. The
// dispatcher is told the same limit and stores its outbox in SQLite in a
// temporary directory. It reports the rate reached, its ratio to the limit,
// the 429s received — which fail the benchmark — and the most calls the
// server accepted in one sliding second.
//
//	go test -run '^$' -bench OutboxFanout -benchtime 1x ./outbox/
func BenchmarkOutboxFanout(b *testing.B) {
	const (
		chats = 10_000
		limit = 1_000
	)
	var (
		total  time.Duration
		peak   int
		sends  float64
		calls  uint64
		report = func(r fanoutRun) {
			total += r.elapsed
			peak = max(peak, r.busiest)
			sends += r.sendSeconds
			calls += r.calls
		}
	)
	for range b.N {
		b.StopTimer()
		report(fanout(b, chats, limit))
	}
	rate := float64(chats*b.N) / total.Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(rate/limit, "ratio")
	b.ReportMetric(0, "429s") // any 429 fails the run
	b.ReportMetric(float64(peak), "peak/s")
	b.ReportMetric(sends/float64(calls)*1000, "ms/call")
}

type fanoutRun struct {
	elapsed     time.Duration
	busiest     int
	sendSeconds float64
	calls       uint64
}

// fanout makes one run; it is called with the timer stopped, and times
// only the sending.
func fanout(b *testing.B, chats, limit int) fanoutRun {
	srv, err := telegramtest.New(telegramtest.Options{
		RateLimits: &telegramtest.RateLimits{GlobalPerSecond: limit, PerChatPerSecond: 1, PerGroupPerMinute: 20},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for i := range chats {
		srv.NewUser(int64(100_000+i), fmt.Sprintf("User %d", i), "en")
	}
	store := storetest.SQLite(b, models.Options{})
	err = store.Tx(context.Background(), func(tx *gorm.DB) error {
		for i := range chats {
			out := models.Outgoing{Text: fmt.Sprintf("<b>Reminder</b> for task T%04d", i)}
			if err := models.Enqueue(tx, fmt.Sprintf("fanout:%d", i), int64(100_000+i), models.OutSendMessage, out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	api, err := tg.New(srv.Token(), tg.WithServerURL(srv.URL()), tg.WithSkipGetMe(), tg.WithErrorsHandler(func(error) {}),
		tg.WithHTTPClient(time.Minute, bot.NewHTTPClient(outbox.DefaultWorkers(float64(limit)), time.Minute)))
	if err != nil {
		b.Fatal(err)
	}
	var settled, other atomic.Int64
	allSent := make(chan struct{})
	reg := prometheus.NewRegistry()
	d, err := outbox.New(outbox.Options{
		Store:      store,
		Sender:     bot.NewSender(api),
		GlobalRate: float64(limit),
		Logger:     slog.New(slog.DiscardHandler),
		Registerer: reg,
		OnOutcome: func(o outbox.Outcome) {
			if o.Result != outbox.ResultSent {
				other.Add(1)
				return
			}
			if settled.Add(1) == int64(chats) {
				close(allSent)
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)

	b.StartTimer()
	start := time.Now()
	go func() { done <- d.Run(ctx) }()
	select {
	case <-allSent:
	case <-time.After(2 * time.Minute):
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}

	tooMany, sent := srv.TooManyRequests(), srv.Sent()
	r := fanoutRun{elapsed: elapsed, busiest: busiest(sent)}
	if mfs, err := reg.Gather(); err == nil {
		for _, mf := range mfs {
			if mf.GetName() == "taskbot_outbox_send_seconds" {
				h := mf.GetMetric()[0].GetHistogram()
				r.sendSeconds, r.calls = h.GetSampleSum(), h.GetSampleCount()
			}
		}
	}
	b.Logf("%d messages in %s: %.1f msgs/s, %d 429s, busiest server second %d calls", len(sent), elapsed.Round(time.Millisecond),
		float64(len(sent))/elapsed.Seconds(), tooMany, r.busiest)
	switch {
	case tooMany != 0:
		b.Fatalf("the server answered 429 %d times", tooMany)
	case settled.Load() != int64(chats) || other.Load() != 0 || len(sent) != chats:
		b.Fatalf("%d of %d messages sent, %d other outcomes, %d at the server", settled.Load(), chats, other.Load(), len(sent))
	}
	return r
}

// busiest is the most calls the server accepted in any sliding second.
func busiest(sent []telegramtest.SentCall) int {
	most, lo := 0, 0
	for hi := range sent {
		for sent[hi].At.Sub(sent[lo].At) >= time.Second {
			lo++
		}
		most = max(most, hi-lo+1)
	}
	return most
}
