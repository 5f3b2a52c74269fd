package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm"
)

// Why a backup or restore was refused.
var (
	ErrBackupPostgres = errors.New("a PostgreSQL database is backed up with pg_dump and restored with pg_restore")
	ErrFileExists     = errors.New("file exists already")
	ErrInUse          = errors.New("database in use by a running taskbot")
	ErrNotTaskbotDB   = errors.New("not a taskbot database")
)

// Counts are the sizes of the ledger, to show what a copy holds.
type Counts struct {
	Tasks, Milestones, People, Reports, Outbox int64
	Schema                                     string
}

func (c Counts) String() string {
	return fmt.Sprintf("schema %s: %d tasks, %d milestones, %d people, %d reports, %d outgoing messages",
		c.Schema, c.Tasks, c.Milestones, c.People, c.Reports, c.Outbox)
}

// Counts reads the sizes of the ledger in one transaction, so they belong
// to one point in time.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		for _, q := range []struct {
			model any
			n     *int64
		}{{&Task{}, &c.Tasks}, {&Milestone{}, &c.Milestones}, {&Person{}, &c.People}, {&Report{}, &c.Reports}, {&OutboxMessage{}, &c.Outbox}} {
			if err := tx.Model(q.model).Count(q.n).Error; err != nil {
				return fmt.Errorf("count: %w", err)
			}
		}
		return tx.Raw("SELECT id FROM migrations ORDER BY id DESC LIMIT 1").Scan(&c.Schema).Error
	})
	if err != nil {
		return Counts{}, fmt.Errorf("ledger counts: %w", err)
	}
	return c, nil
}

// Backup writes a consistent copy of a SQLite database to out, which must
// not exist, while the bot may go on writing: VACUUM INTO reads one
// snapshot. The copy is then opened and its counts returned.
func (s *Store) Backup(ctx context.Context, out string) (Counts, error) {
	if s.Dialect != SQLite {
		return Counts{}, ErrBackupPostgres
	}
	// An absolute path is a plain file name to VACUUM INTO and to the
	// check alike; a relative one starting with "file:" would be read as
	// a URI by one and not the other.
	abs, err := filepath.Abs(out)
	if err != nil {
		return Counts{}, fmt.Errorf("backup to %s: %w", out, err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return Counts{}, fmt.Errorf("backup to %s: %w", out, ErrFileExists)
	} else if !errors.Is(err, os.ErrNotExist) {
		return Counts{}, fmt.Errorf("backup to %s: %w", out, err)
	}
	if err := s.DB.WithContext(ctx).Exec("VACUUM INTO ?", abs).Error; err != nil {
		return Counts{}, fmt.Errorf("backup to %s: %w", out, err)
	}
	return VerifyCopy(ctx, abs)
}

// VerifyCopy opens a SQLite file as taskbot's, checks its integrity and
// schema, and returns its counts. It changes nothing in the file, and
// creates nothing beside it.
func VerifyCopy(ctx context.Context, path string) (Counts, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Counts{}, fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return Counts{}, fmt.Errorf("open %s: %w", path, err)
	}
	s, err := Open(ctx, abs, Options{ReadOnly: true})
	if err != nil {
		return Counts{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer s.Close()
	var check string
	if err := s.DB.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&check).Error; err != nil {
		return Counts{}, fmt.Errorf("check %s: %w", path, err)
	}
	if check != "ok" {
		return Counts{}, fmt.Errorf("check %s: %s", path, check)
	}
	c, err := s.Counts(ctx)
	if err != nil {
		return Counts{}, fmt.Errorf("%s: %w: %v", path, ErrNotTaskbotDB, err)
	}
	if c.Schema == "" || !knownSchema(c.Schema) {
		return Counts{}, fmt.Errorf("%s: %w (schema %q)", path, ErrNotTaskbotDB, c.Schema)
	}
	return c, nil
}

func knownSchema(id string) bool {
	for _, v := range migrationIDs {
		if v == id {
			return true
		}
	}
	return false
}

// Restore puts a verified copy in place of the SQLite database at target,
// which no running taskbot may be using. The database it replaces is kept
// beside it as target+".before-restore".
func Restore(ctx context.Context, from, target string) (Counts, error) {
	if IsPostgresDSN(target) {
		return Counts{}, ErrBackupPostgres
	}
	counts, err := VerifyCopy(ctx, from)
	if err != nil {
		return Counts{}, err
	}
	release, err := HoldDatabase(target)
	if err != nil {
		return Counts{}, err
	}
	defer release()
	if _, err := os.Stat(target); err == nil {
		if err := os.Rename(target, target+".before-restore"); err != nil {
			return Counts{}, fmt.Errorf("keep %s: %w", target, err)
		}
	}
	// The old database's journal would be replayed into the restored file.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return Counts{}, fmt.Errorf("restore %s: %w", target, err)
		}
	}
	if err := copyFile(from, target); err != nil {
		return Counts{}, fmt.Errorf("restore %s: %w", target, err)
	}
	return counts, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(to), filepath.Base(to)+".restoring-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}

// lockPath is the file a running taskbot holds locked beside its SQLite
// database.
func lockPath(path string) string {
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path + ".lock"
}
