package report

import (
	"fmt"

	"github.com/go-analyze/charts"

	"taskbot/models"
)

// chartLights are drawn in the colours the bot shows them in.
var chartLights = []struct {
	light models.Light
	label string
	color string
}{
	{models.LightRed, "Red", "#e53935"},
	{models.LightYellow, "Yellow", "#fbc02d"},
	{models.LightGreen, "Green", "#43a047"},
	{models.LightDone, "Done", "#90a4ae"},
}

// LightsChart draws a summary's tasks by status light as a PNG pie. Its
// labels are Latin and digits only, so the chart needs no CJK font and
// reads the same to every reader; the caption carries the Chinese.
func LightsChart(counts map[models.Light]int) ([]byte, error) {
	var (
		values []float64
		names  []string
		colors []charts.Color
	)
	for _, l := range chartLights {
		if n := counts[l.light]; n > 0 {
			values = append(values, float64(n))
			names = append(names, fmt.Sprintf("%s %d", l.label, n))
			colors = append(colors, charts.ColorFromHex(l.color))
		}
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("lights chart: no tasks")
	}
	opt := charts.NewPieChartOptionWithData(values)
	for i := range opt.SeriesList {
		opt.SeriesList[i].Name = names[i]
	}
	opt.Theme = charts.GetDefaultTheme().WithSeriesColors(colors)
	opt.Padding = charts.NewBoxEqual(20)
	opt.Title = charts.TitleOption{Text: "Tasks by status light"}
	opt.Legend = charts.LegendOption{SeriesNames: names, Vertical: charts.Ptr(true),
		Offset: charts.OffsetStr{Left: "75%", Top: charts.PositionBottom}}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: 600, Height: 400})
	if err := p.PieChart(opt); err != nil {
		return nil, fmt.Errorf("lights chart: %w", err)
	}
	png, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("lights chart: %w", err)
	}
	return png, nil
}
