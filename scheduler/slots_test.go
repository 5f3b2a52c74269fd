package scheduler

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the host's zone data

	"github.com/robfig/cron/v3"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func mustWall(t testing.TB, s string) Wall {
	t.Helper()
	w, err := ParseWall(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func mustNext(t testing.TB, s Schedule, after string, cal *Calendar, workdays bool) Slot {
	t.Helper()
	sl, err := NextSlot(s, mustWall(t, after), cal, workdays)
	if err != nil {
		t.Fatalf("NextSlot(%q, after %s): %v", s.Spec, after, err)
	}
	return sl
}

// slotsBetween lists the slots with from < wall, up to and including the
// first slot whose wall is not before to.
func slotsBetween(t testing.TB, s Schedule, from, to string) []Slot {
	t.Helper()
	var out []Slot
	cur, end := mustWall(t, from), mustWall(t, to)
	for i := 0; ; i++ {
		if i > 100_000 {
			t.Fatal("too many slots")
		}
		sl, err := NextSlot(s, cur, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if end.Before(sl.Wall) {
			return out
		}
		out = append(out, sl)
		cur = sl.Wall
	}
}

func TestWallStringParseAndOrder(t *testing.T) {
	w := Wall{Year: 2026, Month: time.March, Day: 8, Hour: 2, Minute: 30}
	if got := w.String(); got != "2026-03-08T02:30" {
		t.Fatalf("String = %q", got)
	}
	if back := mustWall(t, w.String()); back != w {
		t.Fatalf("ParseWall(String) = %+v, want %+v", back, w)
	}
	for _, bad := range []string{"", "2026-03-08 02:30", "2026-13-01T00:00", "2026-03-08T24:00"} {
		if _, err := ParseWall(bad); err == nil {
			t.Errorf("ParseWall(%q) accepted", bad)
		}
	}
	ordered := []string{"2025-12-31T23:59", "2026-01-01T00:00", "2026-01-01T00:01", "2026-01-01T01:00", "2026-01-02T00:00", "2026-02-01T00:00"}
	for i := range ordered {
		for j := range ordered {
			a, b := mustWall(t, ordered[i]), mustWall(t, ordered[j])
			if got, want := a.Before(b), i < j; got != want {
				t.Errorf("%s.Before(%s) = %v, want %v", a, b, got, want)
			}
		}
	}
	ny := mustLoc(t, "America/New_York")
	if got := WallOf(utc(t, "2026-11-01T06:30:59Z"), ny); got.String() != "2026-11-01T01:30" {
		t.Errorf("WallOf second 01:30 = %s", got)
	}
}

func TestWallIn(t *testing.T) {
	tests := []struct {
		name, zone, wall, want string
	}{
		{"plain Shanghai", "Asia/Shanghai", "2026-03-08T09:00", "2026-03-08T01:00:00Z"},
		{"UTC", "UTC", "2026-03-08T02:30", "2026-03-08T02:30:00Z"},
		{"New York before the gap", "America/New_York", "2026-03-08T01:59", "2026-03-08T06:59:00Z"},
		{"New York gap start", "America/New_York", "2026-03-08T02:00", "2026-03-08T07:00:00Z"},
		{"New York gap 02:30 maps to the jump", "America/New_York", "2026-03-08T02:30", "2026-03-08T07:00:00Z"},
		{"New York gap end", "America/New_York", "2026-03-08T02:59", "2026-03-08T07:00:00Z"},
		{"New York after the gap", "America/New_York", "2026-03-08T03:00", "2026-03-08T07:00:00Z"},
		{"New York fall-back first occurrence", "America/New_York", "2026-11-01T01:30", "2026-11-01T05:30:00Z"},
		{"New York after fall-back", "America/New_York", "2026-11-01T02:00", "2026-11-01T07:00:00Z"},
		{"Berlin gap 02:30", "Europe/Berlin", "2026-03-29T02:30", "2026-03-29T01:00:00Z"},
		{"Berlin fall-back 02:30 first occurrence", "Europe/Berlin", "2026-10-25T02:30", "2026-10-25T00:30:00Z"},
		{"Lord Howe half-hour gap", "Australia/Lord_Howe", "2026-10-04T02:15", "2026-10-03T15:30:00Z"},
		{"Lord Howe half-hour overlap", "Australia/Lord_Howe", "2026-04-05T01:45", "2026-04-04T14:45:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoc(t, tc.zone)
			got := mustWall(t, tc.wall).In(loc)
			if want := utc(t, tc.want); !got.Equal(want) {
				t.Fatalf("%s in %s = %s, want %s", tc.wall, tc.zone, got.UTC().Format(time.RFC3339), tc.want)
			}
			if got.Location() != loc {
				t.Errorf("location %s, want %s", got.Location(), loc)
			}
		})
	}
}

// TestWallInProperties checks every minute of the transition days: the
// mapping never goes backwards, an existing wall time maps to an instant
// showing it (the earliest one), and a skipped one to the jump.
func TestWallInProperties(t *testing.T) {
	days := map[string][]string{
		"America/New_York":    {"2026-03-08", "2026-11-01"},
		"Europe/Berlin":       {"2026-03-29", "2026-10-25"},
		"Australia/Lord_Howe": {"2026-04-05", "2026-10-04"},
		"Asia/Shanghai":       {"2026-03-08"},
	}
	for zone, ds := range days {
		loc := mustLoc(t, zone)
		for _, d := range ds {
			start := mustWall(t, d+"T00:00")
			var prev time.Time
			for i := 0; i < 24*60; i++ {
				w := WallOf(time.Date(start.Year, start.Month, start.Day, 0, i, 0, 0, time.UTC), time.UTC)
				at := w.In(loc)
				if !prev.IsZero() && at.Before(prev) {
					t.Fatalf("%s %s: %s maps before the previous minute", zone, d, w)
				}
				prev = at
				if WallOf(at, loc) == w {
					// Existing: no earlier instant shows it.
					if earlier := at.Add(-time.Hour); WallOf(earlier, loc) == w {
						t.Errorf("%s %s: %s has an earlier occurrence %s", zone, d, w, earlier.UTC())
					}
					if earlier := at.Add(-30 * time.Minute); WallOf(earlier, loc) == w {
						t.Errorf("%s %s: %s has an earlier occurrence %s", zone, d, w, earlier.UTC())
					}
					continue
				}
				// Skipped: the instant just before shows an earlier wall time
				// and the instant itself a later one.
				if before := WallOf(at.Add(-time.Second), loc); !before.Before(w) {
					t.Errorf("%s %s: %s maps to %s, but the second before shows %s", zone, d, w, at.UTC(), before)
				}
				if shown := WallOf(at, loc); !w.Before(shown) {
					t.Errorf("%s %s: %s maps to %s showing %s", zone, d, w, at.UTC(), shown)
				}
			}
		}
	}
}

func TestSlotSameWallDifferentZones(t *testing.T) {
	want := map[string]string{
		"Asia/Shanghai":    "2026-01-15T01:00:00Z",
		"Europe/Berlin":    "2026-01-15T08:00:00Z",
		"America/New_York": "2026-01-15T14:00:00Z",
	}
	seen := map[time.Time]string{}
	for zone, at := range want {
		t.Run(zone, func(t *testing.T) {
			s := Schedule{Spec: "0 9 * * *", Location: mustLoc(t, zone)}
			sl := mustNext(t, s, "2026-01-14T12:00", nil, false)
			if sl.Wall.String() != "2026-01-15T09:00" {
				t.Errorf("wall %s", sl.Wall)
			}
			if !sl.At.Equal(utc(t, at)) || sl.At.Location() != time.UTC {
				t.Errorf("At = %s, want %s in UTC", sl.At, at)
			}
			if other, dup := seen[sl.At]; dup {
				t.Errorf("same instant as %s", other)
			}
			seen[sl.At] = zone
		})
	}
}

func TestSlotSpringForwardNotLost(t *testing.T) {
	tests := []struct {
		zone, dayBefore, day, dayAfter, jump string
	}{
		{"America/New_York", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-08T07:00:00Z"},
		{"Europe/Berlin", "2026-03-28", "2026-03-29", "2026-03-30", "2026-03-29T01:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.zone, func(t *testing.T) {
			s := Schedule{Spec: "30 2 * * *", Location: mustLoc(t, tc.zone)}
			got := slotsBetween(t, s, tc.dayBefore+"T00:00", tc.dayAfter+"T23:59")
			var walls []string
			for _, sl := range got {
				walls = append(walls, sl.Wall.String())
			}
			want := []string{tc.dayBefore + "T02:30", tc.day + "T02:30", tc.dayAfter + "T02:30"}
			if strings.Join(walls, " ") != strings.Join(want, " ") {
				t.Fatalf("slots %v, want %v", walls, want)
			}
			if !got[1].At.Equal(utc(t, tc.jump)) {
				t.Errorf("transition-day slot at %s, want the jump %s", got[1].At, tc.jump)
			}
			if !got[0].At.Before(got[1].At) || !got[1].At.Before(got[2].At) {
				t.Errorf("instants out of order: %v", got)
			}
		})
	}
}

func TestSlotFallBackOnce(t *testing.T) {
	tests := []struct {
		zone, spec, day, first, nextDay string
	}{
		{"America/New_York", "30 1 * * *", "2026-11-01", "2026-11-01T05:30:00Z", "2026-11-02T01:30"},
		{"Europe/Berlin", "30 2 * * *", "2026-10-25", "2026-10-25T00:30:00Z", "2026-10-26T02:30"},
	}
	for _, tc := range tests {
		t.Run(tc.zone, func(t *testing.T) {
			s := Schedule{Spec: tc.spec, Location: mustLoc(t, tc.zone)}
			got := slotsBetween(t, s, tc.day+"T00:00", tc.day+"T23:59")
			if len(got) != 1 {
				t.Fatalf("slots on %s: %v, want exactly one", tc.day, got)
			}
			if !got[0].At.Equal(utc(t, tc.first)) {
				t.Errorf("slot at %s, want the first occurrence %s", got[0].At, tc.first)
			}
			if n := mustNext(t, s, got[0].Wall.String(), nil, false); n.Wall.String() != tc.nextDay {
				t.Errorf("after the slot: %s, want %s", n.Wall, tc.nextDay)
			}
			// A clock reading in the repeated hour does not bring it back.
			second := got[0].At.Add(time.Hour + 5*time.Minute)
			f, err := First(s, second, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			if f.Wall.String() != tc.nextDay {
				t.Errorf("First in the repeated hour = %s, want %s", f.Wall, tc.nextDay)
			}
		})
	}
}

func TestSlotHourlyAcrossDST(t *testing.T) {
	tests := []struct {
		name, zone, from, to string
		want                 []string // wall hour: instant
	}{
		{"New York fall-back", "America/New_York", "2026-10-31T23:30", "2026-11-01T03:00", []string{
			"2026-11-01T00:00 2026-11-01T04:00:00Z",
			"2026-11-01T01:00 2026-11-01T05:00:00Z",
			"2026-11-01T02:00 2026-11-01T07:00:00Z",
			"2026-11-01T03:00 2026-11-01T08:00:00Z",
		}},
		{"Berlin fall-back", "Europe/Berlin", "2026-10-25T00:30", "2026-10-25T04:00", []string{
			"2026-10-25T01:00 2026-10-24T23:00:00Z",
			"2026-10-25T02:00 2026-10-25T00:00:00Z",
			"2026-10-25T03:00 2026-10-25T02:00:00Z",
			"2026-10-25T04:00 2026-10-25T03:00:00Z",
		}},
		// The skipped 02:00 is kept as its own wall key; it falls due at
		// the same instant as 03:00.
		{"New York spring-forward", "America/New_York", "2026-03-08T00:30", "2026-03-08T04:00", []string{
			"2026-03-08T01:00 2026-03-08T06:00:00Z",
			"2026-03-08T02:00 2026-03-08T07:00:00Z",
			"2026-03-08T03:00 2026-03-08T07:00:00Z",
			"2026-03-08T04:00 2026-03-08T08:00:00Z",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Schedule{Spec: "0 * * * *", Location: mustLoc(t, tc.zone)}
			var got []string
			for _, sl := range slotsBetween(t, s, tc.from, tc.to) {
				got = append(got, sl.Wall.String()+" "+sl.At.Format(time.RFC3339))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestNextSlotMatchesCronInUTC checks the day and time rules against
// robfig's own Next where no DST is involved.
func TestNextSlotMatchesCronInUTC(t *testing.T) {
	specs := []string{
		"0 9 * * *", "*/15 9-17 * * 1-5", "0 9 1 * 1", "0 9 1 * *", "0 9 * * 1",
		"0 9 31 * *", "0 0 29 2 *", "30 8 1,15 * 0", "0 18 * 3-5 6", "@daily", "@weekly",
		"@monthly", "@yearly", "@hourly", "5 4 * jan,jul mon-wed", "59 23 L * *",
	}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	starts := []string{"2026-01-01T00:00", "2027-02-27T23:59", "2028-12-31T12:00"}
	for _, spec := range specs {
		t.Run(spec, func(t *testing.T) {
			ref, err := parser.Parse(spec)
			if err != nil {
				if _, err2 := NextSlot(Schedule{Spec: spec, Location: time.UTC}, Wall{}, nil, false); err2 == nil {
					t.Fatalf("cron refuses %q (%v), NextSlot accepts it", spec, err)
				}
				return
			}
			for _, start := range starts {
				w := mustWall(t, start)
				want := time.Date(w.Year, w.Month, w.Day, w.Hour, w.Minute, 0, 0, time.UTC)
				for i := 0; i < 40; i++ {
					want = ref.Next(want)
					if want.IsZero() {
						// cron gives up after five years; NextSlot searches
						// ten (29 February 2096 is followed by 2104).
						break
					}
					got, err := NextSlot(Schedule{Spec: spec, Location: time.UTC}, w, nil, false)
					if err != nil {
						t.Fatal(err)
					}
					if !got.At.Equal(want) || got.Wall != WallOf(want, time.UTC) {
						t.Fatalf("after %s: got %s (%s), cron says %s", w, got.Wall, got.At, want)
					}
					w = got.Wall
				}
			}
		})
	}
}

func TestNextSlotErrors(t *testing.T) {
	tests := []struct {
		name string
		s    Schedule
		want string
	}{
		{"bad spec", Schedule{Spec: "61 * * * *", Location: time.UTC}, "not a valid cron spec"},
		{"empty spec", Schedule{Spec: "", Location: time.UTC}, "empty"},
		{"every", Schedule{Spec: "@every 1h", Location: time.UTC}, "@every"},
		{"zone prefix", Schedule{Spec: "CRON_TZ=UTC 0 9 * * *", Location: time.UTC}, "time-zone"},
		{"never fires", Schedule{Spec: "0 9 30 2 *", Location: time.UTC}, "never fires"},
		{"no zone", Schedule{Spec: "0 9 * * *"}, "no time zone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NextSlot(tc.s, mustWall(t, "2026-01-01T00:00"), nil, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NextSlot error %v, want one mentioning %q", err, tc.want)
			}
			if _, err := First(tc.s, time.Now(), nil, false); err == nil {
				t.Error("First accepted it")
			}
			if _, err := Due(tc.s, Slot{}, time.Now(), time.Hour, nil, false); err == nil {
				t.Error("Due accepted it")
			}
		})
	}
}

func TestFirst(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	tests := []struct {
		name, spec string
		loc        *time.Location
		now        string
		want       string // wall
	}{
		{"before today's slot", "0 9 * * *", time.UTC, "2026-05-04T08:59:59Z", "2026-05-04T09:00"},
		{"exactly at a slot is not due again", "0 9 * * *", time.UTC, "2026-05-04T09:00:00Z", "2026-05-05T09:00"},
		{"just after a slot: no catch-up", "0 9 * * *", time.UTC, "2026-05-04T09:00:01Z", "2026-05-05T09:00"},
		// 01:45 is a later wall time than now's 01:40 EST, but it fell due at
		// its first occurrence, 05:45Z.
		{"repeated hour, second occurrence", "*/15 * * * *", ny, "2026-11-01T06:40:00Z", "2026-11-01T02:00"},
		{"repeated hour, first occurrence", "*/15 * * * *", ny, "2026-11-01T05:40:00Z", "2026-11-01T01:45"},
		{"inside the spring-forward gap", "30 2 * * *", ny, "2026-03-08T06:59:00Z", "2026-03-08T02:30"},
		{"at the jump", "30 2 * * *", ny, "2026-03-08T07:00:00Z", "2026-03-09T02:30"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := utc(t, tc.now)
			got, err := First(Schedule{Spec: tc.spec, Location: tc.loc}, now, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			if got.Wall.String() != tc.want {
				t.Errorf("First = %s (%s), want %s", got.Wall, got.At, tc.want)
			}
			if !got.At.After(now) {
				t.Errorf("First at %s is not after now %s", got.At, now)
			}
		})
	}
}

func TestDailyAt(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	good := map[string]string{"18:00": "0 18 * * *", "00:00": "0 0 * * *", "23:59": "59 23 * * *", "09:05": "5 9 * * *"}
	for in, spec := range good {
		t.Run("ok "+in, func(t *testing.T) {
			s, err := DailyAt(in, sh)
			if err != nil {
				t.Fatal(err)
			}
			if s.Spec != spec || s.Location != sh {
				t.Fatalf("DailyAt(%q) = %+v, want spec %q", in, s, spec)
			}
			sl := mustNext(t, s, "2026-05-31T23:59", nil, false)
			if got := sl.Wall.String(); got != "2026-06-01T"+in {
				t.Errorf("first slot %s", got)
			}
		})
	}
	for _, in := range []string{"24:00", "9", "18:60", "", "9:00", "18:0", "18-00", " 18:00", "18:00 ", "１８:００", "+1:00", "18:00:00", "ab:cd"} {
		t.Run("bad "+in, func(t *testing.T) {
			if s, err := DailyAt(in, sh); err == nil {
				t.Fatalf("DailyAt(%q) accepted: %+v", in, s)
			}
		})
	}
	if _, err := DailyAt("18:00", nil); err == nil {
		t.Error("nil zone accepted")
	}
}

type dueCase struct {
	name     string
	spec     string
	zone     string
	next     string // wall of the stored next slot
	now      string // RFC 3339
	catchUp  time.Duration
	send     string   // wall sent, "" for none
	skipped  []string // walls skipped
	nextWall string
}

func TestDue(t *testing.T) {
	tests := []dueCase{
		{name: "not due yet", spec: "0 9 * * *", zone: "UTC", next: "2026-05-04T09:00", now: "2026-05-04T08:59:59Z", catchUp: 6 * time.Hour,
			nextWall: "2026-05-04T09:00"},
		{name: "on time", spec: "0 9 * * *", zone: "UTC", next: "2026-05-04T09:00", now: "2026-05-04T09:00:00Z", catchUp: 6 * time.Hour,
			send: "2026-05-04T09:00", nextWall: "2026-05-05T09:00"},
		{name: "down 2h: sent once on restart", spec: "0 9 * * *", zone: "Asia/Shanghai", next: "2026-05-04T09:00", now: "2026-05-04T03:00:00Z", catchUp: 6 * time.Hour,
			send: "2026-05-04T09:00", nextWall: "2026-05-05T09:00"},
		{name: "down 7h with 6h catch-up: skipped", spec: "0 9 * * *", zone: "Asia/Shanghai", next: "2026-05-04T09:00", now: "2026-05-04T08:00:00Z", catchUp: 6 * time.Hour,
			skipped: []string{"2026-05-04T09:00"}, nextWall: "2026-05-05T09:00"},
		{name: "catch-up limit is inclusive", spec: "0 9 * * *", zone: "UTC", next: "2026-05-04T09:00", now: "2026-05-04T15:00:00Z", catchUp: 6 * time.Hour,
			send: "2026-05-04T09:00", nextWall: "2026-05-05T09:00"},
		{name: "negative catch-up sends nothing", spec: "0 9 * * *", zone: "UTC", next: "2026-05-04T09:00", now: "2026-05-04T09:00:00Z", catchUp: -1,
			skipped: []string{"2026-05-04T09:00"}, nextWall: "2026-05-05T09:00"},
		{name: "hourly down 5h: only the latest", spec: "0 * * * *", zone: "Europe/Berlin", next: "2026-05-04T09:00", now: "2026-05-04T11:10:00Z", catchUp: 6 * time.Hour,
			send: "2026-05-04T13:00", skipped: []string{"2026-05-04T09:00", "2026-05-04T10:00", "2026-05-04T11:00", "2026-05-04T12:00"}, nextWall: "2026-05-04T14:00"},
		{name: "down three days: today's slot only", spec: "0 9 * * *", zone: "UTC", next: "2026-05-01T09:00", now: "2026-05-04T10:00:00Z", catchUp: 6 * time.Hour,
			send: "2026-05-04T09:00", skipped: []string{"2026-05-01T09:00", "2026-05-02T09:00", "2026-05-03T09:00"}, nextWall: "2026-05-05T09:00"},
		{name: "down three days, late today: all skipped", spec: "0 9 * * *", zone: "UTC", next: "2026-05-01T09:00", now: "2026-05-04T23:00:00Z", catchUp: 6 * time.Hour,
			skipped: []string{"2026-05-01T09:00", "2026-05-02T09:00", "2026-05-03T09:00", "2026-05-04T09:00"}, nextWall: "2026-05-05T09:00"},
		{name: "spring-forward slot sent at the jump", spec: "30 2 * * *", zone: "America/New_York", next: "2026-03-08T02:30", now: "2026-03-08T07:00:30Z", catchUp: time.Hour,
			send: "2026-03-08T02:30", nextWall: "2026-03-09T02:30"},
		{name: "spring-forward gap slot superseded by 03:00", spec: "0 * * * *", zone: "America/New_York", next: "2026-03-08T02:00", now: "2026-03-08T07:00:30Z", catchUp: time.Hour,
			send: "2026-03-08T03:00", skipped: []string{"2026-03-08T02:00"}, nextWall: "2026-03-08T04:00"},
		{name: "fall-back slot sent once, in the repeated hour", spec: "30 1 * * *", zone: "America/New_York", next: "2026-11-01T01:30", now: "2026-11-01T06:35:00Z", catchUp: 6 * time.Hour,
			send: "2026-11-01T01:30", nextWall: "2026-11-02T01:30"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkDue(t, tc, nil, false) })
	}
}

func checkDue(t *testing.T, tc dueCase, cal *Calendar, workdays bool) {
	t.Helper()
	s := Schedule{Spec: tc.spec, Location: mustLoc(t, tc.zone)}
	nw := mustWall(t, tc.next)
	next := Slot{Wall: nw, At: nw.In(s.Location).UTC()}
	now := utc(t, tc.now)
	adv, err := Due(s, next, now, tc.catchUp, cal, workdays)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case tc.send == "" && adv.Send != nil:
		t.Errorf("sent %s, want nothing", adv.Send.Wall)
	case tc.send != "" && adv.Send == nil:
		t.Errorf("sent nothing, want %s", tc.send)
	case tc.send != "" && adv.Send.Wall.String() != tc.send:
		t.Errorf("sent %s, want %s", adv.Send.Wall, tc.send)
	}
	if adv.Send != nil && (adv.Send.At.After(now) || now.Sub(adv.Send.At) > tc.catchUp) {
		t.Errorf("sent slot at %s, outside [now-catchUp, now]", adv.Send.At)
	}
	var skipped []string
	for _, sl := range adv.Skipped {
		skipped = append(skipped, sl.Wall.String())
		if sl.At.After(now) {
			t.Errorf("skipped slot %s is in the future", sl.Wall)
		}
	}
	if strings.Join(skipped, " ") != strings.Join(tc.skipped, " ") {
		t.Errorf("skipped %v, want %v", skipped, tc.skipped)
	}
	if adv.SkippedTotal != len(tc.skipped) {
		t.Errorf("SkippedTotal %d, want %d", adv.SkippedTotal, len(tc.skipped))
	}
	if adv.Next.Wall.String() != tc.nextWall {
		t.Errorf("Next %s, want %s", adv.Next.Wall, tc.nextWall)
	}
	if !adv.Next.At.After(now) {
		t.Errorf("Next at %s is not after now %s", adv.Next.At, now)
	}
	// Polling again at the same moment with the advanced slot sends nothing.
	again, err := Due(s, adv.Next, now, tc.catchUp, cal, workdays)
	if err != nil {
		t.Fatal(err)
	}
	if again.Send != nil || len(again.Skipped) != 0 || !sameSlot(again.Next, adv.Next) {
		t.Errorf("second Due at the same now: %+v", again)
	}
}

// TestDueSimulatedPolling polls every minute across both DST changes of a
// year and checks that each wall slot goes out exactly once, at or after
// its instant.
func TestDueSimulatedPolling(t *testing.T) {
	for _, zone := range []string{"America/New_York", "Europe/Berlin"} {
		for _, spec := range []string{"30 1 * * *", "30 2 * * *", "0 * * * *", "*/20 0-4 * * *"} {
			t.Run(zone+" "+spec, func(t *testing.T) {
				s := Schedule{Spec: spec, Location: mustLoc(t, zone)}
				windows := [][2]string{{"2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z"}, {"2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z"},
					{"2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z"}, {"2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z"}}
				for _, win := range windows {
					now, end := utc(t, win[0]), utc(t, win[1])
					next, err := First(s, now, nil, false)
					if err != nil {
						t.Fatal(err)
					}
					sent := map[Wall]int{}
					var lastSent time.Time
					for ; now.Before(end); now = now.Add(time.Minute) {
						adv, err := Due(s, next, now, 90*time.Second, nil, false)
						if err != nil {
							t.Fatal(err)
						}
						if adv.Send != nil {
							sent[adv.Send.Wall]++
							if adv.Send.At.After(now) || adv.Send.At.Before(lastSent) {
								t.Fatalf("%s sent at %s, due %s", adv.Send.Wall, now, adv.Send.At)
							}
							lastSent = adv.Send.At
						}
						for _, sk := range adv.Skipped {
							// Only slots sharing their instant with a later
							// wall time (in a spring-forward gap) are skipped.
							if WallOf(sk.At, s.Location) == sk.Wall {
								t.Errorf("%s skipped at %s", sk.Wall, now)
							}
						}
						next = adv.Next
					}
					for w, n := range sent {
						if n != 1 {
							t.Errorf("%s sent %d times", w, n)
						}
					}
				}
			})
		}
	}
}

func TestDueLongDowntimeBounded(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	tests := []struct {
		name      string
		spec      string
		next      string
		now       string
		catchUp   time.Duration
		send      string
		total     int
		lastSkip  string
		listedMax bool
	}{
		// 2026-01-01T00:00 to 2028-12-31T09:59 wall minutes, both ends
		// included, less the one sent.
		{name: "every minute, 3 years", spec: "* * * * *", next: "2026-01-01T00:00", now: "2028-12-31T14:59:30Z", catchUp: 6 * time.Hour,
			send: "2028-12-31T09:59", total: wallMinutes("2026-01-01T00:00", "2028-12-31T09:58"), lastSkip: "2028-12-31T09:58", listedMax: true},
		{name: "daily, 3 years", spec: "0 9 * * *", next: "2026-01-01T09:00", now: "2028-12-31T14:30:00Z", catchUp: 6 * time.Hour,
			send: "2028-12-31T09:00", total: 365 + 365 + 366 - 1, lastSkip: "2028-12-30T09:00", listedMax: true},
		{name: "every minute, 3 years, all too late", spec: "* 9 * * *", next: "2026-01-01T09:00", now: "2028-12-31T23:00:00Z", catchUp: time.Hour,
			total: (365 + 365 + 366) * 60, lastSkip: "2028-12-31T09:59", listedMax: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Schedule{Spec: tc.spec, Location: ny}
			nw := mustWall(t, tc.next)
			start := time.Now()
			adv, err := Due(s, Slot{Wall: nw, At: nw.In(ny).UTC()}, utc(t, tc.now), tc.catchUp, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Due took %s", d)
			}
			if tc.send == "" && adv.Send != nil || tc.send != "" && (adv.Send == nil || adv.Send.Wall.String() != tc.send) {
				t.Errorf("Send = %+v, want %q", adv.Send, tc.send)
			}
			if adv.SkippedTotal != tc.total {
				t.Errorf("SkippedTotal = %d, want %d", adv.SkippedTotal, tc.total)
			}
			if tc.listedMax && len(adv.Skipped) != MaxSkippedListed {
				t.Errorf("listed %d skipped slots, want %d", len(adv.Skipped), MaxSkippedListed)
			}
			if n := len(adv.Skipped); n == 0 || adv.Skipped[n-1].Wall.String() != tc.lastSkip {
				t.Errorf("last skipped %v, want %s", adv.Skipped[n-1:], tc.lastSkip)
			}
			for i := 1; i < len(adv.Skipped); i++ {
				if !adv.Skipped[i-1].Wall.Before(adv.Skipped[i].Wall) {
					t.Fatalf("skipped not in order at %d: %s, %s", i, adv.Skipped[i-1].Wall, adv.Skipped[i].Wall)
				}
			}
		})
	}
	// A century-old stored slot is refused rather than walked.
	if _, err := Due(Schedule{Spec: "* * * * *", Location: ny}, Slot{Wall: mustWall(t, "1900-01-01T00:00"), At: utc(t, "1900-01-01T05:00:00Z")}, utc(t, "2026-01-01T00:00:00Z"), time.Hour, nil, false); err == nil {
		t.Error("century-old next accepted")
	}
}

func sameSlot(a, b Slot) bool { return a.Wall == b.Wall && a.At.Equal(b.At) }

// wallMinutes counts wall-clock minutes from a to b inclusive.
func wallMinutes(a, b string) int {
	ta, _ := time.Parse("2006-01-02T15:04", a)
	tb, _ := time.Parse("2006-01-02T15:04", b)
	return int(tb.Sub(ta)/time.Minute) + 1
}

// TestDueSkippedTotalMatchesWalk compares the counted total with a slot by
// slot walk, on working days with a calendar.
func TestDueSkippedTotalMatchesWalk(t *testing.T) {
	cal, err := NewCalendar(loadFixture(t, "2026.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sh := mustLoc(t, "Asia/Shanghai")
	for _, tc := range []struct {
		spec     string
		workdays bool
	}{{"*/7 9-17 * * 1-5", true}, {"*/7 9-17 * * 1-5", false}, {"0 9 15 * 2", true}, {"13 */2 * * *", true}} {
		t.Run(tc.spec, func(t *testing.T) {
			s := Schedule{Spec: tc.spec, Location: sh}
			now := utc(t, "2026-11-20T03:00:00Z")
			next, err := First(s, utc(t, "2026-08-01T00:00:00Z"), cal, tc.workdays)
			if err != nil {
				t.Fatal(err)
			}
			adv, err := Due(s, next, now, time.Hour, cal, tc.workdays)
			if err != nil {
				t.Fatal(err)
			}
			var walked []Slot
			for cur := next; !cur.At.After(now); {
				walked = append(walked, cur)
				if cur, err = NextSlot(s, cur.Wall, cal, tc.workdays); err != nil {
					t.Fatal(err)
				}
			}
			wantSkipped := walked
			if adv.Send != nil {
				if !sameSlot(*adv.Send, walked[len(walked)-1]) {
					t.Fatalf("sent %s, the walk ends at %s", adv.Send.Wall, walked[len(walked)-1].Wall)
				}
				wantSkipped = walked[:len(walked)-1]
			}
			if adv.SkippedTotal != len(wantSkipped) {
				t.Errorf("SkippedTotal %d, walk %d", adv.SkippedTotal, len(wantSkipped))
			}
			if len(wantSkipped) > MaxSkippedListed {
				wantSkipped = wantSkipped[len(wantSkipped)-MaxSkippedListed:]
			}
			if len(adv.Skipped) != len(wantSkipped) {
				t.Fatalf("listed %d, want %d", len(adv.Skipped), len(wantSkipped))
			}
			for i := range wantSkipped {
				if !sameSlot(adv.Skipped[i], wantSkipped[i]) {
					t.Fatalf("skipped[%d] = %s, walk %s", i, adv.Skipped[i].Wall, wantSkipped[i].Wall)
				}
			}
		})
	}
}
