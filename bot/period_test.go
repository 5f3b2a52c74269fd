package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/scheduler"
)

// periodWorld is three tasks assessed over the first quarter of 2027 and
// its 开门红 window (02-21 to 03-31), everyone bound, 李明 reading English:
//
//	T01 区发改局, 王建国: 1 due 02-10; 2 due 03-31; 3 due 2026-09-30
//	T02 区水利局, 王建国 and 李明: 1 due 02-01
//	T03 区数据局, 赵强: 1 due 06-30 (nothing in the first quarter)
type periodWorld struct {
	t              *testing.T
	s              *models.Store
	clock          *storetest.Clock
	h              *bot.Handler
	t1, t2         *models.TaskDetail
	wang, li, zhao models.Person
}

const periodAdminChat = 999

func newPeriodWorld(t *testing.T, s *models.Store, clock *storetest.Clock) *periodWorld {
	t.Helper()
	clock.Set(time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC))
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	specs := []models.TaskSpec{
		{Code: "T01", Title: "招商引资", Department: "区发改局", Leaders: []models.PersonSpec{{Name: "王建国"}},
			Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "招商对接", Due: day(2027, 2, 10)}, {Seq: 2, Title: "签约", Due: day(2027, 3, 31)},
				{Seq: 3, Title: "立项", Due: day(2026, 9, 30)}}},
		{Code: "T02", Title: "河道综合治理", Department: "区水利局", Leaders: []models.PersonSpec{{Name: "王建国"}, {Name: "李明"}},
			Attendants: []models.PersonSpec{{Name: "孙丽"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "清淤", Due: day(2027, 2, 1)}}},
		{Code: "T03", Title: "数字政府", Department: "区数据局", Leaders: []models.PersonSpec{{Name: "赵强"}},
			Attendants: []models.PersonSpec{{Name: "周杰"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "上线", Due: day(2027, 6, 30)}}},
	}
	ctx := context.Background()
	if _, err := s.ImportTasks(ctx, specs, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Exec("UPDATE people SET telegram_id = id + 1000").Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Model(&models.Person{}).Where("key = ?", "李明").Update("language", "en").Error; err != nil {
		t.Fatal(err)
	}
	if _, err := models.AddPeriod(s.DB, models.PeriodInput{Name: "2027Q1 开门红", FirstDay: day(2027, 2, 21), LastDay: day(2027, 3, 31)}); err != nil {
		t.Fatal(err)
	}
	catalog, err := bot.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	w := &periodWorld{t: t, s: s, clock: clock, h: &bot.Handler{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Location: shanghai}}
	for key, p := range map[string]*models.Person{"王建国": &w.wang, "李明": &w.li, "赵强": &w.zhao} {
		found, err := models.PersonByKey(s.DB, key)
		if err != nil {
			t.Fatal(err)
		}
		*p = *found
	}
	if w.t1, err = models.TaskByCode(s.DB, "T01"); err != nil {
		t.Fatal(err)
	}
	if w.t2, err = models.TaskByCode(s.DB, "T02"); err != nil {
		t.Fatal(err)
	}
	return w
}

// at sets the clock to a local time in Shanghai.
func (w *periodWorld) at(m time.Month, d, hour, min int) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	w.clock.Set(time.Date(2027, m, d, hour, min, 0, 0, shanghai))
}

func (w *periodWorld) done(d *models.TaskDetail, seq int) {
	w.t.Helper()
	err := w.s.Tx(context.Background(), func(tx *gorm.DB) error {
		_, err := models.RecordReport(tx, d.Attendants[0].ID, models.ReportInput{TaskID: d.Task.ID, MilestoneID: d.Milestones[seq-1].ID,
			State: models.StateDone}, w.clock.Now())
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// headOf is a summary's message up to its first entry.
func headOf(out models.Outgoing) string {
	head, _, _ := strings.Cut(out.Text, "\n\n")
	return head
}

// Each leader's daily summary has a line for the current period — the
// quarter, then the 开门红 window once it runs — counted over their tasks,
// from the round's one build as from /summary; the admins' counts every
// task.
func TestSummaryPeriodLine(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newPeriodWorld(t, s, clock)
		w.at(2, 9, 10, 0)
		w.done(w.t1, 1)

		check := func(when string, want map[string]string, admin string) {
			t.Helper()
			people := []models.Person{w.wang, w.li, w.zhao}
			round, err := w.h.BuildSummaries(s.DB, people, clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range people {
				lang := bot.LanguageFor(p.Language, "")
				got := headOf(w.h.Render.Summary(lang, round[p.ID], w.h.Location, bot.SummaryView{}))
				if !strings.HasSuffix(got, "\n"+want[p.Key]) {
					t.Errorf("%s, %s's summary:\n%s\nwant its last line %q", when, p.Key, got, want[p.Key])
				}
				one, err := w.h.BuildSummary(s.DB, &p, false, clock.Now(), w.h.Location, false)
				if err != nil {
					t.Fatal(err)
				}
				if alone := headOf(w.h.Render.Summary(lang, one, w.h.Location, bot.SummaryView{})); alone != got {
					t.Errorf("%s, %s: /summary says\n%s\nthe round\n%s", when, p.Key, alone, got)
				}
			}
			sum, err := w.h.BuildSummary(s.DB, nil, true, clock.Now(), w.h.Location, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := headOf(w.h.Render.Summary(bot.LangZH, sum, w.h.Location, bot.SummaryView{})); !strings.HasSuffix(got, "\n"+admin) {
				t.Errorf("%s, the admins' summary:\n%s\nwant %q", when, got, admin)
			}
		}
		// 15 February: T02's milestone of 1 February is not done.
		w.at(2, 15, 18, 0)
		check("02-15", map[string]string{
			"王建国": "一季度：到期3 · 完成1(33%) · 按期1 · 脱幅1项",
			"李明":  "Q1: due 1 · done 0 (0%) · on time 0 · 1 behind",
			"赵强":  "一季度：本期无节点",
		}, "一季度：到期3 · 完成1(33%) · 按期1 · 脱幅1项")
		// 1 March: the 开门红 window, inside the quarter, is the current
		// period; only T01's milestone 2 falls in it.
		w.at(3, 1, 18, 0)
		check("03-01", map[string]string{
			"王建国": "2027Q1 开门红：到期1 · 完成0(0%) · 按期0 · 脱幅0项",
			"李明":  "2027Q1 开门红: nothing due in the period",
			"赵强":  "2027Q1 开门红：本期无节点",
		}, "2027Q1 开门红：到期1 · 完成0(0%) · 按期0 · 脱幅0项")
	})
}

// The weekly digest has a small table of the current period: the whole,
// each lead department and the leaders, by name; a leader's has their own
// line and no other leader's.
func TestWeeklyPeriodTable(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newPeriodWorld(t, s, clock)
		w.at(2, 9, 10, 0)
		w.done(w.t1, 1)
		w.at(2, 19, 17, 0)
		table := func(p *models.Person, admin bool, chat int64) string {
			t.Helper()
			week, _, err := w.h.BuildWeek(s.DB, p, chat, admin, clock.Now(), w.h.Location)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(w.h.Render.Weekly(bot.LangZH, week, w.h.Location), "\n\n")
			_, section, ok := strings.Cut(all, "<b>📐 2027年一季度考核（2027-01-01至2027-03-31）</b>\n")
			if !ok {
				t.Fatalf("no period table in:\n%s", all)
			}
			section, _, _ = strings.Cut(section, "\n\n")
			return section
		}
		want := strings.Join([]string{
			"全区：到期3 · 完成1(33%) · 按期1 · 逾期1 · 序时进度50% · 脱幅1项",
			"区发改局：到期2 · 完成1(50%) · 按期1 · 逾期0 · 序时进度100% · 脱幅0项",
			"区数据局：本期无节点",
			"区水利局：到期1 · 完成0(0%) · 按期0 · 逾期1 · 序时进度0% · 脱幅1项",
			"李明：到期1 · 完成0(0%) · 按期0 · 逾期1 · 序时进度0% · 脱幅1项",
			"王建国：到期3 · 完成1(33%) · 按期1 · 逾期1 · 序时进度50% · 脱幅1项",
			"赵强：本期无节点",
		}, "\n")
		if got := table(nil, true, periodAdminChat); got != want {
			t.Errorf("the admins' table:\n%s\nwant\n%s", got, want)
		}
		want = strings.Join([]string{
			"合计：到期1 · 完成0(0%) · 按期0 · 逾期1 · 序时进度0% · 脱幅1项",
			"区水利局：到期1 · 完成0(0%) · 按期0 · 逾期1 · 序时进度0% · 脱幅1项",
			"李明：到期1 · 完成0(0%) · 按期0 · 逾期1 · 序时进度0% · 脱幅1项",
		}, "\n")
		if got := table(&w.li, false, *w.li.TelegramID); got != want {
			t.Errorf("李明's table:\n%s\nwant\n%s", got, want)
		}
	})
}

// periodMessages are the texts queued for frozen periods, by key.
func periodMessages(t *testing.T, s *models.Store) map[string]string {
	t.Helper()
	var rows []models.OutboxMessage
	if err := s.DB.Where("idem_key LIKE ?", "period:%").Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		o, err := r.Outgoing()
		if err != nil {
			t.Fatal(err)
		}
		out[r.IdemKey] = o.Text
	}
	return out
}

// When the quarter and its 开门红 window end, the scheduler's tick freezes
// them once and queues, once, each leader's card (nothing for a leader
// with nothing due) and the admins' table, sorted by name; quarters that
// ended long before the first tick are frozen without a message.
func TestPeriodCardsOnceAtTheEnd(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newPeriodWorld(t, s, clock)
		shanghai := w.h.Location
		summaries := &bot.Summaries{Handler: w.h, Admins: map[int64]bool{periodAdminChat: true}}
		r := &scheduler.Reminders{Store: s, Writer: &bot.Reminders{Catalog: w.h.Catalog, Render: w.h.Render, Location: shanghai},
			DefaultSpec: "0 9 * * 1-5", DefaultZone: shanghai, CatchUp: 6 * time.Hour, FollowUp: 4 * time.Hour,
			Periods: summaries, Admins: []int64{periodAdminChat}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		ctx := context.Background()
		tick := func() {
			t.Helper()
			if err := r.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		w.at(2, 9, 10, 0)
		w.done(w.t1, 1)
		w.at(3, 31, 16, 0)
		w.done(w.t1, 2)

		// The first tick, on the quarter's last evening: 2026's third and
		// fourth quarters ended months ago and freeze without a word.
		w.at(3, 31, 23, 0)
		tick()
		if got := periodMessages(t, s); len(got) != 0 {
			t.Fatalf("messages before the quarter ended: %v", got)
		}
		var frozen []string
		s.DB.Model(&models.PeriodSnapshot{}).Order("id").Pluck("period_key", &frozen)
		if strings.Join(frozen, ",") != "2026Q3,2026Q4" {
			t.Fatalf("frozen on 03-31: %v", frozen)
		}

		w.at(4, 1, 0, 30)
		tick()
		got := periodMessages(t, s)
		var keys []string
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		q1, kmh := snapshotID(t, s, "2027Q1"), snapshotID(t, s, "2027Q1 开门红")
		want := []string{
			periodKey(q1, "admin", periodAdminChat), periodKey(q1, "leader", w.li.ID), periodKey(q1, "leader", w.wang.ID),
			periodKey(kmh, "admin", periodAdminChat), periodKey(kmh, "leader", w.wang.ID),
		}
		slices.Sort(want)
		if !slices.Equal(keys, want) {
			t.Fatalf("queued %v, want %v", keys, want)
		}
		card := got[periodKey(q1, "leader", w.wang.ID)]
		for _, line := range []string{
			"📐 <b>2027年一季度考核已定格</b>（2027-01-01至2027-03-31）\n王建国：到期3 · 完成2(66%) · 按期2 · 逾期1 · 序时进度66% · 脱幅1项",
			"T01 招商引资：到期2 · 完成2 · 按期2 · 逾期0\n",
			"T02 河道综合治理：到期1 · 完成0 · 按期0 · 逾期1 · ⚠️脱幅\n",
		} {
			if !strings.Contains(card, line) {
				t.Errorf("王建国's card lacks %q:\n%s", line, card)
			}
		}
		if en := got[periodKey(q1, "leader", w.li.ID)]; !strings.Contains(en, "Q1 2027 assessment frozen") ||
			!strings.Contains(en, "李明: due 1 · done 0 (0%) · on time 0 · late 1 · pace 0% · 1 behind") {
			t.Errorf("李明's card, in English:\n%s", en)
		}
		table := got[periodKey(q1, "admin", periodAdminChat)]
		var order []string
		for _, line := range strings.Split(table, "\n") {
			if name, _, ok := strings.Cut(line, "："); ok && !strings.HasPrefix(line, "📐") {
				order = append(order, name)
			}
		}
		if strings.Join(order, ",") != "全区,区发改局,区数据局,区水利局,李明,王建国,赵强" {
			t.Errorf("the admins' table, by name:\n%s", table)
		}

		// Ticking again, that day and the next, queues nothing more.
		w.at(4, 1, 9, 0)
		tick()
		w.at(4, 2, 9, 0)
		tick()
		if again := periodMessages(t, s); len(again) != len(got) {
			t.Fatalf("%d period messages after ticking again, %d before", len(again), len(got))
		}
		var snaps int64
		s.DB.Model(&models.PeriodSnapshot{}).Count(&snaps)
		if snaps != 4 {
			t.Fatalf("%d snapshots, want 4", snaps)
		}
	})
}

func snapshotID(t *testing.T, s *models.Store, key string) uint {
	t.Helper()
	snap, err := models.SnapshotOf(s.DB, key)
	if err != nil || snap == nil {
		t.Fatalf("snapshot of %s: %v %v", key, snap, err)
	}
	return snap.ID
}

// periodKey is the key of the first message to a leader (by person id)
// or an admin (by chat).
func periodKey(snap uint, who string, id any) string {
	return fmt.Sprintf("period:%d:%s:%v.0", snap, who, id)
}
