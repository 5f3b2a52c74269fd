package scheduler

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

// FuzzParseCalendar checks that no file makes ParseCalendar panic, that a
// failure is a *CalendarFileError with at least one problem, and that on
// success every day is valid, listed once, sorted, and accepted by
// NewCalendar unchanged.
func FuzzParseCalendar(f *testing.F) {
	// Seeds are kept short: the fuzzer minimises every new input it finds
	// interesting, which takes long for kilobyte-sized ones such as the
	// fixtures in testdata/calendar.
	f.Add([]byte("# check yearly\nholidays:\n  - {date: 2026-10-01..2026-10-07, name: 国庆节}\nworkdays:\n  - {date: 2026-10-10, name: 调休}\n"), true)
	f.Add([]byte("日期,类型,名称\n2026/10/1,休,国庆节\n2026/10/10,班,国庆节调休上班\n"), false)
	f.Add([]byte("日期,类型,名称\n2026/10/1,休,国庆节\n2026-10-01..2026-10-03,假,\n"), false)
	f.Add([]byte("2026-10-01,holiday\n2026-10-01,workday\n"), false)
	f.Add([]byte("holidays:\n  - 2026-10-01\n  - {date: 2026-10-02..2026-10-04, name: x}\nworkdays: [2026-09-27]\n"), true)
	f.Add([]byte("holidays:\n  - &a 2026-10-01\n  - *a\n"), true)
	f.Add([]byte("holidays: {date: x}\n---\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, asYAML bool) {
		name := "fuzz.csv"
		if asYAML {
			name = "fuzz.yaml"
		}
		days, err := ParseCalendar(bytes.NewReader(data), name)
		if err != nil {
			var fe *CalendarFileError
			if !errors.As(err, &fe) || len(fe.Problems) == 0 || err.Error() == "" {
				t.Fatalf("error %T %q", err, err)
			}
			if days != nil {
				t.Fatalf("days returned with an error")
			}
			return
		}
		if len(days) == 0 {
			t.Fatal("success without days")
		}
		seen := map[string]bool{}
		for i, d := range days {
			day, perr := time.Parse(time.DateOnly, d.Date)
			if perr != nil || day.Format(time.DateOnly) != d.Date {
				t.Fatalf("bad date %q", d.Date)
			}
			if d.Kind != Holiday && d.Kind != Workday {
				t.Fatalf("bad kind %q", d.Kind)
			}
			if seen[d.Date] {
				t.Fatalf("%s listed twice", d.Date)
			}
			seen[d.Date] = true
			if i > 0 && days[i-1].Date >= d.Date {
				t.Fatalf("not sorted at %d", i)
			}
		}
		cal, err := NewCalendar(days)
		if err != nil {
			t.Fatalf("NewCalendar refuses parsed days: %v", err)
		}
		if !reflect.DeepEqual(cal.Days(), days) {
			t.Fatal("NewCalendar changed the days")
		}
	})
}
