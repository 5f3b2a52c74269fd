package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/report"
)

func chartSummary(dept string, red int) *report.Summary {
	counts := map[models.Light]int{models.LightRed: red, models.LightGreen: 4}
	return &report.Summary{Day: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Counts: counts, GroupBy: report.ByDepartment,
		Groups: []report.Group{{Name: dept, Counts: counts}}}
}

// A round draws each distinct chart once, however many readers see it,
// and a later batch of the same round draws none it drew already.
func TestChartBookDrawsEachPictureOnce(t *testing.T) {
	catalog, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	book := newChartBook(&Handler{Catalog: catalog})
	var draws atomic.Int64
	book.draw = func(s *report.Summary, text report.ChartText) ([]byte, error) {
		draws.Add(1)
		return []byte(fmt.Sprintf("%s %d", s.Groups[0].Name, s.Counts[models.LightRed])), nil
	}
	few := &report.Summary{Counts: map[models.Light]int{models.LightRed: 1}}
	wanted := []chartWanted{
		{LangZH, chartSummary("区发改局", 1)}, {LangZH, chartSummary("区发改局", 1)}, {LangZH, chartSummary("区商务局", 1)},
		{LangEN, chartSummary("区发改局", 1)}, {LangZH, few}, {LangZH, chartSummary("区发改局", 1)},
	}
	pictures, ok, err := book.drawAll(context.Background(), wanted)
	if err != nil {
		t.Fatal(err)
	}
	if n := draws.Load(); n != 3 {
		t.Fatalf("%d charts drawn for 3 distinct pictures", n)
	}
	for i, want := range []string{"区发改局 1", "区发改局 1", "区商务局 1", "区发改局 1", "", "区发改局 1"} {
		if got := string(pictures[i].File); got != want || ok[i] != (want != "") {
			t.Errorf("reader %d: picture %q (%v), want %q", i, got, ok[i], want)
		}
	}
	if pictures[3].Text == pictures[0].Text {
		t.Errorf("the English reader's caption is the Chinese one: %q", pictures[3].Text)
	}
	// The next batch: one new picture.
	if _, _, err := book.drawAll(context.Background(), []chartWanted{{LangZH, chartSummary("区发改局", 1)}, {LangZH, chartSummary("区发改局", 2)}}); err != nil {
		t.Fatal(err)
	}
	if n := draws.Load(); n != 4 {
		t.Fatalf("%d charts drawn after a batch with one new picture, want 4", n)
	}
}

// Charts are drawn on at most workers goroutines at once, each holding a
// raster; a failed drawing fails the round.
func TestChartBookBoundsItsWorkers(t *testing.T) {
	catalog, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	book := newChartBook(&Handler{Catalog: catalog})
	book.workers = 2
	var mu sync.Mutex
	inFlight, most := 0, 0
	both := make(chan struct{})
	var once sync.Once
	book.draw = func(s *report.Summary, _ report.ChartText) ([]byte, error) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		if inFlight == book.workers {
			once.Do(func() { close(both) })
		}
		mu.Unlock()
		<-both // the first two wait for each other: drawing is parallel
		mu.Lock()
		inFlight--
		mu.Unlock()
		if s.Counts[models.LightRed] == 6 {
			return nil, errors.New("font lost")
		}
		return []byte("png"), nil
	}
	var wanted []chartWanted
	for red := range 6 {
		wanted = append(wanted, chartWanted{LangZH, chartSummary("区发改局", red)})
	}
	if _, _, err := book.drawAll(context.Background(), wanted); err != nil {
		t.Fatal(err)
	}
	if most != 2 {
		t.Fatalf("%d charts drawn at once, want 2", most)
	}
	_, _, err = book.drawAll(context.Background(), []chartWanted{{LangZH, chartSummary("区发改局", 6)}})
	if err == nil {
		t.Fatal("a chart that failed to draw went unnoticed")
	}
}
