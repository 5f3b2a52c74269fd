package report_test

import (
	"bytes"
	"image/png"
	"testing"

	"taskbot/models"
	"taskbot/report"
)

func TestLightsChartIsAPicture(t *testing.T) {
	data, err := report.LightsChart(map[models.Light]int{models.LightRed: 2, models.LightYellow: 3, models.LightGreen: 5})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 600 || b.Dy() != 400 {
		t.Fatalf("size %v", b)
	}
	if _, err := report.LightsChart(map[models.Light]int{}); err == nil {
		t.Fatal("a chart of nothing was drawn")
	}
}
