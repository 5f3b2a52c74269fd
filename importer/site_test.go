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

func FuzzParseDegrees(f *testing.F) {
	for _, s := range []string{"121.4737", "31.2304", "121.5°E", "33.9S", "-0", "NaN", "1e400", "东经121度", " 90 "} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, lat bool) {
		v, err := parseDegrees(s, lat)
		if err != nil {
			if v != 0 {
				t.Fatalf("%q: %v with error %v", s, v, err)
			}
			return
		}
		limit := 180.0
		if lat {
			limit = 90
		}
		if v != v || v > limit || v < -limit {
			t.Fatalf("%q read as %v", s, v)
		}
	})
}
