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

// The XLSX ledger reads like a government ledger: header frozen and bold,
// dates, times, counts and percentages typed, the light coloured, columns
// wide enough, the report history in task order.
func TestXLSXLedgerIsFormatted(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC))
	s := storetest.SQLite(t, models.Options{Clock: clock.Now})
	ctx := context.Background()
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	specs := []models.TaskSpec{
		{Code: "T02", Title: "河道综合治理", Department: "区水利局", Leaders: []models.PersonSpec{{Name: "王建国"}},
			Attendants: []models.PersonSpec{{Name: "孙丽"}}, Milestones: []models.MilestoneSpec{{Seq: 1, Title: "清淤", Due: day(3, 31)}}},
		{Code: "T01", Title: "招商引资", Department: "区发改局", Leaders: []models.PersonSpec{{Name: "王建国"}},
			Attendants: []models.PersonSpec{{Name: "刘洋"}}, Milestones: []models.MilestoneSpec{{Seq: 1, Title: "对接", Due: day(12, 15)}}},
	}
	if _, err := s.ImportTasks(ctx, specs, false); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"T02", "T01"} { // reported in the other order
		d, err := models.TaskByCode(s.DB, code)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.RecordReport(tx, d.Attendants[0].ID, models.ReportInput{TaskID: d.Task.ID, MilestoneID: d.Milestones[0].ID,
				State: models.StateOnTrack, Percent: func() *int { n := 40; return &n }()}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	l, err := report.BuildLedger(s.DB, models.Today(clock.Now(), time.UTC), models.DefaultLightRules, time.UTC, "zh")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := l.WriteXLSX(&buf, "zh"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	panes, err := f.GetPanes("台账")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Fatalf("header not frozen: %+v %v", panes, err)
	}
	header, _ := f.GetRows("台账")
	cell := func(sheet string, col int, row int) string {
		name, _ := excelize.CoordinatesToCellName(col+1, row)
		return name
	}
	for col, want := range map[int]excelize.CellType{9: excelize.CellTypeNumber, 13: excelize.CellTypeNumber, 7: excelize.CellTypeNumber} {
		if got, err := f.GetCellType("台账", cell("台账", col, 2)); err != nil || got == excelize.CellTypeInlineString || got == excelize.CellTypeSharedString {
			t.Errorf("column %q is text (%v %v), want %v", header[0][col], got, err, want)
		}
	}
	if header[1][9] != "2026-03-31" && header[2][9] != "2026-03-31" {
		t.Errorf("due dates read back as %q, %q", header[1][9], header[2][9])
	}
	if header[1][13] != "40%" {
		t.Errorf("percent reads back as %q, want 40%%", header[1][13])
	}
	lightStyle, err := f.GetCellStyle("台账", cell("台账", 11, 2))
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(lightStyle)
	if err != nil || len(st.Fill.Color) == 0 {
		t.Fatalf("the light %q is not coloured: %+v %v", header[1][11], st, err)
	}
	if w, err := f.GetColWidth("台账", "B"); err != nil || w < 10 {
		t.Errorf("title column %v wide (%v)", w, err)
	}
	history, _ := f.GetRows("报告记录")
	if len(history) != 3 || history[1][1] != "T01" || history[2][1] != "T02" {
		t.Fatalf("history not in task order: %q", history)
	}
	// Typed by position: the headers there must be the ones typed.
	for _, c := range []struct {
		sheet string
		col   int
		name  string
	}{{"台账", 7, "节点序号"}, {"台账", 9, "完成时限"}, {"台账", 11, "状态灯"}, {"台账", 13, "完成百分比"}, {"台账", 15, "最新报告时间"},
		{"台账", 17, "原定时限"}, {"台账", 18, "延期后时限"}, {"报告记录", 0, "报告时间"}, {"报告记录", 5, "完成百分比"}} {
		rows, _ := f.GetRows(c.sheet)
		if rows[0][c.col] != c.name {
			t.Errorf("%s column %d is %q, typed as %q", c.sheet, c.col, rows[0][c.col], c.name)
		}
	}
}
