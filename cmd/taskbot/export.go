package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"taskbot/models"
	"taskbot/report"
)

func newExportCommand(a *app) *cobra.Command {
	var (
		out  string
		lang string
		tz   string
		warn int
	)
	cmd := &cobra.Command{
		Use:   "export --out FILE.xlsx|FILE.csv",
		Short: "Export the ledger (台账): tasks, report history, coordination and instructions, assessment",
		Long: `Export the progress to .xlsx (four sheets: the ledger of tasks and milestones
with their light and latest report, the full report history, the
coordination requests and instructions, and the assessment (季度考核) of each
period begun, per scope) or .csv (the ledger, and the assessment in a file of
its own beside it, FILE-periods.csv). The ledger's first columns are the
import's, so the file loads back with taskbot import. A period that has ended
is read from its frozen figures, frozen now if nothing froze it yet.`,
		Args: cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			ext := strings.ToLower(filepath.Ext(out))
			if ext != ".xlsx" && ext != ".csv" {
				return fmt.Errorf("--out %q: want a .xlsx or .csv file", out)
			}
			if lang != "zh" && lang != "en" {
				return fmt.Errorf("--lang %q: want zh or en", lang)
			}
			if err := checkWarnDays(warn); err != nil {
				return err
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return fmt.Errorf("--tz %q: %w", tz, err)
			}
			bar := newProgress(cmd.OutOrStdout(), -1, "exporting to "+out, false)
			ledger, err := buildLedger(store, lang, loc, warn)
			var data, periods []byte
			if err == nil {
				data, periods, err = writeLedger(ledger, ext, lang)
			}
			bar.finish()
			if err != nil {
				return err
			}
			if err := models.WritePrivateFile(out, data); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			if periods != nil {
				path := periodsCSVPath(out)
				if err := models.WritePrivateFile(path, periods); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", path)
			}
			return nil
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&out, "out", "", "the file to write: .xlsx or .csv")
	fs.StringVar(&lang, "lang", "zh", "column headers: zh or en")
	fs.StringVar(&tz, "tz", "Asia/Shanghai", "time zone of the dates written")
	withEnv(fs, "tz", "TASKBOT_TZ")
	fs.IntVar(&warn, "warn-days", models.DefaultLightRules.WarnDays, "a milestone due within this many days turns its task yellow")
	withEnv(fs, "warn-days", "TASKBOT_WARN_DAYS")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// exportLedger renders the ledger as a file of the given extension; a
// .csv file holds the ledger sheet only.
func exportLedger(store *models.Store, ext, lang string, loc *time.Location, warnDays int) ([]byte, error) {
	ledger, err := buildLedger(store, lang, loc, warnDays)
	if err != nil {
		return nil, err
	}
	data, _, err := writeLedger(ledger, ext, lang)
	return data, err
}

func buildLedger(store *models.Store, lang string, loc *time.Location, warnDays int) (*report.Ledger, error) {
	rules := models.LightRules{WarnDays: warnDays, MissedSlots: models.DefaultLightRules.MissedSlots}
	return report.BuildLedger(store.DB, models.Today(store.Now(), loc), rules, loc, lang)
}

// writeLedger renders the ledger as a file of the given extension and,
// for .csv, the assessment as a second file.
func writeLedger(ledger *report.Ledger, ext, lang string) (data, periods []byte, err error) {
	var buf bytes.Buffer
	if ext != ".csv" {
		err = ledger.WriteXLSX(&buf, lang)
		return buf.Bytes(), nil, err
	}
	if err := ledger.WriteCSV(&buf); err != nil {
		return nil, nil, err
	}
	var more bytes.Buffer
	if err := ledger.WriteAssessmentCSV(&more); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), more.Bytes(), nil
}

// periodsCSVPath is where the assessment of a .csv export goes: beside
// it, ledger.csv → ledger-periods.csv.
func periodsCSVPath(out string) string {
	return strings.TrimSuffix(out, filepath.Ext(out)) + "-periods.csv"
}
