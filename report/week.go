package report

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// Week is a reader's weekly digest (周报): what changed on their tasks
// between Since and Until, with the summary it is built on.
type Week struct {
	*Summary
	Since, Until time.Time
	// BeforeCounts counts the lights the last digest showed, of the
	// tasks it showed; empty for a first digest.
	BeforeCounts map[models.Light]int
	// TurnedRed and TurnedGreen are tasks whose light became red, or
	// green or done, since the last digest.
	TurnedRed, TurnedGreen []WeekTask
	// Completed are milestones reported done in the week; NewlyOverdue
	// those that passed their due date in it and are not done.
	Completed, NewlyOverdue []WeekMilestone
	// Opened and Answered are coordination requests raised, and
	// resolved, in the week.
	Opened, Answered []WeekRequest
	// Unconfirmed are instructions some have still not confirmed.
	Unconfirmed []WeekInstruction
	// Silent are the attendants of open tasks who did not report all
	// week.
	Silent []WeekSilent
	// Period is the digest's tasks counted over the current period, per
	// leader and lead department.
	Period *PeriodTable
	// Visits are the reader's own front-line visits of the week: told to
	// them alone, never ranked, with no target.
	Visits models.VisitTally
}

// PeriodTable is a set of tasks counted over a period: the whole set
// first, then each lead department and each contracting leader, by name.
type PeriodTable struct {
	Period models.Period
	// Whole says the set is every task (the district), not a reader's.
	Whole bool
	Rows  []models.ScopeFigures
}

// WeekTask is a task whose light changed.
type WeekTask struct {
	Code, Title   string
	Light, Before models.Light
}

// WeekMilestone is a milestone of a task.
type WeekMilestone struct {
	Code  string
	Seq   int
	Title string
	Due   time.Time
}

// WeekRequest is a coordination request of a task.
type WeekRequest struct {
	Code, Text, Answer string
}

// WeekInstruction is an instruction of a task not everyone confirmed.
type WeekInstruction struct {
	Code string
	Instruction
}

// WeekSilent is who did not report on a task all week.
type WeekSilent struct {
	Code   string
	People []string
}

// WeekOptions shape a weekly digest.
type WeekOptions struct {
	Options
	// Since is when the reader's last digest went out (a week before
	// Until for the first one); Until is now.
	Since, Until time.Time
	// Before are the lights of the reader's last digest, by task id.
	Before map[uint]models.Light
	// Reader is whose digest it is, by person id: their own line is the
	// only leader's in its table. 0 for an admin's digest of every task,
	// which has every leader's.
	Reader uint
}

// BuildWeek makes the weekly digest of tasks. It reads the store and
// writes nothing.
func BuildWeek(tx *gorm.DB, tasks []models.TaskDetail, opt WeekOptions) (*Week, error) {
	var err error
	if opt.Options, err = opt.Options.withPeriod(tx); err != nil {
		return nil, err
	}
	facts, err := load(tx, tasks, opt.Options)
	if err != nil {
		return nil, err
	}
	s, err := assemble(tx, tasks, facts, opt.Options)
	if err != nil {
		return nil, err
	}
	w := &Week{Summary: s, Since: opt.Since, Until: opt.Until, BeforeCounts: map[models.Light]int{}}
	w.Period = periodTable(tasks, facts, opt)
	if opt.Reader != 0 {
		if w.Visits, err = models.VisitWeek(tx, opt.Reader, opt.Since, opt.Until); err != nil {
			return nil, err
		}
	}
	sinceDay := models.Today(opt.Since, opt.location())
	ids := make([]uint, 0, len(tasks))
	byID := make(map[uint]*models.TaskDetail, len(tasks))
	for i := range tasks {
		d := &tasks[i]
		ids = append(ids, d.Task.ID)
		byID[d.Task.ID] = d
		before, seen := opt.Before[d.Task.ID]
		if seen {
			w.BeforeCounts[before]++
		}
		if seen && before != d.Light {
			t := WeekTask{Code: d.Task.Code, Title: d.Task.Title, Light: d.Light, Before: before}
			switch d.Light {
			case models.LightRed:
				w.TurnedRed = append(w.TurnedRed, t)
			case models.LightGreen, models.LightDone:
				w.TurnedGreen = append(w.TurnedGreen, t)
			}
		}
		for _, m := range d.Milestones {
			// Overdue now and not yet overdue when the week began, by the
			// light's own predicate.
			if models.MilestoneOverdue(m, opt.Today) && !models.MilestoneOverdue(m, sinceDay) {
				w.NewlyOverdue = append(w.NewlyOverdue, WeekMilestone{Code: d.Task.Code, Seq: m.Seq, Title: m.Title, Due: m.DueDate})
			}
			if at, ok := facts[d.Task.ID].doneAt[m.ID]; ok && m.State == models.StateDone && !at.Before(opt.Since) && at.Before(opt.Until) {
				w.Completed = append(w.Completed, WeekMilestone{Code: d.Task.Code, Seq: m.Seq, Title: m.Title, Due: m.DueDate})
			}
		}
		for _, in := range facts[d.Task.ID].instructions {
			w.Unconfirmed = append(w.Unconfirmed, WeekInstruction{Code: d.Task.Code, Instruction: in})
		}
	}
	reported := map[uint]map[uint]bool{}
	for _, chunk := range models.IDChunks(ids) {
		var reqs []models.CoordinationRequest
		err := tx.Where("task_id IN ? AND ((created_at >= ? AND created_at < ?) OR (resolved_at >= ? AND resolved_at < ?))",
			chunk, opt.Since, opt.Until, opt.Since, opt.Until).Order("id").Find(&reqs).Error
		if err != nil {
			return nil, fmt.Errorf("coordination requests of the week: %w", err)
		}
		for _, c := range reqs {
			r := WeekRequest{Code: byID[c.TaskID].Task.Code, Text: c.Text, Answer: c.Answer}
			if !c.CreatedAt.Before(opt.Since) && c.CreatedAt.Before(opt.Until) {
				w.Opened = append(w.Opened, r)
			}
			// A request withdrawn with its report was never answered.
			if c.State == models.CoordinationResolved && c.ResolvedAt != nil && !c.ResolvedAt.Before(opt.Since) && c.ResolvedAt.Before(opt.Until) {
				w.Answered = append(w.Answered, r)
			}
		}
		var rows []struct{ TaskID, PersonID uint }
		err = tx.Model(&models.Report{}).Distinct("task_id", "person_id").
			Where("task_id IN ? AND created_at >= ? AND created_at < ?", chunk, opt.Since, opt.Until).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("reports of the week: %w", err)
		}
		for _, r := range rows {
			if reported[r.TaskID] == nil {
				reported[r.TaskID] = map[uint]bool{}
			}
			reported[r.TaskID][r.PersonID] = true
		}
	}
	for _, d := range tasks {
		if d.Task.Done || d.Light == models.LightDone {
			continue
		}
		var silent []string
		for _, a := range d.Attendants {
			if !reported[d.Task.ID][a.ID] {
				silent = append(silent, a.Key)
			}
		}
		if len(silent) > 0 {
			w.Silent = append(w.Silent, WeekSilent{Code: d.Task.Code, People: silent})
		}
	}
	return w, nil
}

// periodTable counts the digest's tasks over the current period: the
// whole set, each lead department, and each leader (only the reader, in a
// reader's digest).
func periodTable(tasks []models.TaskDetail, facts map[uint]*taskFacts, opt WeekOptions) *PeriodTable {
	p := opt.period
	if p == nil {
		return nil
	}
	outcomes := models.OutcomesOf(tasks, doneTimes(tasks, facts), opt.location())
	rows := models.AssessScopes(outcomes, func(ms []models.Outcome) models.Figures { return models.CountPeriod(*p, ms, opt.Today) })
	t := &PeriodTable{Period: *p, Whole: opt.Reader == 0}
	for _, r := range rows {
		switch {
		case r.Kind == models.ScopeDistrict, r.Kind == models.ScopeDepartment:
		case r.Kind == models.ScopeLeader && (opt.Reader == 0 || r.Key == models.LeaderScopeKey(opt.Reader)):
		default:
			continue
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}
