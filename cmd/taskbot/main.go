// Command taskbot follows up a government's key tasks in Telegram: it
// reminds each task's attendants, records their status replies and tells
// the leaders. Run `taskbot --help` for the subcommands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // schedules need zone data even on hosts without it
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "taskbot:", err)
		os.Exit(1)
	}
}
