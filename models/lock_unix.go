//go:build unix

package models

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// HoldDatabase marks a SQLite database as in use by this process until
// release is called or the process dies (the kernel drops the lock, so a
// crash leaves nothing to clean up). It fails with ErrInUse while another
// process holds it. PostgreSQL databases are not held.
func HoldDatabase(dsn string) (release func(), err error) {
	if IsPostgresDSN(dsn) {
		return func() {}, nil
	}
	path := lockPath(dsn)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", dsn, ErrInUse)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
