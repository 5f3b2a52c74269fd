package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"taskbot/models"
	"taskbot/report"
)

// chartMinTasks is where a picture starts to say it faster than the line
// of counts.
const chartMinTasks = 4

// ChartText is the words of the summary's chart in lang.
func (c *Catalog) ChartText(lang string) report.ChartText {
	return report.ChartText{
		Lights:       c.lightNames(lang),
		ByDepartment: c.T(lang, "chart_by_department", nil),
		ByLeader:     c.T(lang, "chart_by_leader", nil),
		Progress:     c.T(lang, "chart_progress", nil),
		Due:          c.T(lang, "chart_due", nil),
		Done:         c.T(lang, "chart_done_milestones", nil),
		Tasks:        c.T(lang, "chart_tasks_unit", nil),
		Milestones:   c.T(lang, "chart_milestones_unit", nil),
		Today:        c.T(lang, "chart_today", nil),
		Others:       c.T(lang, "chart_others", nil),
		Nobody:       c.T(lang, "chart_nobody", nil),
		Month: func(m time.Time) string {
			return c.T(lang, "chart_month", map[string]any{"Month": int(m.Month()), "Abbr": m.Format("Jan")})
		},
		Year: func(m time.Time) string {
			return c.T(lang, "chart_year", map[string]any{"Year": m.Year()})
		},
	}
}

func (c *Catalog) lightNames(lang string) map[models.Light]string {
	return map[models.Light]string{
		models.LightRed: c.T(lang, "chart_red", nil), models.LightYellow: c.T(lang, "chart_yellow", nil),
		models.LightGreen: c.T(lang, "chart_green", nil), models.LightDone: c.T(lang, "chart_done", nil),
	}
}

// needsChart says whether a summary has enough tasks for a picture.
func needsChart(s *report.Summary) bool {
	total := 0
	for _, n := range s.Counts {
		total += n
	}
	return total >= chartMinTasks
}

// chart is the summary's picture, when it has enough tasks to need one.
func (h *Handler) chart(lang string, s *report.Summary) (models.Outgoing, bool, error) {
	if !needsChart(s) {
		return models.Outgoing{}, false, nil
	}
	png, err := report.SummaryChart(s, h.Catalog.ChartText(lang))
	if errors.Is(err, report.ErrNothingToDraw) {
		return models.Outgoing{}, false, nil
	}
	if err != nil {
		return models.Outgoing{}, false, err
	}
	return h.chartMessage(lang, s, png), true, nil
}

func (h *Handler) chartMessage(lang string, s *report.Summary, png []byte) models.Outgoing {
	caption := h.Catalog.T(lang, "chart_caption", map[string]any{"Red": s.Counts[models.LightRed], "Yellow": s.Counts[models.LightYellow],
		"Green": s.Counts[models.LightGreen], "Done": s.Counts[models.LightDone]})
	return models.Outgoing{Text: caption, File: png, FileName: "summary.png"}
}

// chartKey is what a summary's chart and its caption are drawn from.
func chartKey(lang string, s *report.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%v|", lang, s.GroupBy, s.Day.Format(time.DateOnly), s.Counts)
	for _, g := range s.Groups {
		fmt.Fprintf(&b, "%q%v;", g.Name, g.Counts)
	}
	for _, m := range s.Months {
		fmt.Fprintf(&b, "%s:%d/%d;", m.Start.Format(time.DateOnly), m.Due, m.Done)
	}
	return b.String()
}

// chartDrawn is a chart drawn once in a round.
type chartDrawn struct {
	picture models.Outgoing
	ok      bool
}

// cachedChart is chart, drawn once per content in a round: many leaders of
// a department see the same bars and months, and drawing is most of the
// cost of a summary.
func (h *Handler) cachedChart(cache map[string]chartDrawn, lang string, s *report.Summary) (models.Outgoing, bool, error) {
	key := chartKey(lang, s)
	if c, ok := cache[key]; ok {
		return c.picture, c.ok, nil
	}
	picture, ok, err := h.chart(lang, s)
	if err != nil {
		return models.Outgoing{}, false, err
	}
	cache[key] = chartDrawn{picture, ok}
	return picture, ok, nil
}

// WeekChartText is the words of the weekly digest's chart in lang.
func (c *Catalog) WeekChartText(lang string) report.WeekChartText {
	return report.WeekChartText{
		Lights:       c.lightNames(lang),
		LightsTitle:  c.T(lang, "week_chart_lights", nil),
		Before:       c.T(lang, "week_chart_before", nil),
		Now:          c.T(lang, "week_chart_now", nil),
		Changes:      c.T(lang, "week_chart_changes", nil),
		TurnedRed:    c.T(lang, "week_chart_turned_red", nil),
		TurnedGreen:  c.T(lang, "week_chart_turned_green", nil),
		Completed:    c.T(lang, "week_chart_completed", nil),
		NewlyOverdue: c.T(lang, "week_chart_overdue", nil),
		Tasks:        c.T(lang, "chart_tasks_unit", nil),
		Count:        c.T(lang, "week_chart_unit", nil),
	}
}

// weekChart is the weekly digest's picture of the week, when it has
// enough tasks to need one.
func (h *Handler) weekChart(lang string, w *report.Week) (models.Outgoing, bool, error) {
	if !needsChart(w.Summary) {
		return models.Outgoing{}, false, nil
	}
	png, err := report.WeekChart(w, h.Catalog.WeekChartText(lang))
	if errors.Is(err, report.ErrNothingToDraw) {
		return models.Outgoing{}, false, nil
	}
	if err != nil {
		return models.Outgoing{}, false, err
	}
	caption := h.Catalog.T(lang, "week_chart_caption", map[string]any{"Red": len(w.TurnedRed), "Green": len(w.TurnedGreen),
		"Done": len(w.Completed), "Overdue": len(w.NewlyOverdue)})
	return models.Outgoing{Text: caption, File: png, FileName: "week.png"}, true, nil
}
