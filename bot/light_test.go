package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/web"
)

// lightWorld is one set of tasks every view of the status light must agree
// on, with a warning window of 3 days. It is 10:00 on 2026-11-27 in
// Shanghai.
//
//	T01 red: milestone 1 blocked, and a newer report on track on milestone 2
//	T02 yellow: due in 2 days
//	T03 green: due in 5 days, inside the default window but not this one
//	T04 red: overdue
type lightWorld struct {
	t     *testing.T
	store *models.Store
	h     *harness
	bot   *bot.Handler
	now   time.Time
	want  map[string]models.Light
}

var warn3 = models.LightRules{WarnDays: 3, MissedSlots: 2}

const lightLeaderTG, lightAttendantTG = 301, 302

func newLightWorld(t *testing.T, open func(testing.TB, models.Options) *models.Store) *lightWorld {
	t.Helper()
	now := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	clock := storetest.NewClock(now)
	store := open(t, models.Options{Clock: clock.Now})
	day := func(offset int) time.Time { return time.Date(2026, 11, 27+offset, 0, 0, 0, 0, time.UTC) }
	task := func(code string, due ...time.Time) models.TaskSpec {
		spec := models.TaskSpec{Code: code, Title: "任务" + code, Department: "区发改局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}}}
		for i, d := range due {
			spec.Milestones = append(spec.Milestones, models.MilestoneSpec{Seq: i + 1, Title: fmt.Sprintf("%s节点%d", code, i+1), Due: d})
		}
		return spec
	}
	ctx := context.Background()
	specs := []models.TaskSpec{task("T01", day(200), day(300)), task("T02", day(2)), task("T03", day(5)), task("T04", day(-7))}
	if _, err := store.ImportTasks(ctx, specs, false); err != nil {
		t.Fatal(err)
	}
	for key, tg := range map[string]int64{"王建国": lightLeaderTG, "刘洋": lightAttendantTG} {
		if err := store.DB.Model(&models.Person{}).Where("key = ?", key).Update("telegram_id", tg).Error; err != nil {
			t.Fatal(err)
		}
	}
	t1, err := models.TaskByCode(store.DB, "T01")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		seq   int
		state models.MilestoneState
	}{{1, models.StateBlocked}, {2, models.StateOnTrack}} {
		clock.Advance(time.Minute)
		err := store.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.RecordReport(tx, t1.Attendants[0].ID, models.ReportInput{TaskID: t1.Task.ID, MilestoneID: t1.Milestones[r.seq-1].ID,
				State: r.state}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	catalog, err := bot.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	h := &bot.Handler{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Admins: map[int64]bool{adminID: true},
		BotUsername: "taskbot_demo_bot", Location: shanghai, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LightRules: warn3}
	w := &lightWorld{t: t, store: store, bot: h, now: clock.Now(),
		want: map[string]models.Light{"T01": models.LightRed, "T02": models.LightYellow, "T03": models.LightGreen, "T04": models.LightRed}}
	w.h = &harness{t: t, store: store, nextID: 1000, seenRows: map[uint]bool{},
		proc: &bot.Processor{Store: store, Handler: h, Catalog: catalog, Logger: h.Logger, PollInterval: time.Second}}
	return w
}

// sent is what the bot queued for a chat since the last look.
func (w *lightWorld) sent(from userRef, text string) []models.Outgoing {
	w.t.Helper()
	w.h.update(message(from, private(from.id), text))
	if _, err := w.h.proc.Drain(context.Background(), nil); err != nil {
		w.t.Fatal(err)
	}
	var rows []models.OutboxMessage
	if err := w.store.DB.Where("chat_id = ?", from.id).Order("id").Find(&rows).Error; err != nil {
		w.t.Fatal(err)
	}
	var out []models.Outgoing
	for _, r := range rows {
		if w.h.seenRows[r.ID] {
			continue
		}
		w.h.seenRows[r.ID] = true
		o, err := w.store.LoadOutgoing(context.Background(), &r)
		if err != nil {
			w.t.Fatal(err)
		}
		if o.Deferred != nil {
			if o, err = w.bot.DrawDeferred(context.Background(), w.store.DB, o); err != nil {
				w.t.Fatal(err)
			}
		}
		out = append(out, o)
	}
	return out
}

func (w *lightWorld) counts() string {
	n := map[models.Light]int{}
	for _, l := range w.want {
		n[l]++
	}
	return fmt.Sprintf("🔴 %d  🟡 %d  🟢 %d  ✅ %d", n[models.LightRed], n[models.LightYellow], n[models.LightGreen], n[models.LightDone])
}

// summaryCounts is counts as the summary says them, each light named.
func (w *lightWorld) summaryCounts() string {
	n := map[models.Light]int{}
	for _, l := range w.want {
		n[l]++
	}
	return fmt.Sprintf("🔴 %d 红灯 · 🟡 %d 黄灯 · 🟢 %d 绿灯 · ✅ %d 已完成", n[models.LightRed], n[models.LightYellow], n[models.LightGreen], n[models.LightDone])
}

func (w *lightWorld) codes() []string { return []string{"T01", "T02", "T03", "T04"} }

// Every place that shows a status light shows the one models.StatusLight
// decides, on the same data and with the configured warning window.
func TestLightAgreesAtEveryCallSite(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(testing.TB, models.Options) *models.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			w := newLightWorld(t, db.open)
			leader := userRef{lightLeaderTG, "zh-hans"}
			admin := userRef{adminID, "zh-hans"}

			t.Run("summary", func(t *testing.T) {
				out := w.sent(leader, "/summary")
				text := out[0].Text
				mustContain(t, text, w.summaryCounts(), "🔴 <b>T01", "1. T01节点1（2027-06-15） · 受阻", "🟡 <b>T02", "🔴 <b>T04")
				mustNotContain(t, text, "<b>T03")
			})
			t.Run("chart", func(t *testing.T) {
				out := w.sent(leader, "/summary")
				chart := out[len(out)-1]
				if chart.File == nil || !strings.Contains(chart.Text, w.counts()) {
					t.Fatalf("chart caption %q, want counts %q", chart.Text, w.counts())
				}
			})
			t.Run("task", func(t *testing.T) {
				for _, code := range w.codes() {
					text := w.sent(leader, "/task "+code)[0].Text
					if want := bot.LightEmoji(w.want[code]) + "<b>" + code; !strings.HasPrefix(text, want) {
						t.Errorf("/task %s starts %q, want %q", code, strings.SplitN(text, "\n", 2)[0], want)
					}
				}
			})
			t.Run("export", func(t *testing.T) {
				out := w.sent(admin, "/export")
				f, err := excelize.OpenReader(bytes.NewReader(out[0].File))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				rows, err := f.GetRows("台账")
				if err != nil {
					t.Fatal(err)
				}
				words := map[models.Light]string{models.LightRed: "红", models.LightYellow: "黄", models.LightGreen: "绿", models.LightDone: "已完成"}
				for _, row := range rows[1:] {
					if got, want := row[11], words[w.want[row[0]]]; got != want {
						t.Errorf("export %s milestone %s: light %s, want %s", row[0], row[7], got, want)
					}
				}
			})
			t.Run("board", func(t *testing.T) {
				const token = "123456:LIGHT"
				srv := &web.Server{DB: w.store.DB, Token: token, Admins: map[int64]bool{adminID: true}, Location: w.bot.Location,
					Rules: warn3, Now: func() time.Time { return w.now }}
				h, err := srv.Handler()
				if err != nil {
					t.Fatal(err)
				}
				initData, err := web.SignInitData(token, web.WebAppUser{ID: adminID, FirstName: "admin"}, w.now.Add(-time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				req := httptest.NewRequest(http.MethodGet, "/app/board", nil)
				req.Header.Set(web.InitDataHeader, initData)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				cards := regexp.MustCompile(`<li class="row light-(\w+)" data-code="(\w+)"`).FindAllStringSubmatch(rec.Body.String(), -1)
				if rec.Code != http.StatusOK || len(cards) != len(w.want) {
					t.Fatalf("status %d, %d cards, want %d", rec.Code, len(cards), len(w.want))
				}
				for _, c := range cards {
					if got, want := models.Light(c[1]), w.want[c[2]]; got != want {
						t.Errorf("board %s: light %s, want %s", c[2], got, want)
					}
				}
				n := map[models.Light]int{}
				for _, l := range w.want {
					n[l]++
				}
				for _, l := range []models.Light{models.LightRed, models.LightYellow, models.LightGreen, models.LightDone} {
					count := fmt.Sprintf(`data-light="%s" href="[^"]*"[^>]*><b class="badge light-%s">%d</b>`, l, l, n[l])
					if !regexp.MustCompile(count).MatchString(rec.Body.String()) {
						t.Errorf("board counts %d %s, not shown", n[l], l)
					}
				}
			})
			t.Run("reminder", func(t *testing.T) {
				r := &bot.Reminders{Catalog: w.bot.Catalog, Render: w.bot.Render, Location: w.bot.Location, LightRules: warn3}
				for _, code := range w.codes() {
					var text string
					err := w.store.Tx(context.Background(), func(tx *gorm.DB) error {
						d, err := models.TaskByCode(tx, code)
						if err != nil {
							return err
						}
						facts, err := models.LoadLightFacts(tx, []uint{d.Task.ID})
						if err != nil {
							return err
						}
						key := "light-test:" + code
						var q models.OutboxBatch
						if _, err := r.Reminder(tx, &q, d, facts[d.Task.ID], &d.Attendants[0], models.ReminderSlot, key, nil, nil); err != nil {
							return err
						}
						if _, err := q.Flush(tx); err != nil {
							return err
						}
						var row models.OutboxMessage
						if err := tx.Where("idem_key = ?", key).Take(&row).Error; err != nil {
							return err
						}
						o, err := row.Outgoing()
						text = o.Text
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
					if want := bot.LightEmoji(w.want[code]) + "<b>" + code; !strings.Contains(text, want) {
						t.Errorf("reminder about %s lacks %q:\n%s", code, want, text)
					}
				}
			})
			t.Run("overdue", func(t *testing.T) {
				text := w.sent(leader, "/overdue")[0].Text
				late, soon, ok := strings.Cut(text, "⏳ 3 天内到期节点")
				if !ok {
					t.Fatalf("/overdue has no due-within-3-days part:\n%s", text)
				}
				mustContain(t, late, "逾期节点", "T04节点1", "已逾期 7 天")
				mustContain(t, soon, "T02节点1", "还有 2 天")
				mustNotContain(t, text, "T03", "T01")
			})
		})
	}
}
