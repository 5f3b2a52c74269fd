package report_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

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
