package scheduler

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/robfig/cron/v3"

	"taskbot/importer"
)

// This file decides which reminder slots are due. Everything here is a pure
// function of the schedule, the work calendar and the clock value passed in.
//
// A slot is a local wall-clock minute in the person's time zone. The spec is
// evaluated on local calendar days and wall-clock times, not on instants, so
// that daylight saving time neither loses nor repeats a slot:
//
//   - spring forward: a wall time the clock skips (02:30 when clocks jump
//     from 02:00 to 03:00) is still a slot; it falls due at the instant of
//     the jump (03:00 new time), see Wall.In;
//   - fall back: a wall time that occurs twice (01:30 when clocks go back
//     from 02:00 to 01:00) is one slot, due at its first occurrence.
//
// The slot's Wall (its String form) is the idempotency key of its messages.
//
// robfig's SpecSchedule.Next is not used for the walk: it skips
// spring-forward slots and fires twice on fall-back.

// Wall is a local wall-clock minute, comparable and usable as a map key.
type Wall struct {
	Year   int
	Month  time.Month
	Day    int
	Hour   int
	Minute int
}

// String formats the wall time as 2006-01-02T15:04, the slot's part of an
// idempotency key.
func (w Wall) String() string {
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d", w.Year, int(w.Month), w.Day, w.Hour, w.Minute)
}

// ParseWall reads the String form of a Wall back.
func ParseWall(s string) (Wall, error) {
	t, err := time.Parse("2006-01-02T15:04", s)
	if err != nil {
		return Wall{}, fmt.Errorf("bad wall-clock time %q, want 2006-01-02T15:04", s)
	}
	return WallOf(t, time.UTC), nil
}

// Before reports whether w is earlier than o on the wall clock.
func (w Wall) Before(o Wall) bool {
	if w.Year != o.Year {
		return w.Year < o.Year
	}
	if w.Month != o.Month {
		return w.Month < o.Month
	}
	if w.Day != o.Day {
		return w.Day < o.Day
	}
	if w.Hour != o.Hour {
		return w.Hour < o.Hour
	}
	return w.Minute < o.Minute
}

// WallOf returns t's wall-clock minute in loc; seconds are dropped.
func WallOf(t time.Time, loc *time.Location) Wall {
	t = t.In(loc)
	y, mo, d := t.Date()
	return Wall{Year: y, Month: mo, Day: d, Hour: t.Hour(), Minute: t.Minute()}
}

// unixAsUTC is w read as if it were UTC, in Unix seconds.
func (w Wall) unixAsUTC() int64 {
	return time.Date(w.Year, w.Month, w.Day, w.Hour, w.Minute, 0, 0, time.UTC).Unix()
}

// In returns the instant at which the wall clock in loc shows w, expressed
// in loc. The mapping is deterministic and non-decreasing in w:
//
//   - a wall time that occurs once maps to that instant;
//   - a wall time that occurs twice (fall-back) maps to its first
//     occurrence, the earlier instant;
//   - a wall time that does not exist (skipped by a spring-forward jump)
//     maps to the instant of the jump, when the clock shows the first
//     minute after the gap: 02:30 on a day clocks jump from 02:00 to 03:00
//     maps to 03:00 new time, as does every other skipped minute.
//
// time.Date leaves both cases unspecified and, with Go's zone data, differs
// between zones: 2026-03-08 02:30 in America/New_York comes out as 01:30 EST
// (before the gap), 2026-03-29 02:30 in Europe/Berlin as 03:30 CEST (after
// it); 2026-10-25 02:30 in Europe/Berlin as the second occurrence but
// 2026-11-01 01:30 in America/New_York as the first. In does not rely on it.
func (w Wall) In(loc *time.Location) time.Time {
	u := w.unixAsUTC()
	// Offsets lie within about ±14 h, so every instant that can show w lies
	// within a day of u. List the zone periods that overlap that window.
	const window = 36 * 3600
	type period struct {
		from, to int64 // [from, to) in Unix seconds
		off      int64
	}
	var ps []period
	t := time.Unix(u-window, 0).In(loc)
	for range 64 {
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		p := period{from: math.MinInt64, to: math.MaxInt64, off: int64(off)}
		if !start.IsZero() {
			p.from = start.Unix()
		}
		if !end.IsZero() {
			p.to = end.Unix()
		}
		ps = append(ps, p)
		if p.to > u+window || p.to <= t.Unix() {
			break
		}
		t = time.Unix(p.to, 0).In(loc)
	}
	// Periods are in time order, so the first that contains its candidate
	// instant gives the earliest occurrence.
	for _, p := range ps {
		if c := u - p.off; c >= p.from && c < p.to {
			return time.Unix(c, 0).In(loc)
		}
	}
	// No instant shows w: it lies in a gap between two periods. Return the
	// instant of the jump over it.
	for i := 1; i < len(ps); i++ {
		jump := ps[i].from
		if jump+ps[i-1].off <= u && u < jump+ps[i].off {
			return time.Unix(jump, 0).In(loc)
		}
	}
	// Unreachable with consistent zone data.
	return time.Date(w.Year, w.Month, w.Day, w.Hour, w.Minute, 0, 0, loc)
}

// Slot is one firing of a schedule: its wall-clock minute in the person's
// zone (the idempotency key) and the instant it falls due.
type Slot struct {
	Wall Wall
	At   time.Time // UTC
}

// Schedule is a cron spec evaluated in a person's time zone.
type Schedule struct {
	Spec     string         // cron spec, as accepted by importer.ParseSchedule
	Location *time.Location // the person's zone
}

// DailyAt returns a Schedule firing every day at hhmm, which must be exactly
// HH:MM on the 24-hour clock (00:00 to 23:59), e.g. "18:00".
func DailyAt(hhmm string, loc *time.Location) (Schedule, error) {
	bad := func() (Schedule, error) {
		return Schedule{}, fmt.Errorf("bad time of day %q, want HH:MM from 00:00 to 23:59, e.g. 18:00", hhmm)
	}
	if len(hhmm) != 5 || hhmm[2] != ':' {
		return bad()
	}
	digit := func(i int) (int, bool) {
		c := hhmm[i]
		return int(c - '0'), c >= '0' && c <= '9'
	}
	h1, ok1 := digit(0)
	h2, ok2 := digit(1)
	m1, ok3 := digit(3)
	m2, ok4 := digit(4)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return bad()
	}
	h, m := h1*10+h2, m1*10+m2
	if h > 23 || m > 59 {
		return bad()
	}
	if loc == nil {
		return Schedule{}, errors.New("daily schedule has no time zone")
	}
	return Schedule{Spec: fmt.Sprintf("%d %d * * *", m, h), Location: loc}, nil
}

// searchDays bounds the search for a slot. Ten years covers every spec
// importer.ParseSchedule accepts, including 29 February on a working day.
const searchDays = 10 * 366

// maxCatchUpWalk bounds the step-by-step walk over slots whose wall time is
// after now's but whose instant is not (a repeated fall-back hour).
const maxCatchUpWalk = 10_000

// MaxSkippedListed is the most slots Advance.Skipped lists; SkippedTotal
// counts them all.
const MaxSkippedListed = 1000

// maxDowntime bounds how far in the past a stored next slot may lie.
const maxDowntime = 100 * 366 * 24 * time.Hour

const weekdayBits = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday

// plan is a compiled schedule: spec bits, zone and day rule.
type plan struct {
	spec     *cron.SpecSchedule
	loc      *time.Location
	cal      *Calendar
	workdays bool
}

func compile(s Schedule, cal *Calendar, workdays bool) (*plan, error) {
	if s.Location == nil {
		return nil, fmt.Errorf("schedule %q has no time zone", s.Spec)
	}
	parsed, err := importer.ParseSchedule(s.Spec)
	if err != nil {
		return nil, err
	}
	spec, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("schedule %q: unsupported schedule type %T", s.Spec, parsed)
	}
	if spec.Second&1 == 0 {
		return nil, fmt.Errorf("schedule %q does not fire at second 0", s.Spec)
	}
	return &plan{spec: spec, loc: s.Location, cal: cal, workdays: workdays}, nil
}

// dayMatches mirrors robfig's rule: when day-of-month or day-of-week is a
// star, both must match; otherwise either may.
func dayMatches(domBits, dowBits uint64, domMatch, dowMatch bool) bool {
	const starBit = 1 << 63
	if domBits&starBit != 0 || dowBits&starBit != 0 {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}

// dayFires reports whether the schedule has slots on the local date d (a
// UTC midnight standing for the civil date), by the rule documented on
// NextSlot.
func (p *plan) dayFires(d time.Time) bool {
	y, mo, dd := d.Date()
	s := p.spec
	if s.Month&(1<<uint(mo)) == 0 {
		return false
	}
	wd := d.Weekday()
	domMatch := s.Dom&(1<<uint(dd)) != 0
	plain := dayMatches(s.Dom, s.Dow, domMatch, s.Dow&(1<<uint(wd)) != 0)
	if !p.workdays {
		return plain
	}
	weekend := wd == time.Saturday || wd == time.Sunday
	switch p.cal.kind(y, mo, dd) {
	case Holiday:
		return false
	case Workday:
		if plain || !weekend {
			return plain
		}
		return dayMatches(s.Dom, s.Dow, domMatch, s.Dow&weekdayBits != 0)
	default:
		return plain && !weekend
	}
}

func (p *plan) slot(w Wall) Slot {
	return Slot{Wall: w, At: w.In(p.loc).UTC()}
}

// next returns the first slot whose wall time is strictly after after.
func (p *plan) next(after Wall) (Slot, error) {
	d := time.Date(after.Year, after.Month, after.Day, 0, 0, 0, 0, time.UTC)
	for i := 0; i < searchDays; i, d = i+1, d.AddDate(0, 0, 1) {
		if !p.dayFires(d) {
			continue
		}
		y, mo, dd := d.Date()
		for h := 0; h < 24; h++ {
			if p.spec.Hour&(1<<uint(h)) == 0 {
				continue
			}
			for m := 0; m < 60; m++ {
				if p.spec.Minute&(1<<uint(m)) == 0 {
					continue
				}
				if w := (Wall{y, mo, dd, h, m}); after.Before(w) {
					return p.slot(w), nil
				}
			}
		}
	}
	return Slot{}, fmt.Errorf("schedule does not fire within %d days after %s", searchDays, after)
}

// prev returns the last slot whose wall time is strictly before before.
func (p *plan) prev(before Wall) (Slot, bool) {
	d := time.Date(before.Year, before.Month, before.Day, 0, 0, 0, 0, time.UTC)
	for i := 0; i < searchDays; i, d = i+1, d.AddDate(0, 0, -1) {
		if !p.dayFires(d) {
			continue
		}
		y, mo, dd := d.Date()
		for h := 23; h >= 0; h-- {
			if p.spec.Hour&(1<<uint(h)) == 0 {
				continue
			}
			for m := 59; m >= 0; m-- {
				if p.spec.Minute&(1<<uint(m)) == 0 {
					continue
				}
				if w := (Wall{y, mo, dd, h, m}); w.Before(before) {
					return p.slot(w), true
				}
			}
		}
	}
	return Slot{}, false
}

// fires reports whether w is a wall time of the schedule.
func (p *plan) fires(w Wall) bool {
	return w.Hour >= 0 && w.Hour < 24 && w.Minute >= 0 && w.Minute < 60 &&
		p.spec.Hour&(1<<uint(w.Hour)) != 0 && p.spec.Minute&(1<<uint(w.Minute)) != 0 &&
		p.dayFires(time.Date(w.Year, w.Month, w.Day, 0, 0, 0, 0, time.UTC))
}

// count returns the number of slots with from <= wall < to.
func (p *plan) count(from, to Wall) int {
	const hourMask, minuteMask = 1<<24 - 1, 1<<60 - 1
	perDay := bits.OnesCount64(p.spec.Hour&hourMask) * bits.OnesCount64(p.spec.Minute&minuteMask)
	first := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, time.UTC)
	last := time.Date(to.Year, to.Month, to.Day, 0, 0, 0, 0, time.UTC)
	n := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if !p.dayFires(d) {
			continue
		}
		if d.After(first) && d.Before(last) {
			n += perDay
			continue
		}
		y, mo, dd := d.Date()
		for h := 0; h < 24; h++ {
			if p.spec.Hour&(1<<uint(h)) == 0 {
				continue
			}
			for m := 0; m < 60; m++ {
				if p.spec.Minute&(1<<uint(m)) == 0 {
					continue
				}
				if w := (Wall{y, mo, dd, h, m}); !w.Before(from) && w.Before(to) {
					n++
				}
			}
		}
	}
	return n
}

// firstAfter returns the first slot whose instant is after now.
func (p *plan) firstAfter(now time.Time) (Slot, error) {
	s, err := p.next(WallOf(now, p.loc))
	// A wall time after now's may still have passed: in a repeated
	// fall-back hour its slot fell due at the first occurrence.
	for i := 0; err == nil && !s.At.After(now); i++ {
		if i == maxCatchUpWalk {
			return Slot{}, fmt.Errorf("no slot after %s within %d steps", now.UTC().Format(time.RFC3339), maxCatchUpWalk)
		}
		s, err = p.next(s.Wall)
	}
	return s, err
}

// NextSlot returns the first slot whose wall-clock time is strictly after
// after, a wall time in the schedule's zone. The search covers ten years.
//
// Days are local calendar days. With workdays false the calendar is ignored
// and a day has slots when the month matches and the day-of-month and
// day-of-week parts match by robfig's rule (when either is a star both must
// match, otherwise either may). With workdays true the calendar (nil for
// none) applies on top:
//   - a day listed as a holiday has no slots;
//   - a Saturday or Sunday not listed as a working day has no slots;
//   - a Monday to Friday not listed as a holiday follows the plain rule;
//   - a Saturday or Sunday listed as a working day (a make-up day, 调休)
//     has slots if the plain rule matches it (the spec names that weekday)
//     or if it matches with the day taken as "a weekday the spec fires on":
//     the month must match, the day-of-week part matches when the spec
//     fires on at least one of Monday to Friday, and it combines with the
//     day-of-month part by robfig's rule. A make-up day does not stand for
//     one particular weekday: "0 9 * * 1-5", "0 9 * * 1,3,5" and "0 9 * * 2"
//     all fire at 09:00 on a make-up Sunday; "0 9 15 * *" only if it is the
//     15th ("0 9 15 * 1-5" means the 15th or Monday to Friday, so it fires);
//     "0 9 * 3 1-5" not in February; "0 9 * * 0,6" because the plain rule
//     matches, though it has no slots on ordinary weekends.
//
// On a day with slots, every listed hour:minute is a slot, in order.
func NextSlot(s Schedule, after Wall, cal *Calendar, workdays bool) (Slot, error) {
	p, err := compile(s, cal, workdays)
	if err != nil {
		return Slot{}, err
	}
	return p.next(after)
}

// First computes the initial next slot of a new schedule, or of one whose
// spec, zone or working-day setting changed: the first slot due strictly
// after now. Nothing is caught up for a schedule that did not exist.
func First(s Schedule, now time.Time, cal *Calendar, workdays bool) (Slot, error) {
	p, err := compile(s, cal, workdays)
	if err != nil {
		return Slot{}, err
	}
	return p.firstAfter(now)
}

// Advance is what to do with a schedule at a given moment.
type Advance struct {
	// Send is the slot to send now, if any.
	Send *Slot
	// Skipped are missed slots not sent, because they were too late or
	// superseded by a later missed slot, in wall-clock order. At most
	// MaxSkippedListed are listed, the latest ones.
	Skipped []Slot
	// SkippedTotal counts every skipped slot, listed or not.
	SkippedTotal int
	// Next is the schedule's new next slot, due strictly after now.
	Next Slot
}

// Due decides what to do at now for a schedule whose stored next slot is
// next.
//
// If next falls due after now, nothing is due: Send is nil and Next is next.
// Otherwise every slot from next up to now was missed (normally just next,
// found by a poll shortly after it). Only the latest missed slot is sent,
// and only if it fell due no more than catchUp before now; every other
// missed slot is skipped. After a long downtime at most one message goes out
// per schedule, never a burst. Next is the first slot due after now.
//
// catchUp must exceed the interval at which Due is polled, or on-time slots
// are skipped; a negative catchUp sends nothing. The work done is bounded whatever the downtime; a stored
// next more than a century before now is refused. The stored next must
// come from the same spec, zone and working-day setting; when one of them
// changes, compute a fresh next slot with First.
func Due(s Schedule, next Slot, now time.Time, catchUp time.Duration, cal *Calendar, workdays bool) (Advance, error) {
	p, err := compile(s, cal, workdays)
	if err != nil {
		return Advance{}, err
	}
	if next.At.After(now) {
		return Advance{Next: next}, nil
	}
	if now.Sub(next.At) > maxDowntime {
		return Advance{}, fmt.Errorf("stored next slot %s is more than a century before now; recompute it with First", next.Wall)
	}
	newNext, err := p.firstAfter(now)
	if err != nil {
		return Advance{}, err
	}
	adv := Advance{Next: newNext}

	// The latest missed slot is the last one before the new next; it is
	// next itself when no slot of the spec lies in between.
	latest := next
	if pv, ok := p.prev(newNext.Wall); ok && !pv.Wall.Before(next.Wall) {
		latest = pv
	}

	// List the latest skipped slots, walking back from latest to next.
	var rev []Slot
	if catchUp < 0 || now.Sub(latest.At) > catchUp {
		rev = append(rev, latest)
	} else {
		send := latest
		adv.Send = &send
	}
	cur, truncated := latest, false
	for cur.Wall != next.Wall {
		pv, ok := p.prev(cur.Wall)
		if !ok || pv.Wall.Before(next.Wall) {
			// next is not a slot of the spec; it was still missed.
			pv = next
		}
		if len(rev) == MaxSkippedListed {
			truncated = true
			break
		}
		rev = append(rev, pv)
		cur = pv
	}
	adv.Skipped = make([]Slot, len(rev))
	for i, sl := range rev {
		adv.Skipped[len(rev)-1-i] = sl
	}
	adv.SkippedTotal = len(rev)
	if truncated {
		adv.SkippedTotal += p.count(next.Wall, cur.Wall)
		if !p.fires(next.Wall) {
			adv.SkippedTotal++
		}
	}
	return adv, nil
}
