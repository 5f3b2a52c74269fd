package bot_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// summaryStore is a fixed little world: T01 red (overdue, blocked, open
// coordination, unconfirmed instruction), T02 yellow (due soon), T03 green.
func summaryStore(t *testing.T) (*models.Store, *bot.Handler, time.Time) {
	t.Helper()
	return summaryStoreOn(t, storetest.SQLite)
}

func summaryStoreOn(t *testing.T, open func(testing.TB, models.Options) *models.Store) (*models.Store, *bot.Handler, time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	s := open(t, models.Options{Clock: func() time.Time { return now }})
	due := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	specs := []models.TaskSpec{
		{Code: "T01", Title: "招商引资 <重点> & 签约", Department: "区发改局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Owners: []models.PersonSpec{{Name: "赵敏"}},
			Attendants: []models.PersonSpec{{Name: "刘洋"}, {Name: "杨帆"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "完成招商对接", Due: due(3, 31)}, {Seq: 2, Title: "签约落地", Due: due(12, 31)}}},
		{Code: "T02", Title: "河道综合治理", Department: "区水利局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "孙丽"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "清淤", Due: due(12, 2)}}},
		{Code: "T03", Title: "数字政府", Department: "区数据局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "孙丽"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "上线", Due: due(12, 31)}}},
	}
	ctx := context.Background()
	if _, err := s.ImportTasks(ctx, specs, false); err != nil {
		t.Fatal(err)
	}
	// Everyone bound but 孙丽, who never opened her invitation.
	if err := s.DB.Exec("UPDATE people SET telegram_id = 5000 + id WHERE key <> '孙丽'").Error; err != nil {
		t.Fatal(err)
	}
	t1, _ := models.TaskByCode(s.DB, "T01")
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&models.Reminder{TaskID: t1.Task.ID, PersonID: t1.Attendants[0].ID, Kind: models.ReminderSlot,
			SlotKey: "2026-11-27T09:00", SlotAt: now.Add(-9 * time.Hour)}).Error; err != nil {
			return err
		}
		r, err := models.RecordReport(tx, t1.Attendants[0].ID, models.ReportInput{TaskID: t1.Task.ID, MilestoneID: t1.Milestones[1].ID,
			State: models.StateBlocked, Percent: intp(40), Note: "等待<用地>审批 & 指标"}, now)
		if err != nil {
			return err
		}
		mid := t1.Milestones[1].ID
		if err := models.OpenCoordination(tx, t1.Attendants[0].ID, &models.CoordinationRequest{TaskID: t1.Task.ID, MilestoneID: &mid,
			ReportID: &r.ID, Text: "需协调用地指标"}); err != nil {
			return err
		}
		_, err = models.GiveInstruction(tx, t1.Leaders[0].ID, t1.Task.ID, "本周完成签约")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := bot.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return s, &bot.Handler{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Rankings: true}, now
}

func intp(n int) *int { return &n }

func TestSummaryGolden(t *testing.T) {
	s, h, now := summaryStore(t)
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	wang, err := models.PersonByKey(s.DB, "王建国")
	if err != nil {
		t.Fatal(err)
	}
	const board = "https://board.example.gov/"
	for _, tc := range []struct {
		name  string
		p     *models.Person
		admin bool
		view  bot.SummaryView
	}{
		{"leader", wang, false, bot.SummaryView{PersonID: wang.ID, BoardURL: board}},
		{"admin", nil, true, bot.SummaryView{Admin: true, Unbound: 1, BoardURL: board}},
	} {
		for _, lang := range []string{bot.LangZH, bot.LangEN} {
			t.Run(tc.name+"_"+lang, func(t *testing.T) {
				sum, err := h.BuildSummary(s.DB, tc.p, tc.admin, now, shanghai, false)
				if err != nil {
					t.Fatal(err)
				}
				out := h.Render.Summary(lang, sum, shanghai, tc.view)
				golden(t, "summary_"+tc.name+"_"+lang, out.Text+"\n=====\n"+buttonRows(out.Buttons))
				if strings.Contains(out.Text, "<重点>") || strings.Contains(out.Text, "<用地>") {
					t.Error("user text not escaped")
				}
			})
		}
	}
}

// A second summary marks only what changed since the first.
func TestSummaryMarksChanges(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { summaryMarksChanges(t, storetest.SQLite) })
	t.Run("postgres", func(t *testing.T) { summaryMarksChanges(t, storetest.Postgres) })
}

func summaryMarksChanges(t *testing.T, open func(testing.TB, models.Options) *models.Store) {
	s, h, now := summaryStoreOn(t, open)
	wang, _ := models.PersonByKey(s.DB, "王建国")
	first, err := h.BuildSummary(s.DB, wang, false, now, time.UTC, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range first.Entries {
		if !e.Changed || e.Before != "" {
			t.Fatalf("first summary: %s not new", e.Task.Task.Code)
		}
	}
	second, err := h.BuildSummary(s.DB, wang, false, now, time.UTC, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range second.Entries {
		if e.Changed {
			t.Fatalf("second summary marks %s changed", e.Task.Task.Code)
		}
	}
	// T03 turns yellow two days before... its due date moves close.
	s.DB.Model(&models.Milestone{}).Where("title = ?", "上线").Update("due_date", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	third, err := h.BuildSummary(s.DB, wang, false, now, time.UTC, true)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, e := range third.Entries {
		if e.Changed {
			changed = append(changed, fmt.Sprintf("%s %s→%s", e.Task.Task.Code, e.Before, e.Light))
		}
	}
	if strings.Join(changed, ",") != "T03 green→yellow" {
		t.Fatalf("changes %v", changed)
	}
}

// buttonRows shows buttons a row a line, each with what it does.
func buttonRows(rows [][]models.Button) string {
	var b strings.Builder
	for _, row := range rows {
		for i, btn := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			what := btn.Data
			if btn.WebApp != "" {
				what = "web_app " + btn.WebApp
			}
			fmt.Fprintf(&b, "[%s] %s", btn.Text, what)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// A long summary lists the worst tasks first and pages through the rest:
// every task on exactly one page, each page one message under the limit,
// the last without a next button.
func TestLongSummaryPages(t *testing.T) {
	s, h, now := summaryStore(t)
	var specs []models.TaskSpec
	for i := range 150 {
		specs = append(specs, models.TaskSpec{Code: fmt.Sprintf("X%03d", i), Title: strings.Repeat("长标题", 10), Department: "区发改局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: strings.Repeat("逾期节点", 8), Due: time.Date(2026, 1, 1+i%20, 0, 0, 0, 0, time.UTC)}}})
	}
	if _, err := s.ImportTasks(context.Background(), specs, false); err != nil {
		t.Fatal(err)
	}
	wang, _ := models.PersonByKey(s.DB, "王建国")
	sum, err := h.BuildSummary(s.DB, wang, false, now, time.UTC, false)
	if err != nil {
		t.Fatal(err)
	}
	pages := bot.SummaryPages(sum)
	if pages != 31 {
		t.Fatalf("%d pages for 152 listed tasks", pages)
	}
	seen := map[string]int{}
	var order []string
	for p := range pages {
		out := h.Render.SummaryPage(bot.LangZH, sum, time.UTC, bot.SummaryView{PersonID: wang.ID}, p)
		if n := utf8.RuneCountInString(out.Text); n > bot.MaxMessageRunes {
			t.Fatalf("page %d of %d characters", p, n)
		}
		for _, entry := range strings.Split(out.Text, "\n\n")[1:] {
			code := strings.Fields(strings.TrimPrefix(entry, "<b>"))[1]
			code = strings.TrimPrefix(code, "<b>")
			seen[code]++
			order = append(order, code)
		}
		last := out.Buttons[len(out.Buttons)-1]
		more := last[len(last)-1]
		if p < pages-1 && more.Data != fmt.Sprintf("sp:%d", p+1) {
			t.Fatalf("page %d ends with %+v, not the next page", p, more)
		}
		if p == pages-1 && strings.HasPrefix(more.Data, "sp:") && more.Data != fmt.Sprintf("sp:%d", p-1) {
			t.Fatalf("last page offers %+v", more)
		}
	}
	if len(seen) != 152 {
		t.Fatalf("%d of 152 tasks on the pages", len(seen))
	}
	for code, n := range seen {
		if n != 1 {
			t.Fatalf("%s on %d pages", code, n)
		}
	}
	// Red first, and among the red the longest overdue: X000 (1 January)
	// comes before X019 (20 January).
	if order[0] != "T01" && order[0] != "X000" {
		t.Fatalf("first listed %s", order[0])
	}
	if i0, i19 := slices.Index(order, "X000"), slices.Index(order, "X019"); i0 > i19 {
		t.Fatalf("X000 (longer overdue) listed after X019: %d > %d", i0, i19)
	}
	if order[len(order)-1] != "T02" {
		t.Fatalf("the yellow task is not last: %s", order[len(order)-1])
	}
}

// Building every summary at once gives each reader what building theirs
// alone gives.
func TestBuildAllMatchesBuild(t *testing.T) {
	s, _, now := summaryStore(t)
	today := models.Today(now, time.UTC)
	var people []models.Person
	s.DB.Order("id").Find(&people)
	var ids []uint
	for _, p := range people {
		ids = append(ids, p.ID)
	}
	all, err := report.BuildAll(s.DB, ids, nil, report.Options{Today: today, Rules: models.DefaultLightRules})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		tasks, err := models.TasksOfPerson(s.DB, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		one, err := report.Build(s.DB, tasks, report.Options{Today: today, Rules: models.DefaultLightRules})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one, all[p.ID]) {
			t.Errorf("%s: BuildAll differs from Build:\n%+v\n%+v", p.Key, all[p.ID], one)
		}
	}
}

// A milestone both overdue and blocked is one line saying both, and its
// task is headed by every reason once.
func TestOverdueBlockedMilestoneIsOneLine(t *testing.T) {
	s, h, now := summaryStore(t)
	t1, err := models.TaskByCode(s.DB, "T01")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Tx(context.Background(), func(tx *gorm.DB) error {
		_, err := models.RecordReport(tx, t1.Attendants[0].ID, models.ReportInput{TaskID: t1.Task.ID, MilestoneID: t1.Milestones[0].ID,
			State: models.StateBlocked, Note: "用地未批"}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wang, _ := models.PersonByKey(s.DB, "王建国")
	sum, err := h.BuildSummary(s.DB, wang, false, now, time.UTC, false)
	if err != nil {
		t.Fatal(err)
	}
	text := h.Render.Summary(bot.LangZH, sum, time.UTC, bot.SummaryView{PersonID: wang.ID}).Text
	if n := strings.Count(text, "完成招商对接"); n != 1 {
		t.Fatalf("the milestone is listed %d times:\n%s", n, text)
	}
	for _, want := range []string{
		"<b>T01 招商引资 &lt;重点&gt; &amp; 签约</b> · 逾期 241 天 · 受阻 · 待协调\n",
		"\n1. 完成招商对接（2026-03-31） · 逾期 241 天 · 受阻\n2. 签约落地（2026-12-31） · 受阻\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
}
