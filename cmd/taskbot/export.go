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
		Short: "Export the ledger (台账): tasks, report history, coordination and instructions",
		Long: `Export the progress to .xlsx (three sheets: the ledger of tasks and milestones
with their light and latest report, the full report history, and the
coordination requests and instructions) or .csv (the ledger). The ledger's
first columns are the import's, so the file loads back with taskbot import.`,
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
			data, err := exportLedger(store, ext, lang, loc, warn)
			bar.finish()
			if err != nil {
				return err
			}
			if err := models.WritePrivateFile(out, data); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
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

// exportLedger renders the ledger as a file of the given extension.
func exportLedger(store *models.Store, ext, lang string, loc *time.Location, warnDays int) ([]byte, error) {
	rules := models.LightRules{WarnDays: warnDays, MissedSlots: models.DefaultLightRules.MissedSlots}
	ledger, err := report.BuildLedger(store.DB, models.Today(store.Now(), loc), rules, loc, lang)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if ext == ".csv" {
		err = ledger.WriteCSV(&buf)
	} else {
		err = ledger.WriteXLSX(&buf, lang)
	}
	return buf.Bytes(), err
}
