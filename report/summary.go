// Package report builds the leaders' daily summary: which of their tasks
// need them, and why. It reads the store in a fixed number of queries
// whatever the number of tasks, and leaves the wording to the bot.
package report

import (
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// Latest is a task's latest standing report.
type Latest struct {
	Person    string
	At        time.Time
	Milestone int
	State     models.MilestoneState
	Percent   *int
	Note      string
}

// Instruction is an instruction some have not confirmed yet.
type Instruction struct {
	Text        string
	Unconfirmed []string
}

// Entry is one task in a summary.
type Entry struct {
	Task    models.TaskDetail
	Light   models.Light
	Overdue []models.Milestone
	DueSoon []models.Milestone
	Latest  *Latest
	// Silent are attendants who have not reported since the task's last
	// reminder.
	Silent       []string
	Coordination []models.CoordinationRequest
	Instructions []Instruction
	// Changed is set when the light differs from the reader's previous
	// summary; Before is that light ("" for a task new to the reader).
	Changed bool
	Before  models.Light
}

// Department ranks a lead department for the admins' summary.
type Department struct {
	Name string
	// OnTimeRate is the share of reminder slots answered before their
	// follow-up was due; -1 when there were none.
	OnTimeRate float64
	Overdue    int
	Tasks      int
}

// Summary is one reader's picture of their tasks.
type Summary struct {
	Day    time.Time
	Counts map[models.Light]int
	// Entries are the red tasks, then the yellow ones.
	Entries []Entry
	// Quiet counts green and done tasks, shown as one line.
	Quiet       map[models.Light]int
	Departments []Department
}

// Options shape a summary.
type Options struct {
	Today time.Time // the reader's calendar day, midnight UTC
	Rules models.LightRules
	// Previous lights of the reader's last summary, by task id.
	Previous map[uint]models.Light
	// Departments adds the ranking (the admins' summary).
	Departments bool
}

// Build makes the summary of tasks.
func Build(tx *gorm.DB, tasks []models.TaskDetail, opt Options) (*Summary, error) {
	if err := models.AttachLights(tx, tasks, opt.Today, opt.Rules); err != nil {
		return nil, err
	}
	ids := make([]uint, len(tasks))
	for i, d := range tasks {
		ids[i] = d.Task.ID
	}
	facts, err := loadFacts(tx, ids)
	if err != nil {
		return nil, err
	}
	s := &Summary{Day: opt.Today, Counts: map[models.Light]int{}, Quiet: map[models.Light]int{}}
	warnUntil := opt.Today.AddDate(0, 0, opt.Rules.WarnDays)
	for _, d := range tasks {
		s.Counts[d.Light]++
		before, seen := opt.Previous[d.Task.ID]
		if d.Light == models.LightGreen || d.Light == models.LightDone {
			s.Quiet[d.Light]++
			continue
		}
		e := Entry{Task: d, Light: d.Light, Before: before, Changed: !seen || before != d.Light}
		for _, m := range d.Milestones {
			if m.State == models.StateDone || m.DueDate.IsZero() {
				continue
			}
			switch due := m.DueDate.UTC(); {
			case due.Before(opt.Today):
				e.Overdue = append(e.Overdue, m)
			case !due.After(warnUntil):
				e.DueSoon = append(e.DueSoon, m)
			}
		}
		f := facts[d.Task.ID]
		e.Latest = f.latest
		e.Coordination = f.coordination
		e.Instructions = f.instructions
		for _, a := range d.Attendants {
			if f.lastSlot.IsZero() {
				break
			}
			if last, ok := f.reported[a.ID]; !ok || last.Before(f.lastSlot) {
				e.Silent = append(e.Silent, a.Key)
			}
		}
		s.Entries = append(s.Entries, e)
	}
	sort.SliceStable(s.Entries, func(i, j int) bool {
		return lightRank(s.Entries[i].Light) < lightRank(s.Entries[j].Light)
	})
	if opt.Departments {
		s.Departments, err = rankDepartments(tx, tasks, opt.Today)
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

func lightRank(l models.Light) int {
	switch l {
	case models.LightRed:
		return 0
	case models.LightYellow:
		return 1
	case models.LightGreen:
		return 2
	}
	return 3
}

type taskFacts struct {
	latest       *Latest
	coordination []models.CoordinationRequest
	instructions []Instruction
	lastSlot     time.Time
	reported     map[uint]time.Time
}

// loadFacts reads what the entries need for all tasks at once.
func loadFacts(tx *gorm.DB, ids []uint) (map[uint]*taskFacts, error) {
	out := make(map[uint]*taskFacts, len(ids))
	for _, id := range ids {
		out[id] = &taskFacts{reported: map[uint]time.Time{}}
	}
	for _, chunk := range chunks(ids, 500) {
		var latest []struct {
			TaskID    uint
			Person    string
			CreatedAt time.Time
			Seq       int
			State     models.MilestoneState
			Percent   *int
			Note      string
		}
		err := tx.Raw(`SELECT r.task_id, p.key AS person, r.created_at, m.seq, r.state, r.percent, r.note
FROM reports r
JOIN (SELECT task_id, MAX(id) AS id FROM reports WHERE task_id IN ? AND superseded_by IS NULL AND withdrawn = ? GROUP BY task_id) l ON l.id = r.id
JOIN people p ON p.id = r.person_id JOIN milestones m ON m.id = r.milestone_id`, chunk, false).Scan(&latest).Error
		if err != nil {
			return nil, fmt.Errorf("latest reports: %w", err)
		}
		for _, l := range latest {
			out[l.TaskID].latest = &Latest{Person: l.Person, At: l.CreatedAt, Milestone: l.Seq, State: l.State, Percent: l.Percent, Note: l.Note}
		}
		var open []models.CoordinationRequest
		if err := tx.Where("task_id IN ? AND resolved_at IS NULL", chunk).Order("id").Find(&open).Error; err != nil {
			return nil, fmt.Errorf("open coordination requests: %w", err)
		}
		for _, c := range open {
			out[c.TaskID].coordination = append(out[c.TaskID].coordination, c)
		}
		var pending []struct {
			ID     uint
			TaskID uint
			Text   string
			Person string
		}
		err = tx.Raw(`SELECT i.id, i.task_id, i.text, p.key AS person FROM instruction_receipts r
JOIN instructions i ON i.id = r.instruction_id JOIN people p ON p.id = r.person_id
WHERE i.task_id IN ? AND r.confirmed_at IS NULL ORDER BY i.id, p.key`, chunk).Scan(&pending).Error
		if err != nil {
			return nil, fmt.Errorf("unconfirmed instructions: %w", err)
		}
		for _, p := range pending {
			f := out[p.TaskID]
			if n := len(f.instructions); n == 0 || f.instructions[n-1].Text != p.Text {
				f.instructions = append(f.instructions, Instruction{Text: p.Text})
			}
			last := &f.instructions[len(f.instructions)-1]
			last.Unconfirmed = append(last.Unconfirmed, p.Person)
		}
		var slots []struct {
			TaskID uint
			Last   sqlTime
		}
		if err := tx.Raw(`SELECT task_id, MAX(slot_at) AS last FROM reminders WHERE task_id IN ? GROUP BY task_id`, chunk).Scan(&slots).Error; err != nil {
			return nil, fmt.Errorf("last reminders: %w", err)
		}
		for _, s := range slots {
			out[s.TaskID].lastSlot = s.Last.Time
		}
		var reported []struct {
			TaskID   uint
			PersonID uint
			Last     sqlTime
		}
		err = tx.Raw(`SELECT task_id, person_id, MAX(created_at) AS last FROM reports WHERE task_id IN ? GROUP BY task_id, person_id`, chunk).Scan(&reported).Error
		if err != nil {
			return nil, fmt.Errorf("last reports per person: %w", err)
		}
		for _, r := range reported {
			out[r.TaskID].reported[r.PersonID] = r.Last.Time
		}
	}
	return out, nil
}

// rankDepartments ranks lead departments by their on-time report rate,
// then by fewest overdue milestones.
func rankDepartments(tx *gorm.DB, tasks []models.TaskDetail, today time.Time) ([]Department, error) {
	byName := map[string]*Department{}
	deptOf := map[uint]string{}
	var ids []uint
	for _, d := range tasks {
		name := d.Task.Department
		dep := byName[name]
		if dep == nil {
			dep = &Department{Name: name, OnTimeRate: -1}
			byName[name] = dep
		}
		dep.Tasks++
		deptOf[d.Task.ID] = name
		ids = append(ids, d.Task.ID)
		for _, m := range d.Milestones {
			if m.State != models.StateDone && !m.DueDate.IsZero() && m.DueDate.UTC().Before(today) {
				dep.Overdue++
			}
		}
	}
	// A slot answered on time is one that needed no follow-up: the
	// follow-up goes out exactly when nobody reported within --follow-up.
	slots, followUps := map[string]int{}, map[string]int{}
	for _, chunk := range chunks(ids, 500) {
		var rows []struct {
			TaskID uint
			Kind   models.ReminderKind
			N      int
		}
		err := tx.Model(&models.Reminder{}).Select("task_id, kind, COUNT(*) AS n").
			Where("task_id IN ? AND kind IN ?", chunk, []models.ReminderKind{models.ReminderSlot, models.ReminderFollowUp}).
			Group("task_id, kind").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("reminders per task: %w", err)
		}
		for _, r := range rows {
			if r.Kind == models.ReminderSlot {
				slots[deptOf[r.TaskID]] += r.N
			} else {
				followUps[deptOf[r.TaskID]] += r.N
			}
		}
	}
	out := make([]Department, 0, len(byName))
	for name, dep := range byName {
		if slots[name] > 0 {
			dep.OnTimeRate = 1 - float64(min(followUps[name], slots[name]))/float64(slots[name])
		}
		out = append(out, *dep)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].OnTimeRate != out[j].OnTimeRate {
			return out[i].OnTimeRate > out[j].OnTimeRate
		}
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue < out[j].Overdue
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}
