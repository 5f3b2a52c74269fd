package models_test

import (
	"reflect"
	"testing"
	"time"

	"taskbot/models"
)

// The figures of one period over milestones and a day, edge by edge. The
// period is the first quarter of 2027; a milestone's day done is zero while
// it is not done (a reopened one included).
func TestCountPeriod(t *testing.T) {
	q1, ok := models.ParseQuarter("2027Q1")
	if !ok {
		t.Fatal("2027Q1 does not parse")
	}
	d := func(m time.Month, day int) time.Time { return date(2027, m, day) }
	m := func(task uint, due, done time.Time) models.Outcome {
		return models.Outcome{TaskID: task, Baseline: due, DoneOn: done}
	}
	none := time.Time{}
	for _, tc := range []struct {
		name  string
		ms    []models.Outcome
		today time.Time
		want  models.Figures
	}{
		{"nothing due in the period", []models.Outcome{m(1, d(4, 1), none), m(1, date(2026, 12, 31), date(2026, 12, 30)), m(1, none, none)},
			d(2, 1), models.Figures{}},
		{"due today, not done: due by today, behind, not late yet", []models.Outcome{m(1, d(2, 10), none)},
			d(2, 10), models.Figures{Due: 1, DueByToday: 1, BehindTasks: 1}},
		{"due today, done today: on time", []models.Outcome{m(1, d(2, 10), d(2, 10))},
			d(2, 10), models.Figures{Due: 1, Done: 1, OnTime: 1, DueByToday: 1, DoneByToday: 1}},
		{"past due, not done: late and behind", []models.Outcome{m(1, d(2, 10), none)},
			d(2, 11), models.Figures{Due: 1, Late: 1, DueByToday: 1, BehindTasks: 1}},
		{"done late", []models.Outcome{m(1, d(2, 10), d(2, 15))},
			d(3, 1), models.Figures{Due: 1, Done: 1, Late: 1, DueByToday: 1, DoneByToday: 1}},
		{"due later in the period, not yet done", []models.Outcome{m(1, d(3, 20), none)},
			d(3, 1), models.Figures{Due: 1}},
		{"done early: done, not yet due by today", []models.Outcome{m(1, d(3, 20), d(2, 20))},
			d(3, 1), models.Figures{Due: 1, Done: 1, OnTime: 1}},
		{"done after the day counted: not done yet that day", []models.Outcome{m(1, d(2, 10), d(2, 15))},
			d(2, 12), models.Figures{Due: 1, Late: 1, DueByToday: 1, BehindTasks: 1}},
		{"done after the period, counted later", []models.Outcome{m(1, d(3, 31), d(4, 2))},
			d(4, 5), models.Figures{Due: 1, Done: 1, Late: 1, DueByToday: 1, DoneByToday: 1}},
		{"extension approved into the period", []models.Outcome{m(1, d(3, 10), none)},
			d(3, 1), models.Figures{Due: 1}},
		{"extension approved out of the period", []models.Outcome{m(1, d(4, 20), none)},
			d(3, 1), models.Figures{}},
		{"reopened: not done", []models.Outcome{m(1, d(2, 10), none)},
			d(3, 1), models.Figures{Due: 1, Late: 1, DueByToday: 1, BehindTasks: 1}},
		{"first and last day belong to the period", []models.Outcome{m(1, d(1, 1), d(1, 1)), m(2, d(3, 31), none)},
			d(3, 31), models.Figures{Due: 2, Done: 1, OnTime: 1, DueByToday: 2, DoneByToday: 1, BehindTasks: 1}},
		{"a task behind counts once however many of its milestones are",
			[]models.Outcome{m(1, d(1, 10), none), m(1, d(1, 20), none), m(2, d(1, 15), d(1, 14)), m(3, d(3, 1), none)},
			d(2, 1), models.Figures{Due: 4, Done: 1, OnTime: 1, Late: 2, DueByToday: 3, DoneByToday: 1, BehindTasks: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := models.CountPeriod(q1, tc.ms, tc.today)
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// At the close, what was not done by the last day is late and not done,
// whenever it is counted.
func TestCountAtClose(t *testing.T) {
	q1, _ := models.ParseQuarter("2027Q1")
	d := func(m time.Month, day int) time.Time { return date(2027, m, day) }
	ms := []models.Outcome{
		{TaskID: 1, Baseline: d(3, 31), DoneOn: d(4, 2)},  // done after the period
		{TaskID: 3, Baseline: d(3, 30), DoneOn: d(4, 1)},  // done the day after
		{TaskID: 1, Baseline: d(3, 31), DoneOn: d(3, 31)}, // on the last day
		{TaskID: 2, Baseline: d(3, 31)},                   // due on the last day, never done
		{TaskID: 2, Baseline: d(2, 1), DoneOn: d(3, 1)},   // late
	}
	want := models.Figures{Due: 5, Done: 2, OnTime: 1, Late: 4, DueByToday: 5, DoneByToday: 2, BehindTasks: 3}
	if got := models.CountAtClose(q1, ms); got != want {
		t.Fatalf("at close: got %+v, want %+v", got, want)
	}
	// Counted a month later, the close is the same; the live figures are
	// not: a milestone was done after the end.
	live := models.CountPeriod(q1, ms, d(5, 1))
	if live == want || live.Done != 4 {
		t.Fatalf("live a month later: %+v", live)
	}
}

func TestFiguresRates(t *testing.T) {
	for _, tc := range []struct {
		f             models.Figures
		done, pace    int
		hasDone, has  bool
		behind, empty bool
	}{
		{models.Figures{}, 0, 0, false, false, false, true},
		{models.Figures{Due: 12, Done: 9, DueByToday: 3, DoneByToday: 2, BehindTasks: 1}, 75, 66, true, true, true, false},
		{models.Figures{Due: 3, Done: 0}, 0, 0, true, false, false, false},
	} {
		done, hasDone := tc.f.DonePercent()
		pace, has := tc.f.PacePercent()
		if done != tc.done || hasDone != tc.hasDone || pace != tc.pace || has != tc.has || tc.f.Behind() != tc.behind || tc.f.Empty() != tc.empty {
			t.Errorf("%+v: done %d%% %v, pace %d%% %v, behind %v, empty %v", tc.f, done, hasDone, pace, has, tc.f.Behind(), tc.f.Empty())
		}
	}
}

// Each scope sums its tasks; a task of two leaders counts for both; rows
// come by scope and name, whatever the figures.
func TestAssessScopes(t *testing.T) {
	q1, _ := models.ParseQuarter("2027Q1")
	d := func(m time.Month, day int) time.Time { return date(2027, m, day) }
	wang, li := models.Person{ID: 7, Key: "王建国"}, models.Person{ID: 3, Key: "李明"}
	tasks := []models.TaskOutcomes{
		{TaskID: 1, Code: "T01", Title: "招商引资", Dept: "区发改局", Leaders: []models.Person{wang},
			Milestones: []models.Outcome{{TaskID: 1, Baseline: d(2, 10), DoneOn: d(2, 9)}, {TaskID: 1, Baseline: d(3, 10)}}},
		{TaskID: 2, Code: "T02", Title: "河道治理", Dept: "区水利局", Leaders: []models.Person{wang, li},
			Milestones: []models.Outcome{{TaskID: 2, Baseline: d(2, 1)}}},
		{TaskID: 3, Code: "T03", Title: "数字政府", Dept: "区发改局", Leaders: []models.Person{li},
			Milestones: []models.Outcome{{TaskID: 3, Baseline: d(6, 1)}}},
	}
	rows := models.AssessScopes(tasks, func(ms []models.Outcome) models.Figures { return models.CountPeriod(q1, ms, d(3, 1)) })
	type row struct {
		kind models.ScopeKind
		key  string
		f    models.Figures
	}
	var got []row
	for _, r := range rows {
		got = append(got, row{r.Kind, r.Key, r.Figures})
	}
	t1 := models.Figures{Due: 2, Done: 1, OnTime: 1, DueByToday: 1, DoneByToday: 1}
	t2 := models.Figures{Due: 1, Late: 1, DueByToday: 1, BehindTasks: 1}
	both := models.Figures{Due: 3, Done: 1, OnTime: 1, Late: 1, DueByToday: 2, DoneByToday: 1, BehindTasks: 1}
	want := []row{
		{models.ScopeDistrict, "", both},
		{models.ScopeDepartment, "区发改局", t1},
		{models.ScopeDepartment, "区水利局", t2},
		{models.ScopeLeader, "7", both}, // 王建国
		{models.ScopeLeader, "3", t2},   // 李明
		{models.ScopeTask, "T01", t1},
		{models.ScopeTask, "T02", t2},
		{models.ScopeTask, "T03", models.Figures{}},
	}
	// Names sort as strings: 李 (U+674E) before 王 (U+738B).
	want[3], want[4] = want[4], want[3]
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows:\n got %+v\nwant %+v", got, want)
	}
}

func TestQuarters(t *testing.T) {
	for _, tc := range []struct {
		day         time.Time
		name        string
		first, last time.Time
	}{
		{date(2027, 1, 1), "2027Q1", date(2027, 1, 1), date(2027, 3, 31)},
		{date(2027, 5, 31), "2027Q2", date(2027, 4, 1), date(2027, 6, 30)},
		{date(2028, 9, 30), "2028Q3", date(2028, 7, 1), date(2028, 9, 30)},
		{date(2026, 12, 31), "2026Q4", date(2026, 10, 1), date(2026, 12, 31)},
	} {
		q := models.QuarterOf(tc.day)
		if q.Name != tc.name || !q.FirstDay.Equal(tc.first) || !q.LastDay.Equal(tc.last) {
			t.Errorf("QuarterOf(%s) = %+v", tc.day.Format(time.DateOnly), q)
		}
		back, ok := models.ParseQuarter(tc.name)
		if !ok || back != q {
			t.Errorf("ParseQuarter(%s) = %+v %v", tc.name, back, ok)
		}
	}
	for _, bad := range []string{"2027Q5", "2027Q0", "27Q1", "2027 Q1", "Q1"} {
		if _, ok := models.ParseQuarter(bad); ok {
			t.Errorf("ParseQuarter(%q) accepted", bad)
		}
	}
}
