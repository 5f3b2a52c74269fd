package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/importer"
	"taskbot/models"
)

func newImportCommand(a *app) *cobra.Command {
	var (
		dryRun bool
		sheet  string
		admins []string
	)
	cmd := &cobra.Command{
		Use:   "import [--dry-run] [--sheet NAME] FILE",
		Short: "Load the task list from an .xlsx or .csv file (one row per milestone)",
		Long: `Load the task list from an .xlsx or .csv file, one row per milestone, with
Chinese or English column headers. Every row is checked first; if any row has a
problem, all problems are listed with their row numbers and nothing changes.
Importing the same file twice changes nothing. Tasks and milestones missing from
the file are listed and left alone; reports are never deleted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tell, err := parseAdmins(admins)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			open := a.openStore
			if dryRun {
				open = a.openExisting
			}
			store, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			// Reading is shown in bytes; the write is one transaction,
			// shown as a spinner.
			var size int64 = -1
			if st, err := f.Stat(); err == nil {
				size = st.Size()
			}
			bar := newProgress(cmd.OutOrStdout(), size, "reading "+args[0], true)
			res, err := importFile(cmd.Context(), store, bar.reader(f), args[0], importer.Options{Sheet: sheet, Today: time.Now()}, dryRun, tell,
				func(tasks int) {
					bar.finish()
					bar = newProgress(cmd.OutOrStdout(), -1, fmt.Sprintf("writing %d task(s)", tasks), false)
				})
			bar.finish()
			if err != nil {
				return err
			}
			if !dryRun {
				a.signalLeader(cmd.Context(), store)
			}
			printImportResult(cmd.OutOrStdout(), res, dryRun)
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and report what would change, write nothing")
	cmd.Flags().StringVar(&sheet, "sheet", "", "the sheet of an .xlsx file to read (default: the first)")
	cmd.Flags().StringSliceVar(&admins, "admin", nil, "Telegram user ids of the admins (comma-separated or repeated)")
	withEnv(cmd.Flags(), "admin", "TASKBOT_ADMINS")
	return cmd
}

// importFile reads and applies one task list file; admins are told of
// the deputies it takes off their tasks. read, when set, hears that the
// file was read and how many tasks it holds.
func importFile(ctx context.Context, store *models.Store, r io.Reader, name string, opt importer.Options, dryRun bool, admins map[int64]bool, read func(tasks int)) (models.ImportResult, error) {
	list, err := importer.Read(r, name, opt)
	if err != nil {
		var verr *importer.ValidationError
		if errors.As(err, &verr) {
			return models.ImportResult{}, fmt.Errorf("%s: nothing imported, %d problem(s):\n%w", name, len(verr.Problems), err)
		}
		return models.ImportResult{}, fmt.Errorf("%s: %w", name, err)
	}
	specs := TaskSpecs(list)
	if read != nil {
		read(len(specs))
	}
	res, err := store.ImportTasksThen(ctx, specs, dryRun, func(tx *gorm.DB, res models.ImportResult) error {
		return tellDelegationsEnded(tx, res, admins)
	})
	res.Warnings = list.Warnings
	return res, err
}

// TaskSpecs turns a parsed list into what the store applies.
func TaskSpecs(list *importer.TaskList) []models.TaskSpec {
	people := func(refs []importer.PersonRef) []models.PersonSpec {
		out := make([]models.PersonSpec, len(refs))
		for i, r := range refs {
			out[i] = models.PersonSpec{Name: r.Name, Department: r.Department}
		}
		return out
	}
	specs := make([]models.TaskSpec, len(list.Tasks))
	for i, t := range list.Tasks {
		ms := make([]models.MilestoneSpec, len(t.Milestones))
		for j, m := range t.Milestones {
			ms[j] = models.MilestoneSpec{Seq: m.Seq, Title: m.Title, Due: m.Due.Time()}
		}
		specs[i] = models.TaskSpec{
			Code: t.Code, Title: t.Title, Department: t.Department, Category: t.Category, Schedule: t.Schedule,
			Leaders: people(t.Leaders), Owners: people(t.Owners), Attendants: people(t.Attendants), Milestones: ms,
		}
		if t.Site != nil {
			specs[i].Site = &models.Site{Lat: t.Site.Lat, Lon: t.Site.Lon}
		}
	}
	return specs
}

// tellDelegationsEnded queues word to each person on leave whose deputy
// the import took off the task, and to the admins (those of `run`, who
// may not be the one running the import and reading its output).
func tellDelegationsEnded(tx *gorm.DB, res models.ImportResult, admins map[int64]bool) error {
	if len(res.DelegationsEnded) == 0 {
		return nil
	}
	catalog, err := bot.NewCatalog()
	if err != nil {
		return err
	}
	h := &bot.Handler{Catalog: catalog, Admins: admins}
	return h.NotifyDelegationsEnded(tx, res.DelegationsEnded)
}

func printImportResult(w io.Writer, r models.ImportResult, dryRun bool) {
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "note: %s\n", warning)
	}
	verb := "imported"
	if dryRun {
		verb = "dry run, nothing written; would import"
	}
	if !r.Changed() {
		fmt.Fprintln(w, "no changes: the database already matches the file")
	} else {
		fmt.Fprintf(w, "%s: tasks %d new, %d updated; milestones %d new, %d updated; people %d new; assignments %d added, %d removed\n",
			verb, r.TasksCreated, r.TasksUpdated, r.MilestonesCreated, r.MilestonesUpdated, r.PeopleCreated, r.AssignmentsAdded, r.AssignmentsRemoved)
	}
	if len(r.PeopleRenamed) > 0 {
		fmt.Fprintf(w, "renamed, binding kept: %s\n", strings.Join(r.PeopleRenamed, ", "))
	}
	if len(r.BoundWithoutTasks) > 0 {
		fmt.Fprintf(w, "bound but now on no task (renamed? invite the new name and they open it from the same account): %s\n",
			strings.Join(r.BoundWithoutTasks, ", "))
	}
	if len(r.DueDatesMoved) > 0 {
		fmt.Fprintln(w, "due dates moved by the file; their baselines stay (only an approved extension moves one):")
		for _, m := range r.DueDatesMoved {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
	for _, e := range r.DelegationsEnded {
		fmt.Fprintf(w, "deputy ended: %s no longer reports %s for %s, on leave until %s; %s is told\n",
			e.DeputyKey, e.TaskCode, e.PersonKey, bot.DueDate(e.LastDay), e.PersonKey)
	}
	if len(r.MissingTasks) > 0 {
		fmt.Fprintf(w, "not in the file, left as they are: tasks %s\n", strings.Join(r.MissingTasks, ", "))
	}
	if len(r.MissingMilestones) > 0 {
		fmt.Fprintf(w, "not in the file, left as they are: milestones %s\n", strings.Join(r.MissingMilestones, ", "))
	}
}
