package importer

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		today time.Time
		want  Date
		err   string
	}{
		{name: "iso", in: "2026-03-31", want: d(2026, 3, 31)},
		{name: "iso without zero padding", in: "2026-3-31", want: d(2026, 3, 31)},
		{name: "slashes", in: "2026/3/31", want: d(2026, 3, 31)},
		{name: "slashes padded", in: "2026/03/01", want: d(2026, 3, 1)},
		{name: "dots", in: "2026.3.31", want: d(2026, 3, 31)},
		{name: "chinese", in: "2026年3月31日", want: d(2026, 3, 31)},
		{name: "chinese with spaces and 号", in: "2026 年 3 月 31 号", want: d(2026, 3, 31)},
		{name: "chinese without 日", in: "2026年12月1", want: d(2026, 12, 1)},
		{name: "month and day take today's year", in: "3月31日", today: refToday, want: d(2026, 3, 31)},
		{name: "month and day in another reference year", in: "12月1日", today: time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), want: d(2027, 12, 1)},
		{name: "full-width digits", in: "２０２６年３月３１日", want: d(2026, 3, 31)},
		{name: "full-width punctuation", in: "２０２６／３／３１", want: d(2026, 3, 31)},
		{name: "surrounding spaces", in: " \u30002026-03-31\u3000 ", want: d(2026, 3, 31)},
		{name: "time of day ignored", in: "2026/3/31 17:30", want: d(2026, 3, 31)},
		{name: "iso timestamp", in: "2026-03-31T00:00:00Z", want: d(2026, 3, 31)},
		{name: "by the date", in: "2026年6月30日前", want: d(2026, 6, 30)},
		{name: "end of month", in: "2026年2月底", want: d(2026, 2, 28)},
		{name: "end of month, leap year", in: "2028年2月底", want: d(2028, 2, 29)},
		{name: "end of month, year-less", in: "6月底前", today: refToday, want: d(2026, 6, 30)},
		{name: "leap day", in: "2028-02-29", want: d(2028, 2, 29)},
		{name: "impossible day", in: "2026-02-30", err: `"2026-02-30" is not a valid date (2026-02 has 28 days)`},
		{name: "not a leap year", in: "2026年2月29日", err: "2026-02 has 28 days"},
		{name: "day zero", in: "2026-04-00", err: "2026-04 has 30 days"},
		{name: "month 13", in: "2026.13.1", err: "no month 13"},
		{name: "mixed separators", in: "2026-3/31", err: "is not a date"},
		{name: "two-digit year", in: "26-3-31", err: "is not a date"},
		{name: "american", in: "3/31/2026", err: "is not a date"},
		{name: "words", in: "年底", err: "is not a date"},
		{name: "year-less without today", in: "3月31日", err: "no reference date"},
		{name: "too early", in: "1999-12-31", err: "between 2000 and 2099"},
		{name: "too late", in: "2100年1月1日", err: "between 2000 and 2099"},
		{name: "serial as text", in: "46112", err: "is not a date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDate(tc.in, tc.today)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseDate(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestSerialDate(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		date1904 bool
		want     Date
		err      bool
	}{
		{name: "1900 system", in: "46112", want: d(2026, 3, 31)},
		{name: "with time of day", in: "46112.75", want: d(2026, 3, 31)},
		{name: "1904 system", in: "44650", date1904: true, want: d(2026, 3, 31)},
		{name: "first allowed", in: "36526", want: d(2000, 1, 1)},
		{name: "last allowed", in: "73050", want: d(2099, 12, 31)},
		{name: "too small", in: "2026", err: true},
		{name: "too large", in: "20260331", err: true},
		{name: "negative", in: "-5", err: true},
		{name: "not a number", in: "NaN", err: true},
		{name: "infinite", in: "1e400", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := serialDate(tc.in, tc.date1904)
			if (err != nil) != tc.err || (!tc.err && got != tc.want) {
				t.Fatalf("serialDate(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
}

func TestParsePeople(t *testing.T) {
	p := func(name, dept string) PersonRef { return PersonRef{Name: name, Department: dept} }
	tests := []struct {
		name string
		in   string
		want []PersonRef
		err  string
	}{
		{name: "one", in: "王建国", want: []PersonRef{p("王建国", "")}},
		{name: "、", in: "王建国、李明", want: []PersonRef{p("王建国", ""), p("李明", "")}},
		{name: "full-width comma", in: "王建国，李明", want: []PersonRef{p("王建国", ""), p("李明", "")}},
		{name: "comma", in: "王建国,李明", want: []PersonRef{p("王建国", ""), p("李明", "")}},
		{name: "semicolons", in: "王建国;李明；陈静", want: []PersonRef{p("王建国", ""), p("李明", ""), p("陈静", "")}},
		{name: "new lines", in: "王建国\n李明\r\n陈静", want: []PersonRef{p("王建国", ""), p("李明", ""), p("陈静", "")}},
		{name: "empties and spaces dropped", in: " 、王建国 ,, ；\n李明、 ", want: []PersonRef{p("王建国", ""), p("李明", "")}},
		{name: "duplicates dropped", in: "王建国、李明、王建国", want: []PersonRef{p("王建国", ""), p("李明", "")}},
		{name: "ascii parentheses", in: "张伟(区住建局)", want: []PersonRef{p("张伟", "区住建局")}},
		{name: "full-width parentheses", in: "张伟（区水利局）", want: []PersonRef{p("张伟", "区水利局")}},
		{name: "namesakes kept apart", in: "张伟(区住建局)、张伟（区水利局）、张伟", want: []PersonRef{p("张伟", "区住建局"), p("张伟", "区水利局"), p("张伟", "")}},
		{name: "same namesake twice", in: "张伟(区住建局)，张伟（区住建局）", want: []PersonRef{p("张伟", "区住建局")}},
		{name: "spaces around parentheses", in: "张伟 ( 区住建局 )", want: []PersonRef{p("张伟", "区住建局")}},
		{name: "padded chinese name", in: "王\u3000\u3000刚", want: []PersonRef{p("王刚", "")}},
		{name: "latin name keeps its space", in: "John  Smith", want: []PersonRef{p("John Smith", "")}},
		{name: "separator inside parentheses", in: "张伟(区住建局，区水利局)", want: []PersonRef{p("张伟", "区住建局，区水利局")}},
		{name: "only separators", in: "、，", want: nil},
		{name: "unbalanced", in: "张伟(区住建局", err: "write a namesake as 姓名(单位)"},
		{name: "closing only", in: "张伟区住建局)", err: "unbalanced parentheses"},
		{name: "nested", in: "张伟(区(住建)局)", err: "write a namesake as 姓名(单位)"},
		{name: "text after", in: "张伟(区住建局)副局长", err: "write a namesake as 姓名(单位)"},
		{name: "empty", in: "张伟()", err: "empty parentheses"},
		{name: "no name", in: "(区住建局)", err: "no name before"},
		{name: "too long", in: strings.Repeat("名", 51), err: "the limit is 50"},
		{name: "errors of all names", in: "张伟)、李明(", err: `name "张伟)" has unbalanced parentheses; name "李明(": write`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parsePeople(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parsePeople(%q) = %v, %v; want error %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("parsePeople(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
			}
		})
	}
	if k := p("张伟", "区住建局").Key(); k != "张伟(区住建局)" {
		t.Errorf("Key = %q", k)
	}
	if k := p("张伟", "").Key(); k != "张伟" {
		t.Errorf("Key = %q", k)
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{name: "upper-cased", in: "t07", want: "T07"},
		{name: "trimmed", in: "  T07 ", want: "T07"},
		{name: "full-width", in: "ｔ０７", want: "T07"},
		{name: "other characters kept", in: "ZD-2026/07", want: "ZD-2026/07"},
		{name: "space inside", in: "T 07", err: "must not contain spaces"},
		{name: "full-width space inside", in: "T\u300007", err: "must not contain spaces"},
		{name: "32 is fine", in: strings.Repeat("a", 32), want: strings.Repeat("A", 32)},
		{name: "33 is not", in: strings.Repeat("a", 33), err: "the limit is 32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := normCode(tc.in)
			err := checkCode(code)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("code %q: err %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || code != tc.want {
				t.Fatalf("code %q = %q, %v; want %q", tc.in, code, err, tc.want)
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	probe := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) // a Friday
	tests := []struct {
		name string
		spec string
		next time.Time
		err  string
	}{
		{name: "weekdays", spec: "0 9 * * 1,3,5", next: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)},
		{name: "full-width", spec: "０ ９ ＊ ＊ １，３，５", next: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)},
		{name: "extra spaces", spec: "  30  8 1,15 * * ", next: time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)},
		{name: "descriptor", spec: "@daily", next: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)},
		{name: "leap day fires", spec: "0 9 29 2 *", next: time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC)},
		{name: "empty", spec: "  ", err: "empty"},
		{name: "four fields", spec: "0 9 * *", err: "not a valid cron spec"},
		{name: "six fields", spec: "0 0 9 * * *", err: "not a valid cron spec"},
		{name: "hour 24", spec: "0 24 * * *", err: "not a valid cron spec"},
		{name: "step 0", spec: "*/0 * * * *", err: "not a valid cron spec"},
		{name: "CRON_TZ alone", spec: "CRON_TZ=", err: "time-zone prefixes"},
		{name: "CRON_TZ without space", spec: "CRON_TZ=Asia/Shanghai", err: "time-zone prefixes"},
		{name: "CRON_TZ", spec: "CRON_TZ=Asia/Shanghai 0 9 * * *", err: "time-zone prefixes"},
		{name: "TZ", spec: "TZ=", err: "time-zone prefixes"},
		{name: "lower-case tz", spec: "tz=UTC 0 9 * * *", err: "time-zone prefixes"},
		{name: "@every", spec: "@every 1h", err: "@every is not allowed"},
		{name: "unknown descriptor", spec: "@fortnightly", err: "not a valid cron spec"},
		{name: "February 30", spec: "0 9 30 2 *", err: "never fires"},
		{name: "April 31", spec: "0 9 31 4 *", err: "never fires"},
		{name: "too long", spec: "0 9 * * " + strings.Repeat("1,", 60) + "1", err: "the limit is 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSchedule(tc.spec)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseSchedule(%q) error = %v, want %q", tc.spec, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(probe); !got.Equal(tc.next) {
				t.Errorf("Next = %v, want %v", got, tc.next)
			}
			// ScheduleParser applies the same rules.
			if _, err := ScheduleParser.Parse(tc.spec); err != nil {
				t.Errorf("ScheduleParser: %v", err)
			}
		})
	}
	if _, err := ScheduleParser.Parse("CRON_TZ="); err == nil {
		t.Error("ScheduleParser accepted CRON_TZ=")
	}
	// Next follows the location of the time given.
	shanghai := time.FixedZone("CST", 8*3600)
	s, _ := ParseSchedule("0 9 * * *")
	if got := s.Next(time.Date(2026, 11, 27, 10, 0, 0, 0, shanghai)); !got.Equal(time.Date(2026, 11, 28, 9, 0, 0, 0, shanghai)) {
		t.Errorf("Next in +08:00 = %v", got)
	}
}

func TestSanitize(t *testing.T) {
	got, err := sanitize("a\x01b\u200bc\u202ed\r\ne\tf\u00a0g\x7f")
	if err != nil || got != "abcd\ne\tf\u00a0g" {
		t.Errorf("sanitize = %q, %v", got, err)
	}
	if _, err := sanitize("a\x00b"); !errors.Is(err, errNUL) {
		t.Errorf("NUL: %v", err)
	}
	if _, err := sanitize(strings.Repeat("x", MaxCellRunes+1)); err == nil {
		t.Error("overlong cell accepted")
	}
	if got, _ := sanitize("\xff\xfe"); got != "\uFFFD" {
		t.Errorf("invalid UTF-8 = %q", got)
	}
	if got := oneLine(" 推进\n建设  new\tproject\u3000"); got != "推进建设 new project" {
		t.Errorf("oneLine = %q", got)
	}
}

func TestCSVEncodings(t *testing.T) {
	text := withHeader(row("T01", "招商引资", "王建国", "区投资促进局", "", "张伟（区住建局）", "1", "项目库梳理", "2026年3月31日", "", "经济发展"))
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data string
	}{
		{name: "utf-8", data: text},
		{name: "utf-8 with BOM", data: "\ufeff" + text},
		{name: "gbk", data: gbk},
		{name: "crlf", data: strings.ReplaceAll(text, "\n", "\r\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list := mustCSV(t, tc.data)
			task := list.Tasks[0]
			if task.Title != "招商引资" || task.Attendants[0] != (PersonRef{"张伟", "区住建局"}) || task.Milestones[0].Due != d(2026, 3, 31) {
				t.Errorf("task = %+v", task)
			}
		})
	}
	t.Run("utf-16 refused", func(t *testing.T) {
		_, err := ReadCSV(strings.NewReader("\xff\xfeT\x000\x00"), testOpt)
		if !errors.Is(err, ErrUnsupportedFormat) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestReadByExtension(t *testing.T) {
	text := withHeader(row("T01", "任务", "王建国", "区发改局", "", "杨帆", "1", "节点", "2026-03-31", "", ""))
	tests := []struct {
		name string
		file string
		err  error
	}{
		{name: "csv", file: "任务清单.csv"},
		{name: "upper-case CSV", file: "/tmp/LIST.CSV"},
		{name: "xlsx read as xlsx", file: "list.XLSX", err: ErrMalformed},
		{name: "xls", file: "list.xls", err: ErrUnsupportedFormat},
		{name: "txt", file: "list.txt", err: ErrUnsupportedFormat},
		{name: "no extension", file: "list", err: ErrUnsupportedFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := Read(strings.NewReader(text), tc.file, testOpt)
			if tc.err == nil {
				if err != nil || len(list.Tasks) != 1 {
					t.Fatalf("Read: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	t.Run("file too large", func(t *testing.T) {
		big := bytes.Repeat([]byte("a"), MaxFileSize+1)
		for _, read := range []func() error{
			func() error { _, err := ReadCSV(bytes.NewReader(big), testOpt); return err },
			func() error { _, err := ReadXLSX(bytes.NewReader(big), testOpt); return err },
		} {
			if err := read(); !errors.Is(err, ErrFileTooLarge) {
				t.Errorf("err = %v", err)
			}
		}
	})
	t.Run("too many rows", func(t *testing.T) {
		text := withHeader() + strings.Repeat("\n", MaxRows-1) + "T01,任务\n"
		if _, err := readCSVString(t, text); !errors.Is(err, ErrTooManyRows) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("blank rows past the limit are fine", func(t *testing.T) {
		text := withHeader(row("T01", "任务", "王建国", "区发改局", "", "杨帆", "1", "节点", "2026-03-31", "", "")) + strings.Repeat(",,\n", MaxRows)
		mustCSV(t, text)
	})
	t.Run("too many cells", func(t *testing.T) {
		line := strings.Repeat("a,", maxColumns) + "\n"
		text := withHeader() + strings.Repeat(line, maxCells/maxColumns+1)
		if _, err := readCSVString(t, text); !errors.Is(err, ErrFileTooLarge) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("hostile quoting", func(t *testing.T) {
		for _, text := range []string{
			withHeader() + "\"T01,\"\"\"任务\n",
			withHeader() + "T01,\"unterminated\n" + strings.Repeat("x,", 1000),
			withHeader() + "\"\"\"\"\"\"\"\"\"\n\"",
			"\"" + strings.Repeat("\"\n", 5000),
		} {
			list, err := readCSVString(t, text)
			if err == nil {
				checkList(t, list)
			}
		}
	})
	t.Run("huge cell", func(t *testing.T) {
		_, err := readCSVString(t, withHeader(row("T01", strings.Repeat("长", MaxCellRunes+1), "王建国", "区发改局", "", "杨帆", "1", "节点", "2026-03-31", "", "")))
		expectProblems(t, err, want{2, "任务名称", "cell is longer than 32767 characters"}, want{2, "任务名称", "task T01 has no task title"})
	})
}
