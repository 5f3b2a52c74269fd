package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/scheduler"
)

// seedReaders fills s by bulk SQL with the city of the "City scale"
// figures: 10,000 tasks × 3 milestones, each with one of 100 leaders, one
// of 2,000 persons in charge and 3 of 5,000 attendants; 7,100 people, all
// bound. Due dates spread over two months make every light appear.
func seedReaders(b testing.TB, s *models.Store) {
	b.Helper()
	const tasks, leaders, owners, attendants = 10_000, 100, 2_000, 5_000
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		insert := func(table, cols string, n int, row func(i int) []any) error {
			return storetest.BulkInsert(tx, table, cols, n, row)
		}
		if err := insert("people", "id,key,name,telegram_id,created_at,updated_at", leaders+owners+attendants, func(i int) []any {
			return []any{i + 1, fmt.Sprintf("p%d", i+1), fmt.Sprintf("人员%d", i+1), 100000 + i, now, now}
		}); err != nil {
			return err
		}
		if err := insert("tasks", "id,code,title,department,created_at,updated_at", tasks, func(i int) []any {
			return []any{i + 1, fmt.Sprintf("T%05d", i+1), "任务", fmt.Sprintf("单位%d", i%30), now, now}
		}); err != nil {
			return err
		}
		if err := insert("assignments", "person_id,task_id,role,created_at", tasks*5, func(i int) []any {
			t := i / 5
			switch i % 5 {
			case 0:
				return []any{t%leaders + 1, t + 1, "leader", now}
			case 1:
				return []any{leaders + t%owners + 1, t + 1, "owner", now}
			}
			return []any{leaders + owners + (t*3+i%5-2)%attendants + 1, t + 1, "attendant", now}
		}); err != nil {
			return err
		}
		return insert("milestones", "task_id,seq,title,due_date,state,percent,created_at,updated_at", tasks*3, func(i int) []any {
			return []any{i/3 + 1, i%3 + 1, "节点", now.AddDate(0, 0, 10+i%60), "on_track", 40, now, now}
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	if s.Dialect == models.Postgres {
		if err := s.DB.Exec("ANALYZE").Error; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSummaryRound measures the 18:00 daily summary round of 2,100
// leaders and persons in charge on 10,000 tasks, as `taskbot run` fires
// it: from the scheduler's tick at the slot to every summary's texts and
// chart queued in the outbox and the marks remembered.
func BenchmarkSummaryRound(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB, models.Options) *models.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(db.name, func(b *testing.B) {
			catalog, err := bot.NewCatalog()
			if err != nil {
				b.Fatal(err)
			}
			shanghai, err := time.LoadLocation("Asia/Shanghai")
			if err != nil {
				b.Fatal(err)
			}
			var photos int64
			var cpu time.Duration
			for range b.N {
				b.StopTimer()
				// The tick before the slot (Monday 17:59:30 Shanghai), one
				// Interval earlier, makes the schedules: the slot's own tick
				// is the round. A tick an hour before would make the slot's
				// tick also the hourly reconcile of every schedule, which is
				// no part of the round.
				clock := storetest.NewClock(time.Date(2026, 11, 23, 9, 59, 30, 0, time.UTC))
				s := db.open(b, models.Options{Clock: clock.Now})
				seedReaders(b, s)
				h := &bot.Handler{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Location: shanghai}
				r := &scheduler.Reminders{Store: s, DefaultSpec: "0 9 * * 1-5", DefaultZone: shanghai,
					Writer:    &bot.Reminders{Catalog: catalog, Render: h.Render, Location: shanghai},
					Summaries: &bot.Summaries{Handler: h}, SummaryAt: "18:00",
					CatchUp: 6 * time.Hour, FollowUp: 4 * time.Hour, EscalateAfter: 2, Interval: 30 * time.Second,
					Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
				if err := r.Tick(context.Background()); err != nil {
					b.Fatal(err)
				}
				clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) // 18:00
				b.StartTimer()
				before := processCPU()
				if err := r.Tick(context.Background()); err != nil {
					b.Fatal(err)
				}
				cpu += processCPU() - before
				b.StopTimer()
				var readers int64
				s.DB.Model(&models.OutboxMessage{}).Where("kind = ?", models.OutSendMessage).Distinct("chat_id").Count(&readers)
				s.DB.Model(&models.OutboxMessage{}).Where("kind = ?", models.OutSendPhoto).Count(&photos)
				if readers != 2100 {
					b.Fatalf("summaries queued to %d readers, want 2100", readers)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/round")
			b.ReportMetric(float64(photos), "charts-queued")
			// The CPU the round used, on every core: on a loaded machine
			// the seconds of the round measure the load as much as it.
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/round")
		})
	}
}
