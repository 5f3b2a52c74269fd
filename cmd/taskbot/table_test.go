package main

import (
	"strings"
	"testing"
)

func TestTableAlignsChineseByDisplayWidth(t *testing.T) {
	var tb table
	tb.row("NAME", "STATUS", "ROLES")
	tb.row("张伟(区住建局)", "bound", "attendant T01")
	tb.row("Liu Yang", "not bound", "owner T01")
	var out strings.Builder
	if err := tb.write(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	col := func(line, cell string) int { return displayWidth(line[:strings.Index(line, cell)]) }
	if a, b, c := col(lines[0], "STATUS"), col(lines[1], "bound"), col(lines[2], "not bound"); a != b || b != c {
		t.Fatalf("second column starts at %d, %d, %d:\n%s", a, b, c, out.String())
	}
	if a, b := col(lines[1], "attendant"), col(lines[2], "owner"); a != b {
		t.Fatalf("third column starts at %d and %d:\n%s", a, b, out.String())
	}
	if strings.HasSuffix(lines[1], " ") {
		t.Fatalf("trailing spaces: %q", lines[1])
	}
	for _, c := range []struct {
		s string
		w int
	}{{"abc", 3}, {"张伟", 4}, {"（）", 4}, {"T01 招商", 8}} {
		if got := displayWidth(c.s); got != c.w {
			t.Errorf("displayWidth(%q) = %d, want %d", c.s, got, c.w)
		}
	}
}
