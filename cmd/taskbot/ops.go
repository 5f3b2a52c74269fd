package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/pflag"

	"taskbot/models"
	"taskbot/watchdog"
)

// opsOptions place the operator's endpoints, apart from the webhook: a
// webhook on a public address must not publish the metrics with it.
type opsOptions struct {
	OpsListen  string
	StallAfter time.Duration
}

func (o *opsOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.OpsListen, "ops-listen", "127.0.0.1:9090", "address of /metrics, /healthz (alive and not stuck) and /readyz (database, schema, role); empty turns them off")
	withEnv(fs, "ops-listen", "TASKBOT_OPS_LISTEN")
	fs.DurationVar(&o.StallAfter, "stall-after", 2*time.Minute, "/healthz fails when a part of the bot (poller or webhook, processor, dispatcher, scheduler, heartbeat) had work and made no progress this long")
	withEnv(fs, "stall-after", "TASKBOT_STALL_AFTER")
}

// pollSlack is how much longer than its long-poll wait a getUpdates call
// may take (the HTTP client's margin) and then back off after a failure.
const pollSlack = 45 * time.Second

// roleSingle is the role of an instance that runs alone.
const roleSingle = "single"

// opsServer serves the operator's endpoints.
type opsServer struct {
	Store    *models.Store
	Registry *prometheus.Registry
	// Role says what this instance does where several run on one
	// database (e.g. "leader", "follower"); nil means it runs alone.
	Role   func() string
	Logger *slog.Logger
	// Watch, when set, tells whether a part of the bot is stuck.
	Watch *watchdog.Watchdog
	// WriteError, when set, is the error of the instance's last write to
	// the database (its heartbeat), nil when it was written.
	WriteError func() error
}

func (o *opsServer) role() string {
	if o.Role == nil {
		return roleSingle
	}
	return o.Role()
}

// register adds the series read from the database at each scrape.
func (o *opsServer) register() error {
	if err := o.Registry.Register(&backlogCollector{ops: o}); err != nil {
		return fmt.Errorf("register backlog metrics: %w", err)
	}
	return nil
}

// handler serves /healthz, /readyz and /metrics, and nothing else.
func (o *opsServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		// Alive and not stuck: a database outage must not get the process
		// restarted, only taken out of traffic by /readyz, but a part that
		// waits forever inside the process is helped only by a restart.
		if stalls := o.Watch.Stalled(); len(stalls) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			for _, s := range stalls {
				fmt.Fprintln(w, "stalled:", s)
			}
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", o.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{}))
	return mux
}

// readiness is /readyz's answer.
type readiness struct {
	Ready bool `json:"ready"`
	// Database is "ok", "unavailable", "refuses writes", or "stuck" when
	// the database answers but this process cannot reach it.
	Database string `json:"database"`
	Schema   string `json:"schema"`
	Role     string `json:"role"`
	// Stalled names the parts making no progress (see /healthz).
	Stalled []string `json:"stalled,omitempty"`
}

func (o *opsServer) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	res := readiness{Database: "ok", Schema: "current", Role: o.role()}
	for _, s := range o.Watch.Stalled() {
		res.Stalled = append(res.Stalled, s.String())
	}
	var writeErr error
	if o.WriteError != nil {
		writeErr = o.WriteError()
	}
	if err := o.Store.Ping(ctx); err != nil {
		res.Database, res.Schema = "unavailable", "unknown"
		// The pool's connections may all be held by parts of this process
		// that wait forever: a connection of its own tells that apart.
		probe, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 3*time.Second)
		defer cancel()
		if perr := o.Store.ProbeFresh(probe); perr == nil {
			res.Database = "stuck"
		}
		o.Logger.Warn("not ready: database", "state", res.Database, "err", err)
	} else if writeErr != nil {
		o.Logger.Warn("not ready: database refuses writes", "err", writeErr)
		res.Database = "refuses writes"
	} else if current, err := o.Store.SchemaCurrent(ctx); err != nil {
		o.Logger.Warn("not ready: schema", "err", err)
		res.Schema = "unknown"
	} else if !current {
		res.Schema = "not " + models.LatestSchema()
	}
	res.Ready = res.Database == "ok" && res.Schema == "current" && len(res.Stalled) == 0
	w.Header().Set("Content-Type", "application/json")
	if !res.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(res)
}

// serve listens on addr until ctx ends; it returns once listening, with a
// function that stops the server.
func serve(addr string, h http.Handler, log *slog.Logger, what string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener %s: %w", what, addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(what+" listener stopped", "err", err)
		}
	}()
	log.Info(what+" listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// webhookHandler serves the webhook path and nothing else.
func webhookHandler(path string, h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(path, h)
	return mux
}

var (
	backlogDesc = prometheus.NewDesc("taskbot_outbox_backlog",
		"Outbox messages due to be sent and not sent yet.", nil, nil)
	oldestDueDesc = prometheus.NewDesc("taskbot_outbox_oldest_due_seconds",
		"How long the oldest outbox message due has waited; 0 when none waits.", nil, nil)
	inboxFailedDesc = prometheus.NewDesc("taskbot_inbox_failed",
		"Updates set aside after failing every retry (see `taskbot inbox`).", nil, nil)
	roleDesc = prometheus.NewDesc("taskbot_lease_role",
		"1 for this instance's role where several share a database; single when it runs alone.", []string{"role"}, nil)
)

// backlogCollector reads the backlog from the database at each scrape,
// so that every instance reports the same shared queue.
type backlogCollector struct{ ops *opsServer }

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- backlogDesc
	ch <- oldestDueDesc
	ch <- inboxFailedDesc
	ch <- roleDesc
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(roleDesc, prometheus.GaugeValue, 1, c.ops.role())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	b, err := c.ops.Store.ReadBacklog(ctx, c.ops.Store.Now())
	if err != nil {
		// A missing series is what an alert on absent() catches.
		c.ops.Logger.Warn("backlog metrics not read", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(b.OutboxDue))
	ch <- prometheus.MustNewConstMetric(oldestDueDesc, prometheus.GaugeValue, b.OldestDue.Seconds())
	ch <- prometheus.MustNewConstMetric(inboxFailedDesc, prometheus.GaugeValue, float64(b.InboxFailed))
}
