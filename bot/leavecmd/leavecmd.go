// Package leavecmd reads what follows /leave: who is away (an admin may
// name someone with @), the days, why, and who reports for them, written
// the way people write them in Chinese or English:
//
//	/leave 3月2日至3月8日 出差 代报 李四
//	/leave 2026-03-02 2026-03-08 trip deputy 李四
//	/leave @张三 明天 病假
//
// It only reads; the rules of a leave are the ledger's (models.RecordLeave).
package leavecmd

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"taskbot/models"
)

// Request is a leave as written.
type Request struct {
	// For names the person away when an admin records it for them.
	For string
	// First and Last are calendar days as midnight UTC.
	First, Last time.Time
	Kind        models.LeaveKind
	// Deputy names who reports in the person's place; empty for none.
	Deputy string
}

// Problems a /leave may have; the bot words each for the reader.
var (
	ErrNoDays       = errors.New("no day given")
	ErrBadDay       = errors.New("a day that is not a date")
	ErrTooManyDays  = errors.New("more than two days given")
	ErrNoDeputyName = errors.New("代报 / deputy without a name")
	ErrUnexpected   = errors.New("words the command does not take")
	ErrTooLong      = errors.New("too long")
)

// WordError names the word a problem is about.
type WordError struct {
	Word string
	Err  error
}

func (e *WordError) Error() string { return fmt.Sprintf("%q: %v", e.Word, e.Err) }
func (e *WordError) Unwrap() error { return e.Err }

var kinds = map[string]models.LeaveKind{
	"事假": models.LeavePersonal, "personal": models.LeavePersonal,
	"病假": models.LeaveSick, "sick": models.LeaveSick,
	"出差": models.LeaveTrip, "外出招商": models.LeaveTrip, "招商": models.LeaveTrip, "外出": models.LeaveTrip, "trip": models.LeaveTrip,
	"会议": models.LeaveMeeting, "开会": models.LeaveMeeting, "meeting": models.LeaveMeeting,
	"其他": models.LeaveOther, "other": models.LeaveOther,
}

// Range separators between two days, as words or inside one.
var (
	rangeWords = map[string]bool{"至": true, "到": true, "~": true, "～": true, "—": true, "to": true, "until": true}
	rangeInner = regexp.MustCompile(`^(.+?)(?:至|到|~|～|—)(.+)$`)
)

var (
	isoDay   = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)
	cnDay    = regexp.MustCompile(`^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?$`)
	shortDay = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})$`)
)

// maxArgs bounds what is read.
const maxArgs = 500

// Parse reads the arguments of /leave; today is the writer's calendar day
// (midnight UTC), from which 今天, 明天 and days without a year are read.
// A day without a year more than half a year past is taken as next year's.
func Parse(args string, today time.Time) (Request, error) {
	if utf8.RuneCountInString(args) > maxArgs {
		return Request{}, ErrTooLong
	}
	words := strings.Fields(strings.ReplaceAll(args, "　", " "))
	var req Request
	days := dayList{today: today}
	addDay := days.add
	for i := 0; i < len(words); i++ {
		w := words[i]
		lower := strings.ToLower(w)
		switch {
		case i == 0 && (strings.HasPrefix(w, "@") || strings.HasPrefix(w, "＠")):
			req.For = strings.TrimPrefix(strings.TrimPrefix(w, "@"), "＠")
			if req.For == "" {
				return Request{}, &WordError{Word: w, Err: ErrUnexpected}
			}
		case rangeWords[lower]:
			// Between two days: nothing to read.
		case kinds[lower] != "":
			req.Kind = kinds[lower]
		case lower == "代报" || lower == "deputy" || strings.HasPrefix(w, "代报"):
			name := strings.TrimPrefix(strings.TrimPrefix(w, "代报"), "：")
			name = strings.TrimPrefix(name, ":")
			if lower == "deputy" || name == "" {
				if i+1 >= len(words) {
					return Request{}, ErrNoDeputyName
				}
				i++
				name = words[i]
			}
			req.Deputy = name
		default:
			if _, ok := readDay(w, today); ok {
				if err := addDay(w); err != nil {
					return Request{}, err
				}
				continue
			}
			if first, last, ok := splitRange(w, today); ok {
				if err := addDay(first); err != nil {
					return Request{}, err
				}
				if err := addDay(last); err != nil {
					return Request{}, err
				}
				continue
			}
			if looksLikeDay(w) {
				return Request{}, &WordError{Word: w, Err: ErrBadDay}
			}
			if req.Deputy == "" && len(days.days) > 0 {
				req.Deputy = w // the last free word names the deputy
				continue
			}
			return Request{}, &WordError{Word: w, Err: ErrUnexpected}
		}
	}
	switch len(days.days) {
	case 0:
		return Request{}, ErrNoDays
	case 1:
		req.First, req.Last = days.days[0], days.days[0]
	default:
		req.First, req.Last = days.days[0], days.days[1]
	}
	if req.Kind == "" {
		req.Kind = models.LeaveOther
	}
	return req, nil
}

// splitRange reads one word holding two days: 3月2日至3月8日, or with a
// hyphen where both sides are days (3月2日-3月8日, 2026-03-02-2026-03-08).
func splitRange(w string, today time.Time) (first, last string, ok bool) {
	if m := rangeInner.FindStringSubmatch(w); m != nil {
		return m[1], m[2], true
	}
	for i := strings.IndexByte(w, '-'); i >= 0; {
		a, b := w[:i], w[i+1:]
		if _, okA := readDay(a, today); okA {
			if _, okB := readDay(b, today); okB {
				return a, b, true
			}
		}
		next := strings.IndexByte(w[i+1:], '-')
		if next < 0 {
			break
		}
		i += next + 1
	}
	return "", "", false
}

// looksLikeDay tells a word that was meant as a day but is not one, so
// that "3月32日" is called a wrong date, not a deputy's name.
func looksLikeDay(w string) bool {
	digits := strings.IndexFunc(w, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0
	return digits && (strings.ContainsAny(w, "-/.月日号年") || len(w) <= 4)
}

// readDay reads one day; ok is false for anything else.
func readDay(w string, today time.Time) (time.Time, bool) {
	switch strings.ToLower(w) {
	case "今天", "today":
		return today, true
	case "明天", "tomorrow":
		return today.AddDate(0, 0, 1), true
	case "后天":
		return today.AddDate(0, 0, 2), true
	}
	var y, m, d int
	if p := isoDay.FindStringSubmatch(w); p != nil {
		y, m, d = atoi(p[1]), atoi(p[2]), atoi(p[3])
	} else if p := cnDay.FindStringSubmatch(w); p != nil {
		if p[1] != "" {
			y = atoi(p[1])
		}
		m, d = atoi(p[2]), atoi(p[3])
	} else if p := shortDay.FindStringSubmatch(w); p != nil {
		m, d = atoi(p[1]), atoi(p[2])
	} else {
		return time.Time{}, false
	}
	if y == 0 {
		y = today.Year()
		if t := date(y, m, d); t.Before(today.AddDate(0, -6, 0)) {
			y++
		}
	}
	t := date(y, m, d)
	// time.Date normalises 2月30日 into March: refuse it instead.
	if t.Year() != y || int(t.Month()) != m || t.Day() != d || y < 2000 || y > 2100 {
		return time.Time{}, false
	}
	return t, true
}

// dayList collects the at most two days a leave is written with.
type dayList struct {
	today time.Time
	days  []time.Time
}

func (l *dayList) add(w string) error {
	d, ok := readDay(w, l.today)
	if !ok {
		return &WordError{Word: w, Err: ErrBadDay}
	}
	if len(l.days) == 2 {
		return &WordError{Word: w, Err: ErrTooManyDays}
	}
	l.days = append(l.days, d)
	return nil
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// ParseDays reads the days typed at a step of /leave written with
// buttons: one day ("3月2日", "明天"), or two as a range ("3月2日至3月8日",
// "3/2 3/8"). last is zero when one day is given. Kinds and names are not
// taken here.
func ParseDays(text string, today time.Time) (first, last time.Time, err error) {
	if utf8.RuneCountInString(text) > maxArgs {
		return time.Time{}, time.Time{}, ErrTooLong
	}
	days := dayList{today: today}
	add := days.add
	for _, w := range strings.Fields(strings.ReplaceAll(text, "　", " ")) {
		if rangeWords[strings.ToLower(w)] {
			continue
		}
		if _, ok := readDay(w, today); ok {
			err = add(w)
		} else if a, b, ok := splitRange(w, today); ok {
			if err = add(a); err == nil {
				err = add(b)
			}
		} else if looksLikeDay(w) {
			err = &WordError{Word: w, Err: ErrBadDay}
		} else {
			err = &WordError{Word: w, Err: ErrUnexpected}
		}
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	switch len(days.days) {
	case 0:
		return time.Time{}, time.Time{}, ErrNoDays
	case 1:
		return days.days[0], time.Time{}, nil
	}
	return days.days[0], days.days[1], nil
}

// ErrBadPair refuses a task–deputy pair that is not two ids.
var ErrBadPair = errors.New("want TASK.PERSON, two ids")

// ParseTaskDeputy reads the task and the deputy a button of /leave by
// buttons carries, "12.34": ids written in ASCII digits, neither zero.
// The button came from a client, so it is read like anything typed.
func ParseTaskDeputy(s string) (task, deputy uint, err error) {
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return 0, 0, ErrBadPair
	}
	id := func(x string) (uint, bool) {
		if x == "" || len(x) > 19 || strings.TrimLeft(x, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.ParseUint(x, 10, 64)
		return uint(n), err == nil && n != 0
	}
	t, okT := id(a)
	d, okD := id(b)
	if !okT || !okD {
		return 0, 0, ErrBadPair
	}
	return t, d, nil
}
