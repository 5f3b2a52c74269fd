package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"taskbot/models/storetest"
	"taskbot/telegramtest"
)

// BenchmarkClusterFanout delivers a round of 5,000 reminders to 5,000
// chats through one instance, then through three instances on one
// PostgreSQL database (only the leader delivers), against the fake Bot API
// server's global limit L of 1,000 calls in any sliding second. It reports
// the rate, its ratio to L and the 429s, which fail the run.
//
//	TASKBOT_TEST_POSTGRES=… go test -run '^$' -bench ClusterFanout -benchtime 1x ./cluster/
func BenchmarkClusterFanout(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("instances_%d", n), func(b *testing.B) {
			var elapsed time.Duration
			for range b.N {
				b.StopTimer()
				elapsed += clusterRound(b, n)
			}
			rate := float64(fanoutChats*b.N) / elapsed.Seconds()
			b.ReportMetric(rate, "msgs/s")
			b.ReportMetric(rate/fanoutLimit, "ratio")
			b.ReportMetric(0, "429s") // any 429 fails the run
		})
	}
}

const (
	fanoutChats = 5_000
	fanoutLimit = 1_000
)

// clusterRound starts n instances, queues the round once a leader is
// elected, and times its delivery; it is called with the timer stopped.
func clusterRound(b *testing.B, n int) time.Duration {
	dsn := storetest.PostgresDSN(b)
	srv, err := telegramtest.New(telegramtest.Options{
		RateLimits: &telegramtest.RateLimits{GlobalPerSecond: fanoutLimit, PerChatPerSecond: 1, PerGroupPerMinute: 20},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for i := range fanoutChats {
		srv.NewUser(int64(100_000+i), fmt.Sprintf("User %d", i), "en")
	}
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	var ins []*instance
	for i := range n {
		ins = append(ins, startInstance(b, dsn, srv, fmt.Sprintf("i%d", i), start, fanoutLimit))
	}
	waitFor(b, "a leader", func() bool { return leader(ins) != nil })
	enqueueRound(b, ins[0].store, "bench", fanoutChats)

	b.StartTimer()
	began := time.Now()
	deadline := began.Add(2 * time.Minute)
	for srv.SentCount() < fanoutChats && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(began)
	b.StopTimer()

	sent, tooMany := srv.Sent(), srv.TooManyRequests()
	perChat := map[int64]int{}
	for _, c := range sent {
		perChat[c.ChatID]++
	}
	b.Logf("%d instances: %d messages in %s, %.1f msgs/s, %d 429s", n, len(sent), elapsed.Round(time.Millisecond),
		float64(len(sent))/elapsed.Seconds(), tooMany)
	switch {
	case tooMany != 0:
		b.Fatalf("the server answered 429 %d times", tooMany)
	case len(sent) != fanoutChats || len(perChat) != fanoutChats:
		b.Fatalf("%d sends to %d chats, want %d once each", len(sent), len(perChat), fanoutChats)
	}
	return elapsed
}
