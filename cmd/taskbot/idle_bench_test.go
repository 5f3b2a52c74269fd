package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/telegramtest"
)

// BenchmarkIdleProcess runs the taskbot binary on the city (10,000 tasks,
// 30,000 reminders a slot, 7,100 bound people) against the fake Bot API
// server with nothing due, and samples the process's CPU time and resident
// memory every second. The first 30 s (start, the first sync of every
// schedule, the scheduler's first tick) are not counted; then it samples
// for TASKBOT_IDLE_FOR (default 1m). It reports the CPU-seconds per minute,
// the largest and median resident set, and the largest anonymous part of
// it: what the process itself holds, without the pages of its executable.
//
// The executable runs from a copy put in place the way cp, install or an
// archive's extraction does, in chunks. Its file pages count in the
// resident set, and a kernel with large page-cache folios (6.18 here) maps
// every folio it touches whole: the linker's own output, or a file written
// in one call, sits in 2 MB folios and adds some 6 MB of executable to the
// resident set (29 MB instead of 23) until the page cache is rebuilt.
//
//	TASKBOT_IDLE_FOR=5m go test -run '^$' -bench IdleProcess -benchtime 1x -timeout 30m ./cmd/taskbot/
func BenchmarkIdleProcess(b *testing.B) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("sampling a process needs /proc")
	}
	window := time.Minute
	if v := os.Getenv("TASKBOT_IDLE_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("TASKBOT_IDLE_FOR: %v", err)
		}
		window = d
	}
	dir := b.TempDir()
	linked, bin := filepath.Join(dir, "taskbot.linked"), filepath.Join(dir, "taskbot")
	if out, err := exec.Command("go", "build", "-o", linked, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	installCopy(b, linked, bin)
	stores := []struct {
		name string
		dsn  func(testing.TB) string
	}{
		{"sqlite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "city.db") }},
		{"postgres", storetest.PostgresDSN},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			var all idleSamples
			for range b.N {
				b.StopTimer()
				dsn := st.dsn(b)
				s, err := models.Open(context.Background(), dsn, models.Options{})
				if err != nil {
					b.Fatal(err)
				}
				storetest.SeedCity(b, s)
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				all = append(all, sampleIdle(b, bin, dsn, window)...)
			}
			perMin, maxMB, medianMB, anonMB := all.summary()
			b.ReportMetric(perMin, "cpu-s/min")
			b.ReportMetric(maxMB, "max-MB")
			b.ReportMetric(medianMB, "median-MB")
			b.ReportMetric(anonMB, "max-anon-MB")
		})
	}
}

// installCopy copies the executable at src to dst in io.Copy's 32 KiB
// writes, as Docker's layer extraction does (cp's copies map alike).
func installCopy(b *testing.B, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		b.Fatal(err)
	}
	// A plain Reader and Writer keep io.Copy from handing the copy to the
	// kernel (copy_file_range): it is made of writes, like an extraction.
	if _, err := io.Copy(struct{ io.Writer }{out}, struct{ io.Reader }{in}); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

type idleSample struct {
	at     time.Time
	cpu    time.Duration // user + system since the process started
	rssKB  int64
	anonKB int64 // RssAnon: the resident set less the mapped files
}

type idleSamples []idleSample

// summary gives CPU-seconds per minute over the samples' span (each run's
// own span, summed), the largest and median RSS and the largest anonymous
// resident memory, in MB.
func (ss idleSamples) summary() (perMin, maxMB, medianMB, anonMB float64) {
	var cpu, span time.Duration
	var rss []int64
	var anon int64
	for i, s := range ss {
		rss = append(rss, s.rssKB)
		anon = max(anon, s.anonKB)
		if i > 0 && s.cpu >= ss[i-1].cpu && s.at.After(ss[i-1].at) {
			cpu += s.cpu - ss[i-1].cpu
			span += s.at.Sub(ss[i-1].at)
		}
	}
	if len(rss) == 0 || span == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(rss)
	return cpu.Seconds() / span.Minutes(), float64(rss[len(rss)-1]) / 1024, float64(rss[len(rss)/2]) / 1024, float64(anon) / 1024
}

// sampleIdle starts the bot on dsn with every schedule placed twelve hours
// away, so nothing falls due while it is watched, and samples it.
func sampleIdle(b *testing.B, bin, dsn string, window time.Duration) idleSamples {
	srv, err := telegramtest.New(telegramtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	away := time.Now().In(shanghai).Add(12 * time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "run", "--db", dsn, "--token", srv.Token(), "--api-url", srv.URL(),
		"--ops-listen", "", "--tz", "Asia/Shanghai",
		"--remind-cron", fmt.Sprintf("%d %d * * *", away.Minute(), away.Hour()),
		"--summary-at", away.Format("15:04"), "--weekly-at", away.Format("Mon 15:04"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
		if b.Failed() {
			b.Logf("the bot's log:\n%s", logs.String())
		}
	}()
	const settle = 30 * time.Second
	pid := cmd.Process.Pid
	deadline := time.Now().Add(settle)
	for time.Now().Before(deadline) {
		if _, err := readIdleSample(pid); err != nil {
			b.Fatalf("the bot stopped while starting: %v", err)
		}
		time.Sleep(time.Second)
	}
	var out idleSamples
	end := time.Now().Add(window)
	for {
		s, err := readIdleSample(pid)
		if err != nil {
			b.Fatalf("the bot stopped while idle: %v", err)
		}
		out = append(out, s)
		if !time.Now().Before(end) {
			return out
		}
		time.Sleep(time.Second)
	}
}

// readIdleSample reads the CPU time and RSS of pid from /proc. The clock
// tick is the kernel's USER_HZ, 100 on every Linux that Go supports.
func readIdleSample(pid int) (idleSample, error) {
	at := time.Now()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return idleSample{}, err
	}
	// The command name may hold spaces; the fields follow its ')'.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 || fields[0] == "Z" {
		return idleSample{}, fmt.Errorf("process %d has exited", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return idleSample{}, fmt.Errorf("/proc/%d/stat: %q", pid, stat)
	}
	status, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return idleSample{}, err
	}
	defer status.Close()
	sample := idleSample{at: at, cpu: time.Duration(utime+stime) * 10 * time.Millisecond}
	kB := func(v string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		return n
	}
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			sample.rssKB = kB(v)
		} else if v, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			sample.anonKB = kB(v)
		}
	}
	return sample, nil
}
