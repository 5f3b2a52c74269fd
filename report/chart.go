package report

import (
	"errors"
	"fmt"
	"image"
	"math"
	"time"

	"github.com/go-analyze/charts/chartdraw/drawing"

	"taskbot/models"
)

// The inks of every chart. 已完成 has one colour wherever it is drawn: a
// done task's bar and the line of milestones done.
var (
	inkBackground = drawing.ColorFromHex("#ffffff")
	inkText       = drawing.ColorFromHex("#212121")
	inkMuted      = drawing.ColorFromHex("#616161")
	inkGrid       = drawing.ColorFromHex("#e0e0e0")
	inkAxis       = drawing.ColorFromHex("#9e9e9e")
	inkRed        = drawing.ColorFromHex("#e53935")
	inkYellow     = drawing.ColorFromHex("#f9a825")
	inkGreen      = drawing.ColorFromHex("#43a047")
	inkDone       = drawing.ColorFromHex("#1e88e5")
	inkDue        = drawing.ColorFromHex("#78909c")
	inkOverdue    = drawing.ColorFromHex("#8e24aa")

	allInks = []drawing.Color{inkText, inkMuted, inkGrid, inkAxis, inkRed, inkYellow, inkGreen, inkDone, inkDue, inkOverdue}
)

// chartLights are drawn in the colours the bot shows them in, worst first.
var chartLights = []struct {
	light models.Light
	ink   drawing.Color
}{
	{models.LightRed, inkRed},
	{models.LightYellow, inkYellow},
	{models.LightGreen, inkGreen},
	{models.LightDone, inkDone},
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
	// Tasks and Milestones are the units of the axes that count them.
	Tasks, Milestones string
	// Today labels the day's marker on the time axis.
	Today string
	// Others labels the bar that gathers the groups past the chart's
	// room; %d is how many.
	Others string
	// Nobody names the group of tasks without a leader.
	Nobody string
	// Month formats a month on the time axis; Year the year written
	// under the first month and where the axis enters a new year.
	Month, Year func(time.Time) string
}

// Chart geometry. Telegram shows a photo about 300 points wide in a chat
// bubble, which is 600 pixels on a phone: every size here is twice what
// the reader sees, and no text is drawn smaller than 11 points.
const (
	chartWidth   = 600
	chartPad     = 20
	fontTitle    = 28
	fontLabel    = 24
	fontAxis     = 22
	barRowHeight = 44
	barThickness = 28
	maxBars      = 8
	maxMonths    = 12
	maxTicks     = 4
	// maxLabelWidth is the room of a bar's name: eight Chinese
	// characters.
	maxLabelWidth = 8 * fontLabel
	// monthLabels is how many months the time axis names at most.
	monthLabels = 6
)

// ErrNothingToDraw says a summary has no task and no milestone to draw.
var ErrNothingToDraw = errors.New("chart: nothing to draw")

// SummaryChart draws a summary's picture as one PNG: the lights of each
// lead department (or leader) as stacked bars, worst first, above the
// reader's milestones due and done, cumulated month by month up to
// today. It says what the line of counts cannot: where the red is, and
// whether the work keeps up with its dates.
func SummaryChart(s *Summary, text ChartText) ([]byte, error) {
	if err := LoadFont(); err != nil {
		return nil, err
	}
	var bars *barPlan
	if len(s.Groups) > 0 {
		title := text.ByDepartment
		if s.GroupBy == ByLeader {
			title = text.ByLeader
		}
		bars = planGroups(s.Groups, title, text)
	}
	var progress *progressPlan
	if len(s.Months) > 0 {
		progress = planProgress(s, text)
	}
	if bars == nil && progress == nil {
		return nil, ErrNothingToDraw
	}
	height := 0
	if bars != nil {
		height += bars.height()
	}
	if progress != nil {
		height += progressHeight
	}
	c := newCanvas(chartWidth, height)
	top := 0
	if bars != nil {
		top = c.drawBars(bars, 0)
	}
	if progress != nil {
		c.drawProgress(progress, top)
	}
	return c.png()
}

// fit cuts s to width pixels at size, marking the cut: a bar's label
// keeps to one line and leaves the bars their room.
func (c *canvas) fit(s string, size float64, width int) string {
	if c.textWidth(s, size) <= width {
		return s
	}
	r := []rune(s)
	for n := len(r) - 1; n > 0; n-- {
		if cut := string(r[:n]) + "…"; c.textWidth(cut, size) <= width {
			return cut
		}
	}
	return "…"
}

// segment is a part of a bar.
type segment struct {
	value int
	ink   drawing.Color
}

// barRow is one bar: its label and its parts.
type barRow struct {
	label string
	parts []segment
	// clipped says the bar is longer than the axis, drawn to its end
	// with a break: only "other groups" can be.
	clipped bool
}

func (r barRow) total() int {
	n := 0
	for _, p := range r.parts {
		n += p.value
	}
	return n
}

// legendItem is one swatch of a legend; line draws it as a line.
type legendItem struct {
	label string
	ink   drawing.Color
	line  bool
}

// barPlan is a bar chart laid out: what is drawn, before any pixel.
type barPlan struct {
	title  string
	legend []legendItem
	rows   []barRow
	// axis is the value axis: its ticks, the last of which is its end.
	axis []int
	unit string
}

func (p *barPlan) height() int {
	h := headHeight + axisHeight + barRowHeight*len(p.rows)
	if len(p.legend) > 0 {
		h += legendHeight
	}
	return h
}

// The title, legend and value axis around a chart's bars or lines.
const (
	headHeight   = 70
	legendHeight = 44
	axisHeight   = 56
)

// planGroups lays out the light bars of groups, the worst on top. Past
// maxBars the rest are gathered in one bar, which never sets the scale:
// at a city's scale it would squash every named bar into a sliver.
func planGroups(groups []Group, title string, text ChartText) *barPlan {
	p := &barPlan{title: title, unit: text.Tasks}
	for _, l := range chartLights {
		p.legend = append(p.legend, legendItem{label: text.Lights[l.light], ink: l.ink})
	}
	row := func(name string, counts map[models.Light]int) barRow {
		r := barRow{label: name}
		for _, l := range chartLights {
			r.parts = append(r.parts, segment{counts[l.light], l.ink})
		}
		return r
	}
	shown := groups
	if len(groups) > maxBars+1 {
		shown = groups[:maxBars]
	}
	widest := 0
	for _, g := range shown {
		name := g.Name
		if name == "" {
			name = text.Nobody
		}
		r := row(name, g.Counts)
		widest = max(widest, r.total())
		p.rows = append(p.rows, r)
	}
	p.axis = countTicks(widest)
	if len(shown) < len(groups) {
		rest := map[models.Light]int{}
		for _, g := range groups[maxBars:] {
			for l, n := range g.Counts {
				rest[l] += n
			}
		}
		r := row(fmt.Sprintf(text.Others, len(groups)-maxBars), rest)
		r.clipped = r.total() > p.axis[len(p.axis)-1]
		p.rows = append(p.rows, r)
	}
	return p
}

// countTicks counts from 0 to at least top in whole, round steps, with at
// most maxTicks ticks after 0: a count never shows a fraction, and a few
// large numbers read better in a bubble than many small ones.
func countTicks(top int) []int {
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000} {
		step = s
		if (top+s-1)/s <= maxTicks {
			break
		}
	}
	n := max(1, (top+step-1)/step)
	ticks := make([]int, n+1)
	for i := range ticks {
		ticks[i] = i * step
	}
	return ticks
}

// drawBars draws p from y and returns where it ends.
func (c *canvas) drawBars(p *barPlan, y int) int {
	y = c.drawHead(p.title, p.legend, y)
	labelW := 0
	labels := make([]string, len(p.rows))
	for i, r := range p.rows {
		labels[i] = c.fit(r.label, fontLabel, maxLabelWidth)
		labelW = max(labelW, c.textWidth(labels[i], fontLabel))
	}
	// The totals are written after the bars, and the axis's unit after
	// its last tick.
	end := p.axis[len(p.axis)-1]
	x0 := chartPad + labelW + 12
	x1 := chartWidth - chartPad - max(c.textWidth("0000", fontAxis),
		c.textWidth(fmt.Sprint(end), fontAxis)/2+12+c.textWidth(p.unit, fontAxis))
	scale := func(v int) int { return x0 + int(math.Round(float64(v)*float64(x1-x0)/float64(end))) }
	top := y
	for _, t := range p.axis {
		c.rect(scale(t), top, scale(t)+1, top+barRowHeight*len(p.rows), inkGrid)
	}
	for i, r := range p.rows {
		mid := y + barRowHeight/2
		c.text(labels[i], chartPad+labelW-c.textWidth(labels[i], fontLabel), mid+fontLabel*3/8, fontLabel, inkText)
		at := 0
		for _, s := range r.parts {
			from, to := scale(min(at, end)), scale(min(at+s.value, end))
			c.rect(from, mid-barThickness/2, to, mid+barThickness/2, s.ink)
			at += s.value
		}
		label := fmt.Sprint(r.total())
		tx := scale(min(at, end)) + 6
		if r.clipped {
			// A break across the bar's end says it goes on.
			c.line([]image.Point{{x1 - 18, mid + barThickness/2 + 4}, {x1 - 10, mid - barThickness/2 - 4}}, 5, inkBackground, nil)
			c.line([]image.Point{{x1 - 10, mid + barThickness/2 + 4}, {x1 - 2, mid - barThickness/2 - 4}}, 5, inkBackground, nil)
			label = "»" + label
		}
		c.text(label, tx, mid+fontAxis*3/8, fontAxis, inkText)
		y += barRowHeight
	}
	c.rect(x0, y, x1+1, y+2, inkAxis)
	c.drawAxisLabels(p.axis, scale, p.unit, y)
	return y + axisHeight
}

// drawHead draws a title and a legend from y and returns where they end.
func (c *canvas) drawHead(title string, legend []legendItem, y int) int {
	c.text(title, chartPad, y+20+fontTitle*7/8, fontTitle, inkText)
	y += headHeight
	if len(legend) == 0 {
		return y
	}
	x := chartPad
	for _, l := range legend {
		mid := y + 14
		if l.line {
			c.line([]image.Point{{x, mid}, {x + 28, mid}}, 5, l.ink, nil)
		} else {
			c.rect(x, mid-11, x+22, mid+11, l.ink)
		}
		x += 32
		c.text(l.label, x, mid+fontLabel*3/8, fontLabel, inkText)
		x += c.textWidth(l.label, fontLabel) + 22
	}
	return y + legendHeight
}

// drawAxisLabels writes the ticks of a value axis under it at y, and its
// unit at the chart's right edge.
func (c *canvas) drawAxisLabels(ticks []int, scale func(int) int, unit string, y int) {
	for _, t := range ticks {
		label := fmt.Sprint(t)
		c.text(label, scale(t)-c.textWidth(label, fontAxis)/2, y+8+fontAxis, fontAxis, inkMuted)
	}
	c.text(unit, chartWidth-chartPad-c.textWidth(unit, fontAxis), y+8+fontAxis, fontAxis, inkMuted)
}

// progressHeight is the height of the milestones against time.
const progressHeight = 400

// monthTick is a month named on the time axis.
type monthTick struct {
	// at is the month's index in the window.
	at          int
	label, year string
}

// progressPlan is the milestones against time laid out.
type progressPlan struct {
	title  string
	legend []legendItem
	unit   string
	// due and done are the cumulative counts at the start of the window
	// and at the end of each of its months; done stops at today.
	due, done []int
	// months is how many months the window spans; ticks those named.
	months int
	ticks  []monthTick
	// today is where the day falls, in months from the window's start
	// (2.5 is the middle of its third month); -1 outside the window.
	today      float64
	todayLabel string
	axis       []int
}

// planProgress lays out the milestones due and done against time: the
// gap between the lines at today's marker is the work behind its dates.
func planProgress(s *Summary, text ChartText) *progressPlan {
	all := s.Months
	todayAt := -1
	for i, m := range all {
		if !s.Day.IsZero() && !m.Start.After(s.Day) {
			todayAt = i
		}
	}
	// Past the chart's room, show the months around today.
	start := 0
	if len(all) > maxMonths {
		start = min(max(0, todayAt-maxMonths+4), len(all)-maxMonths)
	}
	window := all[start:min(len(all), start+maxMonths)]
	p := &progressPlan{title: text.Progress, unit: text.Milestones, months: len(window), today: -1, todayLabel: text.Today,
		legend: []legendItem{{label: text.Due, ink: inkDue, line: true}, {label: text.Done, ink: inkDone, line: true}}}
	due, done := 0, 0
	for _, m := range all[:start] {
		due += m.Due
		done += m.Done
	}
	p.due, p.done = []int{due}, []int{done}
	for i, m := range window {
		due += m.Due
		p.due = append(p.due, due)
		if !s.Day.IsZero() && m.Start.After(s.Day) {
			continue // nothing is done in a month still to come
		}
		done += m.Done
		p.done = append(p.done, done)
		if next := m.Start.AddDate(0, 1, 0); start+i == todayAt && s.Day.Before(next) {
			p.today = float64(i) + s.Day.Sub(m.Start).Hours()/next.Sub(m.Start).Hours()
		}
	}
	p.axis = countTicks(due)
	// At most monthLabels months are named, evenly; the year is written
	// under the first and wherever the axis enters a new year.
	every := (len(window) + monthLabels - 1) / monthLabels
	for i, m := range window {
		newYear := i > 0 && m.Start.Month() == time.January
		if i%every != 0 && !newYear {
			continue
		}
		if newYear && i%every != 0 && len(p.ticks) > 0 && i-p.ticks[len(p.ticks)-1].at < every {
			// January takes the place of the month named before it.
			p.ticks = p.ticks[:len(p.ticks)-1]
		}
		t := monthTick{at: i, label: text.Month(m.Start)}
		if i == 0 || newYear {
			t.year = text.Year(m.Start)
		}
		p.ticks = append(p.ticks, t)
	}
	return p
}

// drawProgress draws p from y.
func (c *canvas) drawProgress(p *progressPlan, y int) {
	y = c.drawHead(p.title, p.legend, y)
	top := y + 36 // the unit and today's label
	bottom := y + progressHeight - 114 - 70
	axisW := c.textWidth(fmt.Sprint(p.axis[len(p.axis)-1]), fontAxis)
	x0, x1 := chartPad+axisW+10, chartWidth-chartPad-12
	end := p.axis[len(p.axis)-1]
	vy := func(v int) int { return bottom - int(math.Round(float64(v)*float64(bottom-top)/float64(end))) }
	mx := func(m float64) int { return x0 + int(math.Round(m*float64(x1-x0)/float64(p.months))) }
	for _, t := range p.axis {
		c.rect(x0, vy(t), x1, vy(t)+1, inkGrid)
		label := fmt.Sprint(t)
		c.text(label, x0-10-c.textWidth(label, fontAxis), vy(t)+fontAxis*3/8, fontAxis, inkMuted)
	}
	c.text(p.unit, chartPad, y+fontAxis, fontAxis, inkMuted)
	c.rect(x0, bottom, x1, bottom+2, inkAxis)
	for _, t := range p.ticks {
		c.rect(mx(float64(t.at)), bottom, mx(float64(t.at))+2, bottom+8, inkAxis)
		c.text(t.label, mx(float64(t.at))+4, bottom+10+fontAxis, fontAxis, inkMuted)
		if t.year != "" {
			c.text(t.year, mx(float64(t.at))+4, bottom+14+2*fontAxis, fontAxis, inkMuted)
		}
	}
	if p.today >= 0 {
		tx := mx(p.today)
		c.line([]image.Point{{tx, top}, {tx, bottom}}, 2, inkText, []float64{8, 6})
		w := c.textWidth(p.todayLabel, fontAxis)
		c.text(p.todayLabel, min(max(tx-w/2, x0), x1-w), top-8, fontAxis, inkText)
	}
	points := func(values []int, last float64) []image.Point {
		pts := make([]image.Point, len(values))
		for i, v := range values {
			pts[i] = image.Point{mx(float64(i)), vy(v)}
		}
		if last >= 0 && len(pts) > 1 {
			// The line of work done ends at today, not at the month's end.
			pts[len(pts)-1].X = mx(last)
		}
		return pts
	}
	c.line(points(p.due, -1), 4, inkDue, nil)
	done := points(p.done, p.today)
	c.line(done, 6, inkDone, nil)
	if n := len(done); n > 0 {
		c.dot(done[n-1].X, done[n-1].Y, 7, inkDone)
	}
}

// WeekChartText is every word the weekly digest's chart draws, in the
// reader's language.
type WeekChartText struct {
	// Lights names each status light in the legend.
	Lights map[models.Light]string
	// LightsTitle titles the lights at the last digest (Before) and now
	// (Now).
	LightsTitle, Before, Now string
	// Changes titles what the week did: tasks that turned red, and green
	// or done; milestones done, and newly overdue.
	Changes, TurnedRed, TurnedGreen, Completed, NewlyOverdue string
	// Tasks and Count are the units of the two value axes.
	Tasks, Count string
}

// WeekChart draws what a weekly digest is about as one PNG: the lights
// of the reader's tasks at the last digest and now, above the week's
// changes (tasks turned red, turned green or done, milestones done and
// newly overdue). The daily summary's chart shows the day; this one the
// week.
func WeekChart(w *Week, text WeekChartText) ([]byte, error) {
	if err := LoadFont(); err != nil {
		return nil, err
	}
	plans := planWeek(w, text)
	if len(plans) == 0 {
		return nil, ErrNothingToDraw
	}
	height := 0
	for _, p := range plans {
		height += p.height()
	}
	c := newCanvas(chartWidth, height)
	y := 0
	for _, p := range plans {
		y = c.drawBars(p, y)
	}
	return c.png()
}

// planWeek lays out the weekly chart: the lights then and now (only now
// for a first digest), and the week's changes.
func planWeek(w *Week, text WeekChartText) []*barPlan {
	total := 0
	for _, n := range w.Counts {
		total += n
	}
	if total == 0 {
		return nil
	}
	lights := &barPlan{title: text.LightsTitle, unit: text.Tasks}
	for _, l := range chartLights {
		lights.legend = append(lights.legend, legendItem{label: text.Lights[l.light], ink: l.ink})
	}
	row := func(label string, counts map[models.Light]int) barRow {
		r := barRow{label: label}
		for _, l := range chartLights {
			r.parts = append(r.parts, segment{counts[l.light], l.ink})
		}
		return r
	}
	if len(w.BeforeCounts) > 0 {
		lights.rows = append(lights.rows, row(text.Before, w.BeforeCounts))
	}
	lights.rows = append(lights.rows, row(text.Now, w.Counts))
	widest := 0
	for _, r := range lights.rows {
		widest = max(widest, r.total())
	}
	lights.axis = countTicks(widest)
	changes := &barPlan{title: text.Changes, unit: text.Count, rows: []barRow{
		{label: text.TurnedRed, parts: []segment{{len(w.TurnedRed), inkRed}}},
		{label: text.TurnedGreen, parts: []segment{{len(w.TurnedGreen), inkGreen}}},
		{label: text.Completed, parts: []segment{{len(w.Completed), inkDone}}},
		{label: text.NewlyOverdue, parts: []segment{{len(w.NewlyOverdue), inkOverdue}}},
	}}
	widest = 0
	for _, r := range changes.rows {
		widest = max(widest, r.total())
	}
	changes.axis = countTicks(max(widest, 1))
	return []*barPlan{lights, changes}
}
