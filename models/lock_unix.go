//go:build unix

package models

import (
	"errors"
	"os"
	"syscall"
)

var errLocked = errors.New("locked by another process")

// lockFile takes an exclusive flock on f, held until f is closed. flock,
// unlike the POSIX locks SQLite takes, belongs to the open file and not
// to the process, so SQLite opening and closing the same file in this
// process leaves it alone.
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}
