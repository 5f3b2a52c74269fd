package leavecmd

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"taskbot/models"
)

var today = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name string
		args string
		want Request
		err  error
	}{
		{"chinese range, kind and deputy", "12月8日至12月12日 出差 代报 李四", Request{First: d(2026, 12, 8), Last: d(2026, 12, 12), Kind: models.LeaveTrip, Deputy: "李四"}, nil},
		{"range in one word", "12月8日-12月12日", Request{First: d(2026, 12, 8), Last: d(2026, 12, 12), Kind: models.LeaveOther}, nil},
		{"iso range in one word", "2026-12-08-2026-12-10 sick", Request{First: d(2026, 12, 8), Last: d(2026, 12, 10), Kind: models.LeaveSick}, nil},
		{"range with 至 in one word", "12月8日至12月12日 病假", Request{First: d(2026, 12, 8), Last: d(2026, 12, 12), Kind: models.LeaveSick}, nil},
		{"iso days, english words", "2026-12-08 to 2026-12-10 meeting deputy 李四", Request{First: d(2026, 12, 8), Last: d(2026, 12, 10), Kind: models.LeaveMeeting, Deputy: "李四"}, nil},
		{"one day", "明天", Request{First: d(2026, 12, 8), Last: d(2026, 12, 8), Kind: models.LeaveOther}, nil},
		{"today and a deputy named last", "今天 2026/12/09 李四(区发改局)", Request{First: today, Last: d(2026, 12, 9), Kind: models.LeaveOther, Deputy: "李四(区发改局)"}, nil},
		{"代报 joined to the name", "12/20 12/24 事假 代报：王五", Request{First: d(2026, 12, 20), Last: d(2026, 12, 24), Kind: models.LeavePersonal, Deputy: "王五"}, nil},
		{"admin for someone", "@张三 1月5日 1月9日 外出招商", Request{For: "张三", First: d(2027, 1, 5), Last: d(2027, 1, 9), Kind: models.LeaveTrip}, nil},
		{"a date half a year past is next year's", "3月2日", Request{First: d(2027, 3, 2), Last: d(2027, 3, 2), Kind: models.LeaveOther}, nil},
		{"a recent past date stays this year's", "11月30日 12月1日", Request{First: d(2026, 11, 30), Last: d(2026, 12, 1), Kind: models.LeaveOther}, nil},
		{"full-width space", "12月8日　病假", Request{First: d(2026, 12, 8), Last: d(2026, 12, 8), Kind: models.LeaveSick}, nil},
		{"no days", "出差 代报 李四", Request{}, ErrNoDays},
		{"nothing", "", Request{}, ErrNoDays},
		{"impossible date", "2月30日", Request{}, ErrBadDay},
		{"month 13", "2026-13-01", Request{}, ErrBadDay},
		{"three days", "12/8 12/9 12/10", Request{}, ErrTooManyDays},
		{"deputy without a name", "12/8 deputy", Request{}, ErrNoDeputyName},
		{"a name before any day", "李四 12/8", Request{}, ErrUnexpected},
		{"two free words", "12/8 李四 王五", Request{}, ErrUnexpected},
		{"a bare @", "@ 12/8", Request{}, ErrUnexpected},
		{"too long", "12/8 " + strings.Repeat("长", 600), Request{}, ErrTooLong},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.args, today)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("Parse(%q) error %v, want %v", c.args, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.args, err)
			}
			if got.For != c.want.For || !got.First.Equal(c.want.First) || !got.Last.Equal(c.want.Last) || got.Kind != c.want.Kind || got.Deputy != c.want.Deputy {
				t.Fatalf("Parse(%q) = %+v, want %+v", c.args, got, c.want)
			}
		})
	}
}

// Whatever is typed, Parse answers without panicking, and a request it
// accepts has days in order of writing, a known kind and no empty @.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"12月8日至12月12日 出差 代报 李四", "2026-12-08 to 2026-12-10 meeting deputy 李四", "@张三 明天", "代报", "2月30日", "12/8 12/9 12/10", "至 至", "@＠"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		req, err := Parse(s, today)
		if err != nil {
			return
		}
		if req.First.IsZero() || req.Last.IsZero() || !req.Kind.Valid() {
			t.Fatalf("Parse(%q) accepted %+v", s, req)
		}
		if strings.HasPrefix(s, "@") && req.For == "" {
			t.Fatalf("Parse(%q) lost the @ name", s)
		}
	})
}

func TestParseDays(t *testing.T) {
	for _, c := range []struct {
		name        string
		text        string
		first, last time.Time
		err         error
	}{
		{"one chinese day", "12月8日", d(2026, 12, 8), time.Time{}, nil},
		{"tomorrow", "明天", d(2026, 12, 8), time.Time{}, nil},
		{"range in one word", "12月8日至12月12日", d(2026, 12, 8), d(2026, 12, 12), nil},
		{"two words with 到", "12/8 到 12/10", d(2026, 12, 8), d(2026, 12, 10), nil},
		{"iso range", "2026-12-08-2026-12-10", d(2026, 12, 8), d(2026, 12, 10), nil},
		{"nothing", "  ", time.Time{}, time.Time{}, ErrNoDays},
		{"impossible date", "2月30日", time.Time{}, time.Time{}, ErrBadDay},
		{"a word", "下周", time.Time{}, time.Time{}, ErrUnexpected},
		{"a kind is no day", "12/8 出差", time.Time{}, time.Time{}, ErrUnexpected},
		{"three days", "12/8 12/9 12/10", time.Time{}, time.Time{}, ErrTooManyDays},
		{"too long", strings.Repeat("1", 600), time.Time{}, time.Time{}, ErrTooLong},
	} {
		t.Run(c.name, func(t *testing.T) {
			first, last, err := ParseDays(c.text, today)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("ParseDays(%q) error %v, want %v", c.text, err, c.err)
				}
				return
			}
			if err != nil || !first.Equal(c.first) || !last.Equal(c.last) {
				t.Fatalf("ParseDays(%q) = %s, %s, %v; want %s, %s", c.text, first, last, err, c.first, c.last)
			}
		})
	}
}

// Whatever is typed at a day step, ParseDays answers without panicking,
// and accepted days are whole UTC days.
func FuzzParseDays(f *testing.F) {
	for _, s := range []string{"12月8日", "12月8日至12月12日", "明天 后天", "2026-12-08-2026-12-10", "至", "2月30日", "1/1 1/2 1/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, last, err := ParseDays(s, today)
		if err != nil {
			return
		}
		for _, x := range []time.Time{first, last} {
			if x != x.Truncate(24*time.Hour) || x.Location() != time.UTC {
				t.Fatalf("ParseDays(%q) gave %s", s, x)
			}
		}
		if first.IsZero() {
			t.Fatalf("ParseDays(%q) accepted no first day", s)
		}
	})
}

func TestParseTaskDeputy(t *testing.T) {
	for _, c := range []struct {
		name         string
		s            string
		task, deputy uint
		ok           bool
	}{
		{"a pair", "12.34", 12, 34, true},
		{"leading zeros", "012.7", 12, 7, true},
		{"no dot", "1234", 0, 0, false},
		{"no task", ".34", 0, 0, false},
		{"no deputy", "12.", 0, 0, false},
		{"zero", "0.34", 0, 0, false},
		{"signed", "+12.34", 0, 0, false},
		{"three parts", "1.2.3", 0, 0, false},
		{"full-width digits", "１２.34", 0, 0, false},
		{"too large", "99999999999999999999.1", 0, 0, false},
		{"spaces", " 12.34", 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			task, deputy, err := ParseTaskDeputy(c.s)
			if (err == nil) != c.ok || task != c.task || deputy != c.deputy {
				t.Fatalf("ParseTaskDeputy(%q) = %d, %d, %v; want %d, %d, ok %v", c.s, task, deputy, err, c.task, c.deputy, c.ok)
			}
		})
	}
}

// Whatever a forged button carries, ParseTaskDeputy answers without
// panicking, and a pair it accepts is two ids that write it back.
func FuzzParseTaskDeputy(f *testing.F) {
	for _, s := range []string{"12.34", "0.1", ".", "1.2.3", "１.2", "18446744073709551615.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		task, deputy, err := ParseTaskDeputy(s)
		if err != nil {
			return
		}
		if task == 0 || deputy == 0 {
			t.Fatalf("ParseTaskDeputy(%q) accepted a zero id", s)
		}
		a, b, _ := strings.Cut(s, ".")
		if strings.TrimLeft(a, "0") != strconv.FormatUint(uint64(task), 10) || strings.TrimLeft(b, "0") != strconv.FormatUint(uint64(deputy), 10) {
			t.Fatalf("ParseTaskDeputy(%q) = %d, %d", s, task, deputy)
		}
	})
}
