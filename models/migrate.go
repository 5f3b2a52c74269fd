package models

import (
	"context"
	"embed"
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Each schema change is one frozen SQL file per dialect, never edited once
// released: AutoMigrate cannot drop or rename and rebuilds SQLite tables
// badly, and a Go struct that changes would silently change old migrations.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationIDs lists the schema versions in order.
var migrationIDs = []string{
	"0001_initial",
	"0002_reminders",
	"0003_summaries",
	"0004_close_requests",
	"0005_admin_summaries",
	"0006_inbox_retries",
	"0007_follow_ups",
	"0008_ledger",
	"0009_scaleout",
	"0010_weekly",
	"0011_delivery",
	"0012_coordination_state",
	"0013_leave",
	"0014_extensions",
	"0015_periods",
	"0016_work_groups",
	"0017_visits",
	"0018_commitments",
	"0019_leave_steps",
	"0020_outbox_indexes",
	"0023_admin_languages",
	"0024_reminder_indexes",
	"0026_outbox_fillfactor",
	"0028_leave_draft_tasks",
	"0029_outbox_replies_index",
}

// LatestSchema is the newest schema version.
func LatestSchema() string { return migrationIDs[len(migrationIDs)-1] }

// SchemaVersions lists every schema version, oldest first.
func SchemaVersions() []string { return append([]string(nil), migrationIDs...) }

func (s *Store) migrator(db *gorm.DB) (*gormigrate.Gormigrate, error) {
	var steps []*gormigrate.Migration
	for _, id := range migrationIDs {
		name := fmt.Sprintf("migrations/%s.%s.sql", id, s.Dialect)
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", id, err)
		}
		stmts := splitSQL(string(body))
		steps = append(steps, &gormigrate.Migration{
			ID: id,
			Migrate: func(tx *gorm.DB) error {
				for i, stmt := range stmts {
					if err := tx.Exec(stmt).Error; err != nil {
						return fmt.Errorf("migration %s statement %d: %w", id, i+1, err)
					}
				}
				return nil
			},
		})
	}
	opts := *gormigrate.DefaultOptions
	opts.UseTransaction = true
	return gormigrate.New(db, &opts, steps), nil
}

// Migrate brings the schema to the latest version.
func (s *Store) Migrate(ctx context.Context) error {
	return s.MigrateTo(ctx, LatestSchema())
}

// MigrateTo brings the schema up to version id.
func (s *Store) MigrateTo(ctx context.Context, id string) error {
	return s.withMigrationLock(ctx, func(db *gorm.DB) error {
		m, err := s.migrator(db)
		if err != nil {
			return err
		}
		if err := m.MigrateTo(id); err != nil {
			return fmt.Errorf("migrate schema to %s: %w", id, err)
		}
		return nil
	})
}

// withMigrationLock keeps several instances starting together on one
// PostgreSQL database from running the same migration at once.
func (s *Store) withMigrationLock(ctx context.Context, fn func(db *gorm.DB) error) error {
	db := s.DB.WithContext(ctx)
	if s.Dialect != Postgres {
		return fn(db)
	}
	return db.Connection(func(conn *gorm.DB) error {
		var name struct{ DB, Schema string }
		if err := conn.Session(&gorm.Session{NewDB: true}).Raw("SELECT current_database() AS db, current_schema() AS schema").Scan(&name).Error; err != nil {
			return fmt.Errorf("lock schema for migration: %w", err)
		}
		lockKey := lockName(name.DB, name.Schema, "migrate")
		if err := conn.Exec("SELECT pg_advisory_lock(?)", lockKey).Error; err != nil {
			return fmt.Errorf("lock schema for migration: %w", err)
		}
		defer conn.Exec("SELECT pg_advisory_unlock(?)", lockKey)
		return fn(conn)
	})
}

func splitSQL(body string) []string {
	var out []string
	for _, stmt := range strings.Split(body, ";\n") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			out = append(out, strings.TrimSuffix(stmt, ";"))
		}
	}
	return out
}
