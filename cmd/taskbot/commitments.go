package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/report"
)

// commitmentOptions name the district's template of commitments (`run`,
// `commitments issue`).
type commitmentOptions struct {
	Template string
}

func (o *commitmentOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.Template, "commitment-template", "", "TOML file of the fixed clauses of the leaders' commitments (责任书), in Chinese and English; empty uses the built-in one (taskbot commitments template prints it)")
	withEnv(fs, "commitment-template", "TASKBOT_COMMITMENT_TEMPLATE")
}

// template reads the template file, or gives the built-in one.
func (o *commitmentOptions) template() (models.CommitmentTemplate, error) {
	if o.Template == "" {
		return models.DefaultCommitmentTemplate(), nil
	}
	data, err := os.ReadFile(o.Template)
	if err != nil {
		return nil, fmt.Errorf("commitment template: %w", err)
	}
	t, err := models.ParseCommitmentTemplate(data)
	if err != nil {
		return nil, fmt.Errorf("commitment template %s: %w", o.Template, err)
	}
	return t, nil
}

// newCommitmentsCommand issues the leaders' commitments (责任书) and shows
// who has signed.
func newCommitmentsCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "commitments",
		Short: "Leaders' commitments (责任书): issue them, see who has signed, print the template",
		Long: `Each contracting leader signs a commitment for the tasks they lead: their
tasks, each task's milestones with the agreed due dates, the targets of the
period and the district's fixed clauses, as one canonical text whose SHA-256
fingerprint the signature binds to. Issuing again after the ledger or the
template changed makes a new version, which supersedes the old one and needs
a new signature; issuing an unchanged text does nothing. The running bot
sends each leader the summary, the PDF and the buttons to sign or object.`,
	}
	cmd.AddCommand(newCommitmentsIssueCommand(a), newCommitmentsStatusCommand(a), newCommitmentsShowCommand(a), newCommitmentsTemplateCommand())
	return cmd
}

// commitmentPeriodIn reads --tz and --period for the commands that only
// read the commitments.
func commitmentPeriodIn(db *gorm.DB, now time.Time, period, tz string) (models.Period, *time.Location, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return models.Period{}, nil, fmt.Errorf("--tz %q: %w", tz, err)
	}
	p, err := commitmentPeriod(db, period, now, loc)
	return p, loc, err
}

// commitmentPeriod reads --period: a year, a quarter or a named period;
// empty is the current year in loc.
func commitmentPeriod(tx *gorm.DB, name string, now time.Time, loc *time.Location) (models.Period, error) {
	if name == "" {
		return models.CommitmentYear(models.Today(now, loc)), nil
	}
	p, err := models.CommitmentPeriod(tx, name)
	if err != nil {
		return p, fmt.Errorf("--period: %w", err)
	}
	return p, nil
}

func newCommitmentsIssueCommand(a *app) *cobra.Command {
	var (
		leader, period, tz string
		all                bool
		co                 commitmentOptions
	)
	cmd := &cobra.Command{
		Use:   "issue (--leader NAME | --all) [--period 2027]",
		Short: "Issue commitments; the running bot puts each before its leader to sign",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			if all == (leader != "") {
				return errors.New("give --leader NAME or --all")
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return fmt.Errorf("--tz %q: %w", tz, err)
			}
			tmpl, err := co.template()
			if err != nil {
				return err
			}
			catalog, err := bot.NewCatalog()
			if err != nil {
				return err
			}
			h := &bot.Handler{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Location: loc, Logger: a.log, Commitments: tmpl}
			var res bot.CommitmentIssue
			var progress models.CommitmentProgress
			err = store.Tx(cmd.Context(), func(tx *gorm.DB) error {
				p, err := commitmentPeriod(tx, period, store.Now(), loc)
				if err != nil {
					return err
				}
				var leaders []models.Person
				if leader != "" {
					one, err := onePersonNamed(tx, leader)
					if err != nil {
						return fmt.Errorf("--leader: %w", err)
					}
					leaders = []models.Person{*one}
				}
				if res, err = h.IssueCommitments(tx, models.Actor{Admin: true, Via: models.ViaCLI}, leaders, p, store.Now()); err != nil {
					return err
				}
				progress, err = models.CommitmentProgressOf(tx, p.Name)
				return err
			})
			if err != nil {
				return err
			}
			if leader != "" && len(res.NoTasks) == 1 {
				return fmt.Errorf("%s contracts no open task: no commitment to sign", res.NoTasks[0])
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "commitments for %s: %d new version(s), %d unchanged; %d queued for their leaders to sign\n",
				res.Period.Name, res.Issued, res.Unchanged, res.Offered)
			if len(res.Unreachable) > 0 {
				fmt.Fprintf(out, "not bound or unreachable (issue again once they are): %s\n", strings.Join(res.Unreachable, ", "))
			}
			return writeProgress(cmd, progress, loc)
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&leader, "leader", "", "the leader's name as the task list writes it (张伟, or 张伟(区住建局) for namesakes)")
	fs.BoolVar(&all, "all", false, "every leader who contracts an open task")
	fs.StringVar(&period, "period", "", "year (2027), quarter (2027Q1) or named period; default the current year")
	fs.StringVar(&tz, "tz", "Asia/Shanghai", "time zone that decides the current year")
	withEnv(fs, "tz", "TASKBOT_TZ")
	fs.StringVar(&co.Template, "template", "", "TOML file of the commitment's fixed clauses, in Chinese and English; empty uses the built-in one (taskbot commitments template prints it)")
	withEnv(fs, "template", "TASKBOT_COMMITMENT_TEMPLATE")
	return cmd
}

func newCommitmentsStatusCommand(a *app) *cobra.Command {
	var period, tz string
	cmd := &cobra.Command{
		Use:   "status [--period 2027]",
		Short: "Who has signed (签订进度 37/89), who has not, who objected",
		Args:  cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			db := store.DB.WithContext(cmd.Context())
			p, loc, err := commitmentPeriodIn(db, store.Now(), period, tz)
			if err != nil {
				return err
			}
			progress, err := models.CommitmentProgressOf(db, p.Name)
			if err != nil {
				return err
			}
			return writeProgress(cmd, progress, loc)
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&period, "period", "", "year (2027), quarter (2027Q1) or named period; default the current year")
	fs.StringVar(&tz, "tz", "Asia/Shanghai", "time zone of the times shown")
	withEnv(fs, "tz", "TASKBOT_TZ")
	return cmd
}

// commitmentStates are the states as the command line prints them.
var commitmentStates = map[models.CommitmentState]string{
	models.CommitmentSigned: "已签 signed", models.CommitmentUnsigned: "未签 not signed",
	models.CommitmentObjected: "有异议 objected", models.CommitmentNotIssued: "未下发 not issued",
}

func writeProgress(cmd *cobra.Command, p models.CommitmentProgress, loc *time.Location) error {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "签订进度 %d/%d (%s)\n", p.Signed, len(p.Leaders), p.Period)
	var t table
	t.row("leader", "state", "version", "fingerprint", "signed at", "objection")
	for _, l := range p.Leaders {
		version, fp, at, objection := "", "", "", ""
		if l.Current != nil {
			version, fp = strconv.Itoa(l.Current.Version), models.ShortFingerprint(l.Current.Fingerprint)
		}
		if l.Signature != nil {
			at = l.Signature.At.In(loc).Format("2006-01-02 15:04")
		}
		if l.Objection != nil && l.Signature == nil {
			objection = strings.Join(strings.Fields(l.Objection.Text), " ")
		}
		t.row(l.Leader.Key, commitmentStates[l.State], version, fp, at, objection)
	}
	return t.write(out)
}

func newCommitmentsShowCommand(a *app) *cobra.Command {
	var leader, period, pdf, tz string
	cmd := &cobra.Command{
		Use:   "show --leader NAME [--period 2027] [--pdf FILE]",
		Short: "Print a leader's current commitment and its fingerprint; --pdf writes the PDF they receive",
		Args:  cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			db := store.DB.WithContext(cmd.Context())
			p, _, err := commitmentPeriodIn(db, store.Now(), period, tz)
			if err != nil {
				return err
			}
			who, err := onePersonNamed(db, leader)
			if err != nil {
				return fmt.Errorf("--leader: %w", err)
			}
			v, err := models.CurrentCommitment(db, who.ID, p.Name)
			if err != nil {
				return err
			}
			if v == nil {
				return fmt.Errorf("no commitment of %s for %s: taskbot commitments issue --leader %s", who.Key, p.Name, who.Key)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "version %d, fingerprint (SHA-256 of the text below) %s\n\n%s", v.Version, v.Fingerprint, v.Text)
			if pdf == "" {
				return nil
			}
			data, err := report.CommitmentPDF(*v)
			if err != nil {
				return err
			}
			if err := os.WriteFile(pdf, data, 0o644); err != nil {
				return fmt.Errorf("--pdf: %w", err)
			}
			fmt.Fprintf(out, "\nwrote %s\n", pdf)
			return nil
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&leader, "leader", "", "the leader's name as the task list writes it")
	fs.StringVar(&period, "period", "", "year (2027), quarter (2027Q1) or named period; default the current year")
	fs.StringVar(&pdf, "pdf", "", "also write the PDF to this file")
	fs.StringVar(&tz, "tz", "Asia/Shanghai", "time zone that decides the current year")
	withEnv(fs, "tz", "TASKBOT_TZ")
	_ = cmd.MarkFlagRequired("leader")
	return cmd
}

func newCommitmentsTemplateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "template",
		Short: "Print the built-in template, to edit a copy for --commitment-template",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(models.DefaultCommitmentTemplateText())
			return err
		},
	}
}
