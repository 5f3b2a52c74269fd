package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"taskbot/cluster"
	"taskbot/models"
)

// clusterOptions configure how instances on one database share the work.
type clusterOptions struct {
	LeaderLease time.Duration
}

func (o *clusterOptions) register(fs *pflag.FlagSet) {
	fs.DurationVar(&o.LeaderLease, "leader-lease", 10*time.Second, "with several instances on one PostgreSQL database, how long the leader's lease lasts unrenewed: a standby takes over within it")
	withEnv(fs, "leader-lease", "TASKBOT_LEADER_LEASE")
}

func (o *clusterOptions) member(store *models.Store, log *slog.Logger) *cluster.Member {
	return &cluster.Member{Store: store, ID: cluster.NewID(), Lease: o.LeaderLease, Logger: log.With("part", "cluster")}
}

// leaderWork is what only the leader runs; nil parts are skipped.
type leaderWork struct {
	dispatcher, reminders, processor, poller func(context.Context) error
	// listen hears the work other processes hand over (models.Store.Listen).
	listen func(context.Context)
}

// run runs the leader's work until ctx ends, then stops it in order: stop
// taking updates, finish the update in hand and the schedules, then finish
// the sends in flight.
func (w leaderWork) run(ctx context.Context, log *slog.Logger) {
	pollCtx, stopPolling := context.WithCancel(context.WithoutCancel(ctx))
	procCtx, stopProcessing := context.WithCancel(context.WithoutCancel(ctx))
	sendCtx, stopSending := context.WithCancel(context.WithoutCancel(ctx))
	var polling, processing, sending sync.WaitGroup
	start := func(wg *sync.WaitGroup, name string, run func(context.Context) error, c context.Context) {
		if run == nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(c); err != nil {
				log.Error(name+" stopped", "err", err)
			}
		}()
	}
	start(&sending, "outbox dispatcher", w.dispatcher, sendCtx)
	start(&processing, "reminders", w.reminders, procCtx)
	start(&processing, "update processor", w.processor, procCtx)
	start(&polling, "update poller", w.poller, pollCtx)
	if w.listen != nil {
		start(&processing, "signal listener", func(c context.Context) error { w.listen(c); return nil }, procCtx)
	}
	<-ctx.Done()
	stopPolling()
	polling.Wait()
	stopProcessing()
	processing.Wait()
	stopSending()
	sending.Wait()
}
