package report_test

import (
	"testing"

	"taskbot/report"
)

// BenchmarkSummaryChart draws and encodes one summary chart (four
// departments, twelve months): most of a daily round's CPU was here.
func BenchmarkSummaryChart(b *testing.B) {
	s := sampleSummary("区发展和改革局")
	b.ReportAllocs()
	size := 0
	for b.Loop() {
		data, err := report.SummaryChart(s, zhText)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "bytes/chart")
}
