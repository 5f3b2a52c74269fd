package scheduler

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/width"
)

// DayKind says whether a calendar day is a day off or a working day.
type DayKind string

const (
	// Holiday is a public holiday, or a weekday given off by an adjustment.
	Holiday DayKind = "holiday"
	// Workday is a working day, normally a Saturday or Sunday made a
	// working day by an adjustment (调休上班).
	Workday DayKind = "workday"
)

// CalendarDay is one day of the work calendar.
type CalendarDay struct {
	Date string // 2006-01-02
	Kind DayKind
	Name string // e.g. 国庆节; may be empty
}

// civil is a calendar date.
type civil struct {
	y int
	m time.Month
	d int
}

func (c civil) String() string { return fmt.Sprintf("%04d-%02d-%02d", c.y, int(c.m), c.d) }

func (c civil) time() time.Time { return time.Date(c.y, c.m, c.d, 0, 0, 0, 0, time.UTC) }

func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

// Calendar is the work calendar: public holidays and adjusted working days.
// Days it does not list follow the week: Monday to Friday work, Saturday
// and Sunday off. A nil *Calendar is an empty calendar. A Calendar is
// immutable and safe for concurrent use.
type Calendar struct {
	days   map[civil]CalendarDay
	sorted []CalendarDay
}

// NewCalendar builds a calendar. Every date must be a valid 2006-01-02 date
// and every kind holiday or workday. A date listed twice with the same kind
// is kept once (with the first non-empty name); a date listed with both
// kinds is refused.
func NewCalendar(days []CalendarDay) (*Calendar, error) {
	c := &Calendar{days: make(map[civil]CalendarDay, len(days))}
	var errs []error
	for i, d := range days {
		t, err := time.Parse(time.DateOnly, d.Date)
		if err != nil {
			errs = append(errs, fmt.Errorf("day %d: bad date %q, want 2006-01-02", i+1, d.Date))
			continue
		}
		if d.Kind != Holiday && d.Kind != Workday {
			errs = append(errs, fmt.Errorf("day %d (%s): bad kind %q, want %q or %q", i+1, d.Date, d.Kind, Holiday, Workday))
			continue
		}
		key := civilOf(t)
		d.Date = key.String()
		if old, ok := c.days[key]; ok {
			if old.Kind != d.Kind {
				errs = append(errs, fmt.Errorf("day %d: %s is listed both as %s and as %s", i+1, d.Date, old.Kind, d.Kind))
			} else if old.Name == "" {
				c.days[key] = d
			}
			continue
		}
		c.days[key] = d
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("bad work calendar: %w", errors.Join(errs...))
	}
	c.sorted = make([]CalendarDay, 0, len(c.days))
	for _, d := range c.days {
		c.sorted = append(c.sorted, d)
	}
	sort.Slice(c.sorted, func(i, j int) bool { return c.sorted[i].Date < c.sorted[j].Date })
	return c, nil
}

// Days returns the calendar's days sorted by date.
func (c *Calendar) Days() []CalendarDay {
	if c == nil {
		return nil
	}
	return append([]CalendarDay(nil), c.sorted...)
}

// kind returns the listed kind of a date, or "" when it is not listed.
func (c *Calendar) kind(year int, month time.Month, day int) DayKind {
	if c == nil || len(c.days) == 0 {
		return ""
	}
	return c.days[civil{year, month, day}].Kind
}

// IsWorkingDay reports whether a date is a working day: listed as a working
// day, or a Monday to Friday not listed as a holiday. Out-of-range values
// are normalised as by time.Date.
func (c *Calendar) IsWorkingDay(year int, month time.Month, day int) bool {
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	k := civilOf(t)
	switch c.kind(k.y, k.m, k.d) {
	case Holiday:
		return false
	case Workday:
		return true
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// WorkingDays counts the working days from first to last, both included,
// by IsWorkingDay: only the dates count, whatever the times and zones;
// 0 when last is before first.
func (c *Calendar) WorkingDays(first, last time.Time) int {
	from, to := civilOf(first).time(), civilOf(last).time()
	n := 0
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d.Year(), d.Month(), d.Day()) {
			n++
		}
	}
	return n
}

// Calendar files.

// Limits on calendar files.
const (
	maxCalendarBytes  = 1 << 20
	maxRangeDays      = 366
	maxCalendarDays   = 20_000 // days listed in one file, ranges expanded
	maxDayNameRunes   = 64
	maxListedProblems = 50
	minCalendarYear   = 1970
	maxCalendarYear   = 2199
)

// LineError is one problem in a calendar file. Line is 1-based; 0 when the
// problem concerns no particular line.
type LineError struct {
	Line int
	Msg  string
}

func (e LineError) Error() string {
	if e.Line <= 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// CalendarFileError lists every problem found in a calendar file.
type CalendarFileError struct {
	File     string
	Problems []LineError // in line order
}

func (e *CalendarFileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "calendar file %q: ", e.File)
	for i, p := range e.Problems {
		if i == maxListedProblems {
			fmt.Fprintf(&b, "; and %d more problems", len(e.Problems)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// rawDay is a day read from a file, with the line it came from.
type rawDay struct {
	date civil
	kind DayKind
	name string
	line int
}

// ParseCalendar reads a work calendar file; the format follows the file
// name's extension.
//
// CSV (.csv): columns date, kind, name, one day (or range) a line. A header
// line is optional; with one, the columns may come in any order and be
// named in English or Chinese (date/日期, kind/type/类型/类别,
// name/名称/节日/备注); other columns are ignored. Without one, the columns
// are date, kind, name. The text may be UTF-8 (with or without a byte-order
// mark) or GB18030/GBK; lines starting with # are comments.
//
// YAML (.yaml, .yml):
//
//	holidays:
//	  - 2026-10-01
//	  - {date: 2026-10-02, name: 国庆节}
//	  - {date: 2026-10-03..2026-10-07, name: 国庆节}
//	workdays:
//	  - {date: 2026-09-27, name: 国庆调休}
//
// The list keys may also be 节假日/放假 and 上班/调休上班/补班.
//
// Dates are 2026-10-01 or 2026/10/1 (full-width digits allowed); a range
// first..last (inclusive, at most 366 days) lists every day in between.
// Kind words: holiday, 休, 假, 放假, 休息, 节假日 for a holiday; workday, 班,
// 上班, 补班, 工作日, 调休上班 for a working day.
//
// The result is sorted by date; a date listed twice with the same kind is
// kept once. Every problem is reported, with its line, in a
// *CalendarFileError, and no days are returned if there is any, nor if the
// file lists no day at all.
func ParseCalendar(r io.Reader, fileName string) ([]CalendarDay, error) {
	fail := func(line int, format string, args ...any) ([]CalendarDay, error) {
		return nil, &CalendarFileError{File: fileName, Problems: []LineError{{Line: line, Msg: fmt.Sprintf(format, args...)}}}
	}
	ext := strings.ToLower(filepath.Ext(fileName))
	if ext != ".csv" && ext != ".yaml" && ext != ".yml" {
		return fail(0, "unsupported file type %q, use .csv, .yaml or .yml", ext)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxCalendarBytes+1))
	if err != nil {
		return fail(0, "cannot read: %v", err)
	}
	if len(data) > maxCalendarBytes {
		return fail(0, "file is larger than %d bytes", maxCalendarBytes)
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return fail(0, "the file is UTF-16 text; save it as UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})

	var raw []rawDay
	var problems []LineError
	if ext == ".csv" {
		raw, problems = parseCalendarCSV(data)
	} else {
		raw, problems = parseCalendarYAML(data)
	}

	// Merge duplicates; refuse conflicts.
	seen := make(map[civil]int, len(raw)) // index into merged
	var merged []rawDay
	for _, d := range raw {
		i, ok := seen[d.date]
		if !ok {
			seen[d.date] = len(merged)
			merged = append(merged, d)
			continue
		}
		if old := merged[i]; old.kind != d.kind {
			problems = append(problems, LineError{d.line, fmt.Sprintf("%s is listed as %s, but line %d lists it as %s", d.date, d.kind, old.line, old.kind)})
		} else if old.name == "" {
			merged[i].name = d.name
		}
	}
	if len(problems) == 0 && len(merged) == 0 {
		problems = append(problems, LineError{0, "the file lists no days"})
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
		return nil, &CalendarFileError{File: fileName, Problems: problems}
	}
	sort.Slice(merged, func(i, j int) bool { return merged[i].date.time().Before(merged[j].date.time()) })
	out := make([]CalendarDay, len(merged))
	for i, d := range merged {
		out[i] = CalendarDay{Date: d.date.String(), Kind: d.kind, Name: d.name}
	}
	return out, nil
}

// parseDates reads a date or a first..last range.
func parseDates(s string) ([]civil, error) {
	s = strings.TrimSpace(width.Fold.String(s))
	if s == "" {
		return nil, errors.New("missing date")
	}
	first, last, isRange := strings.Cut(s, "..")
	if !isRange {
		d, err := parseDate(s)
		if err != nil {
			return nil, err
		}
		return []civil{d}, nil
	}
	a, err := parseDate(strings.TrimSpace(first))
	if err != nil {
		return nil, err
	}
	b, err := parseDate(strings.TrimSpace(last))
	if err != nil {
		return nil, err
	}
	if b.time().Before(a.time()) {
		return nil, fmt.Errorf("bad range %q: it ends before it starts", s)
	}
	if n := int(b.time().Sub(a.time())/(24*time.Hour)) + 1; n > maxRangeDays {
		return nil, fmt.Errorf("bad range %q: %d days, at most %d", s, n, maxRangeDays)
	}
	var out []civil
	for t := a.time(); !t.After(b.time()); t = t.AddDate(0, 0, 1) {
		out = append(out, civilOf(t))
	}
	return out, nil
}

var dateRE = regexp.MustCompile(`^([0-9]{4})([-/])([0-9]{1,2})([-/])([0-9]{1,2})$`)

// parseDate reads 2026-10-01 or 2026/10/1.
func parseDate(s string) (civil, error) {
	m := dateRE.FindStringSubmatch(s)
	if m == nil || m[2] != m[4] {
		return civil{}, fmt.Errorf("bad date %q, want 2026-10-01 or 2026/10/1", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[3])
	d, _ := strconv.Atoi(m[5])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if c := civilOf(t); c.y != y || int(c.m) != mo || c.d != d {
		return civil{}, fmt.Errorf("bad date %q: no such day", s)
	}
	if y < minCalendarYear || y > maxCalendarYear {
		return civil{}, fmt.Errorf("bad date %q: year out of range %d-%d", s, minCalendarYear, maxCalendarYear)
	}
	return civil{y, time.Month(mo), d}, nil
}

var kindWords = map[string]DayKind{
	"holiday": Holiday, "休": Holiday, "假": Holiday, "放假": Holiday, "休息": Holiday, "节假日": Holiday,
	"workday": Workday, "班": Workday, "上班": Workday, "补班": Workday, "工作日": Workday, "调休上班": Workday,
}

func parseKind(s string) (DayKind, error) {
	s = strings.ToLower(strings.TrimSpace(width.Fold.String(s)))
	if k, ok := kindWords[s]; ok {
		return k, nil
	}
	if s == "" {
		return "", errors.New("missing kind, want holiday (休) or workday (班)")
	}
	return "", fmt.Errorf("bad kind %q, want holiday (休) or workday (班)", s)
}

// cleanName makes a day's name one line of printable text.
func cleanName(s string) (string, error) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if n := utf8.RuneCountInString(s); n > maxDayNameRunes {
		return "", fmt.Errorf("name is %d characters long, at most %d", n, maxDayNameRunes)
	}
	return s, nil
}

// CSV.

var csvHeaders = map[string]string{
	"date": "date", "日期": "date",
	"kind": "kind", "type": "kind", "类型": "kind", "类别": "kind",
	"name": "name", "名称": "name", "节日": "name", "备注": "name",
}

func parseCalendarCSV(data []byte) ([]rawDay, []LineError) {
	text := string(data)
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, []LineError{{0, "the file is neither UTF-8 nor GB18030 text"}}
		}
		text = strings.ToValidUTF8(string(dec), "\uFFFD")
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.TrimLeadingSpace = true
	cr.Comment = '#'

	var (
		days     []rawDay
		problems []LineError
		cols     = map[string]int{"date": 0, "kind": 1, "name": 2}
		used     = 3 // columns that must be empty when not used
		first    = true
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				problems = append(problems, LineError{pe.Line, fmt.Sprintf("CSV syntax error: %v", pe.Err)})
			} else {
				problems = append(problems, LineError{0, fmt.Sprintf("CSV: %v", err)})
			}
			break
		}
		line, _ := cr.FieldPos(0)
		blank := true
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		if first {
			first = false
			if hdr, ok := csvHeader(rec); ok {
				_, hasDate := hdr["date"]
				_, hasKind := hdr["kind"]
				if !hasDate || !hasKind {
					problems = append(problems, LineError{line, "the header needs a date (日期) and a kind (类型) column"})
					return nil, problems
				}
				cols, used = hdr, -1
				continue
			}
		}
		cell := func(name string) string {
			if i, ok := cols[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		var bad []string
		if used >= 0 {
			for i := used; i < len(rec); i++ {
				if strings.TrimSpace(rec[i]) != "" {
					bad = append(bad, fmt.Sprintf("unexpected column %d %q (columns are date, kind, name)", i+1, rec[i]))
					break
				}
			}
		}
		dates, err := parseDates(cell("date"))
		if err != nil {
			bad = append(bad, err.Error())
		}
		kind, err := parseKind(cell("kind"))
		if err != nil {
			bad = append(bad, err.Error())
		}
		name, err := cleanName(cell("name"))
		if err != nil {
			bad = append(bad, err.Error())
		}
		if len(bad) > 0 {
			problems = append(problems, LineError{line, strings.Join(bad, "; ")})
			continue
		}
		for _, d := range dates {
			days = append(days, rawDay{d, kind, name, line})
		}
		if len(days) > maxCalendarDays {
			problems = append(problems, tooManyDays(line))
			break
		}
	}
	return days, problems
}

func tooManyDays(line int) LineError {
	return LineError{line, fmt.Sprintf("the file lists more than %d days; stopped reading here", maxCalendarDays)}
}

// csvHeader recognises a header line and maps its columns.
func csvHeader(rec []string) (map[string]int, bool) {
	if _, err := parseDates(rec[0]); err == nil {
		return nil, false
	}
	cols := map[string]int{}
	for i, f := range rec {
		key := strings.ToLower(strings.TrimSpace(width.Fold.String(f)))
		if c, ok := csvHeaders[key]; ok {
			if _, dup := cols[c]; !dup {
				cols[c] = i
			}
		}
	}
	return cols, len(cols) > 0
}

// YAML.

var yamlLists = map[string]DayKind{
	"holidays": Holiday, "节假日": Holiday, "放假": Holiday,
	"workdays": Workday, "上班": Workday, "调休上班": Workday, "补班": Workday,
}

var yamlLineRE = regexp.MustCompile(`line ([0-9]+): (.*)`)

func parseCalendarYAML(data []byte) (days []rawDay, problems []LineError) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := decodeYAML(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			// The YAML library reports the line where the construct it
			// was reading began, which may be before the offending one.
			return nil, []LineError{{n, "YAML syntax error at or after this line: " + m[2]}}
		}
		return nil, []LineError{{0, "YAML syntax error: " + msg}}
	}
	var extra yaml.Node
	if err := decodeYAML(dec, &extra); !errors.Is(err, io.EOF) {
		return nil, []LineError{{extra.Line, "more than one YAML document; put everything in one"}}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, []LineError{{root.Line, "want a mapping with the lists holidays: and workdays:"}}
	}
	seenKey := map[DayKind]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		kind, ok := yamlLists[strings.ToLower(k.Value)]
		if k.Kind != yaml.ScalarNode || !ok {
			problems = append(problems, LineError{k.Line, fmt.Sprintf("unknown key %q, want holidays: or workdays:", k.Value)})
			continue
		}
		if at, dup := seenKey[kind]; dup {
			problems = append(problems, LineError{k.Line, fmt.Sprintf("second list of %ss (the first is on line %d)", kind, at)})
			continue
		}
		seenKey[kind] = k.Line
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			continue
		case v.Kind != yaml.SequenceNode:
			problems = append(problems, LineError{v.Line, fmt.Sprintf("%s: want a list of dates", k.Value)})
			continue
		}
		for _, item := range v.Content {
			d, p := yamlEntry(item, kind)
			days = append(days, d...)
			problems = append(problems, p...)
			if len(days) > maxCalendarDays {
				return days, append(problems, tooManyDays(item.Line))
			}
		}
	}
	return days, problems
}

// decodeYAML decodes one document, turning a panic in the YAML library
// into an error so that a malformed upload cannot stop the process.
func decodeYAML(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unreadable YAML: %v", r)
		}
	}()
	return dec.Decode(n)
}

// yamlEntry reads one list item: a date or range, or {date: …, name: …}.
func yamlEntry(item *yaml.Node, kind DayKind) ([]rawDay, []LineError) {
	bad := func(format string, args ...any) ([]rawDay, []LineError) {
		return nil, []LineError{{item.Line, fmt.Sprintf(format, args...)}}
	}
	var dateText, name string
	switch item.Kind {
	case yaml.ScalarNode:
		if item.Tag == "!!null" {
			return bad("empty entry, want a date")
		}
		dateText = item.Value
	case yaml.MappingNode:
		var problems []string
		hasDate := false
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				problems = append(problems, fmt.Sprintf("%s: want a single value", k.Value))
				continue
			}
			switch strings.ToLower(k.Value) {
			case "date", "日期":
				if hasDate {
					problems = append(problems, "date given twice")
				}
				hasDate, dateText = true, v.Value
			case "name", "名称":
				name = v.Value
			default:
				problems = append(problems, fmt.Sprintf("unknown key %q, want date and name", k.Value))
			}
		}
		if !hasDate {
			problems = append(problems, "missing date")
		}
		if len(problems) > 0 {
			return bad("%s", strings.Join(problems, "; "))
		}
	case yaml.AliasNode:
		return bad("YAML aliases are not supported, write the date out")
	default:
		return bad("want a date or {date: …, name: …}")
	}
	dates, err := parseDates(dateText)
	if err != nil {
		return bad("%v", err)
	}
	name, err = cleanName(name)
	if err != nil {
		return bad("%v", err)
	}
	out := make([]rawDay, len(dates))
	for i, d := range dates {
		out[i] = rawDay{d, kind, name, item.Line}
	}
	return out, nil
}
