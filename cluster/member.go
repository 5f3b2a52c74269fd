// Package cluster lets several taskbot instances share one database and
// behave as one: each instance heartbeats, and one of them — the holder of
// the leader lease — does what must happen once (delivery, schedules,
// polling, processing updates). The others stand by and take over when the
// leader's lease runs out. On SQLite there is one process, which always
// leads.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"taskbot/models"
	"taskbot/watchdog"
)

// LeaderLease is the name of the lease the leader holds.
const LeaderLease = "leader"

// Member is one instance of a deployment.
type Member struct {
	Store *models.Store
	// ID names the instance in heartbeats, claims and the lease (NewID).
	ID string
	// Lease is how long the leader's lease lasts without renewal (default
	// 10 s): a standby takes over within it after the leader dies.
	Lease time.Duration
	// Renew is how often the instance heartbeats and the leader renews its
	// lease (default Lease/3).
	Renew  time.Duration
	Logger *slog.Logger
	// Watch, when set, is told of each heartbeat round (see watchdog).
	Watch *watchdog.Part

	token atomic.Int64 // the leader's fencing token; 0 while standing by
	// until is when this instance stops trusting its lease, as time since
	// base on the local monotonic clock: a process paused for longer than
	// its lease finds on waking that its turn has passed, whatever any
	// database says.
	base  time.Time
	until atomic.Int64
	// writable is when the heartbeats began to succeed without a failure
	// (time since base, -1 while the last one failed); lastWriteErr is the
	// last heartbeat's error.
	writable     atomic.Int64
	lastWriteErr atomic.Pointer[error]
	once         sync.Once
}

// NewID is a fresh instance id: the host name and a random suffix.
func NewID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "taskbot"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	if len(host) > 40 {
		host = host[:40]
	}
	return host + "-" + hex.EncodeToString(b)
}

func (m *Member) defaults() {
	m.once.Do(func() {
		if m.Lease <= 0 {
			m.Lease = 10 * time.Second
		}
		if m.Renew <= 0 {
			m.Renew = m.Lease / 3
		}
		if m.Logger == nil {
			m.Logger = slog.Default()
		}
		m.base = time.Now()
		m.writable.Store(-1)
	})
}

// Liveness is how old a heartbeat may be before its instance counts as
// dead: two missed beats and a half.
func (m *Member) Liveness() time.Duration {
	m.defaults()
	return m.Renew*5/2 + time.Second
}

// Token is the fencing token of the lease while this instance leads, and 0
// while it stands by.
func (m *Member) Token() int64 { return m.token.Load() }

// Holds tells whether this instance may still act as the leader: it holds
// the lease and, by its own monotonic clock, the lease cannot have run out.
// Whatever must happen once (a send, a poll) asks just before it starts.
func (m *Member) Holds() bool {
	m.defaults()
	return m.token.Load() != 0 && m.since() < time.Duration(m.until.Load())
}

// WriteError is the error of the last heartbeat, nil when it was written:
// a database that refuses writes (full disk, read only) shows here.
func (m *Member) WriteError() error {
	if err := m.lastWriteErr.Load(); err != nil {
		return *err
	}
	return nil
}

// WritableFor is how long this instance's heartbeats have been written
// without a failure (0 while they fail). Another instance's heartbeat
// missing for longer than its liveness means it died only if this one
// could write all that time: after an outage that stopped every instance
// writing, every heartbeat is old.
func (m *Member) WritableFor() time.Duration {
	m.defaults()
	since := m.writable.Load()
	if since < 0 {
		return 0
	}
	return m.since() - time.Duration(since)
}

func (m *Member) since() time.Duration { return time.Since(m.base) }

// trustUntil sets the lease's local deadline from the moment the write
// that took or renewed it began: the lease was written to run out Lease
// after a time no earlier than that. A tenth of it is kept for other hosts'
// clocks running a little ahead of this one's.
func (m *Member) trustUntil(began time.Duration) {
	m.until.Store(int64(began + m.Lease - m.Lease/10))
}

func (m *Member) heartbeat(ctx context.Context) {
	err := m.Store.Heartbeat(ctx, m.ID, hostOf(m.ID))
	if err != nil {
		m.Logger.Warn("heartbeat failed", "instance", m.ID, "err", err)
		m.writable.Store(-1)
		m.lastWriteErr.Store(&err)
	} else {
		m.writable.CompareAndSwap(-1, int64(m.since()))
		m.lastWriteErr.Store(nil)
	}
	m.Watch.Beat()
}

// Run heartbeats until ctx ends, and runs lead while this instance holds
// the leader lease. lead must return soon after its context ends; it is
// cancelled when the lease is lost, or when it could not be renewed before
// its local deadline. At the end the lease is given up at once, so that a
// standby need not wait for it to run out.
//
// On SQLite one file is held by one process (models.HoldDatabase): it leads
// from its first moment, whatever the database says, without a lease.
func (m *Member) Run(ctx context.Context, lead func(ctx context.Context)) error {
	if m.Store == nil || m.ID == "" {
		return errors.New("cluster: member needs a Store and an ID")
	}
	m.defaults()
	if m.Renew >= m.Lease/2 {
		return fmt.Errorf("cluster: renewal every %s is too slow for a lease of %s", m.Renew, m.Lease)
	}
	defer m.Watch.Running()()
	if m.Store.Dialect == models.SQLite {
		return m.runAlone(ctx, lead)
	}
	log := m.Logger.With("instance", m.ID)
	bg := context.WithoutCancel(ctx)
	var (
		stop = context.CancelFunc(func() {})
		done chan struct{}
	)
	stepDown := func(why string) {
		token := m.token.Swap(0)
		stop()
		<-done
		done = nil
		log.Info("standing by", "why", why, "token", token)
	}
	deadline := time.NewTimer(time.Hour)
	defer deadline.Stop()
	for {
		m.heartbeat(bg)
		next := m.Renew
		if token := m.token.Load(); token != 0 {
			began := m.since()
			err := m.Store.RenewLease(bg, LeaderLease, m.ID, token, m.Lease)
			switch {
			case err == nil:
				m.trustUntil(began)
			case errors.Is(err, models.ErrLeaseLost):
				stepDown("lease taken over")
			case !m.Holds():
				log.Error("leader lease not renewed in time", "err", err)
				stepDown("lease not renewed")
			default:
				log.Warn("renew leader lease failed", "err", err)
			}
		}
		if m.token.Load() == 0 && ctx.Err() == nil {
			began := m.since()
			token, ok, err := m.Store.AcquireLease(bg, LeaderLease, m.ID, m.Lease)
			if err != nil {
				log.Warn("acquire leader lease failed", "err", err)
			}
			if ok {
				m.trustUntil(began)
				m.token.Store(token)
				log.Info("leading", "token", token)
				stop, done = start(ctx, lead)
			} else if err == nil {
				next = m.untilExpiry(bg)
			}
		}
		var ended <-chan struct{}
		deadline.Stop()
		if done != nil {
			ended = done
			deadline.Reset(max(0, time.Duration(m.until.Load())-m.since()))
		}
		wait := time.NewTimer(next)
		select {
		case <-ctx.Done():
			wait.Stop()
			if token := m.token.Load(); token != 0 {
				stepDown("stopping")
				if err := m.Store.ReleaseLease(bg, LeaderLease, m.ID, token); err != nil {
					log.Warn("release leader lease failed", "err", err)
				}
			}
			if err := m.Store.LeaveCluster(bg, m.ID); err != nil {
				log.Warn("leave cluster failed", "err", err)
			}
			return nil
		case <-ended:
			// lead gave up on its own: let another instance lead.
			wait.Stop()
			token := m.token.Swap(0)
			stop()
			done = nil
			if err := m.Store.ReleaseLease(bg, LeaderLease, m.ID, token); err != nil {
				log.Warn("release leader lease failed", "err", err)
			}
			log.Warn("leader work ended before its lease; lease released", "token", token)
			select {
			case <-ctx.Done():
			case <-time.After(m.Renew):
			}
		case <-deadline.C:
			// Not renewed in time: stop at once, not at the next renewal.
			wait.Stop()
			log.Error("leader lease ran out before it was renewed")
			stepDown("lease ran out")
		case <-wait.C:
		}
	}
}

// untilExpiry is how long a standby waits before trying for the lease
// again: until just after the current holding runs out, so that a leader
// that died is replaced within moments of its lease, and no longer than a
// renewal period, so that a lease given up early is taken soon.
func (m *Member) untilExpiry(ctx context.Context) time.Duration {
	l, err := m.Store.LeaseOf(ctx, LeaderLease)
	if err != nil {
		return m.Renew
	}
	return min(m.Renew, max(takeoverStep, l.ExpiresAt.Sub(m.Store.Now())+takeoverStep))
}

// takeoverStep is the least a standby waits between tries for the lease.
const takeoverStep = 20 * time.Millisecond

// runAlone is Run for the one process of a SQLite file: it leads at once
// and for good, and heartbeats only so that its claims are told from those
// of a process that ran before it.
func (m *Member) runAlone(ctx context.Context, lead func(ctx context.Context)) error {
	bg := context.WithoutCancel(ctx)
	m.until.Store(math.MaxInt64)
	m.token.Store(1)
	stop, done := start(ctx, lead)
	defer func() {
		stop()
		<-done
		m.token.Store(0)
		if err := m.Store.LeaveCluster(bg, m.ID); err != nil {
			m.Logger.Warn("leave cluster failed", "instance", m.ID, "err", err)
		}
	}()
	ticker := time.NewTicker(m.Renew)
	defer ticker.Stop()
	for {
		m.heartbeat(bg)
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			m.Logger.Error("leader work ended on its own", "instance", m.ID)
			<-ctx.Done()
			return nil
		case <-ticker.C:
		}
	}
}

// start runs lead in a goroutine of its own, with a context the caller
// cancels to stop it; done closes when it has returned.
func start(ctx context.Context, lead func(context.Context)) (stop context.CancelFunc, done chan struct{}) {
	lctx, stop := context.WithCancel(ctx)
	done = make(chan struct{})
	go func() {
		defer close(done)
		lead(lctx)
	}()
	return stop, done
}

func hostOf(id string) string {
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == '-' {
			return id[:i]
		}
	}
	return id
}
