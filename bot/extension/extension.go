// Package extension reads the extension requests (延期申请) people type: the
// command's arguments, "T07 2 2027-04-15 用地审批延后", and the answer to the
// bot's question after the button, "2027-04-15 用地审批延后". It is pure: no
// Telegram, no database, no clock (the reader's calendar day is given). Like
// the status replies it never guesses: what it cannot read is a Problem that
// names what is missing.
//
// # Grammar
//
//	command = code milestone [to] date reason
//	answer  = [to] date reason
//
// Words are separated by blanks (the ideographic space too) or by , ， 、 ;
// ； : ：. Full-width letters and digits read as their ASCII forms.
//
//   - code: the task's code, read in upper case (t07 is T07).
//   - milestone: 2, M2, #2, 节点2, 里程碑2, 第2个节点, 第2节点, 第2项, 第2个.
//   - to: 延期至, 延期到, 延至, 延到, 推迟至, 推迟到, 至, 到, to, until, → or ->,
//     alone or glued to the date (延期至2027-04-15).
//   - date: 2027-04-15, 2027/4/15, 2027.4.15, 2027年4月15日 (or 号), and
//     4月15日 (or 号) without a year: the next such day from today on, so
//     that a date typed in December may fall in January. A date written in
//     Chinese may have the reason glued after it (4月15日因用地审批延后).
//   - reason: the rest of the text as written, required. A leading label
//     "原因：", "理由：", "reason:" is dropped.
package extension

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Command is a parsed /extend.
type Command struct {
	Code   string
	Seq    int
	Date   time.Time // a calendar date at midnight UTC
	Reason string
}

// ProblemKind says why a text cannot be used; the values are stable and
// serve as message keys.
type ProblemKind string

const (
	Empty         ProblemKind = "empty"
	TooLong       ProblemKind = "too_long"
	NeedMilestone ProblemKind = "need_milestone"
	NeedDate      ProblemKind = "need_date"
	BadDate       ProblemKind = "bad_date"
	NeedReason    ProblemKind = "need_reason"
)

// Kinds lists every problem kind.
var Kinds = []ProblemKind{Empty, TooLong, NeedMilestone, NeedDate, BadDate, NeedReason}

// Problem is what could not be read. Text is the words at fault as written
// (empty when they are missing).
type Problem struct {
	Kind ProblemKind
	Text string
}

// MaxRunes is the longest text read, Telegram's own message limit.
const MaxRunes = 4096

// MaxSeq bounds a milestone number.
const MaxSeq = 9999

// ParseCommand reads the arguments of /extend. today is the reader's
// calendar day at midnight UTC; it places a date written without a year.
func ParseCommand(s string, today time.Time) (Command, *Problem) {
	var cmd Command
	sc, p := newScanner(s)
	if p != nil {
		return cmd, p
	}
	code, ok := sc.next()
	if !ok {
		return cmd, &Problem{Kind: Empty}
	}
	cmd.Code = strings.ToUpper(code.folded)
	ms, ok := sc.next()
	if !ok {
		return cmd, &Problem{Kind: NeedMilestone}
	}
	seq, ok := milestoneRef(ms.folded)
	if !ok {
		return cmd, &Problem{Kind: NeedMilestone, Text: s[ms.start:ms.end]}
	}
	cmd.Seq = seq
	date, reason, p := sc.dateAndReason(today)
	if p != nil {
		return cmd, p
	}
	cmd.Date, cmd.Reason = date, reason
	return cmd, nil
}

// ParseAnswer reads the answer to the bot's question for a new due date
// and a reason.
func ParseAnswer(s string, today time.Time) (time.Time, string, *Problem) {
	sc, p := newScanner(s)
	if p != nil {
		return time.Time{}, "", p
	}
	if sc.blank() {
		return time.Time{}, "", &Problem{Kind: Empty}
	}
	return sc.dateAndReason(today)
}

// scanner walks the words of the original text; matching works on their
// folded forms, and the reason is cut out of the original by byte offset.
type scanner struct {
	src string
	pos int
}

type word struct {
	start, end int
	folded     string // width-folded, lower case
}

func newScanner(s string) (*scanner, *Problem) {
	if utf8.RuneCountInString(s) > MaxRunes {
		return nil, &Problem{Kind: TooLong}
	}
	return &scanner{src: s}, nil
}

func isSep(r rune) bool {
	switch r {
	case ',', '，', '、', ';', '；', ':', '：':
		return true
	}
	return unicode.IsSpace(r)
}

func fold(s string) string { return strings.ToLower(width.Fold.String(s)) }

// skip moves past separators.
func (sc *scanner) skip() {
	for sc.pos < len(sc.src) {
		r, n := utf8.DecodeRuneInString(sc.src[sc.pos:])
		if !isSep(r) {
			return
		}
		sc.pos += n
	}
}

func (sc *scanner) blank() bool {
	sc.skip()
	return sc.pos >= len(sc.src)
}

// peek reads the next word without moving.
func (sc *scanner) peek() (word, bool) {
	sc.skip()
	start, end := sc.pos, sc.pos
	for end < len(sc.src) {
		r, n := utf8.DecodeRuneInString(sc.src[end:])
		if isSep(r) {
			break
		}
		end += n
	}
	if start == end {
		return word{}, false
	}
	return word{start: start, end: end, folded: fold(sc.src[start:end])}, true
}

func (sc *scanner) next() (word, bool) {
	w, ok := sc.peek()
	if ok {
		sc.pos = w.end
	}
	return w, ok
}

var (
	refPlain   = regexp.MustCompile(`^(?:m|#|节点|里程碑)?([0-9]{1,4})$`)
	refOrdinal = regexp.MustCompile(`^第([0-9]{1,4})(?:个节点|节点|个|项)?$`)
)

// milestoneRef reads a milestone number.
func milestoneRef(w string) (int, bool) {
	m := refPlain.FindStringSubmatch(w)
	if m == nil {
		m = refOrdinal.FindStringSubmatch(w)
	}
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 || n > MaxSeq {
		return 0, false
	}
	return n, true
}

// connectors may stand before the date, alone or glued to it; longer ones
// first.
var connectors = []string{"延期至", "延期到", "推迟至", "推迟到", "延至", "延到", "until", "->", "to", "至", "到", "→"}

var (
	// Numeric dates are a whole word.
	dateNumeric = regexp.MustCompile(`^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$`)
	// Chinese dates end with 日 or 号, so the reason may follow glued.
	dateCJK      = regexp.MustCompile(`^(?:([0-9]{4})年)?([0-9]{1,2})月([0-9]{1,2})[日号]`)
	dateCJKWhole = regexp.MustCompile(`^(?:([0-9]{4})年)?([0-9]{1,2})月([0-9]{1,2})$`)
	// Anything with a digit and a date's punctuation was meant as a date.
	dateLike = regexp.MustCompile(`[0-9].*[-/.年月日号]|[年月]`)
)

// dateAndReason reads "[to] date reason" up to the end.
func (sc *scanner) dateAndReason(today time.Time) (time.Time, string, *Problem) {
	w, ok := sc.next()
	if ok && isConnector(w.folded) {
		w, ok = sc.next()
	}
	if !ok {
		return time.Time{}, "", &Problem{Kind: NeedDate}
	}
	text := w.folded
	for _, c := range connectors {
		if strings.HasPrefix(text, c) && len(text) > len(c) {
			text = text[len(c):]
			break
		}
	}
	date, used, p := readDate(text, today)
	if p != nil {
		p.Text = sc.src[w.start:w.end]
		return time.Time{}, "", p
	}
	rest := w.end
	if used < len(text) {
		// A reason glued to a Chinese date: cut the original where the
		// folded date ends (folding keeps the count of runes).
		rest = w.end
		skip := utf8.RuneCountInString(text[used:])
		for skip > 0 && rest > w.start {
			_, n := utf8.DecodeLastRuneInString(sc.src[w.start:rest])
			rest -= n
			skip--
		}
	}
	reason := reasonText(sc.src[rest:])
	if reason == "" {
		return time.Time{}, "", &Problem{Kind: NeedReason}
	}
	return date, reason, nil
}

func isConnector(w string) bool {
	for _, c := range connectors {
		if w == c {
			return true
		}
	}
	return false
}

// readDate reads a date at the start of w and says how many bytes of w it
// used.
func readDate(w string, today time.Time) (time.Time, int, *Problem) {
	var year, month, day string
	used := len(w)
	if m := dateNumeric.FindStringSubmatch(w); m != nil {
		year, month, day = m[1], m[2], m[3]
	} else if m := dateCJKWhole.FindStringSubmatch(w); m != nil {
		year, month, day = m[1], m[2], m[3]
	} else if loc := dateCJK.FindStringSubmatchIndex(w); loc != nil {
		m := dateCJK.FindStringSubmatch(w)
		year, month, day, used = m[1], m[2], m[3], loc[1]
	} else if dateLike.MatchString(w) {
		return time.Time{}, 0, &Problem{Kind: BadDate}
	} else {
		return time.Time{}, 0, &Problem{Kind: NeedDate}
	}
	mo, _ := strconv.Atoi(month)
	d, _ := strconv.Atoi(day)
	if year != "" {
		y, _ := strconv.Atoi(year)
		date, ok := civil(y, mo, d)
		if !ok {
			return time.Time{}, 0, &Problem{Kind: BadDate}
		}
		return date, used, nil
	}
	// No year: the next such day from today on.
	for y := today.Year(); y <= today.Year()+1; y++ {
		if date, ok := civil(y, mo, d); ok && !date.Before(today) {
			return date, used, nil
		}
	}
	// 2月29日 four years away is no date anyone means.
	return time.Time{}, 0, &Problem{Kind: BadDate}
}

// civil is the calendar date y-m-d, if there is one and it is of a year
// a due date can be in.
func civil(y, m, d int) (time.Time, bool) {
	if y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d && int(t.Month()) == m
}

// reasonLabels are dropped before a reason when followed by a colon.
var reasonLabels = []string{"原因", "理由", "延期原因", "延期理由", "reason", "because"}

// reasonText trims separators off s and drops a label such as "原因：".
func reasonText(s string) string {
	s = strings.TrimLeftFunc(s, isSep)
	for _, l := range reasonLabels {
		if len(s) < len(l) || !strings.EqualFold(s[:len(l)], l) {
			continue
		}
		after := strings.TrimLeftFunc(s[len(l):], unicode.IsSpace)
		if strings.HasPrefix(after, ":") || strings.HasPrefix(after, "：") {
			s = strings.TrimPrefix(strings.TrimPrefix(after, ":"), "：")
			break
		}
	}
	return strings.TrimFunc(s, isSep)
}
