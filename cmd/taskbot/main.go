// Command taskbot follows up a government's key tasks in Telegram: it
// reminds each task's attendants, records their status replies and tells
// the leaders. Run `taskbot --help` for the subcommands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	_ "time/tzdata" // schedules need zone data even on hosts without it
)

func main() {
	// taskbot serves no heap profile; sampling one for nothing cost the
	// idle bot more than a megabyte of bucket tables.
	runtime.MemProfileRate = 0
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "taskbot:", err)
		os.Exit(1)
	}
}
