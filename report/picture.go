package report

import (
	"sort"
	"time"

	"taskbot/models"
)

// groups counts the lights of tasks per lead department or per leader,
// worst first. A task with several leaders counts for each of them.
func groups(tasks []models.TaskDetail, by GroupBy) []Group {
	byName := map[string]*Group{}
	var order []string
	add := func(name string, l models.Light) {
		g := byName[name]
		if g == nil {
			g = &Group{Name: name, Counts: map[models.Light]int{}}
			byName[name] = g
			order = append(order, name)
		}
		g.Counts[l]++
	}
	for _, d := range tasks {
		if by != ByLeader {
			add(d.Task.Department, d.Light)
			continue
		}
		if len(d.Leaders) == 0 {
			add("", d.Light)
		}
		for _, p := range d.Leaders {
			add(p.Key, d.Light)
		}
	}
	out := make([]Group, 0, len(order))
	for _, name := range order {
		out = append(out, *byName[name])
	}
	sort.SliceStable(out, func(i, j int) bool { return worse(out[i].Counts, out[j].Counts, out[i].Name, out[j].Name) })
	return out
}

// worse orders groups by most red, then most yellow, then fewest finished
// or on track, then by name: the one needing a leader most comes first.
func worse(a, b map[models.Light]int, an, bn string) bool {
	if a[models.LightRed] != b[models.LightRed] {
		return a[models.LightRed] > b[models.LightRed]
	}
	if a[models.LightYellow] != b[models.LightYellow] {
		return a[models.LightYellow] > b[models.LightYellow]
	}
	ga, gb := a[models.LightGreen]+a[models.LightDone], b[models.LightGreen]+b[models.LightDone]
	if ga != gb {
		return ga < gb
	}
	return an < bn
}

// months counts the milestones of tasks due, and done, in each month from
// the first month with either to the last, and at least up to the
// reader's current month.
func months(tasks []models.TaskDetail, facts map[uint]*taskFacts, opt Options) []Month {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	monthOf := func(t time.Time) time.Time {
		y, m, _ := t.Date()
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	}
	due, done := map[time.Time]int{}, map[time.Time]int{}
	var first, last time.Time
	see := func(m time.Time) {
		if first.IsZero() || m.Before(first) {
			first = m
		}
		if last.IsZero() || m.After(last) {
			last = m
		}
	}
	for _, d := range tasks {
		f := facts[d.Task.ID]
		for _, m := range d.Milestones {
			if m.DueDate.IsZero() {
				continue
			}
			// Due dates are calendar days stored at midnight UTC.
			dm := monthOf(m.DueDate.UTC())
			due[dm]++
			see(dm)
			if at, ok := f.doneAt[m.ID]; ok && m.State == models.StateDone {
				cm := monthOf(at.In(loc))
				done[cm]++
				see(cm)
			}
		}
	}
	if first.IsZero() {
		return nil
	}
	if !opt.Today.IsZero() {
		see(monthOf(opt.Today))
	}
	var out []Month
	for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
		out = append(out, Month{Start: m, Due: due[m], Done: done[m]})
	}
	return out
}
