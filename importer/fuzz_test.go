package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"sort"
	"testing"
	"time"
)

// checkResult asserts what any call of a reader must give: either a
// self-consistent list, or an error; a ValidationError has problems,
// sorted by row.
func checkResult(t *testing.T, list *TaskList, err error) {
	t.Helper()
	if err != nil {
		if list != nil {
			t.Fatal("list returned with an error")
		}
		var ve *ValidationError
		if errors.As(err, &ve) {
			if len(ve.Problems) == 0 || len(ve.Problems) > MaxProblems+1 {
				t.Fatalf("%d problems", len(ve.Problems))
			}
			if !sort.SliceIsSorted(ve.Problems[:min(len(ve.Problems), MaxProblems)], func(i, j int) bool { return ve.Problems[i].Row < ve.Problems[j].Row }) {
				t.Fatal("problems not sorted by row")
			}
			_ = ve.Error()
		}
		return
	}
	if err := listInvariant(list); err != nil {
		t.Fatal(err)
	}
}

func csvSeeds() []string {
	return []string{
		withHeader(row("T01", "招商引资", "王建国、李明", "区投资促进局", "刘洋", "张伟(区住建局)，张伟（区水利局）", "1", "梳理", "2026-03-31", "0 9 * * 1,3,5", "经济")),
		withHeader(
			row("T01", "任务", "王建国", "区发改局", "", "杨帆", "", "一", "3月31日", "", ""),
			row("", "", "", "", "", "", "", "二", "2026年6月底", "", ""),
			row("t02", "任务二", "李明", "区住建局", "", "徐静", "M1", "一", "2026.3.1", "CRON_TZ=", ""),
			row("T01", "冲突", "王建国", "区发改局", "", "杨帆", "2", "三", "2026/2/30", "", ""),
		),
		"code,title,leader,department,attendants,milestone_no,milestone,due\nT1,a,b,c,d,1,e,2026-1-1\n",
		"\ufeff\n\n\"任务编号\",\"任务名称\"\n\"T01\",\"a\"\"b\n",
		"",
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range csvSeeds() {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile(exampleCSV); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := ReadCSV(bytes.NewReader(data), Options{Today: refToday})
		checkResult(t, list, err)
	})
}

// xlsxSeeds builds small workbooks like the ones in the tests.
func xlsxSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		book(t, sheetSpec{
			name: "Sheet1",
			rows: [][]any{
				header(),
				anyRow("T01", "招商引资", "王建国", "区投资促进局", "刘洋", "杨帆、赵磊", 1, "项目库梳理", time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), "0 9 * * 1,3,5", "经济发展"),
				anyRow(nil, nil, nil, nil, nil, nil, 2.0, "签约", 46203, nil, nil),
				anyRow(nil, nil, nil, nil, nil, nil, "3", "开工", "2026年12月15日", nil, nil),
			},
			setup: both(mergeCols("A,B,C,D,E,F,J,K", 2, 4), styleCells(14, "I3")),
		}),
		book(t, sheetSpec{name: "说明", rows: [][]any{{"x"}}}, sheetSpec{name: "Tasks", rows: [][]any{
			{"2026年重点任务清单"}, nil, header(),
			anyRow("T01", "任务", "王建国", "区发改局", nil, "杨帆", nil, "节点", "3月31日"),
		}}),
	}
	if b, err := os.ReadFile(exampleXLSX); err == nil {
		seeds = append(seeds, b)
	}
	return seeds
}

func FuzzReadXLSX(f *testing.F) {
	for _, s := range xlsxSeeds(f) {
		f.Add(s)
		// The same package stored without compression and without
		// checksums, so that mutated bytes reach the XML parsers.
		f.Add(storedZip(f, unpack(f, s), false))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := ReadXLSX(bytes.NewReader(data), Options{Today: refToday, Sheet: ""})
		checkResult(t, list, err)
	})
}

// FuzzSheetXML fuzzes the worksheet XML inside a valid package, where
// byte-level mutation of a whole zip would mostly break its checksums.
func FuzzSheetXML(f *testing.F) {
	base := unpack(f, book(f, sheetSpec{name: "Sheet1", rows: [][]any{{"x"}}}))
	ok := sheetXMLHead + inlineRow(1, stdHeader...) +
		inlineRow(2, "T01", "任务", "王建国", "区发改局", "", "杨帆", "1", "节点", "2026-03-31") +
		`<row r="3"><c r="G3"><v>2</v></c><c r="H3" t="inlineStr"><is><t>二</t></is></c><c r="I3" s="0"><v>46203</v></c></row>` +
		`</sheetData><mergeCells count="1"><mergeCell ref="A2:F3"/></mergeCells></worksheet>`
	f.Add(ok)
	f.Add(sheetXMLHead + `<row><c><v>1</v></c><c t="s"><v>0</v></c></row></sheetData></worksheet>`)
	f.Fuzz(func(t *testing.T, sheet string) {
		parts := append([]zipPart{}, base...)
		for i := range parts {
			if parts[i].name == "xl/worksheets/sheet1.xml" {
				parts[i].data = []byte(sheet)
			}
		}
		data := storedZip(t, parts, true)
		list, err := ReadXLSX(bytes.NewReader(data), Options{Today: refToday})
		checkResult(t, list, err)
	})
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"0 9 * * 1,3,5", "CRON_TZ=", "TZ=x", "@daily", "@every 1s", "0 9 30 2 *", "*/0 * * * *", "1-5/2 0-23 L * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec)
		if err == nil && s.Next(scheduleProbe).IsZero() {
			t.Fatalf("%q accepted but never fires", spec)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-03-31", "2026年2月底前", "3月31日", "２０２６／３／３１ 9:00", "2026.13.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseDate(s, refToday)
		if err == nil && DateOf(got.Time()) != got {
			t.Fatalf("%q gave invalid date %+v", s, got)
		}
	})
}

type zipPart struct {
	name string
	data []byte
}

func unpack(t testing.TB, data []byte) []zipPart {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var parts []zipPart
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, zipPart{f.Name, b})
	}
	return parts
}

// storedZip packs parts without compression (fast enough to run on every
// fuzz input); without checksums, a reader skips the CRC check.
func storedZip(t testing.TB, parts []zipPart, checksums bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if checksums {
			w, err = zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		} else {
			n := uint64(len(p.data))
			w, err = zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Store, CompressedSize64: n, UncompressedSize64: n})
		}
		if err == nil {
			_, err = w.Write(p.data)
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
