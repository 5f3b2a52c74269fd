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
	"os"
	"sync/atomic"
	"time"

	"taskbot/models"
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
	// Renew is how often the instance heartbeats, the leader renews its
	// lease and a standby tries to take it (default Lease/3).
	Renew  time.Duration
	Logger *slog.Logger

	token atomic.Int64 // the leader's fencing token; 0 while standing by
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
	if m.Lease <= 0 {
		m.Lease = 10 * time.Second
	}
	if m.Renew <= 0 {
		m.Renew = m.Lease / 3
	}
	if m.Logger == nil {
		m.Logger = slog.Default()
	}
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

// Run heartbeats until ctx ends, and runs lead while this instance holds
// the leader lease. lead must return soon after its context ends; it is
// cancelled when the lease is lost, or when it could not be renewed for so
// long that another instance may have taken it. At the end the lease is
// given up at once, so that a standby need not wait for it to run out.
func (m *Member) Run(ctx context.Context, lead func(ctx context.Context)) error {
	if m.Store == nil || m.ID == "" {
		return errors.New("cluster: member needs a Store and an ID")
	}
	m.defaults()
	if m.Renew >= m.Lease/2 {
		return fmt.Errorf("cluster: renewal every %s is too slow for a lease of %s", m.Renew, m.Lease)
	}
	log := m.Logger.With("instance", m.ID)
	bg := context.WithoutCancel(ctx)
	var (
		stop    = context.CancelFunc(func() {})
		done    chan struct{}
		renewed time.Time // by the local clock: the lease is trusted only so long
	)
	stepDown := func(why string) {
		token := m.token.Swap(0)
		stop()
		<-done
		done = nil
		log.Info("standing by", "why", why, "token", token)
	}
	ticker := time.NewTicker(m.Renew)
	defer ticker.Stop()
	for {
		if err := m.Store.Heartbeat(bg, m.ID, hostOf(m.ID)); err != nil {
			log.Warn("heartbeat failed", "err", err)
		}
		if token := m.token.Load(); token != 0 {
			err := m.Store.RenewLease(bg, LeaderLease, m.ID, token, m.Lease)
			switch {
			case err == nil:
				renewed = time.Now()
			case errors.Is(err, models.ErrLeaseLost):
				stepDown("lease taken over")
			case time.Since(renewed) > m.Lease-m.Renew:
				// Others may take the lease before the next try: stop first.
				log.Error("leader lease not renewed in time", "err", err)
				stepDown("lease not renewed")
			default:
				log.Warn("renew leader lease failed", "err", err)
			}
		}
		if m.token.Load() == 0 && ctx.Err() == nil {
			token, ok, err := m.Store.AcquireLease(bg, LeaderLease, m.ID, m.Lease)
			if err != nil {
				log.Warn("acquire leader lease failed", "err", err)
			}
			if ok {
				renewed = time.Now()
				m.token.Store(token)
				log.Info("leading", "token", token)
				stop, done = start(ctx, lead)
			}
		}
		var ended <-chan struct{}
		if done != nil {
			ended = done
		}
		select {
		case <-ctx.Done():
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
			token := m.token.Swap(0)
			stop()
			done = nil
			if err := m.Store.ReleaseLease(bg, LeaderLease, m.ID, token); err != nil {
				log.Warn("release leader lease failed", "err", err)
			}
			log.Warn("leader work ended before its lease; lease released", "token", token)
			select {
			case <-ctx.Done():
			case <-ticker.C:
			}
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
