package report_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/report"
)

// zhText is the chart's words as the Chinese catalog gives them.
var zhText = report.ChartText{
	Lights:       map[models.Light]string{models.LightRed: "红灯", models.LightYellow: "黄灯", models.LightGreen: "绿灯", models.LightDone: "已完成"},
	ByDepartment: "各牵头单位任务状态（最需关注的在上）",
	ByLeader:     "各包抓领导任务状态（最需关注的在上）",
	Progress:     "节点进度：应完成与已完成（累计）",
	Due:          "应完成",
	Done:         "已完成",
	Tasks:        "任务数",
	Milestones:   "节点数",
	Today:        "今天",
	Others:       "其他%d个",
	Nobody:       "（未定领导）",
	Month:        func(m time.Time) string { return m.Format("1") + "月" },
	Year:         func(m time.Time) string { return m.Format("2006") + "年" },
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func lights(red, yellow, green, done int) map[models.Light]int {
	return map[models.Light]int{models.LightRed: red, models.LightYellow: yellow, models.LightGreen: green, models.LightDone: done}
}

func sampleSummary(firstDept string) *report.Summary {
	s := &report.Summary{
		Day:     day("2026-06-15"),
		Counts:  lights(4, 3, 6, 2),
		GroupBy: report.ByDepartment,
		Groups: []report.Group{
			{Name: firstDept, Counts: lights(2, 1, 1, 0)},
			{Name: "区住房和城乡建设局", Counts: lights(1, 1, 2, 0)},
			{Name: "区商务局", Counts: lights(1, 0, 1, 1)},
			{Name: "区交通运输局", Counts: lights(0, 1, 2, 1)},
		},
	}
	for i, due := range []int{2, 3, 1, 4, 2, 3, 2, 1, 3, 2, 1, 2} {
		done := 0
		if i < 6 {
			done = max(0, due-1)
		}
		s.Months = append(s.Months, report.Month{Start: day("2026-01-01").AddDate(0, i, 0), Due: due, Done: done})
	}
	return s
}

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

// keep writes a chart where TASKBOT_CHART_DIR says, to look at it.
func keep(t *testing.T, name string, data []byte) {
	if dir := os.Getenv("TASKBOT_CHART_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSummaryChartDrawsBarsAndProgress(t *testing.T) {
	data, err := report.SummaryChart(sampleSummary("区发展和改革局"), zhText)
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "chart-zh.png", data)
	img := decode(t, data)
	if b := img.Bounds(); b.Dx() != 600 || b.Dy() < 600 {
		t.Fatalf("size %v", b)
	}
	if _, err := report.SummaryChart(&report.Summary{}, zhText); err == nil {
		t.Fatal("a chart of nothing was drawn")
	}
}

// labelRegion is where the bars' names are drawn: left of the bars, on
// the top bar's row.
var labelRegion = image.Rect(10, 118, 200, 156)

func inked(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c, _, _, _ := img.At(x, y).RGBA(); c < 0x8000 {
				n++
			}
		}
	}
	return n
}

// A font without CJK glyphs draws every Chinese character as the same box
// or as nothing; with the right font two names draw differently.
func TestChartDrawsChineseGlyphs(t *testing.T) {
	if missing, err := report.MissingGlyphs("区发展和改革局住房城乡建设商务交通运输红黄绿灯已完成应节点进度累计其他个未定领导月王建国（）：…"); err != nil || missing != "" {
		t.Fatalf("missing glyphs %q, err %v", missing, err)
	}
	a, err := report.SummaryChart(sampleSummary("区发展和改革局"), zhText)
	if err != nil {
		t.Fatal(err)
	}
	b, err := report.SummaryChart(sampleSummary("区教育体育局"), zhText)
	if err != nil {
		t.Fatal(err)
	}
	imgA, imgB := decode(t, a), decode(t, b)
	if n := inked(imgA, labelRegion); n < 200 {
		t.Fatalf("label region has %d dark pixels: no name drawn", n)
	}
	differ := 0
	for y := labelRegion.Min.Y; y < labelRegion.Max.Y; y++ {
		for x := labelRegion.Min.X; x < labelRegion.Max.X; x++ {
			if imgA.At(x, y) != imgB.At(x, y) {
				differ++
			}
		}
	}
	if differ < 100 {
		t.Fatalf("two department names drew alike (%d pixels differ): the glyphs are boxes", differ)
	}
}

func TestChartGroupsPastItsRoomAndByLeader(t *testing.T) {
	s := sampleSummary("区发展和改革局")
	s.GroupBy = report.ByLeader
	s.Groups = nil
	for i := range 15 {
		s.Groups = append(s.Groups, report.Group{Name: string(rune('A'+i)) + " Leader", Counts: lights(15-i, i%3, 2, 1)})
	}
	s.Groups = append(s.Groups, report.Group{Name: "", Counts: lights(0, 0, 1, 0)})
	en := zhText
	en.Lights = map[models.Light]string{models.LightRed: "Red", models.LightYellow: "Yellow", models.LightGreen: "Green", models.LightDone: "Done"}
	en.ByLeader, en.Progress, en.Due, en.Done, en.Others, en.Nobody = "Tasks by leader, worst first", "Milestones due and done (cumulative)", "Due", "Done", "%d others", "(no leader)"
	en.Month = func(m time.Time) string { return m.Format("Jan") }
	en.Year = func(m time.Time) string { return m.Format("2006") }
	en.Tasks, en.Milestones, en.Today = "tasks", "milestones", "today"
	data, err := report.SummaryChart(s, en)
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "chart-en-leaders.png", data)
	// Eight bars and one that gathers the other eight.
	if h := decode(t, data).Bounds().Dy(); h != 170+44*9+400 {
		t.Fatalf("height %d", h)
	}
}
