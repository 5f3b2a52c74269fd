package main

import (
	"context"
	"fmt"
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
		newPeriodCommand(a),
		newBackupCommand(a),
		newRestoreCommand(a),
		newVersionCommand(),
	)
	return root
}

func (a *app) openStore(ctx context.Context) (*models.Store, error) {
	return models.Open(ctx, a.common.DB, models.Options{Logger: a.log})
}

// withStore gives a command body the database, closed when it returns.
func (a *app) withStore(body func(cmd *cobra.Command, args []string, store *models.Store) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		store, err := a.openStore(cmd.Context())
		if err != nil {
			return err
		}
		defer store.Close()
		return body(cmd, args, store)
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
