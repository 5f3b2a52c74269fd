package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
)

// newLeaveCommand records and lists leave (请假) as an admin would in chat.
func newLeaveCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "leave",
		Short: "Record, list or cancel people's leave (their deputies report for them)",
	}
	cmd.AddCommand(newLeaveAddCommand(a), newLeaveListCommand(a), newLeaveCancelCommand(a))
	return cmd
}

type leaveAddOptions struct {
	Person, From, To, Deputy, Kind, Reason, TimeZone string
	// TaskDeputies are CODE=NAME: a deputy of one task, before Deputy.
	TaskDeputies []string
}

func newLeaveAddCommand(a *app) *cobra.Command {
	var o leaveAddOptions
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Record a leave: no reminders to the person meanwhile, their deputy gets them",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			loc, err := time.LoadLocation(o.TimeZone)
			if err != nil {
				return fmt.Errorf("--tz %q: %w", o.TimeZone, err)
			}
			from, err := time.Parse(time.DateOnly, o.From)
			if err != nil {
				return fmt.Errorf("--from %q: want YYYY-MM-DD", o.From)
			}
			to := from
			if o.To != "" {
				if to, err = time.Parse(time.DateOnly, o.To); err != nil {
					return fmt.Errorf("--to %q: want YYYY-MM-DD", o.To)
				}
			}
			var l *models.Leave
			err = store.Tx(cmd.Context(), func(tx *gorm.DB) error {
				away, err := onePersonNamed(tx, o.Person)
				if err != nil {
					return fmt.Errorf("--person: %w", err)
				}
				if away.TimeZone != "" {
					if own, err := time.LoadLocation(away.TimeZone); err == nil {
						loc = own
					}
				}
				in := models.LeaveInput{PersonID: away.ID, Kind: models.LeaveKind(o.Kind), FirstDay: from, LastDay: to, Location: loc, Reason: o.Reason}
				if o.Deputy != "" {
					deputy, err := onePersonNamed(tx, o.Deputy)
					if err != nil {
						return fmt.Errorf("--deputy: %w", err)
					}
					in.DeputyID = deputy.ID
				}
				for _, pair := range o.TaskDeputies {
					code, name, ok := strings.Cut(pair, "=")
					if !ok || strings.TrimSpace(code) == "" || strings.TrimSpace(name) == "" {
						return fmt.Errorf("--task-deputy %q: want TASK=NAME, e.g. T07=李四", pair)
					}
					task, err := models.TaskByCode(tx, strings.TrimSpace(code))
					if err != nil {
						return fmt.Errorf("--task-deputy %q: %w", pair, err)
					}
					deputy, err := onePersonNamed(tx, strings.TrimSpace(name))
					if err != nil {
						return fmt.Errorf("--task-deputy %q: %w", pair, err)
					}
					if in.TaskDeputies == nil {
						in.TaskDeputies = map[uint]uint{}
					}
					in.TaskDeputies[task.Task.ID] = deputy.ID
				}
				// The command line acts as an admin, on no one's behalf but
				// the person's own.
				l, err = models.RecordLeave(tx, away.ID, true, in, store.Now())
				return err
			})
			if err != nil {
				return fmt.Errorf("leave of %s: %w", o.Person, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "leave %d recorded: %s %s to %s (%s)\n", l.ID, o.Person, bot.DueDate(l.FirstDay), bot.DueDate(l.LastDay), l.Kind)
			return nil
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Person, "person", "", "who is away, by name or 姓名(单位)")
	fs.StringVar(&o.From, "from", "", "first day of the leave (YYYY-MM-DD, in the person's time zone)")
	fs.StringVar(&o.To, "to", "", "last day of the leave (default: the first)")
	fs.StringVar(&o.Deputy, "deputy", "", "who reports for them meanwhile (a bound person of one of their tasks or their department)")
	fs.StringArrayVar(&o.TaskDeputies, "task-deputy", nil, "TASK=NAME: who reports for them on that task, before --deputy (repeat for several tasks)")
	fs.StringVar(&o.Kind, "kind", string(models.LeaveOther), "personal, sick, trip, meeting or other")
	fs.StringVar(&o.Reason, "reason", "", "why, shown to admins only")
	fs.StringVar(&o.TimeZone, "tz", "Asia/Shanghai", "time zone of the days for a person who has not chosen one")
	_ = cmd.MarkFlagRequired("person")
	_ = cmd.MarkFlagRequired("from")
	return cmd
}

func newLeaveListCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the leave that has not ended",
		Args:  cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			db := store.DB.WithContext(cmd.Context())
			var leaves []models.Leave
			if err := db.Preload("Deputies").Where("cancelled_at IS NULL AND ends_at > ?", store.Now()).Order("starts_at").Find(&leaves).Error; err != nil {
				return fmt.Errorf("list leave: %w", err)
			}
			names := map[uint]string{}
			name := func(id uint) string {
				if n, ok := names[id]; ok {
					return n
				}
				var p models.Person
				if db.Take(&p, id).Error == nil {
					names[id] = p.Key
				}
				return names[id]
			}
			var tb table
			tb.row("ID", "PERSON", "FROM", "TO", "KIND", "DEPUTY", "REASON")
			for _, l := range leaves {
				var deputies []string
				for _, d := range l.Deputies {
					var code string
					db.Model(&models.Task{}).Where("id = ?", d.TaskID).Pluck("code", &code)
					deputies = append(deputies, code+"="+name(d.DeputyID))
				}
				if l.DeputyID != nil {
					deputies = append(deputies, name(*l.DeputyID))
				}
				deputy := strings.Join(deputies, ", ")
				if deputy == "" {
					deputy = "-"
				}
				tb.row(fmt.Sprint(l.ID), name(l.PersonID), bot.DueDate(l.FirstDay), bot.DueDate(l.LastDay), string(l.Kind), deputy, l.Reason)
			}
			if len(leaves) == 0 {
				tb.row("no leave recorded")
			}
			return tb.write(cmd.OutOrStdout())
		}),
	}
}

func newLeaveCancelCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Withdraw a leave that has not ended (its id from `taskbot leave list`)",
		Args:  cobra.ExactArgs(1),
		RunE: a.withStore(func(cmd *cobra.Command, args []string, store *models.Store) error {
			var id uint
			if _, err := fmt.Sscan(args[0], &id); err != nil || id == 0 {
				return fmt.Errorf("leave id %q: want a number from `taskbot leave list`", args[0])
			}
			err := store.Tx(cmd.Context(), func(tx *gorm.DB) error {
				var l models.Leave
				if err := tx.Take(&l, id).Error; err != nil {
					return fmt.Errorf("leave %d: %w", id, models.ErrNotFound)
				}
				_, err := models.CancelLeave(tx, l.PersonID, true, id, store.Now())
				return err
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "leave %d withdrawn\n", id)
			return nil
		}),
	}
}

// onePersonNamed is the one person a name given by hand means.
func onePersonNamed(tx *gorm.DB, name string) (*models.Person, error) {
	people, err := models.PeopleNamed(tx, name)
	if err != nil {
		return nil, err
	}
	switch len(people) {
	case 0:
		return nil, fmt.Errorf("no person %q: see `taskbot people`", name)
	case 1:
		return &people[0], nil
	}
	keys := make([]string, len(people))
	for i, p := range people {
		keys[i] = p.Key
	}
	return nil, errors.New("several people are called " + name + ": " + strings.Join(keys, ", ") + "; give 姓名(单位)")
}
