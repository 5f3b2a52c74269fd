package models

import (
	"fmt"
	"os"
	"path/filepath"
)

// Files that hold people's data — the database and its journals, backups,
// exports, charts — are readable by their owner only, whatever the umask:
// a shared host's other accounts have no business reading the ledger.
const (
	PrivateFileMode os.FileMode = 0o600
	PrivateDirMode  os.FileMode = 0o700
)

// CreatePrivate creates a new file, which must not exist, readable and
// writable by its owner only.
func CreatePrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, PrivateFileMode)
	if err != nil {
		return nil, err
	}
	// The umask can only take permissions away; a chmod makes the mode
	// exactly this one.
	if err := f.Chmod(PrivateFileMode); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, err
	}
	return f, nil
}

// WritePrivateFile writes data to path as a private file, replacing what
// was there: a new file is written beside it and renamed over it, so the
// result is private even where the old file was not, and never half
// written.
func WritePrivateFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(PrivateFileMode); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// MkdirPrivate creates a directory and its missing parents, each readable
// by its owner only; directories that exist are left as they are.
func MkdirPrivate(path string) error {
	return os.MkdirAll(path, PrivateDirMode)
}
