package report

import (
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// PeriodCard is a reader's tasks counted over the period holding today
// (the innermost named period, else the quarter), with how due and done
// grew week by week: the board's period card.
type PeriodCard struct {
	Period models.Period
	models.Figures
	Weeks []PeriodWeek
}

// PeriodWeek is one calendar week (Monday to Sunday, cut to the period)
// of a period card. Due counts the period's milestones due by its last
// day; Done those of them done by then, or by today for the week holding
// today. A week after today has no Done: it has not happened.
type PeriodWeek struct {
	First, Last time.Time
	Due, Done   int
	Future      bool
}

// BuildPeriodCard counts tasks over the period holding today, days taken
// in loc.
func BuildPeriodCard(tx *gorm.DB, tasks []models.TaskDetail, today time.Time, loc *time.Location) (*PeriodCard, error) {
	p, err := models.CurrentPeriod(tx, today)
	if err != nil {
		return nil, err
	}
	ids := make([]uint, len(tasks))
	for i, d := range tasks {
		ids[i] = d.Task.ID
	}
	doneAt, err := models.DoneTimes(tx, ids)
	if err != nil {
		return nil, err
	}
	outcomes := models.OutcomesOf(tasks, doneAt, loc)
	card := &PeriodCard{Period: p, Figures: models.Total(outcomes, func(ms []models.Outcome) models.Figures {
		return models.CountPeriod(p, ms, today)
	})}
	card.Weeks = periodWeeks(p, outcomes, today)
	return card, nil
}

// periodWeeks counts, week by week, the milestones due in the period by
// each week's end and those of them done by then.
func periodWeeks(p models.Period, tasks []models.TaskOutcomes, today time.Time) []PeriodWeek {
	var weeks []PeriodWeek
	for first := p.FirstDay.UTC(); !first.After(p.LastDay.UTC()); {
		// Days to Sunday: Go's weeks start on Sunday (0), the district's
		// on Monday.
		last := first.AddDate(0, 0, (7-int(first.Weekday()))%7)
		if last.After(p.LastDay.UTC()) {
			last = p.LastDay.UTC()
		}
		w := PeriodWeek{First: first, Last: last, Future: first.After(today)}
		upTo := last
		if upTo.After(today) {
			upTo = today
		}
		for _, t := range tasks {
			for _, m := range t.Milestones {
				due := m.Baseline.UTC()
				if due.IsZero() || !p.Contains(due) || due.After(last) {
					continue
				}
				w.Due++
				if !w.Future && !m.DoneOn.IsZero() && !m.DoneOn.After(upTo) {
					w.Done++
				}
			}
		}
		weeks = append(weeks, w)
		first = last.AddDate(0, 0, 1)
	}
	return weeks
}
