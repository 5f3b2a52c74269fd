package main

import (
	"errors"
	"fmt"
	"html"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/report"
	"taskbot/scheduler"
)

// weeklyOptions schedule the weekly digest (周报).
type weeklyOptions struct {
	WeeklyAt string
}

func (o *weeklyOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.WeeklyAt, "weekly-at", "Fri 17:00", "day and time of the weekly digest to leaders and admins, in each person's time zone (with --workdays, not on holidays); empty turns it off")
	withEnv(fs, "weekly-at", "TASKBOT_WEEKLY_AT")
}

// wire has reminders send the weekly digests through w.
func (o *weeklyOptions) wire(reminders *scheduler.Reminders, w scheduler.WeeklyWriter) error {
	if o.WeeklyAt == "" {
		return nil
	}
	spec, err := scheduler.WeeklySpec(o.WeeklyAt)
	if err != nil {
		return fmt.Errorf("--weekly-at: %w", err)
	}
	reminders.Weekly, reminders.WeeklySpec = w, spec
	return nil
}

type summaryOptions struct {
	Weekly   bool
	Person   string
	All      bool
	Lang     string
	TZ       string
	WarnDays int
	Chart    string
}

func newSummaryCommand(a *app) *cobra.Command {
	var o summaryOptions
	cmd := &cobra.Command{
		Use:   "summary [--weekly] [--person NAME | --all] [--lang zh|en]",
		Short: "Print the summary (or weekly digest) the bot would send, without sending it",
		Long: `Print the daily summary, or with --weekly the weekly digest, as the bot would
send it now. Without --person or --all it is the admins' summary of every task;
--person gives one person's, --all every leader's and person in charge's. Nothing
is sent and nothing is recorded: the next real summary still marks what changed
since the last one sent.`,
		Args: cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			return printSummaries(cmd.OutOrStdout(), store, o)
		}),
	}
	fs := cmd.Flags()
	fs.BoolVar(&o.Weekly, "weekly", false, "the weekly digest instead of the daily summary")
	fs.StringVar(&o.Person, "person", "", "one person's, by name or 姓名(单位)")
	fs.BoolVar(&o.All, "all", false, "every leader's and person in charge's, one after the other")
	fs.StringVar(&o.Lang, "lang", "", "zh or en (default: each person's language, zh for the admins')")
	fs.StringVar(&o.TZ, "tz", "Asia/Shanghai", "time zone of people who have not chosen one")
	withEnv(fs, "tz", "TASKBOT_TZ")
	fs.IntVar(&o.WarnDays, "warn-days", models.DefaultLightRules.WarnDays, "a milestone due within this many days turns its task yellow")
	withEnv(fs, "warn-days", "TASKBOT_WARN_DAYS")
	fs.StringVar(&o.Chart, "chart", "", "also write the chart to this .png file (not with --all)")
	return cmd
}

type reader struct {
	person *models.Person // nil for the admins' view
}

func (r reader) personID() uint {
	if r.person == nil {
		return 0
	}
	return r.person.ID
}

func printSummaries(w io.Writer, store *models.Store, o summaryOptions) error {
	if o.All && o.Person != "" {
		return errors.New("give --person or --all, not both")
	}
	if o.All && o.Chart != "" {
		return errors.New("--chart draws one summary: give --person, or neither")
	}
	if o.Chart != "" && !strings.EqualFold(filepath.Ext(o.Chart), ".png") {
		// A chart written as summary.xlsx or over the database opens as
		// nothing and may destroy what was there.
		return fmt.Errorf("--chart %q: the chart is a PNG picture; give a file name ending in .png", o.Chart)
	}
	if err := checkWarnDays(o.WarnDays); err != nil {
		return err
	}
	if o.Lang != "" && o.Lang != bot.LangZH && o.Lang != bot.LangEN {
		return fmt.Errorf("--lang %q: want zh or en", o.Lang)
	}
	loc, err := time.LoadLocation(o.TZ)
	if err != nil {
		return fmt.Errorf("--tz %q: %w", o.TZ, err)
	}
	if err := report.LoadFont(); err != nil {
		return err
	}
	catalog, err := bot.NewCatalog()
	if err != nil {
		return err
	}
	h := &bot.Handler{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Location: loc,
		LightRules: models.LightRules{WarnDays: o.WarnDays, MissedSlots: models.DefaultLightRules.MissedSlots}}
	db := store.DB
	readers, err := chooseReaders(db, o)
	if err != nil {
		return err
	}
	now := store.Now()
	// Every person's daily summary comes from one set-based build, the one
	// the bot's daily round sends.
	var people []models.Person
	for _, r := range readers {
		if r.person != nil {
			people = append(people, *r.person)
		}
	}
	var built map[uint]*report.Summary
	if !o.Weekly && len(people) > 0 {
		if built, err = h.BuildSummaries(db, people, now); err != nil {
			return err
		}
	}
	for i, r := range readers {
		lang, zone, admin := bot.LangZH, loc, r.person == nil
		var chat int64
		if !admin {
			lang = bot.LanguageFor(r.person.Language, "")
			zone = h.PersonLocation(r.person)
			if r.person.TelegramID != nil {
				chat = *r.person.TelegramID
			}
		}
		if o.Lang != "" {
			lang = o.Lang
		}
		if len(readers) > 1 || !admin {
			if i > 0 {
				fmt.Fprintln(w)
			}
			bound := ""
			if r.person.TelegramID == nil {
				bound = " — not bound: nothing is sent"
			}
			fmt.Fprintf(w, "==== %s%s ====\n", r.person.Key, bound)
		}
		var texts []string
		var sum *report.Summary
		var week *report.Week
		if o.Weekly {
			if week, _, err = h.BuildWeek(db, r.person, chat, admin, now, zone); err != nil {
				return err
			}
			texts = h.Render.Weekly(lang, week, zone)
		} else {
			s := built[r.personID()]
			if admin {
				if s, err = h.BuildSummary(db, nil, true, now, zone, false); err != nil {
					return err
				}
			}
			view := bot.SummaryView{Admin: admin}
			if r.person != nil {
				view.PersonID = r.person.ID
			}
			out := h.Render.Summary(lang, s, zone, view)
			texts, sum = []string{out.Text + buttonLabels(out.Buttons)}, s
		}
		for j, t := range texts {
			if j > 0 {
				fmt.Fprintln(w, "----")
			}
			fmt.Fprintln(w, plainText(t))
		}
		if o.Chart != "" {
			// The digest's picture is the week's, not the day's.
			var png []byte
			if week != nil {
				png, err = report.WeekChart(week, catalog.WeekChartText(lang))
			} else {
				png, err = report.SummaryChart(sum, catalog.ChartText(lang))
			}
			if err != nil {
				return err
			}
			if err := models.WritePrivateFile(o.Chart, png); err != nil {
				return fmt.Errorf("--chart: %w", err)
			}
			fmt.Fprintf(w, "chart: %s\n", o.Chart)
		}
	}
	return nil
}

// chooseReaders are the people whose summaries to print; one nil person
// stands for the admins' view.
func chooseReaders(db *gorm.DB, o summaryOptions) ([]reader, error) {
	if !o.All && o.Person == "" {
		return []reader{{}}, nil
	}
	var people []models.Person
	if o.Person != "" {
		var err error
		if people, err = models.PeopleNamed(db, o.Person); err != nil {
			return nil, err
		}
	} else {
		q := db.Where("id IN (?)", db.Table("assignments a").Select("a.person_id").
			Joins("JOIN tasks t ON t.id = a.task_id").Where("a.role IN ? AND t.done = ?", []models.Role{models.RoleLeader, models.RoleOwner}, false))
		if err := q.Order("key").Find(&people).Error; err != nil {
			return nil, fmt.Errorf("people to summarise: %w", err)
		}
	}
	switch {
	case o.Person != "" && len(people) == 0:
		return nil, fmt.Errorf("no person %q: see `taskbot people`", o.Person)
	case o.Person != "" && len(people) > 1:
		var keys []string
		for _, p := range people {
			keys = append(keys, p.Key)
		}
		return nil, fmt.Errorf("%q names several people, give one of: %s", o.Person, strings.Join(keys, ", "))
	}
	out := make([]reader, len(people))
	for i := range people {
		out[i] = reader{person: &people[i]}
	}
	return out, nil
}

var htmlTag = regexp.MustCompile(`</?[a-z]+[^>]*>`)

// plainText is a message as a terminal shows it: no tags, no entities.
func plainText(s string) string {
	return html.UnescapeString(htmlTag.ReplaceAllString(s, ""))
}

// buttonLabels shows a message's buttons as the reader sees them, a row a
// line.
func buttonLabels(rows [][]models.Button) string {
	var b strings.Builder
	for _, row := range rows {
		b.WriteString("\n")
		for i, btn := range row {
			if i > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "[%s]", btn.Text)
		}
	}
	return b.String()
}
