package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
)

// newPeriodCommand manages the assessment periods (开门红, 季度考核) and
// prints their figures.
func newPeriodCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "period",
		Short: "Assessment periods (开门红, 季度考核): add, list, remove, and show their figures",
		Long: `Calendar quarters (2027Q1, 2027Q2, …) are assessment periods without being
added; add named windows such as "2027Q1 开门红" beside them (they may
overlap). When a period ends its figures are frozen, once, and read from
then on as they stood at its end; a later change shows as a note.`,
	}
	cmd.AddCommand(newPeriodAddCommand(a), newPeriodListCommand(a), newPeriodRemoveCommand(a), newPeriodShowCommand(a))
	return cmd
}

func newPeriodAddCommand(a *app) *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "add NAME --from YYYY-MM-DD --to YYYY-MM-DD",
		Short: "Add a named period, e.g. \"2027Q1 开门红\" --from 2027-02-21 --to 2027-03-31",
		Args:  cobra.ExactArgs(1),
		RunE: a.withStore(func(cmd *cobra.Command, args []string, store *models.Store) error {
			first, err := time.Parse(time.DateOnly, from)
			if err != nil {
				return fmt.Errorf("--from %q: want YYYY-MM-DD", from)
			}
			last, err := time.Parse(time.DateOnly, to)
			if err != nil {
				return fmt.Errorf("--to %q: want YYYY-MM-DD", to)
			}
			var p *models.Period
			err = store.Tx(cmd.Context(), func(tx *gorm.DB) error {
				p, err = models.AddPeriod(tx, models.PeriodInput{Name: args[0], FirstDay: first, LastDay: last})
				return err
			})
			if err != nil {
				return fmt.Errorf("period %q: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "period %s added: %s to %s\n", p.Name, bot.DueDate(p.FirstDay), bot.DueDate(p.LastDay))
			return nil
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&from, "from", "", "first day of the period (YYYY-MM-DD)")
	fs.StringVar(&to, "to", "", "last day of the period (YYYY-MM-DD), included")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func newPeriodListCommand(a *app) *cobra.Command {
	var tz string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the named periods and whether each runs, ended or is frozen",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return fmt.Errorf("--tz %q: %w", tz, err)
			}
			db := store.DB.WithContext(cmd.Context())
			today := models.Today(store.Now(), loc)
			periods, err := models.NamedPeriods(db)
			if err != nil {
				return err
			}
			rows := [][]string{{"NAME", "FROM", "TO", "STATE"}}
			for _, p := range periods {
				state := "coming"
				switch snap, err := models.SnapshotOf(db, p.Name); {
				case err != nil:
					return err
				case snap != nil:
					state = "frozen " + snap.FrozenAt.In(loc).Format(time.DateOnly)
				case p.Ended(today):
					state = "ended, not frozen yet"
				case p.Begun(today):
					state = "running"
				}
				rows = append(rows, []string{p.Name, bot.DueDate(p.FirstDay), bot.DueDate(p.LastDay), state})
			}
			out := cmd.OutOrStdout()
			if len(periods) == 0 {
				fmt.Fprintln(out, "no named periods: add one with `taskbot period add NAME --from DAY --to DAY`")
			} else {
				alignTable(out, rows)
			}
			fmt.Fprintf(out, "calendar quarters are periods without being added: today is in %s\n", models.QuarterOf(today).Name)
			return nil
		}),
	}
	cmd.Flags().StringVar(&tz, "tz", "Asia/Shanghai", "time zone of the district's calendar day")
	withEnv(cmd.Flags(), "tz", "TASKBOT_TZ")
	return cmd
}

func newPeriodRemoveCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a named period whose figures are not frozen yet",
		Args:  cobra.ExactArgs(1),
		RunE: a.withStore(func(cmd *cobra.Command, args []string, store *models.Store) error {
			var p *models.Period
			err := store.Tx(cmd.Context(), func(tx *gorm.DB) error {
				var err error
				p, err = models.RemovePeriod(tx, args[0])
				return err
			})
			if errors.Is(err, models.ErrPeriodUnknown) {
				return fmt.Errorf("period %q: %w: see `taskbot period list`", args[0], err)
			}
			if err != nil {
				return fmt.Errorf("period %q: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "period %s removed (%s to %s)\n", p.Name, bot.DueDate(p.FirstDay), bot.DueDate(p.LastDay))
			return nil
		}),
	}
}

type periodShowOptions struct {
	By, Lang, TZ string
}

// periodHeaders of `period show`, by language.
var periodHeaders = map[string][]string{
	"zh": {"范围", "到期", "完成", "完成率", "按期", "逾期", "序时应完成", "序时已完成", "序时进度", "脱幅", "备注"},
	"en": {"SCOPE", "DUE", "DONE", "DONE %", "ON TIME", "LATE", "DUE BY TODAY", "DONE BY TODAY", "PACE", "BEHIND", "NOTE"},
}

var periodWords = map[string]map[string]string{
	"zh": {"district": "全区", "nothing due": "本期无节点", "changed": "结束后有变动", "behind": "脱幅",
		"running": "进行中，截至", "frozen": "已定格于", "coming": "尚未开始", "idle": "另有 %d 项任务本期无节点"},
	"en": {"district": "district", "nothing due": "nothing due", "changed": "changed after the end", "behind": "behind",
		"running": "running, as of", "frozen": "frozen on", "coming": "not begun", "idle": "%d more task(s) with nothing due in the period"},
}

func newPeriodShowCommand(a *app) *cobra.Command {
	var o periodShowOptions
	cmd := &cobra.Command{
		Use:   "show [NAME] [--by leader|department|task]",
		Short: "Print a period's figures per scope (the current period without NAME)",
		Long: `Print a period's figures — milestones due in it (by baseline), done, done on
time, late, 序时进度 and tasks behind (脱幅) — for the district and each lead
department, leader or task, sorted by name. NAME is a named period or a
quarter (2027Q1); without it, the period holding today: the innermost named
one, else the quarter. A period that has ended is shown as frozen at its
end (frozen now if nothing froze it yet), with a note where the ledger
changed since.`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.withStore(func(cmd *cobra.Command, args []string, store *models.Store) error {
			return showPeriod(cmd.Context(), cmd.OutOrStdout(), store, args, o)
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&o.By, "by", "department", "rows per leader, department or task")
	fs.StringVar(&o.Lang, "lang", "zh", "zh or en")
	fs.StringVar(&o.TZ, "tz", "Asia/Shanghai", "time zone of the district's calendar day")
	withEnv(fs, "tz", "TASKBOT_TZ")
	return cmd
}

func showPeriod(ctx context.Context, w io.Writer, store *models.Store, args []string, o periodShowOptions) error {
	kind := models.ScopeKind(o.By)
	if kind == models.ScopeDistrict || !kind.Valid() {
		return fmt.Errorf("--by %q: want leader, department or task", o.By)
	}
	words, ok := periodWords[o.Lang]
	if !ok {
		return fmt.Errorf("--lang %q: want zh or en", o.Lang)
	}
	loc, err := time.LoadLocation(o.TZ)
	if err != nil {
		return fmt.Errorf("--tz %q: %w", o.TZ, err)
	}
	catalog, err := bot.NewCatalog()
	if err != nil {
		return err
	}
	render := &bot.Renderer{Catalog: catalog}
	now := store.Now()
	today := models.Today(now, loc)
	var a *models.Assessment
	// A reader of an ended period freezes it: one transaction reads the
	// ledger and stores the snapshot.
	err = store.Tx(ctx, func(tx *gorm.DB) error {
		p, err := models.CurrentPeriod(tx, today)
		if err != nil {
			return err
		}
		if len(args) == 1 {
			if p, err = models.FindPeriod(tx, args[0]); err != nil {
				return fmt.Errorf("%w: see `taskbot period list`, or give a quarter such as %s", err, models.QuarterOf(today).Name)
			}
		}
		basis, err := models.LoadAssessmentBasis(tx, loc)
		if err != nil {
			return err
		}
		a, err = models.AssessPeriod(tx, basis, p, today, now)
		return err
	})
	if err != nil {
		return err
	}
	p := a.Period
	name := p.Name
	if words := plainText(render.PeriodName(o.Lang, p, false)); words != name {
		name = fmt.Sprintf("%s (%s)", words, p.Name)
	}
	state := words["running"] + " " + today.Format(time.DateOnly)
	switch {
	case a.Frozen != nil:
		state = words["frozen"] + " " + a.Frozen.FrozenAt.In(loc).Format(time.DateOnly)
	case !p.Begun(today):
		state = words["coming"]
	}
	fmt.Fprintf(w, "%s  %s – %s  %s\n\n", name, bot.DueDate(p.FirstDay), bot.DueDate(p.LastDay), state)
	rows := [][]string{periodHeaders[o.Lang]}
	idle := 0
	for _, r := range a.Of(models.ScopeDistrict, kind) {
		if r.Kind == models.ScopeTask && r.Empty() && !r.Changed {
			idle++ // a task with nothing due in the period is one line below
			continue
		}
		scope := r.Name
		switch {
		case r.Kind == models.ScopeDistrict:
			scope = words["district"]
		case r.Kind == models.ScopeTask:
			scope = r.Name + " " + truncateName(r.Title, 20)
		case scope == "":
			scope = "—"
		}
		rate, pace := "—", "—"
		if v, ok := r.DonePercent(); ok {
			rate = fmt.Sprintf("%d%%", v)
		}
		if v, ok := r.PacePercent(); ok {
			pace = fmt.Sprintf("%d%%", v)
		}
		behind := fmt.Sprint(r.BehindTasks)
		if r.Kind == models.ScopeTask {
			behind = ""
			if r.Behind() {
				behind = words["behind"]
			}
		}
		var notes []string
		if r.Empty() {
			notes = append(notes, words["nothing due"])
		}
		if r.Changed {
			notes = append(notes, words["changed"])
		}
		rows = append(rows, []string{scope, fmt.Sprint(r.Due), fmt.Sprint(r.Done), rate, fmt.Sprint(r.OnTime), fmt.Sprint(r.Late),
			fmt.Sprint(r.DueByToday), fmt.Sprint(r.DoneByToday), pace, behind, strings.Join(notes, "; ")})
	}
	alignTable(w, rows)
	if idle > 0 {
		fmt.Fprintf(w, "%s\n", fmt.Sprintf(words["idle"], idle))
	}
	return nil
}

// truncateName shortens s to n characters, marking the cut.
func truncateName(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// alignTable prints rows as a table (see table).
func alignTable(w io.Writer, rows [][]string) {
	_ = (&table{rows: rows}).write(w)
}
