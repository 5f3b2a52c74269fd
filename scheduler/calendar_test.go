package scheduler

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func loadFixture(t testing.TB, name string) []CalendarDay {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "calendar", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	days, err := ParseCalendar(f, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return days
}

func fixtureCalendar(t testing.TB) *Calendar {
	t.Helper()
	cal, err := NewCalendar(loadFixture(t, "2026.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func mustCalendar(t testing.TB, days ...CalendarDay) *Calendar {
	t.Helper()
	cal, err := NewCalendar(days)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func TestCalendarFixtures2026(t *testing.T) {
	y := loadFixture(t, "2026.yaml")
	c := loadFixture(t, "2026.csv")
	if !reflect.DeepEqual(y, c) {
		t.Fatalf("2026.yaml and 2026.csv differ:\n%v\n%v", y, c)
	}
	var holidays, workdays int
	for _, d := range y {
		day, _ := time.Parse(time.DateOnly, d.Date)
		switch d.Kind {
		case Holiday:
			holidays++
		case Workday:
			workdays++
			if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Errorf("%s %s is listed as a working day but is a %s", d.Date, d.Name, wd)
			}
		}
		if d.Name == "" {
			t.Errorf("%s has no name", d.Date)
		}
	}
	if holidays != 33 || workdays != 6 {
		t.Errorf("%d holidays and %d working days, want 33 and 6", holidays, workdays)
	}
	cal := mustCalendar(t, y...)
	// The statutory days themselves.
	for _, d := range []string{"2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-04-05", "2026-05-01", "2026-05-02", "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-02", "2026-10-03"} {
		day, _ := time.Parse(time.DateOnly, d)
		if cal.IsWorkingDay(day.Date()) {
			t.Errorf("%s is a working day", d)
		}
	}
}

func TestCalendarIsWorkingDay(t *testing.T) {
	cal := fixtureCalendar(t)
	tests := []struct {
		date string
		cal  *Calendar
		want bool
	}{
		{"2026-04-06", cal, false}, // Monday, 清明节
		{"2026-04-07", cal, true},  // Tuesday
		{"2026-04-11", cal, false}, // ordinary Saturday
		{"2026-10-10", cal, true},  // make-up Saturday
		{"2026-09-20", cal, true},  // make-up Sunday
		{"2026-10-05", cal, false}, // Monday in the National Day week
		{"2026-10-05", nil, true},  // nil calendar: just the week
		{"2026-10-10", nil, false},
		{"2027-10-01", cal, true}, // a Friday the calendar does not cover
	}
	for _, tc := range tests {
		t.Run(tc.date, func(t *testing.T) {
			d, _ := time.Parse(time.DateOnly, tc.date)
			if got := tc.cal.IsWorkingDay(d.Date()); got != tc.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tc.date, got, tc.want)
			}
		})
	}
	// Out-of-range values normalise like time.Date: 2026-09-31 is 10-01.
	if cal.IsWorkingDay(2026, time.September, 31) {
		t.Error("2026-09-31 (= 10-01) is a working day")
	}
}

func TestNewCalendar(t *testing.T) {
	t.Run("sorted and merged", func(t *testing.T) {
		cal := mustCalendar(t,
			CalendarDay{Date: "2026-10-02", Kind: Holiday},
			CalendarDay{Date: "2026-10-01", Kind: Holiday, Name: "国庆节"},
			CalendarDay{Date: "2026-10-02", Kind: Holiday, Name: "国庆节"},
			CalendarDay{Date: "2026-09-20", Kind: Workday, Name: "调休"},
		)
		want := []CalendarDay{
			{Date: "2026-09-20", Kind: Workday, Name: "调休"},
			{Date: "2026-10-01", Kind: Holiday, Name: "国庆节"},
			{Date: "2026-10-02", Kind: Holiday, Name: "国庆节"},
		}
		if got := cal.Days(); !reflect.DeepEqual(got, want) {
			t.Fatalf("Days = %v, want %v", got, want)
		}
		cal.Days()[0].Name = "changed"
		if cal.Days()[0].Name != "调休" {
			t.Error("Days exposes the calendar's storage")
		}
	})
	t.Run("nil and empty", func(t *testing.T) {
		var nilCal *Calendar
		if nilCal.Days() != nil {
			t.Error("nil calendar has days")
		}
		empty := mustCalendar(t)
		if len(empty.Days()) != 0 || !empty.IsWorkingDay(2026, 10, 1) {
			t.Error("empty calendar is not just the week")
		}
	})
	bad := []struct {
		name string
		days []CalendarDay
		want string
	}{
		{"conflicting kinds", []CalendarDay{{Date: "2026-10-01", Kind: Holiday}, {Date: "2026-10-01", Kind: Workday}}, "both as holiday and as workday"},
		{"invalid date", []CalendarDay{{Date: "2026-02-30", Kind: Holiday}}, `bad date "2026-02-30"`},
		{"unpadded date", []CalendarDay{{Date: "2026-2-3", Kind: Holiday}}, `bad date "2026-2-3"`},
		{"bad kind", []CalendarDay{{Date: "2026-10-01", Kind: "vacation"}}, `bad kind "vacation"`},
		{"empty kind", []CalendarDay{{Date: "2026-10-01"}}, `bad kind ""`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			cal, err := NewCalendar(tc.days)
			if err == nil || !strings.Contains(err.Error(), tc.want) || cal != nil {
				t.Fatalf("NewCalendar = %v, %v; want an error with %q", cal, err, tc.want)
			}
		})
	}
}

func TestCalendarNextSlotWorkdays(t *testing.T) {
	cal := fixtureCalendar(t)
	custom := mustCalendar(t,
		CalendarDay{Date: "2026-11-15", Kind: Workday}, // Sunday the 15th
		CalendarDay{Date: "2026-11-14", Kind: Workday}, // Saturday the 14th
	)
	tests := []struct {
		name     string
		spec     string
		cal      *Calendar
		workdays bool
		after    string
		want     string // wall; "" for an error
	}{
		{"holiday Monday suppresses the slot", "0 9 * * 1", cal, true, "2026-04-05T00:00", "2026-04-13T09:00"},
		{"holiday Monday, calendar ignored", "0 9 * * 1", cal, false, "2026-04-05T00:00", "2026-04-06T09:00"},
		{"National Day week", "0 9 * * 1-5", cal, true, "2026-09-30T10:00", "2026-10-08T09:00"},
		{"make-up Saturday gets the weekday slot", "0 9 * * 1-5", cal, true, "2026-10-09T09:00", "2026-10-10T09:00"},
		{"make-up Saturday, calendar ignored", "0 9 * * 1-5", cal, false, "2026-10-09T09:00", "2026-10-12T09:00"},
		{"after the make-up Saturday", "0 9 * * 1-5", cal, true, "2026-10-10T09:00", "2026-10-12T09:00"},
		{"Mon/Wed/Fri spec on a make-up Sunday fires", "0 9 * * 1,3,5", cal, true, "2026-09-19T00:00", "2026-09-20T09:00"},
		{"Tuesday-only spec on a make-up Sunday fires", "0 9 * * 2", cal, true, "2026-09-19T00:00", "2026-09-20T09:00"},
		{"all hours and minutes of the make-up day", "0,30 9-10 * * 1-5", cal, true, "2026-09-20T09:00", "2026-09-20T09:30"},
		{"Saturday spec on a make-up Saturday", "0 10 * * 6", cal, true, "2026-10-03T00:00", "2026-10-10T10:00"},
		{"Saturday spec, no make-up Saturdays left", "0 10 * * 6", cal, true, "2026-10-10T10:00", ""},
		{"ordinary weekend has no slots", "0 9 * * *", cal, true, "2026-06-05T10:00", "2026-06-08T09:00"},
		{"ordinary weekend, calendar ignored", "0 9 * * *", cal, false, "2026-06-05T10:00", "2026-06-06T09:00"},
		{"nil calendar: Monday to Friday", "0 9 * * *", nil, true, "2026-06-05T10:00", "2026-06-08T09:00"},
		{"day-of-month spec on a make-up Sunday the 15th", "0 9 15 * *", custom, true, "2026-11-13T10:00", "2026-11-15T09:00"},
		{"day-of-month spec skips a make-up Saturday the 14th", "0 9 16 * *", custom, true, "2026-11-13T10:00", "2026-11-16T09:00"},
		{"month restriction on a make-up day", "0 9 * 3 1-5", cal, true, "2026-02-13T10:00", "2026-03-02T09:00"},
		{"month allows a make-up day", "0 9 * 1 1-5", cal, true, "2026-01-03T00:00", "2026-01-04T09:00"},
	}
	sh := mustLoc(t, "Asia/Shanghai")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NextSlot(Schedule{Spec: tc.spec, Location: sh}, mustWall(t, tc.after), tc.cal, tc.workdays)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %s, want an error", got.Wall)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Wall.String() != tc.want {
				t.Errorf("NextSlot = %s, want %s", got.Wall, tc.want)
			}
		})
	}
}

func TestCalendarDueAcrossHoliday(t *testing.T) {
	cal := fixtureCalendar(t)
	// Down from the Wednesday before National Day to the Thursday after:
	// only working-day slots were missed, and only the latest is sent.
	checkDue(t, dueCase{
		spec: "0 9 * * 1-5", zone: "Asia/Shanghai", next: "2026-09-29T09:00", now: "2026-10-08T02:00:00Z", catchUp: 6 * time.Hour,
		send: "2026-10-08T09:00", skipped: []string{"2026-09-29T09:00", "2026-09-30T09:00"}, nextWall: "2026-10-09T09:00",
	}, cal, true)
}

func parseString(name, text string) ([]CalendarDay, error) {
	return ParseCalendar(strings.NewReader(text), name)
}

func TestParseCalendar(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("日期,类型,名称\n2026-10-01,休,国庆节\n")
	if err != nil {
		t.Fatal(err)
	}
	h := func(date, name string) CalendarDay { return CalendarDay{Date: date, Kind: Holiday, Name: name} }
	w := func(date, name string) CalendarDay { return CalendarDay{Date: date, Kind: Workday, Name: name} }
	tests := []struct {
		name, file, text string
		want             []CalendarDay
	}{
		{"CSV without header", "a.csv", "2026-10-01,holiday,National Day\n2026/9/27,workday,\n",
			[]CalendarDay{w("2026-09-27", ""), h("2026-10-01", "National Day")}},
		{"CSV Chinese header, columns reordered, extra column", "a.CSV", "序号,名称,日期,类型\n1,国庆节,2026-10-01,节假日\n2,国庆调休,2026/9/27,调休上班\n",
			[]CalendarDay{w("2026-09-27", "国庆调休"), h("2026-10-01", "国庆节")}},
		{"CSV English header", "a.csv", "Date,Type,Name\n2026-10-01,Holiday,x\n",
			[]CalendarDay{h("2026-10-01", "x")}},
		{"CSV BOM and CRLF", "a.csv", "\uFEFF日期,类型,名称\r\n2026-10-01,假,国庆\r\n",
			[]CalendarDay{h("2026-10-01", "国庆")}},
		{"CSV GBK", "a.csv", gbk,
			[]CalendarDay{h("2026-10-01", "国庆节")}},
		{"CSV range", "a.csv", "2026-10-01..2026-10-03,休,国庆节\n",
			[]CalendarDay{h("2026-10-01", "国庆节"), h("2026-10-02", "国庆节"), h("2026-10-03", "国庆节")}},
		{"CSV full-width digits", "a.csv", "２０２６－１０－０１,休,国庆节\n２０２６／９／２７,班,\n",
			[]CalendarDay{w("2026-09-27", ""), h("2026-10-01", "国庆节")}},
		{"CSV comments, blank lines, trailing empty column", "a.csv", "# check each year\n\n2026-10-01,休,国庆节,\n,,\n2026-10-02,上班\n",
			[]CalendarDay{h("2026-10-01", "国庆节"), w("2026-10-02", "")}},
		{"CSV duplicate with the same kind", "a.csv", "2026-10-01,休,\n2026-10-01,放假,国庆节\n2026-10-01,休,其他\n",
			[]CalendarDay{h("2026-10-01", "国庆节")}},
		{"CSV quoted name", "a.csv", "2026-10-01,休,\"国庆, 中秋\"\n",
			[]CalendarDay{h("2026-10-01", "国庆, 中秋")}},
		{"CSV kind words", "a.csv", "2026-10-01,休\n2026-10-02,假\n2026-10-03,放假\n2026-10-04,休息\n2026-10-05,HOLIDAY\n2026-10-10,班\n2026-10-11,补班\n2026-10-17,工作日\n2026-10-18,调休上班\n",
			[]CalendarDay{h("2026-10-01", ""), h("2026-10-02", ""), h("2026-10-03", ""), h("2026-10-04", ""), h("2026-10-05", ""),
				w("2026-10-10", ""), w("2026-10-11", ""), w("2026-10-17", ""), w("2026-10-18", "")}},
		{"YAML as documented", "a.yaml", "holidays:\n  - 2026-10-01   # 国庆节\n  - {date: 2026-10-02, name: 国庆节}\nworkdays:\n  - {date: 2026-09-27, name: 国庆调休}\n",
			[]CalendarDay{w("2026-09-27", "国庆调休"), h("2026-10-01", ""), h("2026-10-02", "国庆节")}},
		{"YAML ranges in both lists", "a.yml", "holidays:\n  - date: 2026-10-01..2026-10-03\n    name: 国庆节\n  - 2026-10-05..2026-10-05\nworkdays:\n  - 2026-10-10..2026-10-11\n",
			[]CalendarDay{h("2026-10-01", "国庆节"), h("2026-10-02", "国庆节"), h("2026-10-03", "国庆节"), h("2026-10-05", ""), w("2026-10-10", ""), w("2026-10-11", "")}},
		{"YAML Chinese keys, flow list, empty list", "a.yaml", "节假日: [2026/10/1, '2026-10-02']\n调休上班:\n",
			[]CalendarDay{h("2026-10-01", ""), h("2026-10-02", "")}},
		{"YAML Chinese entry keys", "a.yaml", "workdays:\n  - {日期: 2026-09-27, 名称: 调休}\n",
			[]CalendarDay{w("2026-09-27", "调休")}},
		{"YAML name cleaned", "a.yaml", "holidays:\n  - {date: 2026-10-01, name: \"国庆\\n  节\\t\"}\n",
			[]CalendarDay{h("2026-10-01", "国庆 节")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseString(tc.file, tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestParseCalendarErrors(t *testing.T) {
	tests := []struct {
		name, file, text string
		lines            []int    // lines of the problems, in order
		want             []string // substrings of the message
	}{
		{"CSV bad lines all listed", "a.csv", "日期,类型,名称\n2026-10-01,休,国庆\n2026-10-02,休,国庆\n2026-13-01,休,x\n2026-10-04,maybe,x\n2026-02-30,班\n",
			[]int{4, 5, 6}, []string{`line 4: bad date "2026-13-01"`, `line 5: bad kind "maybe"`, `line 6: bad date "2026-02-30": no such day`}},
		{"CSV conflict names both lines", "a.csv", "2026-10-01,休\n\n2026-10-01,班\n",
			[]int{3}, []string{"line 3: 2026-10-01 is listed as workday, but line 1 lists it as holiday"}},
		{"CSV missing kind", "a.csv", "2026-10-01\n", []int{1}, []string{"line 1: missing kind"}},
		{"CSV ambiguous kind", "a.csv", "2026-10-01,调休\n", []int{1}, []string{`bad kind "调休"`}},
		{"CSV header without kind column", "a.csv", "日期,名称\n2026-10-01,x\n", []int{1}, []string{"kind (类型)"}},
		{"CSV extra column", "a.csv", "2026-10-01,休,国庆,多余\n", []int{1}, []string{"unexpected column 4"}},
		{"CSV mixed separators", "a.csv", "2026-10/01,休\n", []int{1}, []string{`bad date "2026-10/01"`}},
		{"CSV year out of range", "a.csv", "0226-10-01,休\n", []int{1}, []string{"year out of range"}},
		{"CSV reversed range", "a.csv", "2026-10-07..2026-10-01,休\n", []int{1}, []string{"ends before it starts"}},
		{"CSV range too long", "a.csv", "2026-01-01..2027-12-31,休\n", []int{1}, []string{"at most 366"}},
		{"CSV name too long", "a.csv", "2026-10-01,休," + strings.Repeat("节", 65) + "\n", []int{1}, []string{"at most 64"}},
		{"YAML bad entries all listed", "a.yaml", "holidays:\n  - 2026-10-01\n  - 2026-13-01\n  - {date: 2026-10-03, nam: x}\n  -\nworkdays:\n  - {name: x}\n",
			[]int{3, 4, 5, 7}, []string{`line 3: bad date "2026-13-01"`, `line 4: unknown key "nam"`, "line 5: empty entry", "line 7: missing date"}},
		{"YAML range conflicts with a workday", "a.yaml", "holidays:\n  - 2026-10-01..2026-10-07\nworkdays:\n  - 2026-10-03\n",
			[]int{4}, []string{"line 4: 2026-10-03 is listed as workday, but line 2 lists it as holiday"}},
		{"YAML unknown list", "a.yaml", "holiday_list:\n  - 2026-10-01\n", []int{1}, []string{`unknown key "holiday_list"`}},
		{"YAML list given twice", "a.yaml", "holidays: [2026-10-01]\n节假日: [2026-10-02]\n", []int{2}, []string{"second list"}},
		{"YAML not a list", "a.yaml", "holidays: 2026-10-01\n", []int{1}, []string{"want a list"}},
		{"YAML alias", "a.yaml", "holidays:\n  - &d 2026-10-01\nworkdays:\n  - *d\n", []int{4}, []string{"aliases"}},
		{"YAML nested value", "a.yaml", "holidays:\n  - {date: [2026-10-01]}\n", []int{2}, []string{"single value"}},
		{"YAML syntax error", "a.yaml", "holidays:\n  - 2026-10-01\n\t- 2026-10-02\n", []int{2}, []string{"line 2: YAML syntax error at or after this line", "tab"}},
		{"YAML two documents", "a.yaml", "holidays: [2026-10-01]\n---\nworkdays: [2026-10-10]\n", []int{2}, []string{"more than one YAML document"}},
		{"YAML root is a list", "a.yaml", "- 2026-10-01\n", []int{1}, []string{"want a mapping"}},
		{"empty YAML", "a.yaml", "", nil, []string{"lists no days"}},
		{"comments only CSV", "a.csv", "# nothing yet\n", nil, []string{"lists no days"}},
		{"unsupported extension", "a.txt", "2026-10-01,休\n", nil, []string{"unsupported file type"}},
		{"UTF-16", "a.csv", "\xff\xfe2\x000\x00", nil, []string{"UTF-16"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			days, err := parseString(tc.file, tc.text)
			if err == nil {
				t.Fatalf("accepted: %v", days)
			}
			if days != nil {
				t.Errorf("returned days with an error: %v", days)
			}
			var fe *CalendarFileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *CalendarFileError", err, err)
			}
			if fe.File != tc.file {
				t.Errorf("File = %q", fe.File)
			}
			if tc.lines != nil {
				var lines []int
				for _, p := range fe.Problems {
					lines = append(lines, p.Line)
				}
				if !reflect.DeepEqual(lines, tc.lines) {
					t.Errorf("problem lines %v, want %v (%v)", lines, tc.lines, err)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	t.Run("too many days", func(t *testing.T) {
		var b strings.Builder
		for y := 2000; y < 2060; y++ {
			fmt.Fprintf(&b, "%d-01-01..%d-12-31,休\n", y, y)
		}
		_, err := parseString("many.csv", b.String())
		var fe *CalendarFileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "more than 20000 days") || fe.Problems[len(fe.Problems)-1].Line != 55 {
			t.Fatalf("error %v", err)
		}
		var y strings.Builder
		y.WriteString("holidays:\n")
		for i := 2000; i < 2060; i++ {
			fmt.Fprintf(&y, "  - %d-01-01..%d-12-31\n", i, i)
		}
		if _, err := parseString("many.yaml", y.String()); err == nil || !strings.Contains(err.Error(), "more than 20000 days") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		big := bytes.Repeat([]byte("2026-10-01,休\n"), maxCalendarBytes/10)
		if _, err := ParseCalendar(bytes.NewReader(big), "big.csv"); err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestCalendarWorkingDays(t *testing.T) {
	cal := fixtureCalendar(t)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name        string
		cal         *Calendar
		first, last time.Time
		want        int
	}{
		{"a week, Monday to Sunday", cal, day("2026-03-02"), day("2026-03-08"), 5},
		{"one working day", cal, day("2026-03-04"), day("2026-03-04"), 1},
		{"one Saturday", cal, day("2026-03-07"), day("2026-03-07"), 0},
		{"last before first", cal, day("2026-03-08"), day("2026-03-02"), 0},
		{"National Day week with its adjusted Saturday", cal, day("2026-09-28"), day("2026-10-10"), 6},
		{"Spring Festival with the adjusted Saturdays", cal, day("2026-02-14"), day("2026-02-28"), 6},
		{"Labour Day and the adjusted Saturday after it", cal, day("2026-04-30"), day("2026-05-09"), 5},
		{"no calendar: Monday to Friday", nil, day("2026-09-28"), day("2026-10-10"), 10},
		{"empty calendar: Monday to Friday", mustCalendar(t), day("2026-02-14"), day("2026-02-28"), 10},
		{"only the dates count", cal, time.Date(2026, 3, 2, 23, 0, 0, 0, shanghai), time.Date(2026, 3, 8, 1, 0, 0, 0, shanghai), 5},
		// 261 weekdays, less the 19 that are holidays, plus the 6 adjusted Saturdays and Sundays.
		{"a whole year", cal, day("2026-01-01"), day("2026-12-31"), 261 - 19 + 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.WorkingDays(tc.first, tc.last); got != tc.want {
				t.Errorf("WorkingDays(%s, %s) = %d, want %d", tc.first.Format(time.DateOnly), tc.last.Format(time.DateOnly), got, tc.want)
			}
		})
	}
}
