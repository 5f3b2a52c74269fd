package models

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Why a period was refused; nothing is written in each case.
var (
	ErrPeriodName = errors.New("a period's name is 1 to 40 characters of text on one line")
	// ErrPeriodQuarterName refuses a name that reads as a calendar
	// quarter: the quarters exist already, under those names.
	ErrPeriodQuarterName = errors.New("calendar quarters (2027Q1…) exist already; give a named period another name")
	ErrPeriodDays        = errors.New("a period ends on or after the day it begins, within a year")
	ErrPeriodExists      = errors.New("a period of that name exists already")
	ErrPeriodUnknown     = errors.New("no such period")
	// ErrPeriodImplicit refuses to remove a calendar quarter.
	ErrPeriodImplicit = errors.New("calendar quarters cannot be removed")
	// ErrPeriodFrozen refuses to remove a period whose figures were
	// frozen at its end: the assessment stands.
	ErrPeriodFrozen = errors.New("the period has ended and its figures are frozen; it cannot be removed")
)

// maxPeriodName bounds a period's name, in characters.
const maxPeriodName = 40

// maxPeriodDays bounds a named period: an assessment window within a year.
const maxPeriodDays = 366

var quarterName = regexp.MustCompile(`^(\d{4})[Qq]([1-4])$`)

// QuarterOf is the calendar quarter holding day.
func QuarterOf(day time.Time) Period {
	day = calendarDay(day)
	q := (int(day.Month()) - 1) / 3
	first := time.Date(day.Year(), time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC)
	return Period{Name: fmt.Sprintf("%04dQ%d", day.Year(), q+1), FirstDay: first, LastDay: first.AddDate(0, 3, -1)}
}

// ParseQuarter reads a quarter's name ("2027Q1", also "2027q1").
func ParseQuarter(name string) (Period, bool) {
	m := quarterName.FindStringSubmatch(strings.TrimSpace(name))
	if m == nil {
		return Period{}, false
	}
	year, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	return QuarterOf(time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)), true
}

// Quarter tells a calendar quarter from a named period, with its year and
// number.
func (p Period) Quarter() (year, q int, ok bool) {
	m := quarterName.FindStringSubmatch(p.Name)
	if p.ID != 0 || m == nil {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(m[1])
	q, _ = strconv.Atoi(m[2])
	return year, q, true
}

// Contains tells whether day (a calendar day at midnight UTC) falls in the
// period.
func (p Period) Contains(day time.Time) bool {
	return !day.Before(p.FirstDay.UTC()) && !day.After(p.LastDay.UTC())
}

// Ended tells whether the period is over on the calendar day today.
func (p Period) Ended(today time.Time) bool { return today.After(p.LastDay.UTC()) }

// Begun tells whether the period has begun on the calendar day today.
func (p Period) Begun(today time.Time) bool { return !today.Before(p.FirstDay.UTC()) }

// Days is the period's length in days.
func (p Period) Days() int { return int(p.LastDay.Sub(p.FirstDay).Hours()/24) + 1 }

// PeriodInput is a named period to add.
type PeriodInput struct {
	Name string
	// FirstDay and LastDay are calendar days; only the date counts.
	FirstDay, LastDay time.Time
}

// checkPeriodName refuses a name that is empty, too long, on several
// lines or holding control characters, or that reads as a quarter.
func checkPeriodName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxPeriodName ||
		strings.ContainsFunc(name, unicode.IsControl) {
		return "", ErrPeriodName
	}
	if quarterName.MatchString(name) {
		return "", ErrPeriodQuarterName
	}
	return name, nil
}

// AddPeriod adds a named period (an admin's). The name must be new
// (ErrPeriodExists), of at most 40 characters on one line (ErrPeriodName)
// and not a quarter's (ErrPeriodQuarterName); the period must end on or
// after its first day and last at most a year (ErrPeriodDays). It may
// overlap others, quarters included.
func AddPeriod(tx *gorm.DB, in PeriodInput) (*Period, error) {
	name, err := checkPeriodName(in.Name)
	if err != nil {
		return nil, err
	}
	first, last := calendarDay(in.FirstDay), calendarDay(in.LastDay)
	if in.FirstDay.IsZero() || in.LastDay.IsZero() || last.Before(first) || int(last.Sub(first).Hours()/24)+1 > maxPeriodDays {
		return nil, ErrPeriodDays
	}
	var n int64
	if err := tx.Model(&Period{}).Where("name = ?", name).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("period %q: %w", name, err)
	}
	if n > 0 {
		return nil, ErrPeriodExists
	}
	p := Period{Name: name, FirstDay: first, LastDay: last}
	if err := tx.Create(&p).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, ErrPeriodExists
		}
		return nil, fmt.Errorf("add period %q: %w", name, err)
	}
	return &p, Audit(tx, nil, nil, "period_added", fmt.Sprintf("%s: %s to %s", name, day(first), day(last)))
}

// RemovePeriod removes a named period before its figures are frozen
// (ErrPeriodFrozen after); a calendar quarter cannot be removed
// (ErrPeriodImplicit).
func RemovePeriod(tx *gorm.DB, name string) (*Period, error) {
	name = strings.TrimSpace(name)
	var found []Period
	if err := tx.Where("name = ?", name).Limit(1).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("period %q: %w", name, err)
	}
	if len(found) == 0 {
		if _, ok := ParseQuarter(name); ok {
			return nil, ErrPeriodImplicit
		}
		return nil, ErrPeriodUnknown
	}
	p := found[0]
	if snap, err := SnapshotOf(tx, p.Name); err != nil {
		return nil, err
	} else if snap != nil {
		return nil, ErrPeriodFrozen
	}
	if err := tx.Delete(&Period{}, p.ID).Error; err != nil {
		return nil, fmt.Errorf("remove period %q: %w", name, err)
	}
	return &p, Audit(tx, nil, nil, "period_removed", fmt.Sprintf("%s: %s to %s", p.Name, day(p.FirstDay), day(p.LastDay)))
}

// NamedPeriods lists the named periods, earliest first.
func NamedPeriods(tx *gorm.DB) ([]Period, error) {
	var out []Period
	if err := tx.Order("first_day, last_day, name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("named periods: %w", err)
	}
	return out, nil
}

// FindPeriod is the period of that name: a named one, or else a calendar
// quarter ("2027Q1"); ErrPeriodUnknown when neither.
func FindPeriod(tx *gorm.DB, name string) (Period, error) {
	name = strings.TrimSpace(name)
	var found []Period
	if err := tx.Where("name = ?", name).Limit(1).Find(&found).Error; err != nil {
		return Period{}, fmt.Errorf("period %q: %w", name, err)
	}
	if len(found) > 0 {
		return found[0], nil
	}
	if q, ok := ParseQuarter(name); ok {
		return q, nil
	}
	return Period{}, fmt.Errorf("period %q: %w", name, ErrPeriodUnknown)
}

// CurrentPeriod is the period a day's figures are shown for: the
// innermost named period holding today (the shortest; of equal ones the
// latest begun), else today's quarter.
func CurrentPeriod(tx *gorm.DB, today time.Time) (Period, error) {
	var holding []Period
	if err := tx.Where("first_day <= ? AND last_day >= ?", today, today).Find(&holding).Error; err != nil {
		return Period{}, fmt.Errorf("current period: %w", err)
	}
	if len(holding) == 0 {
		return QuarterOf(today), nil
	}
	slices.SortFunc(holding, func(a, b Period) int {
		if d := a.Days() - b.Days(); d != 0 {
			return d
		}
		if c := b.FirstDay.Compare(a.FirstDay); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return holding[0], nil
}

// maxQuarters bounds how far back quarters are assessed: a due date
// mistyped decades ago must not make hundreds of them.
const maxQuarters = 40

// firstDue is the earliest agreed due date of any milestone; zero when
// there is none.
func firstDue(tx *gorm.DB) (time.Time, error) {
	var first time.Time
	for _, column := range []string{"baseline_due", "due_date"} {
		// A milestone without a due date keeps the zero time.
		q := tx.Model(&Milestone{}).Where(column+" > ?", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))
		if column == "due_date" {
			q = q.Where("baseline_due IS NULL") // rows written before baselines
		}
		var at []time.Time
		if err := q.Order(column).Limit(1).Pluck(column, &at).Error; err != nil {
			return time.Time{}, fmt.Errorf("earliest due date: %w", err)
		}
		if len(at) > 0 && !at[0].IsZero() && (first.IsZero() || at[0].Before(first)) {
			first = at[0]
		}
	}
	return first, nil
}

// quartersBetween lists the quarters from the one holding from to the one
// holding to, at most maxQuarters of the latest.
func quartersBetween(from, to time.Time) []Period {
	var out []Period
	for q := QuarterOf(to); !q.LastDay.Before(calendarDay(from)) && len(out) < maxQuarters; q = QuarterOf(q.FirstDay.AddDate(0, 0, -1)) {
		out = append(out, q)
	}
	slices.Reverse(out)
	return out
}

// PeriodsBegun lists the periods that have begun by today, earliest
// first: every quarter from the first holding a due date to today's, and
// the named periods begun.
func PeriodsBegun(tx *gorm.DB, today time.Time) ([]Period, error) {
	first, err := firstDue(tx)
	if err != nil {
		return nil, err
	}
	if first.IsZero() || first.After(today) {
		first = today
	}
	out := quartersBetween(first, today)
	named, err := NamedPeriods(tx)
	if err != nil {
		return nil, err
	}
	for _, p := range named {
		if p.Begun(today) {
			out = append(out, p)
		}
	}
	sortPeriods(out)
	return out, nil
}

// sortPeriods orders periods by first day, the longer first (a quarter
// before the window it holds), then by name.
func sortPeriods(ps []Period) {
	slices.SortStableFunc(ps, func(a, b Period) int {
		if c := a.FirstDay.Compare(b.FirstDay); c != 0 {
			return c
		}
		if d := b.Days() - a.Days(); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// periodsEnded lists the periods over by today that have no snapshot yet:
// the quarters from the first holding a due date to the last ended, and
// the named periods ended.
func periodsEnded(tx *gorm.DB, today time.Time) ([]Period, error) {
	var ended []Period
	if first, err := firstDue(tx); err != nil {
		return nil, err
	} else if !first.IsZero() && first.Before(QuarterOf(today).FirstDay) {
		ended = quartersBetween(first, QuarterOf(today).FirstDay.AddDate(0, 0, -1))
	}
	var named []Period
	if err := tx.Where("last_day < ?", today).Find(&named).Error; err != nil {
		return nil, fmt.Errorf("named periods ended: %w", err)
	}
	ended = append(ended, named...)
	var frozen []string
	if err := tx.Model(&PeriodSnapshot{}).Pluck("period_key", &frozen).Error; err != nil {
		return nil, fmt.Errorf("frozen periods: %w", err)
	}
	ended = slices.DeleteFunc(ended, func(p Period) bool { return slices.Contains(frozen, p.Name) })
	sortPeriods(ended)
	return ended, nil
}
