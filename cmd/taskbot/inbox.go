package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"taskbot/models"
)

func newInboxCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inbox",
		Short: "List updates set aside after failing every retry (requeue them with `inbox retry`)",
		Args:  cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			failed, err := store.FailedUpdates(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(failed) == 0 {
				fmt.Fprintln(out, "no failed updates")
				return nil
			}
			var tb table
			tb.row("ID", "UPDATE", "CHAT", "ATTEMPTS", "RECEIVED", "LAST ERROR")
			for _, u := range failed {
				tb.row(fmt.Sprint(u.ID), fmt.Sprint(u.UpdateID), fmt.Sprint(u.ChatID), fmt.Sprint(u.Attempts),
					u.ReceivedAt.UTC().Format(time.RFC3339), firstLine(u.LastError, 160))
			}
			return tb.write(out)
		}),
	}
	cmd.AddCommand(newInboxRetryCommand(a))
	return cmd
}

func newInboxRetryCommand(a *app) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "retry (ID... | --all)",
		Short: "Requeue failed updates: the running bot handles them again, attempts counted afresh",
		Args: func(_ *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return errors.New("give the ids listed by `taskbot inbox`, or --all")
			}
			return nil
		},
		RunE: a.withStore(func(cmd *cobra.Command, args []string, store *models.Store) error {
			ids := make([]uint, 0, len(args))
			for _, arg := range args {
				id, err := strconv.ParseUint(arg, 10, 0)
				if err != nil || id == 0 {
					return fmt.Errorf("%q is not an id listed by `taskbot inbox`", arg)
				}
				ids = append(ids, uint(id))
			}
			n, err := store.RequeueUpdates(cmd.Context(), ids...)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "requeued %d update(s); the running bot handles them within 15 seconds\n", n)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "requeue every failed update")
	return cmd
}

// firstLine keeps an error readable in a table: a panic's stack trace
// follows its first line.
func firstLine(s string, limit int) string {
	s, _, cut := strings.Cut(s, "\n")
	if utf8.RuneCountInString(s) > limit {
		s, cut = string([]rune(s)[:limit]), true
	}
	if cut {
		s += " …"
	}
	return s
}
