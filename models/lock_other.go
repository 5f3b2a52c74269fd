//go:build !unix

package models

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked by another process")

// lockFile cannot lock files on this system: restore then relies on the
// admin having stopped the bot.
func lockFile(*os.File) error { return nil }
