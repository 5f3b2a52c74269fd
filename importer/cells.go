package importer

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// cell is one spreadsheet cell as read from the file.
type cell struct {
	text string
	// number: an .xlsx cell stored as a number (a date cell holds its
	// serial number here).
	number bool
	// merged: the value was copied from the top-left cell of a merged
	// range, not typed in this cell.
	merged bool
}

type sheetRow struct {
	num   int // spreadsheet row number, 1-based
	cells []cell
}

// table is a sheet reduced to its non-blank rows.
type table struct {
	rows     []sheetRow
	date1904 bool // .xlsx workbooks using the 1904 date system
}

var errNUL = errors.New("contains a NUL character")

// sanitize checks a cell's text and removes control and formatting
// characters. Line breaks and tabs are kept (as \n and \t) for the callers
// that split on them; a NUL character is rejected.
func sanitize(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", errNUL
	}
	if utf8.RuneCountInString(s) > MaxCellRunes {
		return "", fmt.Errorf("cell is longer than %d characters", MaxCellRunes)
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r', r == '\u2028', r == '\u2029', r == '\u0085':
			return '\n'
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s), nil
}

// oneLine collapses every run of white space (line breaks, tabs, full-width
// and no-break spaces) to one space, drops the spaces between two Chinese
// characters (名字 padded as 王  刚, or a title wrapped in its cell), and trims.
func oneLine(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var prev rune // last rune written, 0 at start
	pendingSpace := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			pendingSpace = true
			continue
		}
		if pendingSpace && prev != 0 && !(unicode.Is(unicode.Han, prev) && unicode.Is(unicode.Han, r)) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// ---- task code ----

// normCode upper-cases a code and folds full-width letters and digits.
func normCode(s string) string {
	return strings.ToUpper(width.Fold.String(strings.TrimSpace(s)))
}

func checkCode(code string) error {
	if strings.IndexFunc(code, unicode.IsSpace) >= 0 {
		return fmt.Errorf("task code %q must not contain spaces", code)
	}
	if n := utf8.RuneCountInString(code); n > maxCodeRunes {
		return fmt.Errorf("task code is %d characters long, the limit is %d", n, maxCodeRunes)
	}
	return nil
}

func checkLen(s string, limit int, what string) error {
	if n := utf8.RuneCountInString(s); n > limit {
		return fmt.Errorf("%s is %d characters long, the limit is %d", what, n, limit)
	}
	return nil
}

// ---- people ----

// isNameSep tells the separators between names in one cell.
func isNameSep(r rune) bool {
	switch r {
	case '、', '，', ',', ';', '；', '\n':
		return true
	}
	return false
}

// parsePeople splits a cell into people. Separators inside parentheses do
// not split, so 张伟(区住建局，区水利局) stays one name. Duplicates in the cell
// are dropped, the first spelling kept.
func parsePeople(s string) ([]PersonRef, error) {
	s = strings.NewReplacer("（", "(", "）", ")").Replace(s)
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0 && isNameSep(r):
			parts = append(parts, s[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	parts = append(parts, s[start:])
	var people []PersonRef
	var problems []string
	seen := map[string]bool{}
	for _, part := range parts {
		part = oneLine(part)
		if part == "" {
			continue
		}
		p, err := parsePerson(part)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if seen[p.Key()] {
			continue
		}
		seen[p.Key()] = true
		people = append(people, p)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return people, nil
}

// parsePerson reads 姓名 or 姓名(单位); the text is already on one line with
// ASCII parentheses.
func parsePerson(s string) (PersonRef, error) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		if strings.IndexByte(s, ')') >= 0 {
			return PersonRef{}, fmt.Errorf("name %q has unbalanced parentheses", s)
		}
		if err := checkLen(s, maxNameRunes, fmt.Sprintf("name %q", s)); err != nil {
			return PersonRef{}, err
		}
		return PersonRef{Name: s}, nil
	}
	name := strings.TrimSpace(s[:open])
	rest := s[open+1:]
	if !strings.HasSuffix(rest, ")") || strings.ContainsAny(rest[:len(rest)-1], "()") {
		return PersonRef{}, fmt.Errorf("name %q: write a namesake as 姓名(单位)", s)
	}
	dept := strings.TrimSpace(rest[:len(rest)-1])
	switch {
	case name == "":
		return PersonRef{}, fmt.Errorf("name %q has no name before the parentheses", s)
	case dept == "":
		return PersonRef{}, fmt.Errorf("name %q has empty parentheses", s)
	}
	if err := checkLen(name, maxNameRunes, fmt.Sprintf("name %q", name)); err != nil {
		return PersonRef{}, err
	}
	if err := checkLen(dept, maxNameDeptRunes, fmt.Sprintf("department of %q", name)); err != nil {
		return PersonRef{}, err
	}
	return PersonRef{Name: name, Department: dept}, nil
}

// ---- milestone number ----

var floatInt = regexp.MustCompile(`^[0-9]+(\.0*)?$`)

// parseSeq reads a milestone number: 2, M2, m2, 2.0 (a number cell), with
// full-width digits allowed.
func parseSeq(s string) (int, error) {
	t := width.Fold.String(strings.TrimSpace(s))
	t = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(t, "M"), "m"))
	if !floatInt.MatchString(t) {
		return 0, fmt.Errorf("milestone number %q is not a whole number (write 1, 2, 3 or M1, M2, M3)", s)
	}
	if i := strings.IndexByte(t, '.'); i >= 0 {
		t = t[:i]
	}
	t = strings.TrimLeft(t, "0")
	n, err := strconv.Atoi(t)
	if err != nil || len(t) > 6 || n < 1 || n > maxSeq {
		return 0, fmt.Errorf("milestone number %q must be between 1 and %d", s, maxSeq)
	}
	return n, nil
}

// ---- dates ----

var (
	reTimeSuffix = regexp.MustCompile(`^(.*?)(?:[ T]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)$`)
	reNumeric    = regexp.MustCompile(`^([0-9]{4})([-/.])([0-9]{1,2})([-/.])([0-9]{1,2})$`)
	reChinese    = regexp.MustCompile(`^(?:([0-9]{4}) *年)? *([0-9]{1,2}) *月 *(?:([0-9]{1,2}) *[日号]?|(底))$`)
)

const dateFormats = "2026-03-31, 2026/3/31, 2026.3.31, 2026年3月31日 or 3月31日"

// parseDate reads a due date written as text. Accepted: 2026-03-31,
// 2026-3-31, 2026/3/31, 2026.3.31, 2026年3月31日, 3月31日 (the year of
// today), and, as Chinese task lists often say, 2026年3月底 / 3月底 (the last
// day of the month) and a trailing 前 ("by"). Full-width digits and
// punctuation are accepted; a time of day after the date is ignored.
func parseDate(s string, today time.Time) (Date, error) {
	t := strings.TrimSpace(width.Fold.String(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "前"), "之")
	t = strings.TrimSpace(t)
	if m := reTimeSuffix.FindStringSubmatch(t); m != nil {
		t = m[1]
	}
	var y, mo, d int
	endOfMonth := false
	if m := reNumeric.FindStringSubmatch(t); m != nil && m[2] == m[4] {
		y, _ = strconv.Atoi(m[1])
		mo, _ = strconv.Atoi(m[3])
		d, _ = strconv.Atoi(m[5])
	} else if m := reChinese.FindStringSubmatch(t); m != nil {
		mo, _ = strconv.Atoi(m[2])
		if m[4] != "" {
			endOfMonth = true
		} else {
			d, _ = strconv.Atoi(m[3])
		}
		if m[1] != "" {
			y, _ = strconv.Atoi(m[1])
		} else {
			if today.IsZero() {
				return Date{}, fmt.Errorf("%q has no year and no reference date was given; write the year", s)
			}
			y = today.Year()
		}
	} else {
		return Date{}, fmt.Errorf("%q is not a date; write it like %s", s, dateFormats)
	}
	if y < minYear || y > maxYear {
		return Date{}, fmt.Errorf("%q: the year must be between %d and %d", s, minYear, maxYear)
	}
	if mo < 1 || mo > 12 {
		return Date{}, fmt.Errorf("%q is not a valid date (no month %d)", s, mo)
	}
	last := daysIn(y, time.Month(mo))
	if endOfMonth {
		d = last
	}
	if d < 1 || d > last {
		return Date{}, fmt.Errorf("%q is not a valid date (%d-%02d has %d days)", s, y, mo, last)
	}
	return Date{y, time.Month(mo), d}, nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Serial numbers of 2000-01-01 and 2099-12-31 in the 1900 date system;
// anything outside is refused before conversion.
const (
	minSerial = 36526
	maxSerial = 73050
)

// serialDate converts an Excel date serial number (a date cell) to a date;
// a fractional part (time of day) is ignored.
func serialDate(raw string, date1904 bool) (Date, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Date{}, fmt.Errorf("date cell holds %q, which is not a date", raw)
	}
	v = math.Floor(v)
	lo, hi := float64(minSerial), float64(maxSerial)
	if date1904 {
		lo, hi = lo-1462, hi-1462
	}
	if v < lo || v > hi {
		return Date{}, fmt.Errorf("number %s is not a date between %d and %d (format the cell as a date, or type the date as text)", raw, minYear, maxYear)
	}
	t, err := excelize.ExcelDateToTime(v, date1904)
	if err != nil {
		return Date{}, fmt.Errorf("date cell holds %q, which is not a date", raw)
	}
	return DateOf(t), nil
}
