package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// writeCityList writes a task list of tasks × milestones rows, the shape of
// a city's: 3 attendants a task, leaders and departments shared.
func writeCityList(b *testing.B, path string, tasks, milestones int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := csv.NewWriter(f)
	_ = w.Write([]string{"任务编号", "任务名称", "包抓领导", "牵头单位", "责任人", "专班联络员", "节点序号", "节点内容", "完成时限", "类别"})
	for t := range tasks {
		for m := 1; m <= milestones; m++ {
			_ = w.Write([]string{fmt.Sprintf("C%05d", t), fmt.Sprintf("城市重点任务第%d项：推进重点片区综合开发与基础设施建设", t),
				fmt.Sprintf("领导%d", t%300), fmt.Sprintf("部门%d", t%60), fmt.Sprintf("责任人%d", t%500),
				fmt.Sprintf("联络员%d、联络员%d、联络员%d", t%2000, (t+7)%2000, (t+13)%2000), fmt.Sprint(m),
				fmt.Sprintf("第%d个节点：完成阶段性目标并提交验收材料", m), fmt.Sprintf("2027-%02d-15", m%12+1), "城市建设"})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
}

// peakHeap samples the heap in use until stop is called.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}

// The ledger of 100,000 milestones exports to .xlsx and .csv and loads back
// with `taskbot import`, changing nothing: the commands an admin runs.
//
//	go test -run XXX -bench LedgerRoundTrip -benchtime 1x ./cmd/taskbot/
func BenchmarkLedgerRoundTrip(b *testing.B) {
	dir := b.TempDir()
	list, db := filepath.Join(dir, "city.csv"), filepath.Join(dir, "t.db")
	writeCityList(b, list, 10_000, 10)
	if out, err := run(b, "import", list, "--db", db); err != nil {
		b.Fatalf("import: %v %s", err, out)
	}
	b.ResetTimer()
	for i := range b.N {
		for _, ext := range []string{"xlsx", "csv"} {
			file := filepath.Join(dir, fmt.Sprintf("ledger%d.%s", i, ext))
			stop := peakHeap()
			start := time.Now()
			if out, err := run(b, "export", "--out", file, "--db", db); err != nil {
				b.Fatalf("export %s: %v %s", ext, err, out)
			}
			exported, exportHeap := time.Since(start), stop()
			stop = peakHeap()
			start = time.Now()
			out, err := run(b, "import", "--dry-run", file, "--db", db)
			if err != nil || !strings.Contains(out, "no changes") {
				b.Fatalf("import %s back: %v %s", ext, err, out)
			}
			imported, importHeap := time.Since(start), stop()
			st, _ := os.Stat(file)
			b.ReportMetric(exported.Seconds(), ext+"-export-s")
			b.ReportMetric(imported.Seconds(), ext+"-import-s")
			b.ReportMetric(float64(exportHeap)/(1<<20), ext+"-export-peak-heap-MiB")
			b.ReportMetric(float64(importHeap)/(1<<20), ext+"-import-peak-heap-MiB")
			b.ReportMetric(float64(st.Size())/(1<<20), ext+"-file-MiB")
		}
	}
}
