package web

import (
	"time"

	"taskbot/models"
	"taskbot/report"
)

// A reason is one cause of a task's light, as the task's card on the board
// says it: the first thing a leader wants to know of a red task is why.
type reason struct {
	// Kind is "overdue", "blocked" or "coordination" (red), "due" or
	// "silent" (yellow).
	Kind string
	// N is the days overdue, the days left, the open requests or the
	// reminder slots gone unanswered.
	N     int
	Light models.Light
}

// reasons says why a row has its light, by the rules of models.StatusLight
// and with its predicates, so that a card never says something the light
// does not: a red card gives its red causes, a yellow card its yellow ones
// (the nearest due date in the warning window as a countdown), a green or
// done card none.
func reasons(row report.BoardRow, today time.Time, rules models.LightRules) []reason {
	d := row.Task
	var out []reason
	switch d.Light {
	case models.LightRed:
		overdue, blocked := 0, false
		for _, m := range d.Milestones {
			overdue = max(overdue, report.DaysOverdue(m, today))
			blocked = blocked || models.MilestoneBlocked(m)
		}
		if overdue > 0 {
			out = append(out, reason{Kind: "overdue", N: overdue, Light: models.LightRed})
		}
		if blocked {
			out = append(out, reason{Kind: "blocked", Light: models.LightRed})
		}
		if n := row.Facts.OpenCoordination; n > 0 {
			out = append(out, reason{Kind: "coordination", N: n, Light: models.LightRed})
		}
	case models.LightYellow:
		left := -1
		for _, m := range d.Milestones {
			if models.MilestoneDueSoon(m, today, rules) {
				n := int(m.DueDate.UTC().Sub(today).Hours() / 24)
				if left < 0 || n < left {
					left = n
				}
			}
		}
		if left >= 0 {
			out = append(out, reason{Kind: "due", N: left, Light: models.LightYellow})
		}
		if rules.MissedSlots > 0 && row.Facts.SilentSlots >= rules.MissedSlots {
			out = append(out, reason{Kind: "silent", N: row.Facts.SilentSlots, Light: models.LightYellow})
		}
	}
	return out
}

// Text is the reason in lang, as short as a badge needs.
func (r reason) Text(lang string) string {
	switch r.Kind {
	case "overdue":
		return tn(lang, "overdue_days", r.N)
	case "blocked":
		return T(lang, "blocked")
	case "coordination":
		return T(lang, "awaiting_coordination")
	case "due":
		if r.N == 0 {
			return T(lang, "due_today")
		}
		return tn(lang, "days_left", r.N)
	case "silent":
		return tn(lang, "missed_slots", r.N)
	}
	return "[" + r.Kind + "]"
}

// boardRow is a row of the board with the reasons for its light.
type boardRow struct {
	report.BoardRow
	Reasons []reason
}
