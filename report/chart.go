package report

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/go-analyze/charts"

	"taskbot/models"
)

// chartLights are drawn in the colours the bot shows them in, worst first.
var chartLights = []struct {
	light models.Light
	color string
}{
	{models.LightRed, "#e53935"},
	{models.LightYellow, "#f9a825"},
	{models.LightGreen, "#43a047"},
	{models.LightDone, "#90a4ae"},
}

// ChartText is every word a chart draws, in the reader's language.
type ChartText struct {
	// Lights names each status light in the legend.
	Lights map[models.Light]string
	// ByDepartment and ByLeader title the bars.
	ByDepartment, ByLeader string
	// Progress titles the milestones against time; Due and Done name its
	// two lines (cumulative milestones due, and done).
	Progress, Due, Done string
	// Others labels the bar that gathers the groups past the chart's
	// room; %d is how many.
	Others string
	// Nobody names the group of tasks without a leader.
	Nobody string
	// Month formats a month on the time axis.
	Month func(time.Time) string
}

// Chart geometry, sized for Telegram's photo view on a phone: the image
// is shown about 360 points wide, so text is drawn large.
const (
	chartWidth     = 900
	barRowHeight   = 48
	barChrome      = 150 // title, legend and axis around the bars
	progressHeight = 480
	maxBars        = 10
	maxMonths      = 12
	fontTitle      = 26
	fontLabel      = 20
	maxNameRunes   = 9
)

// ErrNothingToDraw says a summary has no task and no milestone to draw.
var ErrNothingToDraw = errors.New("chart: nothing to draw")

// SummaryChart draws a summary's picture as one PNG: the lights of each
// lead department (or leader) as stacked bars, worst first, above the
// reader's milestones due and done, cumulated month by month. It says
// what the line of counts cannot: where the red is, and whether the work
// keeps up with its dates.
func SummaryChart(s *Summary, text ChartText) ([]byte, error) {
	if err := LoadFont(); err != nil {
		return nil, err
	}
	bars := len(s.Groups) > 0
	progress := len(s.Months) > 0
	if !bars && !progress {
		return nil, ErrNothingToDraw
	}
	rows := min(len(s.Groups), maxBars+1)
	height := 0
	barsHeight := barChrome + barRowHeight*rows
	if bars {
		height += barsHeight
	}
	if progress {
		height += progressHeight
	}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: chartWidth, Height: height, Font: chartFnt})
	top := 0
	if bars {
		child := p.Child(charts.PainterBoxOption(charts.NewBox(0, 0, chartWidth, barsHeight)))
		if err := drawGroups(child, s, text); err != nil {
			return nil, err
		}
		top = barsHeight
	}
	if progress {
		child := p.Child(charts.PainterBoxOption(charts.NewBox(0, top, chartWidth, top+progressHeight)))
		if err := drawProgress(child, s, text); err != nil {
			return nil, err
		}
	}
	png, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("summary chart: %w", err)
	}
	return png, nil
}

func fontStyle(size float64) charts.FontStyle {
	return charts.FontStyle{Font: chartFnt, FontSize: size, FontColor: charts.ColorFromHex("#333333")}
}

// shortName keeps a bar's label on one line.
func shortName(s string) string {
	if utf8.RuneCountInString(s) <= maxNameRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxNameRunes-1]) + "…"
}

// drawGroups draws the stacked light bars, the worst group on top.
func drawGroups(p *charts.Painter, s *Summary, text ChartText) error {
	shown := s.Groups
	var rest *Group
	if len(shown) > maxBars+1 {
		rest = &Group{Name: fmt.Sprintf(text.Others, len(shown)-maxBars), Counts: map[models.Light]int{}}
		for _, g := range shown[maxBars:] {
			for l, n := range g.Counts {
				rest.Counts[l] += n
			}
		}
		shown = append(shown[:maxBars:maxBars], *rest)
	}
	// The library draws the first category at the bottom: reverse, so
	// that the worst group reads first.
	labels := make([]string, len(shown))
	values := make([][]float64, len(chartLights))
	for i := range values {
		values[i] = make([]float64, len(shown))
	}
	for row, g := range shown {
		at := len(shown) - 1 - row
		name := g.Name
		if name == "" {
			name = text.Nobody
		}
		labels[at] = shortName(name)
		for i, l := range chartLights {
			values[i][at] = float64(g.Counts[l.light])
		}
	}
	var names []string
	var colors []charts.Color
	for _, l := range chartLights {
		names = append(names, text.Lights[l.light])
		colors = append(colors, charts.ColorFromHex(l.color))
	}
	opt := charts.NewBarChartOptionWithData(values)
	opt.Horizontal = true
	opt.StackSeries = charts.Ptr(true)
	opt.Theme = charts.GetDefaultTheme().WithSeriesColors(colors)
	opt.Padding = charts.Box{Top: 20, Right: 40, Bottom: 10, Left: 20}
	title := text.ByDepartment
	if s.GroupBy == ByLeader {
		title = text.ByLeader
	}
	opt.Title = charts.TitleOption{Text: title, FontStyle: fontStyle(fontTitle)}
	opt.Legend = legend(names)
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: labels, LabelFontStyle: fontStyle(fontLabel)}
	widest := 0.0
	for _, g := range shown {
		total := 0
		for _, n := range g.Counts {
			total += n
		}
		widest = max(widest, float64(total))
	}
	opt.ValueAxis[0] = countAxis(widest)
	opt.ValueFormatter = countFormat
	for i := range opt.SeriesList {
		opt.SeriesList[i].Name = names[i]
	}
	if err := p.BarChart(opt); err != nil {
		return fmt.Errorf("light bars: %w", err)
	}
	return nil
}

// drawProgress draws the milestones due and done, cumulated by month: the
// gap between the lines is the work behind its dates.
func drawProgress(p *charts.Painter, s *Summary, text ChartText) error {
	all := s.Months
	// Past the chart's room, show the months around today.
	start := 0
	if len(all) > maxMonths {
		today := 0
		for i, m := range all {
			if !m.Start.After(s.Day) {
				today = i
			}
		}
		start = min(max(0, today-maxMonths+4), len(all)-maxMonths)
	}
	var due, done float64
	for _, m := range all[:start] {
		due += float64(m.Due)
		done += float64(m.Done)
	}
	window := all[start:min(len(all), start+maxMonths)]
	labels := make([]string, len(window))
	dueLine := make([]float64, len(window))
	doneLine := make([]float64, len(window))
	for i, m := range window {
		due += float64(m.Due)
		done += float64(m.Done)
		labels[i] = text.Month(m.Start)
		dueLine[i] = due
		// Nothing is done in a month still to come.
		if !s.Day.IsZero() && m.Start.After(s.Day) {
			doneLine[i] = charts.GetNullValue()
		} else {
			doneLine[i] = done
		}
	}
	opt := charts.NewLineChartOptionWithData([][]float64{dueLine, doneLine})
	opt.Theme = charts.GetDefaultTheme().WithSeriesColors([]charts.Color{charts.ColorFromHex("#607d8b"), charts.ColorFromHex("#1e88e5")})
	opt.Padding = charts.Box{Top: 20, Right: 50, Bottom: 20, Left: 20}
	opt.Title = charts.TitleOption{Text: text.Progress, FontStyle: fontStyle(fontTitle)}
	opt.Legend = legend([]string{text.Due, text.Done})
	opt.XAxis = charts.XAxisOption{Labels: labels, LabelFontStyle: fontStyle(fontLabel - 2), BoundaryGap: charts.Ptr(true), LabelCount: len(labels)}
	opt.YAxis = []charts.YAxisOption{countAxis(due)}
	opt.ValueFormatter = countFormat
	opt.LineStrokeWidth = 4
	opt.FillArea = charts.Ptr(false)
	opt.SeriesList[0].Name, opt.SeriesList[1].Name = text.Due, text.Done
	if err := p.LineChart(opt); err != nil {
		return fmt.Errorf("milestone progress: %w", err)
	}
	return nil
}

// legend sits under the title, left-aligned, so that a long title and
// the legend never share a line.
func legend(names []string) charts.LegendOption {
	return charts.LegendOption{SeriesNames: names, FontStyle: fontStyle(fontLabel),
		Offset: charts.OffsetStr{Left: charts.PositionLeft, Top: "60"}}
}

func countFormat(v float64) string { return fmt.Sprintf("%.0f", v) }

// countAxis counts from 0 to at least top in whole steps: the library's
// own ticks fall on fractions, which a count must not show.
func countAxis(top float64) charts.ValueAxisOption {
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000} {
		step = s
		if top/s <= 6 {
			break
		}
	}
	n := max(1, int(math.Ceil(top/step)))
	return charts.ValueAxisOption{Min: charts.Ptr(0.0), Max: charts.Ptr(float64(n) * step), LabelCount: n + 1,
		PreferNiceIntervals: charts.Ptr(false), LabelFontStyle: fontStyle(fontLabel - 2), SplitLineShow: charts.Ptr(true)}
}
