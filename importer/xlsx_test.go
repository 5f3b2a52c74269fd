package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// book builds a workbook in memory. Each sheet gets its rows (row 1
// first; a nil row is left blank) and then setup may merge or style cells.
type sheetSpec struct {
	name  string
	rows  [][]any
	setup func(f *excelize.File, sheet string) error
}

func book(t testing.TB, sheets ...sheetSpec) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, vals := range s.rows {
			for c, v := range vals {
				if v == nil {
					continue
				}
				name, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellValue(s.name, name, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		if s.setup != nil {
			if err := s.setup(f, s.name); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func anyRow(vals ...any) []any { return vals }

func header() []any {
	h := make([]any, len(stdHeader))
	for i, s := range stdHeader {
		h[i] = s
	}
	return h
}

func mergeCols(cols string, from, to int) func(f *excelize.File, sheet string) error {
	return func(f *excelize.File, sheet string) error {
		for _, c := range strings.Split(cols, ",") {
			if err := f.MergeCell(sheet, fmt.Sprintf("%s%d", c, from), fmt.Sprintf("%s%d", c, to)); err != nil {
				return err
			}
		}
		return nil
	}
}

func styleCells(numFmt int, cells ...string) func(f *excelize.File, sheet string) error {
	return func(f *excelize.File, sheet string) error {
		st, err := f.NewStyle(&excelize.Style{NumFmt: numFmt})
		if err != nil {
			return err
		}
		for _, c := range cells {
			if err := f.SetCellStyle(sheet, c, c, st); err != nil {
				return err
			}
		}
		return nil
	}
}

func both(fs ...func(f *excelize.File, sheet string) error) func(f *excelize.File, sheet string) error {
	return func(f *excelize.File, sheet string) error {
		for _, fn := range fs {
			if err := fn(f, sheet); err != nil {
				return err
			}
		}
		return nil
	}
}

func readXLSXBytes(t testing.TB, data []byte, opt Options) (*TaskList, error) {
	t.Helper()
	list, err := ReadXLSX(bytes.NewReader(data), opt)
	if err == nil {
		checkList(t, list)
	}
	return list, err
}

func TestXLSXMergedCellsAndDates(t *testing.T) {
	due := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	data := book(t, sheetSpec{
		name: "Sheet1",
		rows: [][]any{
			header(),
			anyRow("T01", "招商引资", "王建国", "区投资促进局", "刘洋", "杨帆、赵磊", 1, "项目库梳理", due, "0 9 * * 1,3,5", "经济发展"),
			anyRow(nil, "hidden under the merge", nil, nil, nil, nil, 2.0, "签约", 46203, nil, nil), // B3 is covered by B2:B4
			anyRow(nil, nil, nil, nil, nil, nil, "3", "开工", "2026年12月15日", nil, nil),
			anyRow("T02", "老旧小区改造", "李明", "区住建局", nil, "张伟（区住建局）", 1.0, "方案", 46142.5, nil, nil),
		},
		setup: both(mergeCols("A,B,C,D,E,F,J,K", 2, 4), styleCells(14, "I3", "I5")),
	})
	list, err := readXLSXBytes(t, data, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tasks) != 2 {
		t.Fatalf("tasks = %+v", list.Tasks)
	}
	t1 := list.Tasks[0]
	wantT1 := Task{
		Code: "T01", Title: "招商引资", Department: "区投资促进局", Category: "经济发展", Schedule: "0 9 * * 1,3,5",
		Leaders: []PersonRef{{Name: "王建国"}}, Owners: []PersonRef{{Name: "刘洋"}},
		Attendants: []PersonRef{{Name: "杨帆"}, {Name: "赵磊"}},
		Milestones: []Milestone{
			{Seq: 1, Title: "项目库梳理", Due: d(2026, 3, 31), Row: 2},
			{Seq: 2, Title: "签约", Due: d(2026, 6, 30), Row: 3},
			{Seq: 3, Title: "开工", Due: d(2026, 12, 15), Row: 4},
		},
		Row: 2,
	}
	if !reflect.DeepEqual(t1, wantT1) {
		t.Errorf("T01 =\n%+v\nwant\n%+v", t1, wantT1)
	}
	t2 := list.Tasks[1]
	if t2.Milestones[0].Due != d(2026, 4, 30) || t2.Attendants[0] != (PersonRef{"张伟", "区住建局"}) || t2.Row != 5 {
		t.Errorf("T02 = %+v", t2)
	}
}

func TestXLSXDueCells(t *testing.T) {
	date := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		due      any
		numFmt   int // 0: no style
		date1904 bool
		want     Date
		err      string
	}{
		{name: "date cell", due: date, want: d(2026, 3, 31)},
		{name: "serial with date format", due: 46112, numFmt: 14, want: d(2026, 3, 31)},
		{name: "chinese date format", due: 46112, numFmt: 31, want: d(2026, 3, 31)},
		{name: "date and time", due: 46112.625, numFmt: 22, want: d(2026, 3, 31)},
		{name: "serial in General format", due: 46112, want: d(2026, 3, 31)},
		{name: "1904 date system", due: 44650, numFmt: 14, date1904: true, want: d(2026, 3, 31)},
		{name: "text date", due: "2026/3/31", want: d(2026, 3, 31)},
		{name: "chinese text date", due: "２０２６年３月３１日", want: d(2026, 3, 31)},
		{name: "year-less text date", due: "3月31日", want: d(2026, 3, 31)},
		{name: "text digits are text", due: "46112", err: `"46112" is not a date`},
		{name: "number that is no date", due: 2026, err: "number 2026 is not a date between 2000 and 2099"},
		{name: "impossible text date", due: "2026-02-30", err: "2026-02 has 28 days"},
		{name: "boolean", due: true, err: "is not a date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setup := func(f *excelize.File, sheet string) error {
				if tc.date1904 {
					v := true
					if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &v}); err != nil {
						return err
					}
				}
				if tc.numFmt != 0 {
					return styleCells(tc.numFmt, "I2")(f, sheet)
				}
				return nil
			}
			data := book(t, sheetSpec{name: "Sheet1", setup: setup, rows: [][]any{
				header(),
				anyRow("T01", "任务", "王建国", "区发改局", nil, "杨帆", 1, "节点", tc.due),
			}})
			list, err := readXLSXBytes(t, data, testOpt)
			if tc.err != "" {
				expectProblems(t, err, want{2, "完成时限", tc.err})
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := list.Tasks[0].Milestones[0].Due; got != tc.want {
				t.Errorf("due = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestXLSXSheets(t *testing.T) {
	notes := sheetSpec{name: "说明", rows: [][]any{{"本表由区督查室维护"}}}
	tasks := sheetSpec{name: "Tasks 2026", rows: [][]any{
		header(),
		anyRow("T01", "任务", "王建国", "区发改局", nil, "杨帆", 1, "节点", "2026-03-31"),
	}}
	data := book(t, notes, tasks)
	tests := []struct {
		name  string
		sheet string
		ok    bool
		err   string
	}{
		{name: "named sheet", sheet: "Tasks 2026", ok: true},
		{name: "name in another case", sheet: " tasks 2026 ", ok: true},
		{name: "first sheet by default", sheet: "", err: "row 1: missing required column task code"},
		{name: "missing sheet", sheet: "任务", err: `sheet "任务" not found; the workbook has "说明", "Tasks 2026"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := readXLSXBytes(t, data, Options{Sheet: tc.sheet, Today: refToday})
			if tc.ok {
				if err != nil || len(list.Tasks) != 1 {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestXLSXRowsAndMerges(t *testing.T) {
	t.Run("problem rows are sheet rows", func(t *testing.T) {
		data := book(t, sheetSpec{name: "Sheet1", rows: [][]any{
			{"2026年重点任务清单"},
			nil,
			header(),
			anyRow("T01", "任务", "王建国", "区发改局", nil, "杨帆", 1, "节点", "2026-13-01"),
			nil,
			nil,
			anyRow(nil, nil, nil, nil, nil, nil, 2, "", "2026-03-01"),
		}})
		_, err := readXLSXBytes(t, data, testOpt)
		expectProblems(t, err, want{4, "完成时限", "no month 13"}, want{7, "节点内容", "the milestone is empty"})
	})
	t.Run("rows holding only merged cells are skipped", func(t *testing.T) {
		data := book(t, sheetSpec{
			name: "Sheet1",
			rows: [][]any{
				header(),
				anyRow("T01", "任务", "王建国", "区发改局", nil, "杨帆", 1, "节点一", "2026-03-31"),
				anyRow(nil, nil, nil, nil, nil, nil, 2, "节点二", "2026-06-30"),
				// rows 4 and 5 only lie under the merged task cells
			},
			setup: mergeCols("A,B,C,D,E,F", 2, 5),
		})
		list, err := readXLSXBytes(t, data, testOpt)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Tasks) != 1 || len(list.Tasks[0].Milestones) != 2 || len(list.Warnings) != 0 {
			t.Errorf("list = %+v", list)
		}
	})
	t.Run("merged milestone number repeats it", func(t *testing.T) {
		data := book(t, sheetSpec{
			name: "Sheet1",
			rows: [][]any{
				header(),
				anyRow("T01", "任务", "王建国", "区发改局", nil, "杨帆", 1, "节点一", "2026-03-31"),
				anyRow(nil, nil, nil, nil, nil, nil, nil, "节点二", "2026-06-30"),
			},
			setup: mergeCols("A,B,C,D,E,F,G", 2, 3),
		})
		_, err := readXLSXBytes(t, data, testOpt)
		expectProblems(t, err, want{3, "节点序号", "milestone number 1 of task T01 is already used on row 2"})
	})
	t.Run("values hidden under a merge are ignored", func(t *testing.T) {
		// Some programs keep the old values of merged-over cells; the
		// spreadsheet shows only the top-left one, and so does the reader.
		base := book(t, sheetSpec{name: "Sheet1", rows: [][]any{{"x"}}})
		xml := sheetXMLHead + inlineRow(1, stdHeader...) +
			inlineRow(2, "T01", "招商引资", "王建国", "区发改局", "", "杨帆", "1", "节点一", "2026-03-31") +
			inlineRow(3, "T01", "旧标题", "李明", "", "", "", "2", "节点二", "2026-06-30") +
			`</sheetData><mergeCells count="6"><mergeCell ref="A2:A3"/><mergeCell ref="B2:B3"/><mergeCell ref="C2:C3"/>` +
			`<mergeCell ref="D2:D3"/><mergeCell ref="E2:E3"/><mergeCell ref="F2:F3"/></mergeCells></worksheet>`
		list, err := readXLSXBytes(t, replacePart(t, base, "xl/worksheets/sheet1.xml", xml), testOpt)
		if err != nil {
			t.Fatal(err)
		}
		task := list.Tasks[0]
		if task.Title != "招商引资" || task.Leaders[0].Name != "王建国" || len(task.Milestones) != 2 {
			t.Errorf("task = %+v", task)
		}
	})
	t.Run("horizontal merge in the title row", func(t *testing.T) {
		data := book(t, sheetSpec{
			name: "Sheet1",
			rows: [][]any{
				{"2026年重点任务清单"},
				header(),
				anyRow("T01", "任务", "王建国", "区发改局", nil, "杨帆", 1, "节点一", "2026-03-31"),
			},
			setup: func(f *excelize.File, sheet string) error { return f.MergeCell(sheet, "A1", "K1") },
		})
		list, err := readXLSXBytes(t, data, testOpt)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"row 1: ignored, it is above the header row 2"}; !reflect.DeepEqual(list.Warnings, want) {
			t.Errorf("warnings = %q", list.Warnings)
		}
	})
}

// replacePart rewrites one part of an .xlsx package.
func replacePart(t testing.TB, data []byte, name, content string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			_, err = io.WriteString(w, content)
		} else {
			var rc io.ReadCloser
			if rc, err = f.Open(); err == nil {
				_, err = io.Copy(w, rc)
				_ = rc.Close()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const sheetXMLHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`

func inlineRow(r int, vals ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, r)
	for i, v := range vals {
		name, _ := excelize.CoordinatesToCellName(i+1, r)
		fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, name, v)
	}
	b.WriteString("</row>")
	return b.String()
}

func TestXLSXHostile(t *testing.T) {
	base := book(t, sheetSpec{name: "Sheet1", rows: [][]any{{"x"}}})
	okRows := inlineRow(1, stdHeader...) + inlineRow(2, "T01", "任务", "王建国", "区发改局", "", "杨帆", "1", "节点", "2026-03-31")
	var wide strings.Builder
	for r := 3; r < 300; r++ {
		fmt.Fprintf(&wide, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, r, r)
	}
	var manyMerges strings.Builder
	for i := 0; i <= maxMerges; i++ {
		manyMerges.WriteString(`<mergeCell ref="A2:A3"/>`)
	}
	var overlapping strings.Builder
	for i := 0; i < 100; i++ {
		overlapping.WriteString(`<mergeCell ref="A2:K1048576"/>`)
	}
	var manyRows strings.Builder
	for r := 3; r < 60000; r++ {
		fmt.Fprintf(&manyRows, `<row r="%d"><c r="H%d" t="inlineStr"><is><t>节点</t></is></c></row>`, r, r)
	}
	bomb := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("xl/worksheets/sheet1.xml")
		zeros := make([]byte, 1<<20)
		for i := 0; i < maxUnzipped>>20+1; i++ {
			_, _ = w.Write(zeros)
		}
		_ = zw.Close()
		return buf.Bytes()
	}()
	tests := []struct {
		name string
		data []byte
		err  error
		frag string
	}{
		{name: "random bytes", data: []byte("PK\x03\x04 this is not a zip at all"), err: ErrMalformed},
		{name: "empty", data: nil, err: ErrMalformed},
		{name: "old xls or encrypted", data: append(append([]byte{}, oleMagic...), make([]byte, 512)...), err: ErrUnsupportedFormat},
		{name: "zip bomb", data: bomb, err: ErrFileTooLarge},
		{name: "zip without workbook", data: func() []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			_, _ = zw.Create("hello.txt")
			_ = zw.Close()
			return buf.Bytes()
		}(), err: ErrMalformed},
		{name: "cells far to the right", data: replacePart(t, base, "xl/worksheets/sheet1.xml", sheetXMLHead+okRows+wide.String()+"</sheetData></worksheet>"), err: ErrFileTooLarge},
		{name: "too many merged ranges", data: replacePart(t, base, "xl/worksheets/sheet1.xml", sheetXMLHead+okRows+"</sheetData><mergeCells>"+manyMerges.String()+"</mergeCells></worksheet>"), err: ErrFileTooLarge},
		{name: "data past the row limit", data: replacePart(t, base, "xl/worksheets/sheet1.xml", sheetXMLHead+okRows+inlineRow(MaxRows+1, "T02")+"</sheetData></worksheet>"), err: ErrTooManyRows},
		{name: "bad cell reference", data: replacePart(t, base, "xl/worksheets/sheet1.xml", sheetXMLHead+`<row r="1"><c r="1A"><v>1</v></c></row></sheetData></worksheet>`), err: ErrMalformed},
		{name: "bad shared string", data: replacePart(t, base, "xl/worksheets/sheet1.xml", sheetXMLHead+`<row r="1"><c r="A1" t="s"><v>99</v></c></row></sheetData></worksheet>`), frag: "the file is empty"},
		{name: "broken xml", data: replacePart(t, base, "xl/worksheets/sheet1.xml", sheetXMLHead+`<row r="1"><c r="A1"`), err: ErrMalformed},
		{name: "overlapping huge merges", data: replacePart(t, base, "xl/worksheets/sheet1.xml", sheetXMLHead+okRows+manyRows.String()+"</sheetData><mergeCells>"+overlapping.String()+"</mergeCells></worksheet>"), frag: "too many merged cells"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readXLSXBytes(t, tc.data, testOpt)
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.frag != "" && (err == nil || !strings.Contains(err.Error(), tc.frag)) {
				t.Fatalf("err = %v, want %q", err, tc.frag)
			}
		})
	}
	t.Run("hand-written sheet", func(t *testing.T) {
		data := replacePart(t, base, "xl/worksheets/sheet1.xml", sheetXMLHead+okRows+"</sheetData></worksheet>")
		list, err := readXLSXBytes(t, data, testOpt)
		if err != nil || len(list.Tasks) != 1 {
			t.Fatalf("err = %v", err)
		}
	})
}
