package report

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"taskbot/models"
)

var planText = ChartText{
	Lights:   map[models.Light]string{models.LightRed: "红灯", models.LightYellow: "黄灯", models.LightGreen: "绿灯", models.LightDone: "已完成"},
	Progress: "节点进度", Due: "应完成", Done: "已完成", Tasks: "任务数", Milestones: "节点数", Today: "今天",
	Others: "其他%d个", Nobody: "（未定领导）",
	Month: func(m time.Time) string { return fmt.Sprintf("%d月", m.Month()) },
	Year:  func(m time.Time) string { return fmt.Sprintf("%d年", m.Year()) },
}

func counts(red, yellow, green, done int) map[models.Light]int {
	return map[models.Light]int{models.LightRed: red, models.LightYellow: yellow, models.LightGreen: green, models.LightDone: done}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The bar gathering the groups past the chart's room is as long as the
// axis at most: at a city's scale it outweighs every named group, and
// scaling to it would draw them as slivers.
func TestOthersNeverSetTheScale(t *testing.T) {
	var groups []Group
	for i := range 20 {
		groups = append(groups, Group{Name: fmt.Sprintf("单位%d", i), Counts: counts(3, 2, 1, 0)})
	}
	p := planGroups(groups, "各牵头单位", planText)
	if len(p.rows) != maxBars+1 {
		t.Fatalf("%d bars, want %d", len(p.rows), maxBars+1)
	}
	end := p.axis[len(p.axis)-1]
	if end < 6 || end > 10 {
		t.Fatalf("axis ends at %d for named bars of 6 tasks (ticks %v)", end, p.axis)
	}
	others := p.rows[maxBars]
	if others.label != "其他12个" || others.total() != 72 || !others.clipped {
		t.Fatalf("others: %q, %d tasks, clipped %v", others.label, others.total(), others.clipped)
	}
	// Room for one more group: it is named, not gathered.
	p = planGroups(groups[:maxBars+1], "各牵头单位", planText)
	if last := p.rows[len(p.rows)-1]; last.label != "单位8" || last.clipped {
		t.Fatalf("last bar %q clipped %v", last.label, last.clipped)
	}
}

func TestCountTicks(t *testing.T) {
	for _, c := range []struct {
		top  int
		want []int
	}{
		{0, []int{0, 1}},
		{1, []int{0, 1}},
		{4, []int{0, 1, 2, 3, 4}},
		{5, []int{0, 2, 4, 6}},
		{18, []int{0, 5, 10, 15, 20}},
		{21, []int{0, 10, 20, 30}},
		{99, []int{0, 25, 50, 75, 100}},
		{30000, []int{0, 10000, 20000, 30000}},
	} {
		t.Run(fmt.Sprint(c.top), func(t *testing.T) {
			if got := countTicks(c.top); !slices.Equal(got, c.want) {
				t.Fatalf("countTicks(%d) = %v, want %v", c.top, got, c.want)
			}
		})
	}
}

// The time axis names at most six months, with the year under the first
// and under January where it crosses into a new one; today's marker sits
// inside its month, and the line of work done stops there.
func TestProgressAxisAndToday(t *testing.T) {
	s := &Summary{Day: date(2026, 11, 16)}
	for i := range 12 {
		s.Months = append(s.Months, Month{Start: date(2026, 8, 1).AddDate(0, i, 0), Due: 2, Done: 1})
	}
	p := planProgress(s, planText)
	if len(p.ticks) > monthLabels {
		t.Fatalf("%d months named: %+v", len(p.ticks), p.ticks)
	}
	var years []string
	for _, tk := range p.ticks {
		if tk.year != "" {
			years = append(years, fmt.Sprintf("%s %s", tk.label, tk.year))
		}
	}
	if !slices.Equal(years, []string{"8月 2026年", "1月 2027年"}) {
		t.Fatalf("years on the axis: %q (ticks %+v)", years, p.ticks)
	}
	// 16 November is half way through the window's fourth month.
	if math.Abs(p.today-3.5) > 0.01 {
		t.Fatalf("today at %.3f months, want 3.5", p.today)
	}
	if len(p.due) != 13 || p.due[12] != 24 || len(p.done) != 5 || p.done[4] != 4 {
		t.Fatalf("due %v, done %v", p.due, p.done)
	}
	// A window of months all past: no marker.
	s.Day = date(2028, 1, 1)
	if p := planProgress(s, planText); p.today >= 0 {
		t.Fatalf("today at %.2f in a window that ended", p.today)
	}
}

// 已完成 is one colour wherever a chart draws it.
func TestDoneHasOneColour(t *testing.T) {
	s := &Summary{Day: date(2026, 6, 15), Groups: []Group{{Name: "区商务局", Counts: counts(1, 0, 0, 1)}},
		Months: []Month{{Start: date(2026, 6, 1), Due: 1, Done: 1}}}
	bars := planGroups(s.Groups, "", planText)
	progress := planProgress(s, planText)
	week := planWeek(&Week{Summary: &Summary{Counts: counts(1, 0, 0, 1)}, Completed: []WeekMilestone{{}}}, WeekChartText{Completed: "完成节点"})
	var inks []any
	for _, l := range bars.legend {
		if l.label == "已完成" {
			inks = append(inks, l.ink)
		}
	}
	for _, l := range progress.legend {
		if l.label == "已完成" {
			inks = append(inks, l.ink)
		}
	}
	for _, r := range week[1].rows {
		if r.label == "完成节点" {
			inks = append(inks, r.parts[0].ink)
		}
	}
	if len(inks) != 3 || inks[0] != inks[1] || inks[1] != inks[2] {
		t.Fatalf("已完成 drawn in %v", inks)
	}
}

// A chart is a paletted PNG whose inks keep their exact colours, and it
// is sized for a chat bubble: 600 pixels shown at 300 points.
func TestChartIsPalettedAndExact(t *testing.T) {
	s := &Summary{Day: date(2026, 6, 15), Counts: counts(4, 0, 0, 0), GroupBy: ByDepartment,
		Groups: []Group{{Name: "区商务局", Counts: counts(4, 0, 0, 0)}}}
	data, err := SummaryChart(s, planText)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	pal, ok := img.(*image.Paletted)
	if !ok {
		t.Fatalf("chart is a %T, not paletted", img)
	}
	if pal.Bounds().Dx() != chartWidth || chartWidth != 600 {
		t.Fatalf("chart %d pixels wide", pal.Bounds().Dx())
	}
	// The middle of the only bar, which is all red.
	y := headHeight + legendHeight + barRowHeight/2
	r, g, b, _ := pal.At(400, y).RGBA()
	if got := [3]uint32{r >> 8, g >> 8, b >> 8}; got != [3]uint32{uint32(inkRed.R), uint32(inkRed.G), uint32(inkRed.B)} {
		t.Fatalf("bar pixel %v, want %v", got, inkRed)
	}
	if min(fontAxis, fontLabel, fontTitle) < 22 {
		t.Fatal("a label smaller than 11 points in a bubble")
	}
}

// The weekly chart shows the week: the lights then and now, and what
// turned and was done, not the day's bars again.
func TestWeekChartShowsTheWeek(t *testing.T) {
	text := WeekChartText{Lights: planText.Lights, LightsTitle: "任务状态灯", Before: "上次周报", Now: "现在", Changes: "本周变化",
		TurnedRed: "转为红灯", TurnedGreen: "转绿或完成", Completed: "完成节点", NewlyOverdue: "新逾期节点", Tasks: "任务数", Count: "个数"}
	w := &Week{Summary: &Summary{Counts: counts(3, 1, 2, 1)}, BeforeCounts: counts(1, 2, 3, 0),
		TurnedRed: make([]WeekTask, 2), TurnedGreen: make([]WeekTask, 1), Completed: make([]WeekMilestone, 5), NewlyOverdue: make([]WeekMilestone, 3)}
	plans := planWeek(w, text)
	if len(plans) != 2 {
		t.Fatalf("%d parts", len(plans))
	}
	var lights, changes []string
	for _, r := range plans[0].rows {
		lights = append(lights, fmt.Sprintf("%s %d", r.label, r.total()))
	}
	for _, r := range plans[1].rows {
		changes = append(changes, fmt.Sprintf("%s %d", r.label, r.total()))
	}
	if !slices.Equal(lights, []string{"上次周报 6", "现在 7"}) {
		t.Fatalf("lights %q", lights)
	}
	if !slices.Equal(changes, []string{"转为红灯 2", "转绿或完成 1", "完成节点 5", "新逾期节点 3"}) {
		t.Fatalf("changes %q", changes)
	}
	data, err := WeekChart(w, text)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("TASKBOT_CHART_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "week-zh.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A first digest has no lights to compare with.
	w.BeforeCounts = map[models.Light]int{}
	if rows := planWeek(w, text)[0].rows; len(rows) != 1 || rows[0].label != "现在" {
		t.Fatalf("first digest rows %+v", rows)
	}
	if _, err := WeekChart(&Week{Summary: &Summary{}}, text); err != ErrNothingToDraw {
		t.Fatalf("a week of no task: %v", err)
	}
}
