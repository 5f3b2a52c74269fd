package importer

import (
	"strings"
	"testing"
)

// 经度 and 纬度 give a task's site; both or neither, in range, the same on
// every row of the task.
func TestSiteColumns(t *testing.T) {
	header := append(append([]string(nil), stdHeader...), "经度", "纬度")
	r := func(code, seq, lon, lat string) []string {
		return append(row(code, "任务", "王建国", "区发改局", "", "刘洋", seq, "节点", "2026-12-31", "", ""), lon, lat)
	}
	list := mustCSV(t, csvText(header, r("T01", "1", "121.4737", "31.2304"), r("", "2", "", ""), r("T02", "1", "", ""),
		r("T03", "1", "121.5°E", "31.1N")))
	if s := list.Tasks[0].Site; s == nil || s.Lat != 31.2304 || s.Lon != 121.4737 {
		t.Fatalf("T01 site %+v", s)
	}
	if list.Tasks[1].Site != nil {
		t.Fatalf("T02 site %+v, want none", list.Tasks[1].Site)
	}
	if s := list.Tasks[2].Site; s == nil || s.Lat != 31.1 || s.Lon != 121.5 {
		t.Fatalf("T03 site %+v", s)
	}

	for _, c := range []struct {
		name string
		rows [][]string
		frag string
	}{
		{"longitude alone", [][]string{r("T01", "1", "121.47", "")}, "has a longitude but no latitude"},
		{"latitude out of range", [][]string{r("T01", "1", "121.47", "91")}, "out of range"},
		{"not a number", [][]string{r("T01", "1", "东经121度", "31")}, "not a longitude"},
		{"rows disagree", [][]string{r("T01", "1", "121.47", "31.2"), r("", "2", "121.48", "")}, "differs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readCSVString(t, csvText(append([][]string{header}, c.rows...)...))
			found := false
			for _, p := range problemsOf(t, err) {
				found = found || strings.Contains(p.Message, c.frag)
			}
			if !found {
				t.Fatalf("problems %v lack %q", err, c.frag)
			}
		})
	}
}
