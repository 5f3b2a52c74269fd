package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/report"
)

// hostile are texts a spreadsheet would run as a formula, or that look like
// the quote the export adds for them.
var hostile = []string{`=HYPERLINK("http://x","y")`, "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=1+1", "''@x"}

func hostileLedger() *report.Ledger {
	l := &report.Ledger{Rows: [][]string{{"code", "title", "latest_note"}}}
	for _, s := range hostile {
		l.Rows = append(l.Rows, []string{"T01", s, s})
	}
	l.Rows = append(l.Rows, []string{"T02", "'plain", "a = b"})
	l.History = [][]string{{"note"}, {"=1+1"}}
	l.Coordination = [][]string{{"text"}, {"@cmd"}}
	return l
}

func TestCSVExportQuotesFormulaLikeCells(t *testing.T) {
	var buf bytes.Buffer
	if err := hostileLedger().WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range hostile {
		for _, got := range rows[i+1][1:] {
			if got != "'"+s {
				t.Errorf("cell %q written as %q, want one leading quote", s, got)
			}
		}
	}
	if last := rows[len(rows)-1]; last[1] != "'plain" || last[2] != "a = b" {
		t.Errorf("harmless cells changed: %q", last)
	}
}

func TestXLSXExportWritesTextNeverFormulas(t *testing.T) {
	var buf bytes.Buffer
	if err := hostileLedger().WriteXLSX(&buf, "en"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	check := func(sheet, cell, want string) {
		t.Helper()
		formula, err := f.GetCellFormula(sheet, cell)
		if err != nil || formula != "" {
			t.Errorf("%s!%s is a formula %q (%v)", sheet, cell, formula, err)
		}
		typ, err := f.GetCellType(sheet, cell)
		if err != nil || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
			t.Errorf("%s!%s has type %v, want text (%v)", sheet, cell, typ, err)
		}
		if got, _ := f.GetCellValue(sheet, cell); got != want {
			t.Errorf("%s!%s = %q, want %q", sheet, cell, got, want)
		}
	}
	for i, s := range hostile {
		for col := 2; col <= 3; col++ {
			cell, err := excelize.CoordinatesToCellName(col, i+2)
			if err != nil {
				t.Fatal(err)
			}
			check("ledger", cell, s)
		}
	}
	check("reports", "A2", "=1+1")
	check("coordination", "A2", "@cmd")
}

// The ledger shows each milestone's due date in force, the one it was first
// given and the one an approved extension gave it.
func TestLedgerShowsOriginalAndExtendedDueDates(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
		specs := []models.TaskSpec{{Code: "T01", Title: "招商引资", Department: "区发改局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "对接", Due: day(12, 15)}, {Seq: 2, Title: "签约", Due: day(12, 31)}}}}
		if _, err := s.ImportTasks(ctx, specs, false); err != nil {
			t.Fatal(err)
		}
		d, err := models.TaskByCode(s.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		leader, attendant := d.Leaders[0].ID, d.Attendants[0].ID
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			req, err := models.RequestExtension(tx, attendant, models.ExtensionAsk{MilestoneID: d.Milestones[0].ID,
				NewDue: time.Date(2027, 1, 20, 0, 0, 0, 0, time.UTC), Reason: "用地审批延后"}, time.UTC, clock.Now())
			if err != nil {
				return err
			}
			_, err = models.DecideExtension(tx, models.Decider{PersonID: &leader}, req.ID, models.ExtensionApproved, "", clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for lang, cols := range map[string][3]string{"zh": {"完成时限", "原定时限", "延期后时限"}, "en": {"due", "original_due", "extended_due"}} {
			l, err := report.BuildLedger(s.DB, models.Today(clock.Now(), time.UTC), models.DefaultLightRules, time.UTC, lang)
			if err != nil {
				t.Fatal(err)
			}
			col := func(name string) int {
				i := slices.Index(l.Rows[0], name)
				if i < 0 {
					t.Fatalf("%s ledger has no column %q: %q", lang, name, l.Rows[0])
				}
				return i
			}
			due, original, extended := col(cols[0]), col(cols[1]), col(cols[2])
			for i, want := range [][3]string{{"2027-01-20", "2026-12-15", "2027-01-20"}, {"2026-12-31", "2026-12-31", ""}} {
				row := l.Rows[i+1]
				if got := [3]string{row[due], row[original], row[extended]}; got != want {
					t.Errorf("%s ledger, milestone %d: due, original, extended %q, want %q", lang, i+1, got, want)
				}
			}
		}
	})
}
