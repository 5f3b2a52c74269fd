package models

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// sqliteFile is the file a SQLite DSN names: the DSN itself when it is a
// plain path, or the path of a "file:" URI with its escapes undone. It is
// "" for an in-memory database.
func sqliteFile(dsn string) string {
	if !strings.HasPrefix(dsn, "file:") {
		if dsn == ":memory:" {
			return ""
		}
		return dsn
	}
	rest := strings.TrimPrefix(dsn, "file:")
	query := ""
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		if rest[i] == '?' {
			query = rest[i+1:]
		}
		rest = rest[:i]
	}
	if q, err := url.ParseQuery(query); err == nil && q.Get("mode") == "memory" {
		return ""
	}
	// SQLite takes "file:///path" and "file://localhost/path" as /path.
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		i := strings.IndexByte(after, '/')
		if i < 0 {
			return ""
		}
		rest = after[i:]
	}
	if rest == ":memory:" {
		return ""
	}
	if p, err := url.PathUnescape(rest); err == nil {
		return p
	}
	return rest
}

// resolvePath makes a path absolute and resolves its symbolic links, so
// that two names of one file compare equal. A file that does not exist yet
// is resolved through its directory.
func resolvePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err == nil {
		return real, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if _, lerr := os.Lstat(abs); lerr == nil {
		// A symbolic link to nothing: the file it names is the one a
		// database open would create.
		return "", fmt.Errorf("%s is a dangling symbolic link", path)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(abs)), nil
}

// databasePath is the resolved file of a SQLite DSN.
func databasePath(dsn string) (string, error) {
	file := sqliteFile(dsn)
	if file == "" {
		return "", fmt.Errorf("%s: an in-memory database has no file", dsn)
	}
	path, err := resolvePath(file)
	if err != nil {
		return "", fmt.Errorf("database %s: %w", dsn, err)
	}
	return path, nil
}

// heldDatabase is a SQLite file locked by this process.
type heldDatabase struct {
	f *os.File
	// created says the file did not exist before it was locked.
	created bool
}

// holdDatabaseFile locks the database file itself, creating it (private)
// when it does not exist, so that the lock cannot be separated from the
// database: not by a symbolic link, and not by deleting a lock file. The
// file is locked, then checked to be still the one at path, since a
// restore may have put another in its place in between.
func holdDatabaseFile(path string) (*heldDatabase, error) {
	for range 5 {
		created := false
		f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			created = true
			if err := f.Chmod(0o600); err != nil {
				_ = f.Close()
				return nil, fmt.Errorf("lock %s: %w", path, err)
			}
		} else if errors.Is(err, fs.ErrExist) {
			f, err = os.Open(path)
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // replaced between the two opens
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := lockFile(f); err != nil {
			_ = f.Close()
			if errors.Is(err, errLocked) {
				return nil, fmt.Errorf("%s: %w", path, ErrInUse)
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		locked, err := f.Stat()
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if now, err := os.Stat(path); err == nil && os.SameFile(locked, now) {
			return &heldDatabase{f: f, created: created}, nil
		}
		_ = f.Close()
	}
	return nil, fmt.Errorf("lock %s: the file keeps being replaced", path)
}

func (h *heldDatabase) release() { _ = h.f.Close() }

// HoldDatabase marks a SQLite database as in use by this process until
// release is called or the process dies (the kernel drops the lock, so a
// crash leaves nothing to clean up). It fails with ErrInUse while another
// process holds it, whatever name (symbolic link, relative path, file: URI)
// either gives the file. A database that does not exist yet is created,
// empty and private. PostgreSQL databases are not held.
//
// The lock is on the database file itself. Release it only after closing
// every store opened on it: closing a descriptor of a file drops the POSIX
// locks SQLite holds on it in this process.
func HoldDatabase(dsn string) (release func(), err error) {
	if IsPostgresDSN(dsn) {
		return func() {}, nil
	}
	path, err := databasePath(dsn)
	if err != nil {
		return nil, err
	}
	h, err := holdDatabaseFile(path)
	if err != nil {
		return nil, err
	}
	return h.release, nil
}

// createDatabaseFile creates the file of a SQLite database that does not
// exist yet, private, before SQLite does: SQLite would create it with the
// umask's permissions, and gives its -wal and -shm the main file's.
func createDatabaseFile(dsn string) error {
	file := sqliteFile(dsn)
	if file == "" || strings.Contains(dsn, "mode=") {
		return nil
	}
	f, err := CreatePrivate(file)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", file, err)
	}
	return f.Close()
}
