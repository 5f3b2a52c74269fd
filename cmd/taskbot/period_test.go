package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"taskbot/models"
)

// seedPeriodWorld makes a database whose first quarter of 2024 is long
// over whenever the tests run (the commands read the wall clock):
//
//	T01 区发改局, 王建国: 1 due 2024-02-10, done 02-09; 2 due 03-31, never done
//	T02 区水利局, 李明: 1 due 2024-05-20
func seedPeriodWorld(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "t.db")
	clock := time.Date(2024, 1, 5, 1, 0, 0, 0, time.UTC)
	store, err := models.Open(context.Background(), db, models.Options{Clock: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }
	specs := []models.TaskSpec{
		{Code: "T01", Title: "招商引资", Department: "区发改局", Leaders: []models.PersonSpec{{Name: "王建国"}},
			Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "招商对接", Due: day(2, 10)}, {Seq: 2, Title: "签约", Due: day(3, 31)}}},
		{Code: "T02", Title: "河道综合治理", Department: "区水利局", Leaders: []models.PersonSpec{{Name: "李明"}},
			Attendants: []models.PersonSpec{{Name: "孙丽"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "清淤", Due: day(5, 20)}}},
	}
	if _, err := store.ImportTasks(context.Background(), specs, false); err != nil {
		t.Fatal(err)
	}
	d, err := models.TaskByCode(store.DB, "T01")
	if err != nil {
		t.Fatal(err)
	}
	clock = time.Date(2024, 2, 9, 2, 0, 0, 0, time.UTC)
	err = store.Tx(context.Background(), func(tx *gorm.DB) error {
		_, err := models.RecordReport(tx, d.Attendants[0].ID, models.ReportInput{TaskID: d.Task.ID, MilestoneID: d.Milestones[0].ID,
			State: models.StateDone}, clock)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// reopenFirst reopens T01's first milestone now, long after the quarter.
func reopenFirst(t *testing.T, db string) {
	t.Helper()
	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	d, err := models.TaskByCode(store.DB, "T01")
	if err != nil {
		t.Fatal(err)
	}
	err = store.Tx(context.Background(), func(tx *gorm.DB) error {
		_, err := models.RecordReport(tx, d.Attendants[0].ID, models.ReportInput{TaskID: d.Task.ID, MilestoneID: d.Milestones[0].ID,
			State: models.StateOnTrack, Reopen: true}, store.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// counts are the rows bad input must leave alone.
func periodCounts(t *testing.T, db string) [3]int64 {
	t.Helper()
	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var out [3]int64
	store.DB.Model(&models.Period{}).Count(&out[0])
	store.DB.Model(&models.PeriodSnapshot{}).Count(&out[1])
	store.DB.Model(&models.AuditEvent{}).Count(&out[2])
	return out
}

// An admin adds, lists, shows and removes periods from the command line;
// bad input is refused with a clear message and changes nothing; showing
// an ended period freezes it, after which it cannot be removed and a
// reopened milestone shows as a note, not as a new figure.
func TestPeriodCommands(t *testing.T) {
	db := seedPeriodWorld(t)
	out, err := run(t, "period", "add", "2024Q1 开门红", "--from", "2024-02-21", "--to", "2024-03-31", "--db", db)
	if err != nil || !strings.Contains(out, "period 2024Q1 开门红 added: 2024-02-21 to 2024-03-31") {
		t.Fatalf("period add: %q %v", out, err)
	}
	if _, err := run(t, "period", "add", "下个世纪", "--from", "2099-01-01", "--to", "2099-03-31", "--db", db); err != nil {
		t.Fatal(err)
	}
	before := periodCounts(t, db)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "坏日期", "--from", "2024/02/21", "--to", "2024-03-31"}, `--from "2024/02/21": want YYYY-MM-DD`},
		{[]string{"add", "坏日期", "--from", "2024-02-21", "--to", "3月31日"}, `--to "3月31日": want YYYY-MM-DD`},
		{[]string{"add", "倒置", "--from", "2024-03-01", "--to", "2024-02-01"}, "ends on or after the day it begins"},
		{[]string{"add", "2024Q2", "--from", "2024-04-01", "--to", "2024-06-30"}, "calendar quarters (2027Q1…) exist already"},
		{[]string{"add", "2024Q1 开门红", "--from", "2024-02-21", "--to", "2024-03-31"}, "exists already"},
		{[]string{"add", " ", "--from", "2024-02-21", "--to", "2024-03-31"}, "1 to 40 characters"},
		{[]string{"add", "缺日期", "--from", "2024-02-21"}, `"to" not set`},
		{[]string{"remove", "没有这个"}, "no such period: see `taskbot period list`"},
		{[]string{"remove", "2024Q1"}, "calendar quarters cannot be removed"},
		{[]string{"show", "没有这个"}, "no such period"},
		{[]string{"show", "--by", "people"}, `--by "people": want leader, department or task`},
		{[]string{"show", "--lang", "fr"}, `--lang "fr": want zh or en`},
	} {
		out, err := run(t, append(append([]string{"period"}, tc.args...), "--db", db)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("period %v: %v, want an error saying %q\n%s", tc.args, err, tc.want, out)
		}
	}
	if after := periodCounts(t, db); after != before {
		t.Fatalf("refused commands changed the database: %v → %v", before, after)
	}

	list, err := run(t, "period", "list", "--db", db)
	if err != nil || !strings.Contains(list, "2024Q1 开门红  2024-02-21  2024-03-31  ended, not frozen yet") ||
		!strings.Contains(list, "下个世纪       2099-01-01  2099-03-31  coming") {
		t.Fatalf("period list:\n%s%v", list, err)
	}

	// Showing the ended quarter freezes it (and only it) as it stood at
	// its end.
	show, err := run(t, "period", "show", "2024Q1", "--by", "leader", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"2024年一季度 (2024Q1)  2024-01-01 – 2024-03-31  已定格于 ",
		"范围    到期  完成  完成率  按期  逾期  序时应完成  序时已完成  序时进度  脱幅  备注",
		"全区    2     1     50%     1     1     2           1           50%       1\n",
		"李明    0     0     —       0     0     0           0           —         0     本期无节点\n",
		"王建国  2     1     50%     1     1     2           1           50%       1\n",
	} {
		if !strings.Contains(show, want) {
			t.Errorf("period show 2024Q1 lacks %q:\n%s", want, show)
		}
	}
	if n := periodCounts(t, db)[1]; n != 1 {
		t.Fatalf("%d snapshots after showing one ended quarter", n)
	}
	if _, err := run(t, "period", "show", "2024Q1 开门红", "--db", db); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "period", "remove", "2024Q1 开门红", "--db", db); err == nil || !strings.Contains(err.Error(), "frozen") {
		t.Fatalf("a frozen period removed: %v\n%s", err, out)
	}
	if list, _ := run(t, "period", "list", "--db", db); !strings.Contains(list, "2024Q1 开门红  2024-02-21  2024-03-31  frozen ") {
		t.Fatalf("period list after the freeze:\n%s", list)
	}

	reopenFirst(t, db)
	show, err = run(t, "period", "show", "2024Q1", "--by", "task", "--lang", "en", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Q1 2024 (2024Q1)  2024-01-01 – 2024-03-31  frozen on ",
		"district      2    1     50%     1        1     2             1              50%   1       changed after the end\n",
		"T01 招商引资  2    1     50%     1        1     2             1              50%   behind  changed after the end\n",
		"1 more task(s) with nothing due in the period",
	} {
		if !strings.Contains(show, want) {
			t.Errorf("period show 2024Q1 --by task after the reopening lacks %q:\n%s", want, show)
		}
	}

	// The future period and the removable one.
	if show, err := run(t, "period", "show", "下个世纪", "--db", db); err != nil || !strings.Contains(show, "尚未开始") {
		t.Fatalf("a period not begun: %v\n%s", err, show)
	}
	if out, err := run(t, "period", "remove", "下个世纪", "--db", db); err != nil || !strings.Contains(out, "period 下个世纪 removed") {
		t.Fatalf("period remove: %v\n%s", err, out)
	}
}

// The export has the assessment of each period begun: a sheet 季度考核
// (assessment) of the .xlsx, a file of its own beside a .csv; an ended
// period is frozen, and a later change is a note.
func TestExportAssessmentSheet(t *testing.T) {
	db := seedPeriodWorld(t)
	dir := t.TempDir()
	if _, err := run(t, "period", "add", "2024Q1 开门红", "--from", "2024-02-21", "--to", "2024-03-31", "--db", db); err != nil {
		t.Fatal(err)
	}
	sheet := func(path, name string) [][]string {
		t.Helper()
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if !slices.Contains(f.GetSheetList(), name) {
			t.Fatalf("%s has sheets %v, not %s", path, f.GetSheetList(), name)
		}
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	find := func(rows [][]string, period, scope, name string) []string {
		t.Helper()
		for _, r := range rows {
			if len(r) > 5 && r[0] == period && r[4] == scope && r[5] == name {
				return r
			}
		}
		t.Fatalf("no row %s %s %s in %v", period, scope, name, rows)
		return nil
	}
	xlsx := filepath.Join(dir, "ledger.xlsx")
	if _, err := run(t, "export", "--out", xlsx, "--db", db); err != nil {
		t.Fatal(err)
	}
	rows := sheet(xlsx, "季度考核")
	if got := strings.Join(rows[0], ","); got != "考核期,起始日,截止日,状态,范围,名称,任务名称,到期节点,已完成,完成率,按期完成,逾期,序时应完成,序时已完成,序时进度,脱幅任务,备注" {
		t.Fatalf("headers: %s", got)
	}
	want := "2024Q1,2024-01-01,2024-03-31,已定格,全区,全区,,2,1,50%,1,1,2,1,50%,1"
	if got := strings.Join(find(rows, "2024Q1", "全区", "全区"), ","); got != want {
		t.Fatalf("2024Q1 district:\n got %s\nwant %s", got, want)
	}
	if got := strings.Join(find(rows, "2024Q1 开门红", "任务", "T01"), ","); got != "2024Q1 开门红,2024-02-21,2024-03-31,已定格,任务,T01,招商引资,1,0,0%,0,1,1,0,0%,1" {
		t.Fatalf("开门红 T01: %s", got)
	}
	if got := strings.Join(find(rows, "2024Q2", "包抓领导", "李明"), ","); got != "2024Q2,2024-04-01,2024-06-30,已定格,包抓领导,李明,,1,0,0%,0,1,1,0,0%,1" {
		t.Fatalf("2024Q2 李明: %s", got)
	}
	for _, r := range rows[1:] {
		if r[0] == "2024Q1" && r[4] == "任务" && r[5] == "T02" {
			t.Fatalf("a task with nothing due in the period is listed: %v", r)
		}
	}

	// Reopened after the freeze: the figure stays, with a note.
	reopenFirst(t, db)
	csvPath := filepath.Join(dir, "ledger.csv")
	out, err := run(t, "export", "--out", csvPath, "--db", db)
	periodsPath := filepath.Join(dir, "ledger-periods.csv")
	if err != nil || !strings.Contains(out, "wrote "+periodsPath) {
		t.Fatalf("csv export: %v\n%s", err, out)
	}
	data, err := os.ReadFile(periodsPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "\ufeff考核期,起始日,截止日,") ||
		!strings.Contains(string(data), "\n2024Q1,2024-01-01,2024-03-31,已定格,全区,全区,,2,1,50%,1,1,2,1,50%,1,结束后有变动\n") {
		t.Fatalf("ledger-periods.csv:\n%s", data)
	}
	if ledger, err := os.ReadFile(csvPath); err != nil || strings.Contains(string(ledger), "考核期") {
		t.Fatalf("the ledger's csv holds the assessment: %v", err)
	}

	en := filepath.Join(dir, "ledger-en.xlsx")
	if _, err := run(t, "export", "--out", en, "--lang", "en", "--db", db); err != nil {
		t.Fatal(err)
	}
	rows = sheet(en, "assessment")
	if got := strings.Join(find(rows, "2024Q1", "district", "district"), ","); got != "2024Q1,2024-01-01,2024-03-31,frozen,district,district,,2,1,50%,1,1,2,1,50%,1,changed after the end" {
		t.Fatalf("en district: %s", got)
	}
}
