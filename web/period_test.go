package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

var weekBar = regexp.MustCompile(`<g data-week="([^"]+)" data-due="(\d+)" data-done="(\d+)">`)

// The period card counts the reader's own tasks over the quarter, and its
// chart grows week by week with what was due and done; a done milestone
// counts in the week it was done.
func TestPeriodCardOfEachReader(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newWorld(t, s, clock)
		// 李娜 reports T02's milestone (due 11-29) done today, on time.
		t2, err := models.TaskByCode(s.DB, "T02")
		if err != nil {
			t.Fatal(err)
		}
		err = s.Tx(context.Background(), func(tx *gorm.DB) error {
			_, err := models.RecordReport(tx, t2.Attendants[0].ID, models.ReportInput{TaskID: t2.Task.ID, MilestoneID: t2.Milestones[0].ID,
				State: models.StateDone, Source: "command"}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		base := w.serve(t)

		// 王建国 sees T01-T03: in 2026Q4, T01's milestone 1 (11-22, not
		// done) and T02's (11-29, done today).
		a := get(t, base, "/app/period", w.initData(t, leaderTG, "zh-hans"))
		if a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.body)
		}
		for _, want := range []string{"本期考核 · 2026Q4", "到期 2", "完成 1（50%）", "按期 1", "逾期 1", "序时进度 0/1", "脱幅 1 项"} {
			if !strings.Contains(a.body, want) {
				t.Errorf("leader's card lacks %q:\n%s", want, a.body)
			}
		}
		weeks := map[string][2]string{}
		var order []string
		for _, m := range weekBar.FindAllStringSubmatch(a.body, -1) {
			weeks[m[1]] = [2]string{m[2], m[3]}
			order = append(order, m[1])
		}
		// Q4 2026 begins on Thursday 1 October: its first week is cut to
		// four days, the others begin on Mondays.
		if len(order) != 14 || order[0] != "10/1" || order[1] != "10/5" || order[13] != "12/28" {
			t.Fatalf("weeks %v", order)
		}
		for week, want := range map[string][2]string{"11/9": {"0", "0"}, "11/16": {"1", "0"}, "11/23": {"2", "1"}, "12/28": {"2", "0"}} {
			if weeks[week] != want {
				t.Errorf("week %s: due/done %v, want %v", week, weeks[week], want)
			}
		}
		if !strings.Contains(a.body, `class="today"`) {
			t.Error("no today marker")
		}

		// The admin sees T04 too: one more due and late.
		admin := get(t, base, "/app/period", w.initData(t, adminTG, "en"))
		for _, want := range []string{"This period · 2026Q4", "3 due", "1 done (33%)", "on schedule 0/2", "2 tasks behind"} {
			if !strings.Contains(admin.body, want) {
				t.Errorf("admin's card lacks %q:\n%s", want, admin.body)
			}
		}
		// A stranger bound to nobody gets no card.
		if got := get(t, base, "/app/period", w.initData(t, strangerTG, "zh-hans")); got.status == 200 {
			t.Errorf("a stranger got the period card: %d", got.status)
		}
	})
}

// A period with nothing due says so instead of showing 0 %.
func TestPeriodCardWithNothingDue(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newWorld(t, s, clock)
		w.now = time.Date(2027, 8, 3, 2, 0, 0, 0, time.UTC) // 2027Q3: nothing of the world is due
		base := w.serve(t)
		a := get(t, base, "/app/period", w.initData(t, leaderTG, "zh-hans"))
		if !strings.Contains(a.body, "本期无节点") || strings.Contains(a.body, "0%") {
			t.Errorf("empty period:\n%s", a.body)
		}
	})
}

// A task's page lists the front-line visits to it with their findings and
// where the location came from, never as a check-in.
func TestTaskPageShowsVisits(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newWorld(t, s, clock)
		leader, err := models.PersonByKey(s.DB, "王建国")
		if err != nil {
			t.Fatal(err)
		}
		err = s.Tx(context.Background(), func(tx *gorm.DB) error {
			v, err := models.StartVisit(tx, leader.ID, false, []string{"T01"}, clock.Now())
			if err != nil {
				return err
			}
			if _, err := models.SetVisitKind(tx, leader.ID, v.ID, models.VisitSupervise); err != nil {
				return err
			}
			if _, err := models.SetVisitFindings(tx, leader.ID, v.ID, "发现：用地手续滞后\n已解决：协调电力接入"); err != nil {
				return err
			}
			if _, err := models.SetVisitLocation(tx, leader.ID, v.ID, models.VisitLocation{Lat: 31.23, Lon: 121.47, Live: 15 * time.Minute}); err != nil {
				return err
			}
			_, _, err = models.SaveVisit(tx, leader.ID, false, v.ID, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		base := w.serve(t)
		a := get(t, base, "/app/task/T01", w.initData(t, attendantTG, "zh-hans"))
		for _, want := range []string{"<h2>走一线</h2>", "王建国 · 现场督导", "<b>发现问题</b> 用地手续滞后", "<b>现场解决</b> 协调电力接入", "实时位置（共享 15 分钟）"} {
			if !strings.Contains(a.body, want) {
				t.Errorf("task page lacks %q:\n%s", want, a.body)
			}
		}
		// Another task's page shows no visit it was not part of.
		if b := get(t, base, "/app/task/T02", w.initData(t, leaderTG, "zh-hans")); strings.Contains(b.body, "走一线") {
			t.Errorf("T02's page shows T01's visit")
		}
	})
}
