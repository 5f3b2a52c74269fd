package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"taskbot/models"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

// app carries what the root command prepared for its subcommands.
type app struct {
	common common
	log    *slog.Logger
}

func newRootCommand() *cobra.Command {
	a := &app{}
	root := &cobra.Command{
		Use:   "taskbot",
		Short: "Telegram follow-up of key tasks: reminders, status replies, leader summaries",
		Long: `taskbot follows up a government's key tasks in Telegram. It sends scheduled
reminders to each task's special attendants, records their status replies
against the task's milestones, and keeps the leaders informed.

Every flag can also be set with the TASKBOT_* variable shown in its help;
a flag on the command line wins over the variable.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd); err != nil {
				return err
			}
			log, err := a.common.logger(os.Stderr)
			if err != nil {
				return err
			}
			a.log = log
			slog.SetDefault(log)
			return nil
		},
	}
	a.common.register(root.PersistentFlags())
	root.AddCommand(
		newRunCommand(a),
		newDemoCommand(a),
		newImportCommand(a),
		newInviteCommand(a),
		newPeopleCommand(a),
		newTasksCommand(a),
		newRemindCommand(a),
		newInboxCommand(a),
		newExportCommand(a),
		newSummaryCommand(a),
		newCalendarCommand(a),
		newLeaveCommand(a),
		newBoardLinkCommand(a),
		newPeriodCommand(a),
		newCommitmentsCommand(a),
		newBackupCommand(a),
		newRestoreCommand(a),
		newVersionCommand(),
	)
	sayWhatToDo(root)
	return root
}

// sayWhatToDo makes cobra's own errors (a missing argument, an unknown
// flag) end with the command's usage line and where to read more: "accepts
// 1 arg(s), received 0" alone does not tell a newcomer what to type.
func sayWhatToDo(root *cobra.Command) {
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nusage: %s (see `%s --help`)", err, c.UseLine(), c.CommandPath())
	})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if check := c.Args; check != nil {
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := check(cmd, args); err != nil {
					return fmt.Errorf("%w\nusage: %s (see `%s --help`)", err, cmd.UseLine(), cmd.CommandPath())
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func (a *app) openStore(ctx context.Context) (*models.Store, error) {
	return models.Open(ctx, a.common.DB, models.Options{Logger: a.log})
}

// openExisting opens the database for a command that only reads: a SQLite
// file that does not exist is an error naming it, never a new empty
// database that every later command would then quietly use.
func (a *app) openExisting(ctx context.Context) (*models.Store, error) {
	if !models.IsPostgresDSN(a.common.DB) {
		if _, err := os.Stat(a.common.DB); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s (--db or TASKBOT_DB): load a task list first with `taskbot import FILE`, or name the database the bot uses", a.common.DB)
		}
	}
	return a.openStore(ctx)
}

// withExistingStore is withStore for commands that only read.
func (a *app) withExistingStore(body func(cmd *cobra.Command, args []string, store *models.Store) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		store, err := a.openExisting(cmd.Context())
		if err != nil {
			return err
		}
		defer store.Close()
		return body(cmd, args, store)
	}
}

// withStore gives a command body the database, closed when it returns.
func (a *app) withStore(body func(cmd *cobra.Command, args []string, store *models.Store) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		store, err := a.openStore(cmd.Context())
		if err != nil {
			return err
		}
		defer store.Close()
		if err := body(cmd, args, store); err != nil {
			return err
		}
		a.signalLeader(cmd.Context(), store)
		return nil
	}
}

// signalLeader tells the running bot, on PostgreSQL, that a command may
// have queued messages or requeued updates, so that it takes them at once
// rather than at its next look. A signal that does not go out only delays
// them: it is logged, and the command still succeeds.
func (a *app) signalLeader(ctx context.Context, store *models.Store) {
	for _, sig := range []models.Signal{models.SignalOutbox, models.SignalInbox} {
		if err := store.Signal(ctx, sig); err != nil {
			a.log.Warn("the running bot will find the work at its next look", "err", err)
		}
	}
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "taskbot", buildVersion())
		},
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
