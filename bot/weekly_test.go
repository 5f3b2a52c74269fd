package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/scheduler"
)

// weeklyDigests are the first messages of every weekly digest queued, by
// idempotency key.
func weeklyDigests(t *testing.T, s *models.Store) map[string]string {
	t.Helper()
	var rows []models.OutboxMessage
	if err := s.DB.Where("idem_key LIKE ?", "weekly:%.0").Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.IdemKey] = r.Payload
	}
	return out
}

// The weekly digest goes out once per ISO week on the configured day and
// working days only: a holiday Friday sends none, a make-up Saturday in
// the same week as a sent digest sends no second one, and the next digest
// covers everything since the last.
func TestWeeklyDigest(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 9, 21, 0, 0, 0, 0, time.UTC)) // Monday 08:00 in Shanghai
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 9, 21, 0, 0, 0, 0, time.UTC))
		ctx := context.Background()
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
		specs := []models.TaskSpec{
			{Code: "T01", Title: "招商引资", Department: "区发改局", Leaders: []models.PersonSpec{{Name: "王建国"}},
				Attendants: []models.PersonSpec{{Name: "刘洋"}, {Name: "杨帆"}},
				Milestones: []models.MilestoneSpec{{Seq: 1, Title: "完成招商对接", Due: day(9, 23)}, {Seq: 2, Title: "签约落地", Due: day(12, 31)}}},
			{Code: "T02", Title: "河道综合治理", Department: "区水利局", Leaders: []models.PersonSpec{{Name: "王建国"}},
				Attendants: []models.PersonSpec{{Name: "孙丽"}},
				Milestones: []models.MilestoneSpec{{Seq: 1, Title: "清淤", Due: day(10, 8)}}},
		}
		if _, err := s.ImportTasks(ctx, specs, false); err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Exec("UPDATE people SET telegram_id = id + 1000").Error; err != nil {
			t.Fatal(err)
		}
		// National Day: a week of holidays, and Saturday 10 October worked.
		for d := 1; d <= 7; d++ {
			if err := s.DB.Create(&models.CalendarDay{Day: day(10, d).Format("2006-01-02"), Kind: string(scheduler.Holiday)}).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DB.Create(&models.CalendarDay{Day: "2026-10-10", Kind: string(scheduler.Workday)}).Error; err != nil {
			t.Fatal(err)
		}
		catalog, err := bot.NewCatalog()
		if err != nil {
			t.Fatal(err)
		}
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		render := &bot.Renderer{Catalog: catalog}
		h := &bot.Handler{Catalog: catalog, Render: render, Location: shanghai}
		summaries := &bot.Summaries{Handler: h}
		spec, err := scheduler.WeeklySpec("Fri 17:00")
		if err != nil {
			t.Fatal(err)
		}
		r := &scheduler.Reminders{Store: s, Writer: &bot.Reminders{Catalog: catalog, Render: render, Location: shanghai},
			DefaultSpec: "0 9 * * 1-5", DefaultZone: shanghai, Workdays: true, CatchUp: 6 * time.Hour, FollowUp: 4 * time.Hour,
			Summaries: summaries, SummaryAt: "18:00", Weekly: summaries, WeeklySpec: spec,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		tickAt := func(at time.Time) {
			t.Helper()
			clock.Set(at)
			if err := r.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		tickAt(clock.Now())
		wang, err := models.PersonByKey(s.DB, "王建国")
		if err != nil {
			t.Fatal(err)
		}
		t1, _ := models.TaskByCode(s.DB, "T01")

		// Tuesday: 刘洋 finishes T01's first milestone and asks for help
		// on the second; nobody reports on T02.
		clock.Set(time.Date(2026, 9, 22, 2, 0, 0, 0, time.UTC))
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			now := clock.Now()
			if _, err := models.RecordReport(tx, t1.Attendants[0].ID, models.ReportInput{TaskID: t1.Task.ID, MilestoneID: t1.Milestones[0].ID, State: models.StateDone}, now); err != nil {
				return err
			}
			if err := models.OpenCoordination(tx, t1.Attendants[0].ID, &models.CoordinationRequest{TaskID: t1.Task.ID, Text: "需协调用地指标"}); err != nil {
				return err
			}
			if _, err := models.GiveInstruction(tx, wang.ID, t1.Task.ID, "本周完成签约"); err != nil {
				return err
			}
			// Two front-line visits by the leader, one to no task.
			for _, v := range []struct {
				codes    []string
				findings string
			}{{[]string{"T01"}, "发现：用地手续滞后\n发现：道路未通\n已解决：电力接入"}, {nil, "发现：企业用工缺口\n解决：对接人社局"}} {
				d, err := models.StartVisit(tx, wang.ID, false, v.codes, now)
				if err != nil {
					return err
				}
				if _, err := models.SetVisitKind(tx, wang.ID, d.ID, models.VisitSupervise); err != nil {
					return err
				}
				if _, err := models.SetVisitFindings(tx, wang.ID, d.ID, v.findings); err != nil {
					return err
				}
				if _, _, err := models.SaveVisit(tx, wang.ID, false, d.ID, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Friday 17:01 in Shanghai: the first digest.
		tickAt(time.Date(2026, 9, 25, 9, 1, 0, 0, time.UTC))
		digests := weeklyDigests(t, s)
		first := digests[fmt.Sprintf("weekly:%d:2026-W39.0", wang.ID)]
		if len(digests) != 1 || first == "" {
			t.Fatalf("after the first Friday: %v", keys(digests))
		}
		for _, want := range []string{"周报 2026-09-18 至 2026-09-25", "本周完成的节点", "T01 · 1. 完成招商对接", "新提出的协调事项", "需协调用地指标",
			"尚未确认的批示", "本周完成签约", "本周未报告的联络员", "T01 · 杨帆", "T02 · 孙丽",
			"本周走一线 2 次 · 发现问题3 · 现场解决2"} {
			if !strings.Contains(first, want) {
				t.Errorf("first digest lacks %q:\n%s", want, first)
			}
		}
		// Ticking again in the same slot, and later that week, sends nothing more.
		tickAt(time.Date(2026, 9, 25, 9, 2, 0, 0, time.UTC))
		tickAt(time.Date(2026, 9, 26, 9, 1, 0, 0, time.UTC))
		if n := len(weeklyDigests(t, s)); n != 1 {
			t.Fatalf("%d digests in the first week", n)
		}

		// Friday 2 October is a holiday: no digest that week.
		tickAt(time.Date(2026, 10, 2, 9, 1, 0, 0, time.UTC))
		tickAt(time.Date(2026, 10, 4, 9, 1, 0, 0, time.UTC))
		if n := len(weeklyDigests(t, s)); n != 1 {
			t.Fatalf("a digest went out in the holiday week: %v", keys(weeklyDigests(t, s)))
		}

		// T02's milestone falls overdue on 9 October; Friday 9 October
		// is a working day, and Saturday 10 October, a make-up working
		// day of the same week, sends no second digest.
		tickAt(time.Date(2026, 10, 9, 9, 1, 0, 0, time.UTC))
		tickAt(time.Date(2026, 10, 10, 9, 1, 0, 0, time.UTC))
		digests = weeklyDigests(t, s)
		third := digests[fmt.Sprintf("weekly:%d:2026-W41.0", wang.ID)]
		if len(digests) != 2 || third == "" {
			t.Fatalf("after the holiday: %v", keys(digests))
		}
		for _, want := range []string{"2026-09-25 至 2026-10-09", "转为红灯", "T02 河道综合治理 🟢→🔴", "本周新逾期的节点", "T02 · 1. 清淤"} {
			if !strings.Contains(third, want) {
				t.Errorf("digest after the holiday lacks %q:\n%s", want, third)
			}
		}
		if strings.Contains(third, "走一线") {
			t.Errorf("a week without visits mentions them:\n%s", third)
		}
		if strings.Contains(third, "新提出的协调事项") {
			t.Errorf("a request of an earlier week is reported again:\n%s", third)
		}
	})
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The weekly digest's picture is the week's — what turned red or green,
// what was done — not the daily summary's chart again.
func TestWeeklyChartShowsTheWeek(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 9, 21, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 9, 21, 2, 0, 0, 0, time.UTC))
		ctx := context.Background()
		var specs []models.TaskSpec
		for i := range 5 {
			specs = append(specs, models.TaskSpec{Code: fmt.Sprintf("T0%d", i+1), Title: "任务", Department: "区发改局",
				Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
				Milestones: []models.MilestoneSpec{{Seq: 1, Title: "节点", Due: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}}})
		}
		if _, err := s.ImportTasks(ctx, specs, false); err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Exec("UPDATE people SET telegram_id = id + 1000").Error; err != nil {
			t.Fatal(err)
		}
		catalog, err := bot.NewCatalog()
		if err != nil {
			t.Fatal(err)
		}
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		h := &bot.Handler{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Location: shanghai}
		summaries := &bot.Summaries{Handler: h}
		wang, err := models.PersonByKey(s.DB, "王建国")
		if err != nil {
			t.Fatal(err)
		}
		t1, _ := models.TaskByCode(s.DB, "T01")
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.RecordReport(tx, t1.Attendants[0].ID, models.ReportInput{TaskID: t1.Task.ID, MilestoneID: t1.Milestones[0].ID, State: models.StateDone}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			_, err := summaries.Weekly(tx, wang, "2026-W39", "weekly:test")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var chart models.OutboxMessage
		if err := s.DB.Where("idem_key = ?", "weekly:test.chart").Take(&chart).Error; err != nil {
			t.Fatalf("no chart with the digest: %v", err)
		}
		out, err := s.LoadOutgoing(ctx, &chart)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.Text, "本周") || !strings.Contains(out.Text, "完成节点 1") || strings.Contains(out.Text, "任务状态灯") || out.FileName != "week.png" {
			t.Fatalf("weekly chart %q (%s)", out.Text, out.FileName)
		}
		if _, err := png.Decode(bytes.NewReader(out.File)); err != nil {
			t.Fatalf("weekly chart is not a PNG: %v", err)
		}
	})
}
