package models

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
)

// TryLead tries to become the one process doing a job that must not run
// twice (Telegram allows one long poller per token). On PostgreSQL it holds
// a session advisory lock on a connection of its own until release is
// called or the connection dies; on SQLite, one file means one process
// and it always succeeds.
func (s *Store) TryLead(ctx context.Context, job string) (release func(), ok bool, err error) {
	if s.Dialect != Postgres {
		return func() {}, true, nil
	}
	sqlDB, err := s.DB.DB()
	if err != nil {
		return nil, false, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lead %s: %w", job, err)
	}
	key, err := advisoryKey(ctx, conn, job)
	if err != nil {
		_ = conn.Close()
		return nil, false, fmt.Errorf("lead %s: %w", job, err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		_ = conn.Close()
		return nil, false, fmt.Errorf("lead %s: %w", job, err)
	}
	if !ok {
		_ = conn.Close()
		return nil, false, nil
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", key)
		_ = conn.Close()
	}, true, nil
}

// advisoryKey names a lock for job in this database and schema: advisory
// locks are server-wide, and two taskbot databases (or schemas) on one
// server must not hold each other's locks.
func advisoryKey(ctx context.Context, conn *sql.Conn, job string) (int64, error) {
	var db, schema string
	if err := conn.QueryRowContext(ctx, "SELECT current_database(), current_schema()").Scan(&db, &schema); err != nil {
		return 0, fmt.Errorf("name advisory lock %s: %w", job, err)
	}
	return lockName(db, schema, job), nil
}

func lockName(db, schema, job string) int64 {
	h := fnv.New64a()
	h.Write([]byte("taskbot:" + db + ":" + schema + ":" + job))
	return int64(h.Sum64())
}
