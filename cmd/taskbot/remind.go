package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/scheduler"
)

func newRemindCommand(a *app) *cobra.Command {
	var (
		now  bool
		task string
		tz   string
		ro   reminderOptions
	)
	cmd := &cobra.Command{
		Use:   "remind --now [--task CODE]",
		Short: "Queue a reminder round at once; the running bot sends it within seconds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !now {
				return errors.New("give --now: reminders on schedule are sent by `taskbot run`")
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return fmt.Errorf("--tz %q: %w", tz, err)
			}
			store, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			catalog, err := bot.NewCatalog()
			if err != nil {
				return err
			}
			r := ro.reminders(store, catalog, loc, a.log, nil)
			bar := newProgress(cmd.OutOrStdout(), -1, "reminding", false)
			r.Progress = func(done, total int) { bar.set(done, total) }
			n, err := r.RemindNow(cmd.Context(), strings.ToUpper(task), nil)
			bar.finish()
			if err != nil {
				return err
			}
			a.signalLeader(cmd.Context(), store)
			fmt.Fprintf(cmd.OutOrStdout(), "queued %d reminder(s)\n", n)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&now, "now", false, "queue the round now")
	fs.StringVar(&task, "task", "", "only this task (default: every open task)")
	fs.StringVar(&tz, "tz", "Asia/Shanghai", "time zone of people who have not chosen one")
	withEnv(fs, "tz", "TASKBOT_TZ")
	ro.register(fs)
	return cmd
}

func newCalendarCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "Show the work calendar: public holidays and adjusted working days (调休)",
		Args:  cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			var days []models.CalendarDay
			if err := store.DB.WithContext(cmd.Context()).Order("day").Find(&days).Error; err != nil {
				return err
			}
			if len(days) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no calendar loaded: `taskbot calendar import FILE` (reminders follow it with --workdays)")
				return nil
			}
			var tb table
			for _, d := range days {
				tb.row(d.Day, d.Kind, d.Name)
			}
			return tb.write(cmd.OutOrStdout())
		}),
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "import FILE",
		Short: "Load holidays and adjusted working days from a .csv or .yaml file",
		Long: `Load a year's public holidays and adjusted working days (调休). CSV columns:
date, kind (holiday/workday, 休/班), name; or YAML with "holidays:" and "workdays:"
lists (dates or {date, name}, ranges as 2026-10-01..2026-10-07). Every entry is
checked first; nothing changes if one is wrong. A date already loaded is updated.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			days, err := scheduler.ParseCalendar(f, args[0])
			if err != nil {
				return fmt.Errorf("%s: nothing imported: %w", args[0], err)
			}
			if _, err := scheduler.NewCalendar(days); err != nil {
				return fmt.Errorf("%s: nothing imported: %w", args[0], err)
			}
			store, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			err = store.Tx(cmd.Context(), func(tx *gorm.DB) error {
				for _, d := range days {
					row := models.CalendarDay{Day: d.Date, Kind: string(d.Kind), Name: d.Name}
					err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "day"}},
						DoUpdates: clause.AssignmentColumns([]string{"kind", "name"})}).Create(&row).Error
					if err != nil {
						return fmt.Errorf("store %s: %w", d.Date, err)
					}
				}
				return models.Audit(tx, nil, nil, "calendar_import", fmt.Sprintf("%d days from %s", len(days), args[0]))
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "loaded %d day(s)\n", len(days))
			return nil
		},
	})
	return cmd
}
