package importer

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"golang.org/x/text/width"
)

// cronParser is the standard five-field cron syntax plus descriptors such
// as @daily.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ScheduleParser parses reminder schedules with exactly the rules of
// ParseSchedule; pass it to cron.WithParser so that the scheduler accepts
// what the importer accepts.
var ScheduleParser cron.ScheduleParser = scheduleParser{}

type scheduleParser struct{}

func (scheduleParser) Parse(spec string) (cron.Schedule, error) { return ParseSchedule(spec) }

// scheduleProbe is the fixed instant from which a schedule must have a next
// run. Any schedule that can ever fire does so within the five years the
// cron library searches, whatever the start.
var scheduleProbe = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// ParseSchedule validates a reminder schedule: a standard five-field cron
// spec (minute hour day-of-month month day-of-week) or a descriptor such as
// @daily or @weekly. Refused are time-zone prefixes (CRON_TZ=, TZ=: a
// reminder follows each person's own time zone), @every (it does not follow
// the calendar) and specs that never fire, such as 0 9 30 2 *. Full-width
// digits, commas and spaces are accepted. The returned schedule carries no
// location: its Next works in the location of the time it is given.
func ParseSchedule(spec string) (cron.Schedule, error) {
	s := normSchedule(spec)
	if s == "" {
		return nil, errors.New("the reminder schedule is empty")
	}
	if n := len([]rune(s)); n > maxScheduleRunes {
		return nil, fmt.Errorf("the reminder schedule is %d characters long, the limit is %d", n, maxScheduleRunes)
	}
	// Never hand a zone prefix to the cron library: it panics on
	// "CRON_TZ=" with nothing after it.
	if up := strings.ToUpper(s); strings.HasPrefix(up, "TZ=") || strings.HasPrefix(up, "CRON_TZ=") || strings.Contains(up, "TZ=") {
		return nil, fmt.Errorf("reminder schedule %q: time-zone prefixes are not allowed, reminders follow each person's time zone", s)
	}
	if strings.HasPrefix(s, "@every") {
		return nil, fmt.Errorf("reminder schedule %q: @every is not allowed, give the times as a cron spec such as \"0 9 * * 1-5\"", s)
	}
	sched, err := cronParser.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("reminder schedule %q is not a valid cron spec (minute hour day month weekday, e.g. \"0 9 * * 1,3,5\"): %v", s, err)
	}
	if sched.Next(scheduleProbe).IsZero() {
		return nil, fmt.Errorf("reminder schedule %q never fires", s)
	}
	return sched, nil
}

// normSchedule folds full-width characters and collapses white space.
func normSchedule(spec string) string {
	s, err := sanitize(spec)
	if err != nil {
		return strings.Join(strings.Fields(strings.ReplaceAll(spec, "\x00", "")), " ")
	}
	return strings.Join(strings.Fields(width.Fold.String(s)), " ")
}
