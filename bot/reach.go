package bot

import (
	"strings"

	"taskbot/models"
)

// unreached says, one line each, who of people a message to a task's team
// did not reach and why: not bound (never opened their invitation),
// having blocked the bot, or away with who stands in. A leader who hears
// "sent to 3" must not count someone who never gets it.
func (t *turn) unreached(lang string, d *models.TaskDetail, people []models.Person) (string, error) {
	_, missing, err := t.reach(lang, d, people)
	return missing, err
}

// reach is unreached, with the names of those the message reaches
// themselves: bound, not blocking the bot, not away.
func (t *turn) reach(lang string, d *models.TaskDetail, people []models.Person) ([]string, string, error) {
	c := t.h.Catalog
	absences, err := models.AbsencesOnTasks(t.tx, []uint{d.Task.ID}, t.now)
	if err != nil {
		return nil, "", err
	}
	away := map[uint]models.Absence{}
	for _, a := range absences[d.Task.ID] {
		away[a.Person.ID] = a
	}
	var reachedNames, unbound, blocked, onLeave []string
	seen := map[uint]bool{}
	for _, p := range people {
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		switch a, isAway := away[p.ID]; {
		case p.TelegramID == nil:
			unbound = append(unbound, E(p.Key))
		case p.Unreachable:
			blocked = append(blocked, E(p.Key))
		case isAway:
			who := c.T(lang, "summary_away_until", map[string]any{"Name": E(p.Key), "Until": awayUntil(lang, a.Until, t.now)})
			if a.StandIn != nil {
				who += " · " + c.T(lang, "leave_deputy", map[string]any{"Name": E(a.StandIn.Key)})
			}
			onLeave = append(onLeave, who)
		default:
			reachedNames = append(reachedNames, E(p.Key))
		}
	}
	sep := c.T(lang, "list_sep", nil)
	var lines []string
	if len(unbound) > 0 {
		lines = append(lines, c.T(lang, "reach_unbound", map[string]any{"Names": strings.Join(unbound, sep)}))
	}
	if len(blocked) > 0 {
		lines = append(lines, c.T(lang, "reach_blocked", map[string]any{"Names": strings.Join(blocked, sep)}))
	}
	if len(onLeave) > 0 {
		lines = append(lines, c.T(lang, "reach_away", map[string]any{"Names": strings.Join(onLeave, sep)}))
	}
	if len(lines) == 0 {
		return reachedNames, "", nil
	}
	return reachedNames, "\n" + strings.Join(lines, "\n"), nil
}

// reached counts the people a message to them reaches.
func reached(people []models.Person) int {
	n := 0
	seen := map[uint]bool{}
	for _, p := range people {
		if !seen[p.ID] && reachable(&p) {
			n++
		}
		seen[p.ID] = true
	}
	return n
}
