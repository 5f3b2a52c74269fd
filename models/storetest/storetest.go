// Package storetest opens real databases for tests: a SQLite file in the
// test's temporary directory, and a fresh schema on the PostgreSQL server
// named by TASKBOT_TEST_POSTGRES when that variable is set.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"taskbot/models"
)

// PostgresEnv names the variable holding the test server's DSN.
const PostgresEnv = "TASKBOT_TEST_POSTGRES"

// Each runs fn once per available database, as subtests "sqlite" and
// "postgres". Without PostgreSQL the second subtest is skipped, saying why.
func Each(t *testing.T, opt models.Options, fn func(t *testing.T, s *models.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t, opt)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t, opt)) })
}

// SQLite opens a migrated store on a new file.
func SQLite(t testing.TB, opt models.Options) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), SQLitePath(t), opt)
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// SQLitePath is a new database file path under the test's temp dir.
func SQLitePath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "taskbot.db")
}

// Postgres opens a migrated store on a fresh schema, dropped after the test.
func Postgres(t testing.TB, opt models.Options) *models.Store {
	t.Helper()
	dsn := PostgresDSN(t)
	s, err := models.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// PostgresDSN creates a fresh schema and returns a DSN whose search_path
// points at it; the test is skipped when no server is configured.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests need %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable); .ci/run sets it", PostgresEnv)
	}
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	sqlDB, err := admin.DB()
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 6)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(raw)
	if err := admin.Exec(fmt.Sprintf("CREATE SCHEMA %s", schema)).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(fmt.Sprintf("DROP SCHEMA %s CASCADE", schema))
		_ = sqlDB.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
