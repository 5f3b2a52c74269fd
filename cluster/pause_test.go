package cluster_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"

	"taskbot/bot"
	"taskbot/cluster"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/outbox"
	"taskbot/telegramtest"
)

// A test binary started with childEnv set is one taskbot instance of
// TestPausedLeaderSendsNothingAfterItsLease: a process of its own, so that
// SIGSTOP pauses all of it at once, as a paused VM or a stalled host would.
const childEnv = "TASKBOT_CLUSTER_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

// childEvent is one line a child writes: an outcome its dispatcher settled.
type childEvent struct {
	At       time.Time      `json:"at"`
	ID       uint           `json:"id"`
	ChatID   int64          `json:"chat"`
	Result   outbox.Result  `json:"result"`
	Kind     models.OutKind `json:"kind"`
	Recorded bool           `json:"recorded"`
}

// runChild runs one instance — membership and dispatcher, as `taskbot run`
// wires them — until SIGTERM, writing each outcome to stdout.
func runChild() int {
	dsn, id, api := os.Getenv("TASKBOT_TEST_POSTGRES"), os.Getenv(childEnv), os.Getenv("CHILD_API")
	rate, _ := strconv.ParseFloat(os.Getenv("CHILD_RATE"), 64)
	lease, _ := time.ParseDuration(os.Getenv("CHILD_LEASE"))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := models.Open(ctx, dsn, models.Options{Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer store.Close()
	member := &cluster.Member{Store: store, ID: id, Lease: lease, Renew: lease / 6, Logger: log}
	// As `taskbot run` does: the outbox's connections write nothing once
	// the lease could have run out.
	client, err := tg.New("123456:TEST-TOKEN", tg.WithServerURL(api), tg.WithSkipGetMe(), tg.WithErrorsHandler(func(error) {}),
		tg.WithHTTPClient(time.Minute, bot.NewFencedHTTPClient(outbox.DefaultWorkers(rate), time.Minute, member.Holds)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var mu sync.Mutex
	out := json.NewEncoder(os.Stdout)
	d, err := outbox.New(outbox.Options{
		Store: store, Sender: bot.NewSender(client), GlobalRate: rate, Instance: id,
		Liveness: member.Liveness(), Leadership: member, PollInterval: 50 * time.Millisecond, Logger: log,
		OnOutcome: func(o outbox.Outcome) {
			mu.Lock()
			defer mu.Unlock()
			_ = out.Encode(childEvent{At: time.Now(), ID: o.ID, ChatID: o.ChatID, Result: o.Result, Kind: o.Kind, Recorded: o.RecordErr == nil})
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := member.Run(ctx, func(ctx context.Context) { _ = d.Run(ctx) }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// child is a running instance seen from the test: its process, the calls
// it made to Telegram (through a proxy of its own) and its outcomes.
type child struct {
	id  string
	cmd *exec.Cmd

	mu       sync.Mutex
	calls    []call
	outcomes []childEvent
}

// call is one request that reached Telegram's side of the child's proxy.
type call struct {
	at   time.Time
	chat int64
}

func (c *child) callsSince(t time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, call := range c.calls {
		if !call.at.Before(t) {
			n++
		}
	}
	return n
}

// writesSince lists the outcomes the child recorded after t for messages
// it had not called Telegram for before before. An outcome reported late
// for a call made before the pause is not a new write: the goroutine that
// wrote it was merely paused before it could say so.
func (c *child) writesSince(t, before time.Time) []childEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	called := map[int64]bool{}
	for _, call := range c.calls {
		if call.at.Before(before) {
			called[call.chat] = true
		}
	}
	var out []childEvent
	for _, e := range c.outcomes {
		if !e.At.Before(t) && e.Recorded && e.Result != outbox.ResultDeposed && !called[e.ChatID] {
			out = append(out, e)
		}
	}
	return out
}

func startChild(t *testing.T, id, dsn string, srv *telegramtest.Server, rate float64, lease time.Duration) *child {
	t.Helper()
	c := &child{id: id}
	target, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form := r.Clone(r.Context())
		form.Body = io.NopCloser(bytes.NewReader(body))
		_ = form.ParseMultipartForm(1 << 20)
		chat, _ := strconv.ParseInt(form.FormValue("chat_id"), 10, 64)
		c.mu.Lock()
		c.calls = append(c.calls, call{at: at, chat: chat})
		c.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), childEnv+"="+id, "TASKBOT_TEST_POSTGRES="+dsn, "CHILD_API="+front.URL,
		"CHILD_RATE="+strconv.FormatFloat(rate, 'f', -1, 64), "CHILD_LEASE="+lease.String())
	c.cmd.Stderr = os.Stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			var e childEvent
			if json.Unmarshal(lines.Bytes(), &e) == nil {
				c.mu.Lock()
				c.outcomes = append(c.outcomes, e)
				c.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		_ = c.cmd.Process.Signal(syscall.SIGCONT)
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		<-read
		_ = c.cmd.Wait()
	})
	return c
}

// Three instances deliver a round; the leader's process is paused
// (SIGSTOP) for twice its lease in the middle of it. A standby takes over,
// and when the old leader wakes it makes no call to Telegram and writes no
// outcome: its own clock tells it that its lease could have run out,
// whatever it had in hand. Every message arrives, none is sent twice but
// those whose call was in flight at the pause, and Telegram's global limit
// holds throughout.
func TestPausedLeaderSendsNothingAfterItsLease(t *testing.T) {
	r := startRound(t)
	old := r.children[r.holder()]
	if err := old.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	r.faulted(old)
	// Paused for twice the lease, as a stalled host would be.
	time.Sleep(2*roundLease - time.Since(paused))
	if err := old.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	r.waitDone()
	// The old leader's goroutines have had the rest of the round to act.
	if n := old.callsSince(resumed); n != 0 {
		t.Errorf("the paused leader made %d calls to Telegram after it woke", n)
	}
	if w := old.writesSince(resumed, paused); len(w) != 0 {
		t.Errorf("the paused leader wrote %d outcomes after it woke: %+v", len(w), w)
	}
	twice := r.check()
	t.Logf("paused %s after %d of %d messages, with %d in flight (%d sent twice); a new leader %v after the lease ran out; after waking it made %d calls",
		old.id, r.atFault, roundChats, len(r.inFlight), twice, r.takeover.Round(time.Millisecond), old.callsSince(resumed))
}

// The leader's process is killed (SIGKILL) in the middle of a round: a
// standby takes over once the lease has run out, every message arrives,
// and only those whose call was in flight may arrive twice. The round's
// time after the kill is logged beside the ideal: the rest of the lease,
// then the messages left at the global rate.
func TestKilledLeaderRoundFinishes(t *testing.T) {
	r := startRound(t)
	old := r.children[r.holder()]
	if err := old.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	r.faulted(old)
	r.waitDone()
	took := time.Since(killed)
	twice := r.check()
	left := time.Duration(float64(roundChats-r.atFault) / roundRate * float64(time.Second))
	ideal := max(0, r.expiry.Sub(killed)) + left
	t.Logf("killed %s after %d of %d messages, with %d in flight (%d sent twice); a new leader %v after the lease ran out; round done %v after the kill (ideal %v)",
		old.id, r.atFault, roundChats, len(r.inFlight), twice, r.takeover.Round(time.Millisecond), took.Round(time.Millisecond), ideal.Round(time.Millisecond))
}

const (
	roundChats = 1200
	roundRate  = 150
	roundLease = 2 * time.Second
)

// round is a reminder round delivered by three instance processes.
type round struct {
	t        *testing.T
	srv      *telegramtest.Server
	store    *models.Store
	children map[string]*child

	// Set by faulted: the leader's state when its fault struck.
	atFault  int
	inFlight []models.OutboxMessage
	expiry   time.Time     // when its lease was to run out
	takeover time.Duration // from then to a new leader
}

// startRound starts three instances, queues a round once one leads, and
// returns when a quarter of it has been sent.
func startRound(t *testing.T) *round {
	dsn := storetest.PostgresDSN(t)
	srv, err := telegramtest.New(telegramtest.Options{
		RateLimits: &telegramtest.RateLimits{GlobalPerSecond: roundRate, PerChatPerSecond: 1, PerGroupPerMinute: 20},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	for i := range roundChats {
		srv.NewUser(int64(100_000+i), fmt.Sprintf("User %d", i), "en")
	}
	store, err := models.Open(context.Background(), dsn, models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	r := &round{t: t, srv: srv, store: store, children: map[string]*child{}}
	for i := range 3 {
		id := fmt.Sprintf("p%d", i)
		r.children[id] = startChild(t, id, dsn, srv, roundRate, roundLease)
	}
	// Run first (cleanups run last-registered first): a child still paused
	// when the test ends holds its database locks, and the others could not
	// stop while it did.
	t.Cleanup(func() {
		for _, c := range r.children {
			_ = c.cmd.Process.Signal(syscall.SIGCONT)
		}
	})
	waitFor(t, "a leader", func() bool { return r.holder() != "" })
	enqueueRound(t, store, "faulted", roundChats)
	waitFor(t, "a quarter of the round", func() bool { return srv.SentCount() >= roundChats/4 })
	return r
}

// holder is the instance whose lease holds now, if any.
func (r *round) holder() string {
	l, err := r.store.LeaseOf(context.Background(), cluster.LeaderLease)
	if err != nil || !l.ExpiresAt.After(r.store.Now()) {
		return ""
	}
	return l.Holder
}

// faulted notes the state of the round right after old's fault, and waits
// for another instance to lead.
func (r *round) faulted(old *child) {
	t := r.t
	r.atFault = r.srv.SentCount()
	held, err := r.store.LeaseOf(context.Background(), cluster.LeaderLease)
	if err != nil {
		t.Fatal(err)
	}
	r.expiry = held.ExpiresAt
	if err := r.store.DB.Where("state = ? AND claimed_by = ? AND attempted_at IS NOT NULL", models.OutboxSending, old.id).
		Find(&r.inFlight).Error; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new leader", func() bool { h := r.holder(); return h != "" && h != old.id })
	r.takeover = r.store.Now().Sub(r.expiry)
}

func (r *round) waitDone() {
	waitFor(r.t, "the round", func() bool {
		var n int64
		r.store.DB.Model(&models.OutboxMessage{}).Where("state <> ?", models.OutboxSent).Count(&n)
		return n == 0
	})
}

// check asserts that every chat got its message, twice only if it was in
// flight at the fault, with no 429; it returns how many got it twice.
func (r *round) check() (twice int) {
	t := r.t
	perChat := map[int64]int{}
	for _, c := range r.srv.Sent() {
		perChat[c.ChatID]++
	}
	doubtful := map[int64]bool{}
	for _, m := range r.inFlight {
		doubtful[m.ChatID] = true
	}
	for i := range roundChats {
		chat := int64(100_000 + i)
		switch n := perChat[chat]; {
		case n == 0:
			t.Errorf("chat %d got nothing", chat)
		case n > 1 && !doubtful[chat]:
			t.Errorf("chat %d got %d messages, and none was in flight at the fault", chat, n)
		case n > 1:
			twice++
		}
	}
	if got := r.srv.TooManyRequests(); got != 0 {
		t.Errorf("%d 429s", got)
	}
	return twice
}
