package models

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Outcome is what a period's figures need of one milestone.
type Outcome struct {
	TaskID uint
	// Baseline is the milestone's agreed due date (Milestone.Baseline), a
	// calendar day: an approved extension moves it, an edit of the task
	// list does not. Zero for a milestone without a due date.
	Baseline time.Time
	// DoneOn is the calendar day its standing report said done; zero while
	// it is not done (a reopened milestone is not done).
	DoneOn time.Time
}

// Figures are a period's counts over a set of milestones (考核指标). They
// are about task outcomes only: nothing in them counts reports, reminders
// or anyone's use of the bot.
type Figures struct {
	// Due counts the milestones whose baseline falls in the period.
	Due int `gorm:"not null;default:0"`
	// Done counts those done by the day; OnTime those done on or before
	// their baseline.
	Done   int `gorm:"not null;default:0"`
	OnTime int `gorm:"not null;default:0"`
	// Late counts those past their baseline on the day and not done, and
	// those done after it.
	Late int `gorm:"not null;default:0"`
	// DueByToday counts those due on or before the day (序时应完成), and
	// DoneByToday those of them done by the day: 序时进度 is their ratio.
	DueByToday  int `gorm:"not null;default:0"`
	DoneByToday int `gorm:"not null;default:0"`
	// BehindTasks counts the tasks behind (脱幅): with a milestone due by
	// the day and not done.
	BehindTasks int `gorm:"not null;default:0"`
}

// Empty tells a set with nothing due in the period (本期无节点), whose
// rates mean nothing.
func (f Figures) Empty() bool { return f.Due == 0 }

// Behind tells whether something due by the day is not done (脱幅): the
// share done by the day is below the share due by then.
func (f Figures) Behind() bool { return f.DoneByToday < f.DueByToday }

// DonePercent is the share of the milestones due in the period that are
// done, in whole percent; false when nothing is due.
func (f Figures) DonePercent() (int, bool) { return percent(f.Done, f.Due) }

// PacePercent is 序时进度: of the milestones due by the day, the share
// done, in whole percent; false when nothing is due yet.
func (f Figures) PacePercent() (int, bool) { return percent(f.DoneByToday, f.DueByToday) }

// percent rounds down, so that 99.6 % never reads as all done.
func percent(n, of int) (int, bool) {
	if of == 0 {
		return 0, false
	}
	return 100 * n / of, true
}

func (f Figures) add(g Figures) Figures {
	return Figures{Due: f.Due + g.Due, Done: f.Done + g.Done, OnTime: f.OnTime + g.OnTime, Late: f.Late + g.Late,
		DueByToday: f.DueByToday + g.DueByToday, DoneByToday: f.DoneByToday + g.DoneByToday, BehindTasks: f.BehindTasks + g.BehindTasks}
}

// CountPeriod counts the milestones of a period as they stand on the
// calendar day today (midnight UTC, like due dates): due in the period by
// baseline, done by today, done on time, late (past due today and not
// done, or done after due), due by today and done of those, and the tasks
// behind. A milestone due today is due by today and not yet late.
func CountPeriod(p Period, ms []Outcome, today time.Time) Figures {
	var f Figures
	behind := map[uint]bool{}
	for _, m := range ms {
		due := m.Baseline.UTC()
		if due.IsZero() || !p.Contains(due) {
			continue
		}
		f.Due++
		done := !m.DoneOn.IsZero() && !m.DoneOn.After(today)
		switch {
		case done && !m.DoneOn.After(due):
			f.Done++
			f.OnTime++
		case done:
			f.Done++
			f.Late++
		case due.Before(today):
			f.Late++
		}
		if !due.After(today) {
			f.DueByToday++
			if done {
				f.DoneByToday++
			} else {
				behind[m.TaskID] = true
			}
		}
	}
	f.BehindTasks = len(behind)
	return f
}

// CountAtClose counts the milestones of a period as they stood when it
// closed, at the end of its last day: what was done by then, everything
// due in it due, and whatever was not done late. It is what the period is
// frozen with, and gives the same whenever it is called after the end.
func CountAtClose(p Period, ms []Outcome) Figures {
	last := p.LastDay.UTC()
	closed := make([]Outcome, len(ms))
	for i, m := range ms {
		if m.DoneOn.After(last) {
			m.DoneOn = time.Time{} // done after the close: not done then
		}
		closed[i] = m
	}
	return CountPeriod(p, closed, last.AddDate(0, 0, 1))
}

// ScopeKind is what a row of an assessment covers.
type ScopeKind string

const (
	ScopeDistrict   ScopeKind = "district"
	ScopeDepartment ScopeKind = "department"
	ScopeLeader     ScopeKind = "leader"
	ScopeTask       ScopeKind = "task"
)

// Valid tells a known scope.
func (k ScopeKind) Valid() bool {
	switch k {
	case ScopeDistrict, ScopeDepartment, ScopeLeader, ScopeTask:
		return true
	}
	return false
}

func scopeOrder(k ScopeKind) int {
	return slices.Index([]ScopeKind{ScopeDistrict, ScopeDepartment, ScopeLeader, ScopeTask}, k)
}

// ScopeFigures are the figures of one scope: the district, a lead
// department, a contracting leader (their tasks) or a task.
type ScopeFigures struct {
	Kind ScopeKind
	// Key names the scope for good: the department's name, the leader's
	// person id, the task's code; empty for the district.
	Key string
	// Name is what a reader is shown: the department's name, the leader's
	// name as the list writes it, the task's code. Title is the task's.
	Name, Title string
	Figures
	// Changed says the ledger changed after the period was frozen (结束后有
	// 变动): Figures stay the frozen ones.
	Changed bool
}

// LeaderScopeKey is the Key of a leader's scope: their person id, which
// outlives a renamed person.
func LeaderScopeKey(personID uint) string { return strconv.FormatUint(uint64(personID), 10) }

// TaskOutcomes are a task's milestones as the figures need them, with who
// the task's scopes are.
type TaskOutcomes struct {
	TaskID            uint
	Code, Title, Dept string
	Leaders           []Person
	Milestones        []Outcome
}

// OutcomesOf turns tasks into what the figures need. doneAt is when each
// done milestone was done (DoneTimes), by milestone id; its day is taken
// in loc, the zone the figures' days are in.
func OutcomesOf(tasks []TaskDetail, doneAt map[uint]time.Time, loc *time.Location) []TaskOutcomes {
	out := make([]TaskOutcomes, len(tasks))
	for i, d := range tasks {
		t := TaskOutcomes{TaskID: d.Task.ID, Code: d.Task.Code, Title: d.Task.Title, Dept: d.Task.Department, Leaders: d.Leaders,
			Milestones: make([]Outcome, len(d.Milestones))}
		for j, m := range d.Milestones {
			o := Outcome{TaskID: d.Task.ID, Baseline: m.Baseline()}
			if at, ok := doneAt[m.ID]; ok && m.State == StateDone {
				o.DoneOn = Today(at, loc)
			}
			t.Milestones[j] = o
		}
		out[i] = t
	}
	return out
}

// Total is the figures of all of tasks together, counted by count.
func Total(tasks []TaskOutcomes, count func([]Outcome) Figures) Figures {
	var f Figures
	for _, t := range tasks {
		f = f.add(count(t.Milestones))
	}
	return f
}

// AssessScopes counts each scope of tasks with count (CountPeriod or
// CountAtClose of one period): the district, each lead department, each
// contracting leader (a task with two leaders counts for both), each
// task. Rows come by scope, then by name: never ranked by their figures.
func AssessScopes(tasks []TaskOutcomes, count func([]Outcome) Figures) []ScopeFigures {
	district := ScopeFigures{Kind: ScopeDistrict}
	depts := map[string]*ScopeFigures{}
	leaders := map[uint]*ScopeFigures{}
	var rows []ScopeFigures
	for _, t := range tasks {
		f := count(t.Milestones)
		district.Figures = district.Figures.add(f)
		dep := depts[t.Dept]
		if dep == nil {
			dep = &ScopeFigures{Kind: ScopeDepartment, Key: t.Dept, Name: t.Dept}
			depts[t.Dept] = dep
		}
		dep.Figures = dep.Figures.add(f)
		for _, l := range t.Leaders {
			row := leaders[l.ID]
			if row == nil {
				row = &ScopeFigures{Kind: ScopeLeader, Key: LeaderScopeKey(l.ID), Name: l.Key}
				leaders[l.ID] = row
			}
			row.Figures = row.Figures.add(f)
		}
		rows = append(rows, ScopeFigures{Kind: ScopeTask, Key: t.Code, Name: t.Code, Title: t.Title, Figures: f})
	}
	rows = append(rows, district)
	for _, d := range depts {
		rows = append(rows, *d)
	}
	for _, l := range leaders {
		rows = append(rows, *l)
	}
	SortScopes(rows)
	return rows
}

// SortScopes orders rows by scope (district, departments, leaders,
// tasks), then by name.
func SortScopes(rows []ScopeFigures) {
	slices.SortStableFunc(rows, func(a, b ScopeFigures) int {
		return cmp.Or(cmp.Compare(scopeOrder(a.Kind), scopeOrder(b.Kind)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Key, b.Key))
	})
}
