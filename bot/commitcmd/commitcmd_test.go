package commitcmd_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"taskbot/bot/commitcmd"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, args string
		want       commitcmd.Command
		problem    commitcmd.ProblemKind
	}{
		{"progress", "", commitcmd.Command{}, ""},
		{"progress by word", "进度 2027", commitcmd.Command{Period: "2027"}, ""},
		{"status in English", "status", commitcmd.Command{}, ""},
		{"everyone", "全部", commitcmd.Command{All: true}, ""},
		{"everyone in English, quarter", "ALL 2027q1", commitcmd.Command{All: true, Period: "2027Q1"}, ""},
		{"one leader", "王建国 2027", commitcmd.Command{Leader: "王建国", Period: "2027"}, ""},
		{"period first, namesake key", "2027  张伟(区住建局)", commitcmd.Command{Leader: "张伟(区住建局)", Period: "2027"}, ""},
		{"two leaders", "王建国 李明", commitcmd.Command{}, commitcmd.ProblemTwoNames},
		{"leader and everyone", "王建国 全部", commitcmd.Command{}, commitcmd.ProblemTwoNames},
		{"everyone and leader", "all 王建国", commitcmd.Command{}, commitcmd.ProblemTwoNames},
		{"too long", strings.Repeat("王", 201), commitcmd.Command{}, commitcmd.ProblemTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, p := commitcmd.Parse(tc.args)
			if tc.problem != "" {
				if p == nil || p.Kind != tc.problem {
					t.Fatalf("%q: %+v, %+v; want problem %s", tc.args, got, p, tc.problem)
				}
				return
			}
			if p != nil || got != tc.want {
				t.Fatalf("%q: %+v, %+v; want %+v", tc.args, got, p, tc.want)
			}
		})
	}
}

// Any text reads as a command or a problem, never a panic; a command
// names at most one of 全部 and a leader, and a leader is one word.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "全部 2027", "王建国 2027Q1", "all all", "张伟(区住建局) 进度", "\u00a0王 \t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		c, p := commitcmd.Parse(args)
		if p != nil {
			return
		}
		if c.All && c.Leader != "" {
			t.Fatalf("%q: both everyone and %q", args, c.Leader)
		}
		if c.Leader != "" && (strings.ContainsFunc(c.Leader, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }) || !utf8.ValidString(args) && c.Leader == "") {
			t.Fatalf("%q: leader %q", args, c.Leader)
		}
		if c.Period != "" && len(c.Period) != 4 && len(c.Period) != 6 {
			t.Fatalf("%q: period %q", args, c.Period)
		}
	})
}
