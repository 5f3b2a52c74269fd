package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"taskbot/models"
)

func newBackupCommand(a *app) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Write a consistent copy of the SQLite database, also while the bot runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("--out FILE is required: the new file to write the copy to")
			}
			if models.IsPostgresDSN(a.common.DB) {
				return fmt.Errorf("%w, e.g. pg_dump --format=custom --file=taskbot.dump \"$TASKBOT_DB\"", models.ErrBackupPostgres)
			}
			store, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			bar := newProgress(cmd.OutOrStdout(), -1, "backing up to "+out, false)
			counts, err := store.Backup(cmd.Context(), out)
			bar.finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backed up %s to %s and checked the copy: %s\n", a.common.DB, out, counts)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the new file to write the copy to (it must not exist)")
	return cmd
}

func newRestoreCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Put a backup in place of the SQLite database; the bot must be stopped",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := models.Restore(cmd.Context(), args[0], a.common.DB)
			switch {
			case errors.Is(err, models.ErrInUse):
				return fmt.Errorf("a taskbot is running on %s; stop it before restoring: %w", a.common.DB, err)
			case errors.Is(err, models.ErrBackupPostgres):
				return fmt.Errorf("%w, e.g. pg_restore --clean --dbname=\"$TASKBOT_DB\" taskbot.dump", err)
			case err != nil:
				return err
			}
			kept := "nothing was there to replace"
			if res.Kept != "" {
				kept = "the replaced database is kept as " + res.Kept
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s from %s (%s): %s\n", a.common.DB, args[0], kept, res.Counts)
			return nil
		},
	}
}
