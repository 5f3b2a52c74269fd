// Package commitcmd reads the arguments of an admin's /commit: what to do
// with the leaders' commitments (责任书), for whom and for which period.
package commitcmd

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Command is what /commit asks for. With neither All nor Leader it asks
// for the progress (签订进度).
type Command struct {
	All    bool
	Leader string
	// Period is the period named ("2027", "2027Q1"), empty for the
	// current year.
	Period string
}

// Issue tells a command that issues commitments from one that asks for
// the progress.
func (c Command) Issue() bool { return c.All || c.Leader != "" }

// ProblemKind says what is wrong with the arguments.
type ProblemKind string

const (
	// ProblemTwoNames: more than one leader, or a leader and 全部.
	ProblemTwoNames ProblemKind = "two_names"
	// ProblemTooLong: more than a command of this kind can hold.
	ProblemTooLong ProblemKind = "too_long"
)

// Problem is arguments that cannot be read; Text is the part at fault.
type Problem struct {
	Kind ProblemKind
	Text string
}

var period = regexp.MustCompile(`^\d{4}([Qq][1-4])?$`)

// maxArgs bounds what is read: a name and a period, with room to spare.
const maxArgs = 200

// Parse reads "/commit [全部|all|姓名] [进度|status] [2027|2027Q1]", in any
// order. A name is a person's name as the task list writes it, such as
// 张伟 or 张伟(区住建局).
func Parse(args string) (Command, *Problem) {
	var c Command
	if utf8.RuneCountInString(args) > maxArgs {
		return c, &Problem{Kind: ProblemTooLong, Text: args}
	}
	for _, w := range strings.Fields(args) {
		switch lw := strings.ToLower(w); {
		case lw == "status" || w == "进度" || w == "签订进度":
		case lw == "all" || w == "全部":
			if c.Leader != "" {
				return c, &Problem{Kind: ProblemTwoNames, Text: w}
			}
			c.All = true
		case period.MatchString(w):
			c.Period = strings.ToUpper(w)
		default:
			if c.Leader != "" || c.All {
				return c, &Problem{Kind: ProblemTwoNames, Text: w}
			}
			c.Leader = w
		}
	}
	return c, nil
}
