package models

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// A Signal names work that one process hands to the leader, which may be
// another process: the CLI's `remind --now`, an instance whose webhook
// stored an update. Without it the leader finds such work at its next
// look, seconds later when idle.
type Signal string

const (
	// SignalOutbox: messages were queued.
	SignalOutbox Signal = "taskbot_outbox"
	// SignalInbox: updates were stored.
	SignalInbox Signal = "taskbot_inbox"
)

// Signal tells whoever listens on the database (Listen) that sig has work
// for them; call it after the transaction that made the work committed.
// On PostgreSQL it is a NOTIFY. SQLite has no such thing, and a process
// on the same file is found at the leader's next look: Signal does
// nothing there.
func (s *Store) Signal(ctx context.Context, sig Signal) error {
	if s.Dialect != Postgres {
		return nil
	}
	// Channels are per database, and each schema holds a deployment of its
	// own: the schema is part of the channel.
	if err := s.DB.WithContext(ctx).Exec("SELECT pg_notify(? || '.' || current_schema(), '')", string(sig)).Error; err != nil {
		return fmt.Errorf("signal %s: %w", sig, err)
	}
	return nil
}

// listenerName begins the listening connection's application_name, as
// pg_stat_activity shows it; the schema follows.
const listenerName = "taskbot signals"

// listenRetry bounds the wait before listening again after the connection
// was lost.
const listenRetry = 30 * time.Second

// Listen calls wake[sig] each time any process signals sig, until ctx ends.
// It holds a connection of its own; when that is lost it calls every wake
// (what was signalled meanwhile went unheard) and connects again, waiting
// longer each time up to listenRetry. On SQLite it returns at once.
func (s *Store) Listen(ctx context.Context, wake map[Signal]func(), log *slog.Logger) {
	if s.Dialect != Postgres {
		return
	}
	retry := time.Second
	for {
		heard, err := s.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		if heard {
			retry = time.Second
		}
		log.Warn("listening for signals from other processes failed; retrying", "err", err, "in", retry)
		for _, f := range wake {
			f()
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		retry = min(2*retry, listenRetry)
	}
}

// listenOnce listens on one connection until it fails or ctx ends; heard
// is whether the LISTEN took hold.
func (s *Store) listenOnce(ctx context.Context, wake map[Signal]func()) (heard bool, err error) {
	cfg, err := pgx.ParseConfig(s.dsn)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return false, fmt.Errorf("read the schema: %w", err)
	}
	// Named with its schema, so that pg_stat_activity tells deployments
	// (and tests) sharing the database apart.
	if _, err := conn.Exec(ctx, "SELECT set_config('application_name', $1, false)", listenerName+" "+schema); err != nil {
		return false, fmt.Errorf("name the connection: %w", err)
	}
	byChannel := make(map[string]func(), len(wake))
	for sig, f := range wake {
		channel := string(sig) + "." + schema
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
			return false, fmt.Errorf("listen %s: %w", sig, err)
		}
		byChannel[channel] = f
	}
	// Work signalled before the LISTEN took hold went unheard.
	for _, f := range wake {
		f()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, fmt.Errorf("wait for a signal: %w", err)
		}
		if f := byChannel[n.Channel]; f != nil {
			f()
		}
	}
}
