package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"taskbot/models"
)

// `taskbot summary` prints what would be sent and records nothing, so the
// next real summary still marks what changed.
func TestSummaryCommandPrintsWithoutSending(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "summary", "--db", db)
	if err != nil || !strings.Contains(out, "重点任务汇总") || strings.Contains(out, "<b>") {
		t.Fatalf("admins' summary: %v\n%s", err, out)
	}
	out, err = run(t, "summary", "--weekly", "--all", "--lang", "en", "--db", db)
	if err != nil || !strings.Contains(out, "weekly digest") || !strings.Contains(out, "not bound: nothing is sent") {
		t.Fatalf("weekly digests: %v\n%s", err, out)
	}
	chart := filepath.Join(dir, "chart.png")
	out, err = run(t, "summary", "--person", "王建国", "--chart", chart, "--db", db)
	if err != nil || !strings.Contains(out, "==== 王建国") {
		t.Fatalf("one person's summary: %v\n%s", err, out)
	}
	data, err := os.ReadFile(chart)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("chart is not a PNG: %v", err)
	}
	if _, err := run(t, "summary", "--person", "无此人", "--db", db); err == nil {
		t.Fatal("an unknown person was summarised")
	}
	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, table := range []string{"summary_marks", "weekly_marks", "weekly_digests", "outbox_messages"} {
		var n int64
		if err := store.DB.Table(table).Count(&n).Error; err != nil || n != 0 {
			t.Errorf("%s has %d rows after printing summaries (%v)", table, n, err)
		}
	}
}
