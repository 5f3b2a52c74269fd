//go:build unix

package bot_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, user and system: what
// a round costs whatever else the machine runs meanwhile.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
