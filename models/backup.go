package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

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
	// The copy's file is made here, private and new: VACUUM INTO fills
	// an empty file and keeps its mode.
	f, err := CreatePrivate(abs)
	if errors.Is(err, fs.ErrExist) {
		return Counts{}, fmt.Errorf("backup to %s: %w", out, ErrFileExists)
	}
	if err != nil {
		return Counts{}, fmt.Errorf("backup to %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(abs)
		return Counts{}, fmt.Errorf("backup to %s: %w", out, err)
	}
	if err := s.DB.WithContext(ctx).Exec("VACUUM INTO ?", abs).Error; err != nil {
		_ = os.Remove(abs)
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

// Restored says what a restore put in place and where the database it
// replaced is kept ("" when there was none).
type Restored struct {
	Counts Counts
	Kept   string
}

// keptSuffix names the copies a restore keeps of the databases it
// replaced: target.before-restore.1, .2, …
const keptSuffix = ".before-restore"

// Restore puts a checked copy of from in place of the SQLite database at
// target (a path or file: URI), which no running taskbot may hold. The
// database it replaces is kept whole — its committed journal checkpointed
// into it, or kept beside it — as target.before-restore.N, the first N
// free: no restore overwrites anything. A source that is the target itself
// or one of its kept copies is refused, by resolved path and by identity.
func Restore(ctx context.Context, from, target string) (Restored, error) {
	if IsPostgresDSN(target) {
		return Restored{}, ErrBackupPostgres
	}
	dbPath, err := databasePath(target)
	if err != nil {
		return Restored{}, err
	}
	src, err := filepath.Abs(from)
	if err != nil {
		return Restored{}, fmt.Errorf("restore from %s: %w", from, err)
	}
	if src, err = filepath.EvalSymlinks(src); err != nil {
		return Restored{}, fmt.Errorf("restore from %s: %w", from, err)
	}
	if err := checkRestoreSource(src, dbPath); err != nil {
		return Restored{}, fmt.Errorf("restore from %s: %w", from, err)
	}
	// Checked once before the lock, so that a wrong file is refused
	// without touching the database, and again as copied.
	if _, err := VerifyCopy(ctx, src); err != nil {
		return Restored{}, err
	}
	held, err := holdDatabaseFile(dbPath)
	if err != nil {
		return Restored{}, err
	}
	defer held.release()
	done := false
	if held.created {
		// Nothing was there: the empty file only held the place.
		defer func() {
			if !done {
				_ = os.Remove(dbPath)
			}
		}()
	}
	tmp, err := copyForRestore(ctx, src, dbPath)
	if err != nil {
		return Restored{}, err
	}
	defer os.Remove(tmp)
	counts, err := VerifyCopy(ctx, tmp)
	if err != nil {
		return Restored{}, fmt.Errorf("restore from %s: the copy fails its check: %w", from, err)
	}
	var kept string
	if !held.created {
		if kept, err = keepReplaced(ctx, dbPath); err != nil {
			return Restored{}, err
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return Restored{}, fmt.Errorf("restore %s: %w", dbPath, err)
	}
	done = true
	if err := syncDir(filepath.Dir(dbPath)); err != nil {
		return Restored{}, fmt.Errorf("restore %s: %w", dbPath, err)
	}
	return Restored{Counts: counts, Kept: kept}, nil
}

// ErrRestoreSource refuses to restore a database from itself or from a
// copy an earlier restore kept of it, which the restore would replace or
// stand beside under the same name.
var ErrRestoreSource = errors.New("the file to restore is the database itself or a copy kept by an earlier restore; copy it to another name first")

func checkRestoreSource(src, dbPath string) error {
	srcInfo, err := os.Stat(src)
	if err != nil {
		return err
	}
	if src == dbPath {
		return ErrRestoreSource
	}
	dir, base := filepath.Dir(dbPath), filepath.Base(dbPath)
	if filepath.Dir(src) == dir && strings.HasPrefix(filepath.Base(src), base+keptSuffix) {
		return ErrRestoreSource
	}
	// Another name of the same file (a hard link, a bind mount).
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if e.Name() != base && !strings.HasPrefix(e.Name(), base+keptSuffix) {
			continue
		}
		if info, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && os.SameFile(info, srcInfo) {
			return ErrRestoreSource
		}
	}
	return nil
}

// copyForRestore writes a copy of the checked source, one snapshot of it
// with whatever its journal holds, to a new private file beside the
// database.
func copyForRestore(ctx context.Context, src, dbPath string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(dbPath), filepath.Base(dbPath)+".restoring-*")
	if err != nil {
		return "", fmt.Errorf("restore %s: %w", dbPath, err)
	}
	tmp := f.Name()
	if err := f.Chmod(PrivateFileMode); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return "", fmt.Errorf("restore %s: %w", dbPath, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("restore %s: %w", dbPath, err)
	}
	s, err := Open(ctx, src, Options{ReadOnly: true})
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("open %s: %w", src, err)
	}
	defer s.Close()
	// VACUUM INTO writes into an empty file and keeps its mode.
	if err := s.DB.WithContext(ctx).Exec("VACUUM INTO ?", tmp).Error; err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("copy %s: %w", src, err)
	}
	return tmp, nil
}

// keepReplaced keeps the database at dbPath under the first free name
// dbPath.before-restore.N, whole: its write-ahead log is checkpointed into
// it first, and whatever journal remains (a damaged database cannot be
// checkpointed) is moved beside the kept copy, never deleted. dbPath itself
// stays in place until the restored copy is renamed over it.
func keepReplaced(ctx context.Context, dbPath string) (string, error) {
	if s, err := Open(ctx, dbPath, Options{SkipMigrate: true}); err == nil {
		// Best effort: a database too damaged to open keeps its journal
		// beside the kept copy instead.
		_ = s.DB.WithContext(ctx).Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
		_ = s.Close()
	}
	kept, err := linkNew(dbPath, dbPath+keptSuffix)
	if err != nil {
		return "", fmt.Errorf("keep %s: %w", dbPath, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		j := dbPath + suffix
		info, err := os.Stat(j)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("keep %s: %w", j, err)
		}
		if suffix == "-wal" && info.Size() == 0 {
			// Nothing left in it: it would only be replayed, empty, into
			// the restored database.
			if err := os.Remove(j); err != nil {
				return "", fmt.Errorf("restore %s: %w", dbPath, err)
			}
			continue
		}
		if _, err := os.Lstat(kept + suffix); err == nil {
			return "", fmt.Errorf("keep %s: %s: %w", j, kept+suffix, ErrFileExists)
		}
		// The replaced database's journal must leave dbPath, where it
		// would be replayed into the restored one.
		if err := os.Rename(j, kept+suffix); err != nil {
			return "", fmt.Errorf("keep %s: %w", j, err)
		}
	}
	return kept, nil
}

// linkNew gives the file at path the first name prefix.N (N = 1, 2, …)
// that does not exist, by a hard link, or by a copy where the file system
// has none. It never replaces a file.
func linkNew(path, prefix string) (string, error) {
	for n := 1; n <= 100000; n++ {
		name := fmt.Sprintf("%s.%d", prefix, n)
		err := os.Link(path, name)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			err = copyNew(path, name)
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return name, syncDir(filepath.Dir(name))
	}
	return "", fmt.Errorf("no free name %s.N", prefix)
}

// copyNew copies a file to a new private file, which must not exist.
func copyNew(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := CreatePrivate(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		_ = os.Remove(to)
		return err
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		_ = os.Remove(to)
		return err
	}
	return out.Close()
}

// syncDir makes the names just given in dir survive a power cut.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
