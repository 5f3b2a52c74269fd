package bot

import (
	"fmt"
	"slices"
	"strconv"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/report"
)

// quarterNth are the quarters' numbers as Chinese writes them (一季度).
var quarterNth = []string{"一", "二", "三", "四"}

// PeriodName names a period for a reader, as HTML: a quarter in words
// ("2027年一季度", "Q1 2027"; short, when the year goes without saying:
// "一季度", "Q1"), a named period by its name.
func (r *Renderer) PeriodName(lang string, p models.Period, short bool) string {
	if year, q, ok := p.Quarter(); ok {
		key := "period_quarter"
		if short {
			key += "_short"
		}
		return r.Catalog.T(lang, key, map[string]any{"Year": year, "Q": q, "Nth": quarterNth[q-1]})
	}
	return E(p.Name)
}

// PeriodLine is a summary's line for the current period: "一季度：到期12 ·
// 完成9(75%) · 按期7 · 脱幅2项", or that nothing is due in it.
func (r *Renderer) PeriodLine(lang string, l *report.PeriodLine) string {
	c := r.Catalog
	name := r.PeriodName(lang, l.Period, true)
	if l.Empty() {
		return name + c.T(lang, "label_sep", nil) + c.T(lang, "period_nothing_due", nil)
	}
	rate, _ := l.DonePercent()
	return c.T(lang, "period_line", map[string]any{"Period": name, "Due": l.Due, "Done": l.Done, "Rate": fmt.Sprintf("%d%%", rate),
		"OnTime": l.OnTime, "Behind": l.BehindTasks})
}

// PeriodRow is one scope's figures in full; a task's say whether it is
// behind rather than how many tasks are.
func (r *Renderer) PeriodRow(lang string, f models.ScopeFigures) string {
	c := r.Catalog
	var s string
	switch {
	case f.Empty():
		s = c.T(lang, "period_nothing_due", nil)
	case f.Kind == models.ScopeTask:
		s = c.T(lang, "period_task_row", map[string]any{"Due": f.Due, "Done": f.Done, "OnTime": f.OnTime, "Late": f.Late})
		if f.Behind() {
			s += " · " + c.T(lang, "period_behind", nil)
		}
	default:
		rate, _ := f.DonePercent()
		pace := "—"
		if p, ok := f.PacePercent(); ok {
			pace = fmt.Sprintf("%d%%", p)
		}
		s = c.T(lang, "period_row", map[string]any{"Due": f.Due, "Done": f.Done, "Rate": fmt.Sprintf("%d%%", rate), "OnTime": f.OnTime,
			"Late": f.Late, "Pace": pace, "Behind": f.BehindTasks})
	}
	if f.Changed {
		s += c.T(lang, "period_changed", nil)
	}
	return s
}

// scopeName names a row: whole says the district row covers every task
// (全区) rather than a reader's (合计).
func (r *Renderer) scopeName(lang string, f models.ScopeFigures, whole bool) string {
	switch f.Kind {
	case models.ScopeDistrict:
		if whole {
			return r.Catalog.T(lang, "period_whole", nil)
		}
		return r.Catalog.T(lang, "period_total", nil)
	case models.ScopeTask:
		return E(f.Name) + " " + E(truncateRunes(f.Title, 30))
	}
	if f.Name == "" {
		return "—"
	}
	return E(f.Name)
}

func (r *Renderer) scopeLine(lang string, f models.ScopeFigures, whole bool) string {
	return r.scopeName(lang, f, whole) + r.Catalog.T(lang, "label_sep", nil) + r.PeriodRow(lang, f)
}

// periodSection is a weekly digest's table of the current period: the
// whole set, each lead department, then each leader, by name.
func (r *Renderer) periodSection(lang string, t *report.PeriodTable) (title string, lines []string) {
	title = r.Catalog.T(lang, "period_weekly", map[string]any{"Period": r.PeriodName(lang, t.Period, false),
		"From": DueDate(t.Period.FirstDay), "To": DueDate(t.Period.LastDay)})
	for _, row := range t.Rows {
		lines = append(lines, r.scopeLine(lang, row, t.Whole))
	}
	return title, lines
}

// PeriodCard is a leader's card when a period is frozen: their figures,
// then each of their tasks with something due in it.
func (r *Renderer) PeriodCard(lang string, p models.Period, leader models.ScopeFigures, tasks []models.ScopeFigures) []string {
	c := r.Catalog
	head := r.periodFrozenTitle(lang, p) + "\n" + E(leader.Name) + c.T(lang, "label_sep", nil) + r.PeriodRow(lang, leader)
	entries := []string{head}
	if len(tasks) > 0 {
		var lines []string
		for _, t := range tasks {
			lines = append(lines, r.scopeLine(lang, t, false))
		}
		entries = append(entries, c.T(lang, "period_frozen_tasks", nil))
		entries = append(entries, lines...)
	}
	entries = append(entries, c.T(lang, "period_frozen_note", nil))
	return SplitEntries(entries, "\n", MaxMessageRunes)
}

// PeriodDistrict is the admins' table when a period is frozen: the
// district, each lead department and each leader, by name — a table, not a
// ranking.
func (r *Renderer) PeriodDistrict(lang string, p models.Period, rows []models.ScopeFigures) []string {
	c := r.Catalog
	entries := []string{r.periodFrozenTitle(lang, p)}
	var district models.ScopeFigures
	var depts, leaders []string
	for _, row := range rows {
		switch row.Kind {
		case models.ScopeDistrict:
			district = row
		case models.ScopeDepartment:
			depts = append(depts, r.scopeLine(lang, row, true))
		case models.ScopeLeader:
			leaders = append(leaders, r.scopeLine(lang, row, true))
		}
	}
	district.Kind = models.ScopeDistrict
	entries = append(entries, r.scopeLine(lang, district, true))
	if len(depts) > 0 {
		entries = append(append(entries, c.T(lang, "period_frozen_departments", nil)), depts...)
	}
	if len(leaders) > 0 {
		entries = append(append(entries, c.T(lang, "period_frozen_leaders", nil)), leaders...)
	}
	entries = append(entries, c.T(lang, "period_frozen_note", nil))
	return SplitEntries(entries, "\n", MaxMessageRunes)
}

func (r *Renderer) periodFrozenTitle(lang string, p models.Period) string {
	return r.Catalog.T(lang, "period_frozen_title", map[string]any{"Period": r.PeriodName(lang, p, false),
		"From": DueDate(p.FirstDay), "To": DueDate(p.LastDay)})
}

// PeriodFrozen queues, when a period has just been frozen, each leader's
// card (their figures and their tasks') and each admin chat's table of the
// district, under keys of the snapshot: queued twice, they go once.
// Nothing goes out for a period with nothing due, to someone unreachable,
// or to a leader with nothing due in it. It says how many chats it wrote
// to.
func (s *Summaries) PeriodFrozen(tx *gorm.DB, snap *models.PeriodSnapshot, admins []int64) (int, error) {
	h := s.Handler
	rows, err := models.SnapshotFigures(tx, snap.ID)
	if err != nil {
		return 0, err
	}
	p := snap.Period()
	district := models.ScopeFigures{Kind: models.ScopeDistrict}
	tasks := map[string]models.ScopeFigures{}
	var leaders []models.ScopeFigures
	var ids []uint
	for _, r := range rows {
		switch r.Kind {
		case models.ScopeDistrict:
			district = r
		case models.ScopeTask:
			tasks[r.Key] = r
		case models.ScopeLeader:
			id, err := strconv.ParseUint(r.Key, 10, 64)
			if err != nil || r.Empty() {
				continue
			}
			leaders = append(leaders, r)
			ids = append(ids, uint(id))
		}
	}
	if district.Empty() {
		return 0, nil
	}
	people, err := models.PeopleByIDs(tx, ids)
	if err != nil {
		return 0, err
	}
	led, err := models.LedTaskCodes(tx, ids)
	if err != nil {
		return 0, err
	}
	sent := 0
	for i, row := range leaders {
		person := people[ids[i]]
		if person == nil || !reachable(person) {
			continue
		}
		var theirs []models.ScopeFigures
		for _, code := range led[person.ID] {
			if t, ok := tasks[code]; ok && !t.Empty() {
				theirs = append(theirs, t)
			}
		}
		for k, text := range h.Render.PeriodCard(personLang(person), p, row, theirs) {
			if err := models.EnqueueBulk(tx, fmt.Sprintf("period:%d:leader:%d.%d", snap.ID, person.ID, k), *person.TelegramID,
				models.OutSendMessage, models.Outgoing{Text: text}); err != nil {
				return 0, err
			}
		}
		sent++
	}
	chats := slices.Clone(admins)
	slices.Sort(chats)
	for _, chat := range slices.Compact(chats) {
		_, lang, ok, err := adminReader(tx, chat)
		if err != nil {
			return 0, err
		}
		if !ok {
			continue
		}
		for k, text := range h.Render.PeriodDistrict(lang, p, rows) {
			if err := models.EnqueueBulk(tx, fmt.Sprintf("period:%d:admin:%d.%d", snap.ID, chat, k), chat,
				models.OutSendMessage, models.Outgoing{Text: text}); err != nil {
				return 0, err
			}
		}
		sent++
	}
	return sent, nil
}
