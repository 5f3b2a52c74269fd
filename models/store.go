package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database behind a store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Clock gives the current time; the store and the domain never call
// time.Now themselves so that tests can move time.
type Clock func() time.Time

// SystemClock is the wall clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// Store is taskbot's database. Its clock is fixed at Open: the rows GORM
// stamps (CreatedAt, UpdatedAt) and the times the domain compares them with
// come from that one clock, so a test that moves it moves both.
type Store struct {
	DB      *gorm.DB
	Dialect Dialect
	clock   Clock
	// driver and dsn open a connection apart from the pool (ProbeFresh).
	driver, dsn string
}

// Options tune Open.
type Options struct {
	// Clock stamps CreatedAt and friends; SystemClock when nil.
	Clock Clock
	// Logger receives slow-query and error logs; slog.Default when nil.
	Logger *slog.Logger
	// SkipMigrate leaves the schema as it is (migration tests use it).
	SkipMigrate bool
	// ReadOnly opens a SQLite file without writing to it (or creating
	// it); it implies SkipMigrate.
	ReadOnly bool
}

// Open connects to dsn — a postgres:// URL or a SQLite file path — and brings
// the schema up to date.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Clock == nil {
		opt.Clock = SystemClock
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	s := &Store{clock: opt.Clock}
	cfg := &gorm.Config{
		NowFunc: s.Now,
		Logger: quietTrace{logger.NewSlogLogger(opt.Logger, logger.Config{
			SlowThreshold:             slowStatement,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
		})},
		TranslateError: true,
		// No GORM statement cache: it holds a lock of its own while it waits
		// for a connection to prepare on, and a transaction holding SQLite's
		// one connection can wait for that lock, a cycle that froze the
		// store for good (TestStoreNeverStalls). The drivers cache the
		// statements of each connection themselves, under no lock but the
		// connection's (pgx; go-sqlite3, see sqliteDSN).
		PrepareStmt: false,
	}

	var (
		db      *gorm.DB
		dialect Dialect
		err     error
	)
	if IsPostgresDSN(dsn) {
		dialect = Postgres
		s.driver, s.dsn = "pgx", dsn
		db, err = gorm.Open(postgres.Open(dsn), cfg)
	} else {
		dialect = SQLite
		if !opt.ReadOnly {
			if err := createDatabaseFile(dsn); err != nil {
				return nil, err
			}
		}
		s.driver, s.dsn = sqliteDriver, sqliteDSN(dsn, opt.ReadOnly)
		db, err = gorm.Open(sqlite.New(sqlite.Config{DriverName: s.driver, DSN: s.dsn}), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w%s", dialect, err, dsnHint(dialect))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	if dialect == SQLite {
		// One connection is the one writer SQLite allows; more would only
		// queue on the lock and turn reads-then-writes into SQLITE_BUSY.
		sqlDB.SetMaxOpenConns(1)
	} else {
		// Every connection is kept while it is used now and then: with
		// database/sql's default of two idle ones, the outbox's concurrent
		// claims and marks closed a connection at nearly every burst and
		// opened another at the next (a server process started, and each
		// statement prepared again), on the way of the calls that wait.
		sqlDB.SetMaxOpenConns(maxPostgresConns)
		sqlDB.SetMaxIdleConns(maxPostgresConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w%s", dialect, err, dsnHint(dialect))
	}
	s.DB, s.Dialect = db, dialect
	if !opt.SkipMigrate && !opt.ReadOnly {
		if err := s.Migrate(ctx); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
	}
	return s, nil
}

// dsnHint says what a PostgreSQL address looks like, after an error that
// may come from a mistyped one.
func dsnHint(d Dialect) string {
	if d != Postgres {
		return ""
	}
	return "; check --db or TASKBOT_DB: postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=disable, with the server running and the database created"
}

// IsPostgresDSN tells a PostgreSQL URL from a SQLite path.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqliteDSN is the one place a SQLite DSN is built, for every open of a
// SQLite file. It turns a path into a DSN with the settings taskbot relies
// on: WAL so readers do not block the writer, a busy timeout, immediate
// transactions (a deferred one that reads then writes fails at once when
// another writer holds the lock), foreign keys, and synchronous=FULL because
// an acknowledged report must survive a power cut. Each connection keeps
// its most used statements prepared: parsing them again was a fifth of the
// CPU of a status reply. That cache belongs to the connection and serves
// only whoever holds it, so, unlike GORM's, it cannot make a transaction
// wait for a lock held by someone waiting for the connection; a schema
// change re-prepares the statements it touches. A read-only open (the
// check of a copy) asks SQLite for mode=ro and changes none of those
// settings, which would write to the file. A "file:" URI with settings of
// its own is the operator's, and is taken as given.
func sqliteDSN(path string, readOnly bool) string {
	if strings.HasPrefix(path, "file:") && strings.Contains(path, "?") {
		return path
	}
	params := url.Values{}
	params.Set("_busy_timeout", "10000")
	if readOnly {
		params.Set("mode", "ro")
	} else {
		params.Set("_journal_mode", "WAL")
		params.Set("_txlock", "immediate")
		params.Set("_foreign_keys", "on")
		params.Set("_synchronous", "FULL")
	}
	params.Set("_stmt_cache_size", strconv.Itoa(statementCache))
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + uriPath.Replace(path)
	}
	return path + "?" + params.Encode()
}

// maxPostgresConns bounds an instance's connections to PostgreSQL: the
// outbox's claims and its concurrent marks, the bot's writers and the
// heartbeats, with room to spare, far below the server's default of 100
// for a few instances.
const maxPostgresConns = 16

// statementCache is how many prepared statements a SQLite connection
// keeps: more than the texts of the hot paths (a status reply runs about
// twenty), few enough to cost a few megabytes.
const statementCache = 256

// sqliteDriver opens SQLite connections with the one setting the DSN has
// no parameter for: temporary files in memory (temp_store=MEMORY). What
// SQLite keeps to roll a transaction back to a savepoint — the processor
// takes one per update of a batch — otherwise spills past 64 KiB into a
// temporary file, one write call per page, a fifth of the system calls of
// a batch of status replies. It serves only to roll back inside a
// transaction: a crash is recovered from the WAL.
const sqliteDriver = "taskbot_sqlite3"

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		if _, err := c.Exec("PRAGMA temp_store = MEMORY", nil); err != nil {
			return fmt.Errorf("keep temporary files in memory: %w", err)
		}
		return nil
	}})
}

// uriPath escapes what a file name may hold but an SQLite URI reads
// otherwise: a '#' would end the path and drop every setting after it, a '?'
// start the settings early, a '%' start an escape.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// Close releases the database.
func (s *Store) Close() error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return sqlDB.Close()
}

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.clock().UTC() }

// InTx is the store seen from inside one of its transactions, with the
// same clock.
func (s *Store) InTx(tx *gorm.DB) *Store {
	return &Store{DB: tx, Dialect: s.Dialect, clock: s.clock, driver: s.driver, dsn: s.dsn}
}

// Tx runs fn in one transaction.
func (s *Store) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.DB.WithContext(ctx).Transaction(fn)
}

// Ping checks the database answers (for /healthz).
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// ProbeFresh checks that the database answers on a connection of its own,
// outside the store's pool: when the pool cannot give a connection but a
// fresh one answers, this process, not the database, is stuck.
func (s *Store) ProbeFresh(ctx context.Context) error {
	db, err := sql.Open(s.driver, s.dsn)
	if err != nil {
		return fmt.Errorf("probe database: %w", err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM migrations").Scan(&n); err != nil {
		return fmt.Errorf("probe database: %w", err)
	}
	return nil
}

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// slowStatement is how long a statement may take before it is logged.
const slowStatement = time.Second

// quietTrace passes only failed or slow statements to GORM's slog logger,
// which renders every statement's SQL with its values before deciding not
// to log it: a twentieth of the CPU of a reminder round.
type quietTrace struct{ logger.Interface }

func (q quietTrace) LogMode(level logger.LogLevel) logger.Interface {
	return quietTrace{q.Interface.LogMode(level)}
}

func (q quietTrace) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if err == nil && time.Since(begin) < slowStatement {
		return
	}
	q.Interface.Trace(ctx, begin, fc, err)
}
