package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

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

// chartBookBytes bounds the pictures a chart book keeps for a round's
// next batches: a city's round draws a few hundred distinct charts of
// some 20 KB each.
const chartBookBytes = 16 << 20

// chartBook draws the charts of a round's summaries: each distinct
// picture once (many leaders of a department see the same bars and
// months), on every core, outside any transaction. It keeps what it drew
// for the round's next batches, up to chartBookBytes.
type chartBook struct {
	h *Handler
	// workers bounds the charts drawn at once, and so the rasters held.
	workers int
	// draw draws one chart (report.SummaryChart).
	draw func(*report.Summary, report.ChartText) ([]byte, error)

	mu    sync.Mutex
	drawn map[string][]byte
	bytes int
}

func newChartBook(h *Handler) *chartBook {
	return &chartBook{h: h, workers: runtime.GOMAXPROCS(0), draw: report.SummaryChart, drawn: map[string][]byte{}}
}

// chartWanted is a summary whose chart a round sends.
type chartWanted struct {
	lang string
	sum  *report.Summary
}

// drawAll draws the charts of wanted not drawn yet and returns each
// one's picture, in order; false for a summary without one.
func (b *chartBook) drawAll(ctx context.Context, wanted []chartWanted) ([]models.Outgoing, []bool, error) {
	keys := make([]string, len(wanted))
	todo := map[string]int{} // key → the first summary that wants it
	b.mu.Lock()
	if b.bytes > chartBookBytes {
		b.drawn, b.bytes = map[string][]byte{}, 0
	}
	for i, w := range wanted {
		if !needsChart(w.sum) {
			continue
		}
		keys[i] = chartKey(w.lang, w.sum)
		if _, ok := b.drawn[keys[i]]; ok {
			continue
		}
		if _, ok := todo[keys[i]]; !ok {
			todo[keys[i]] = i
		}
	}
	b.mu.Unlock()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(b.workers)
	for key, i := range todo {
		w := wanted[i]
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			png, err := b.draw(w.sum, b.h.Catalog.ChartText(w.lang))
			if errors.Is(err, report.ErrNothingToDraw) {
				png, err = nil, nil
			}
			if err != nil {
				return fmt.Errorf("chart of a summary: %w", err)
			}
			b.mu.Lock()
			b.drawn[key] = png
			b.bytes += len(png)
			b.mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	out := make([]models.Outgoing, len(wanted))
	ok := make([]bool, len(wanted))
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, w := range wanted {
		if png := b.drawn[keys[i]]; keys[i] != "" && png != nil {
			out[i], ok[i] = b.h.chartMessage(w.lang, w.sum, png), true
		}
	}
	return out, ok, nil
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
