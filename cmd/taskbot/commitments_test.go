package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command line issues commitments (queued for the running bot), reads
// the progress, prints a leader's text with its fingerprint and writes
// its PDF; a bad template or period is refused and issues nothing.
func TestCommitmentsCommands(t *testing.T) {
	db := seedPeriodWorld(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[zh]\ntitle = \"责任书\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"neither", []string{"commitments", "issue", "--period", "2024"}, "give --leader NAME or --all"},
		{"both", []string{"commitments", "issue", "--all", "--leader", "王建国", "--period", "2024"}, "give --leader NAME or --all"},
		{"bad template", []string{"commitments", "issue", "--all", "--period", "2024", "--template", bad}, "bad commitment template: [zh] no clauses"},
		{"missing template", []string{"commitments", "issue", "--all", "--template", filepath.Join(dir, "none.toml")}, "commitment template"},
		{"bad period", []string{"commitments", "issue", "--all", "--period", "明年"}, "a commitment's period is a year"},
		{"unknown leader", []string{"commitments", "issue", "--leader", "赵六", "--period", "2024"}, "no person"},
		{"attendant", []string{"commitments", "issue", "--leader", "刘洋", "--period", "2024"}, "contracts no open task"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := run(t, append(tc.args, "--db", db)...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v: %v, want an error saying %q", tc.args, err, tc.want)
			}
		})
	}
	out, err := run(t, "commitments", "status", "--period", "2024", "--db", db)
	if err != nil || !strings.Contains(out, "签订进度 0/2 (2024)") || !strings.Contains(out, "未下发 not issued") {
		t.Fatalf("status before issuing: %v\n%s", err, out)
	}
	out, err = run(t, "commitments", "issue", "--all", "--period", "2024", "--db", db)
	if err != nil || !strings.Contains(out, "2 new version(s), 0 unchanged; 0 queued") || !strings.Contains(out, "not bound or unreachable (issue again once they are): 李明, 王建国") ||
		!strings.Contains(out, "未签 not signed") {
		t.Fatalf("issue: %v\n%s", err, out)
	}
	out, err = run(t, "commitments", "issue", "--leader", "王建国", "--period", "2024", "--db", db)
	if err != nil || !strings.Contains(out, "0 new version(s), 1 unchanged") {
		t.Fatalf("issue again: %v\n%s", err, out)
	}
	pdf := filepath.Join(dir, "wang.pdf")
	out, err = run(t, "commitments", "show", "--leader", "王建国", "--period", "2024", "--pdf", pdf, "--db", db)
	if err != nil || !strings.Contains(out, "version 1, fingerprint (SHA-256 of the text below) ") || !strings.Contains(out, "1. 招商对接（完成时限 2024-02-10）") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	if data, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("the PDF written: %v", err)
	}
	out, err = run(t, "commitments", "template")
	if err != nil || !strings.Contains(out, "[zh]") || !strings.Contains(out, "[en]") {
		t.Fatalf("template: %v\n%s", err, out)
	}
}
