package extension

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// today of the tests: Friday 2026-11-27.
var today = day(2026, 11, 27)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Command
		kind ProblemKind
		text string // Problem.Text
	}{
		{name: "iso date", in: "T07 2 2027-04-15 用地审批延后", want: Command{"T07", 2, day(2027, 4, 15), "用地审批延后"}},
		{name: "lower-case code", in: "t07 2 2027-04-15 reason here", want: Command{"T07", 2, day(2027, 4, 15), "reason here"}},
		{name: "slashes", in: "T07 2 2027/4/5 x", want: Command{"T07", 2, day(2027, 4, 5), "x"}},
		{name: "dots", in: "T07 2 2027.4.15 x", want: Command{"T07", 2, day(2027, 4, 15), "x"}},
		{name: "chinese date", in: "T07 2 2027年4月15日 用地审批延后", want: Command{"T07", 2, day(2027, 4, 15), "用地审批延后"}},
		{name: "chinese date with 号", in: "T07 2 2027年4月15号 x", want: Command{"T07", 2, day(2027, 4, 15), "x"}},
		{name: "no year, later this year", in: "T07 2 12月15日 x", want: Command{"T07", 2, day(2026, 12, 15), "x"}},
		{name: "no year, today", in: "T07 2 11月27日 x", want: Command{"T07", 2, day(2026, 11, 27), "x"}},
		{name: "no year, next year", in: "T07 2 4月15日 x", want: Command{"T07", 2, day(2027, 4, 15), "x"}},
		{name: "no year, 2月29日 in the next leap year is too far", in: "T07 2 2月29日 x", kind: BadDate, text: "2月29日"},
		{name: "reason glued to a chinese date", in: "T07 2 4月15日因用地审批延后", want: Command{"T07", 2, day(2027, 4, 15), "因用地审批延后"}},
		{name: "M ref", in: "T07 M2 2027-04-15 x", want: Command{"T07", 2, day(2027, 4, 15), "x"}},
		{name: "hash ref", in: "T07 #12 2027-04-15 x", want: Command{"T07", 12, day(2027, 4, 15), "x"}},
		{name: "节点 ref", in: "T07 节点2 2027-04-15 x", want: Command{"T07", 2, day(2027, 4, 15), "x"}},
		{name: "第个节点 ref", in: "T07 第2个节点 2027-04-15 x", want: Command{"T07", 2, day(2027, 4, 15), "x"}},
		{name: "第项 ref", in: "T07 第3项 2027-04-15 x", want: Command{"T07", 3, day(2027, 4, 15), "x"}},
		{name: "connector word", in: "T07 2 延期至 2027-04-15 x", want: Command{"T07", 2, day(2027, 4, 15), "x"}},
		{name: "glued connector", in: "T07 2 延期至2027年4月15日 x", want: Command{"T07", 2, day(2027, 4, 15), "x"}},
		{name: "english connector", in: "T07 M2 to 2027-04-15 land approval delayed", want: Command{"T07", 2, day(2027, 4, 15), "land approval delayed"}},
		{name: "until", in: "T07 2 until 2027-04-15 because: funds late", want: Command{"T07", 2, day(2027, 4, 15), "funds late"}},
		{name: "reason label", in: "T07 2 2027-04-15 原因：用地审批延后", want: Command{"T07", 2, day(2027, 4, 15), "用地审批延后"}},
		{name: "reason label with blank", in: "T07 2 2027-04-15 Reason : funds", want: Command{"T07", 2, day(2027, 4, 15), "funds"}},
		{name: "label word without colon stays", in: "T07 2 2027-04-15 原因不明", want: Command{"T07", 2, day(2027, 4, 15), "原因不明"}},
		{name: "full-width", in: "Ｔ０７　２　２０２７－０４－１５　用地审批延后，等待批复", want: Command{"T07", 2, day(2027, 4, 15), "用地审批延后，等待批复"}},
		{name: "commas between words", in: "T07，2，2027-04-15，用地审批延后, 等待", want: Command{"T07", 2, day(2027, 4, 15), "用地审批延后, 等待"}},
		{name: "multi-line reason", in: "T07 2 2027-04-15\n第一行\n第二行", want: Command{"T07", 2, day(2027, 4, 15), "第一行\n第二行"}},

		{name: "empty", in: "  ", kind: Empty},
		{name: "code only", in: "T07", kind: NeedMilestone},
		{name: "no milestone", in: "T07 2027-04-15 x", kind: NeedMilestone, text: "2027-04-15"},
		{name: "milestone zero", in: "T07 0 2027-04-15 x", kind: NeedMilestone, text: "0"},
		{name: "milestone too large", in: "T07 99999 2027-04-15 x", kind: NeedMilestone, text: "99999"},
		{name: "no date", in: "T07 2", kind: NeedDate},
		{name: "connector and no date", in: "T07 2 延期至", kind: NeedDate},
		{name: "words instead of a date", in: "T07 2 下个月 x", kind: BadDate, text: "下个月"},
		{name: "a word instead of a date", in: "T07 2 soon x", kind: NeedDate, text: "soon"},
		{name: "february 30", in: "T07 2 2027-02-30 x", kind: BadDate, text: "2027-02-30"},
		{name: "month 13", in: "T07 2 2027年13月1日 x", kind: BadDate, text: "2027年13月1日"},
		{name: "two-digit year", in: "T07 2 27-04-15 x", kind: BadDate, text: "27-04-15"},
		{name: "year zero", in: "T07 2 0000.1.1 x", kind: BadDate, text: "0000.1.1"},
		{name: "no reason", in: "T07 2 2027-04-15", kind: NeedReason},
		{name: "only a label", in: "T07 2 2027-04-15 原因：", kind: NeedReason},
		{name: "only separators", in: "T07 2 2027-04-15 ，；", kind: NeedReason},
		{name: "too long", in: "T07 2 2027-04-15 " + strings.Repeat("长", MaxRunes), kind: TooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, p := ParseCommand(tc.in, today)
			if tc.kind != "" {
				if p == nil || p.Kind != tc.kind || p.Text != tc.text {
					t.Fatalf("ParseCommand(%q) = %+v, %+v; want problem %s %q", tc.in, got, p, tc.kind, tc.text)
				}
				return
			}
			if p != nil {
				t.Fatalf("ParseCommand(%q): problem %+v", tc.in, p)
			}
			if got != tc.want {
				t.Fatalf("ParseCommand(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		in     string
		date   time.Time
		reason string
		kind   ProblemKind
	}{
		{in: "2027-04-15 用地审批延后", date: day(2027, 4, 15), reason: "用地审批延后"},
		{in: "延期至 2027年1月15日 资金未到位", date: day(2027, 1, 15), reason: "资金未到位"},
		{in: "1月15日，资金未到位", date: day(2027, 1, 15), reason: "资金未到位"},
		{in: "to 2027-01-15 funds late", date: day(2027, 1, 15), reason: "funds late"},
		{in: "", kind: Empty},
		{in: "，", kind: Empty},
		{in: "用地审批延后", kind: NeedDate},
		{in: "2027-04-15", kind: NeedReason},
		{in: "2027-04-31 x", kind: BadDate},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			date, reason, p := ParseAnswer(tc.in, today)
			if tc.kind != "" {
				if p == nil || p.Kind != tc.kind {
					t.Fatalf("ParseAnswer(%q) = %v %q %+v, want %s", tc.in, date, reason, p, tc.kind)
				}
				return
			}
			if p != nil || !date.Equal(tc.date) || reason != tc.reason {
				t.Fatalf("ParseAnswer(%q) = %v %q %+v, want %v %q", tc.in, date, reason, p, tc.date, tc.reason)
			}
		})
	}
}

// checkParsed asserts what the bot relies on, whatever the text.
func checkParsed(t *testing.T, in string, date time.Time, reason string, p *Problem) {
	t.Helper()
	if p != nil {
		if !slices.Contains(Kinds, p.Kind) {
			t.Fatalf("%q: unknown problem kind %q", in, p.Kind)
		}
		if !strings.Contains(in, p.Text) {
			t.Fatalf("%q: problem text %q not in the input", in, p.Text)
		}
		return
	}
	if date.IsZero() || date.Location() != time.UTC || date.Hour()+date.Minute()+date.Second()+date.Nanosecond() != 0 {
		t.Fatalf("%q: date %v is not a calendar date at midnight UTC", in, date)
	}
	if date.Year() < 1900 || date.Year() > 2999 {
		t.Fatalf("%q: date %v out of range", in, date)
	}
	if reason == "" || reason != strings.TrimFunc(reason, isSep) {
		t.Fatalf("%q: reason %q is empty or untrimmed", in, reason)
	}
	if !strings.Contains(in, reason) {
		t.Fatalf("%q: reason %q is not as written", in, reason)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"T07 2 2027-04-15 用地审批延后", "Ｔ０７　第２个节点　延期至２０２７年４月１５日因故", "t01 m1 to 4月15日 reason: x",
		"T07 2 2027-02-30 x", "T07", "", "T07 2 12月31日", "T07 #3 2027.1.1 原因：", "\xff\xfe 2 2027-04-15 \xff",
		"T07 2 4月15日\xffx", "T07 2 延至2027年1月1号，说明",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cmd, p := ParseCommand(in, today)
		again, p2 := ParseCommand(in, today)
		if cmd != again || (p == nil) != (p2 == nil) || (p != nil && *p != *p2) {
			t.Fatalf("%q: not deterministic", in)
		}
		checkParsed(t, in, cmd.Date, cmd.Reason, p)
		if p == nil {
			if cmd.Code == "" || cmd.Code != strings.ToUpper(cmd.Code) || cmd.Seq < 1 || cmd.Seq > MaxSeq {
				t.Fatalf("%q: command %+v", in, cmd)
			}
			if utf8.RuneCountInString(in) > MaxRunes {
				t.Fatalf("%q: too long and read", in)
			}
		}
		date, reason, p := ParseAnswer(in, today)
		checkParsed(t, in, date, reason, p)
	})
}
