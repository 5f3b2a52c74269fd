package scheduler_test

import (
	"context"
	"fmt"
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

// The city of the "City scale" figures: 10,000 tasks × 3 milestones × 3
// attendants, 7,000 attendants and 100 leaders, everyone bound.
const (
	cityTasks      = 10_000
	cityAttendants = 7_000
	cityLeaders    = 100
)

// seedCity fills s with the city by bulk SQL: the benchmarks measure the
// rounds, not the import.
func seedCity(b *testing.B, s *models.Store) {
	b.Helper()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	due := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		insert := func(table, cols string, n int, row func(i int) []any) error {
			ncol := len(strings.Split(cols, ","))
			ph := "(" + strings.TrimSuffix(strings.Repeat("?,", ncol), ",") + ")"
			for start := 0; start < n; start += 500 {
				end := min(start+500, n)
				var sb strings.Builder
				var args []any
				for i := start; i < end; i++ {
					if i > start {
						sb.WriteString(",")
					}
					sb.WriteString(ph)
					args = append(args, row(i)...)
				}
				if err := tx.Exec("INSERT INTO "+table+" ("+cols+") VALUES "+sb.String(), args...).Error; err != nil {
					return fmt.Errorf("seed %s: %w", table, err)
				}
			}
			return nil
		}
		people := cityLeaders + cityAttendants
		if err := insert("people", "id,key,name,telegram_id,created_at,updated_at", people, func(i int) []any {
			return []any{i + 1, fmt.Sprintf("p%d", i+1), fmt.Sprintf("联络员%d", i+1), 100000 + i, now, now}
		}); err != nil {
			return err
		}
		if err := insert("tasks", "id,code,title,department,created_at,updated_at", cityTasks, func(i int) []any {
			return []any{i + 1, fmt.Sprintf("T%05d", i+1), "任务", fmt.Sprintf("单位%d", i%30), now, now}
		}); err != nil {
			return err
		}
		if err := insert("assignments", "person_id,task_id,role,created_at", cityTasks*4, func(i int) []any {
			t := i / 4
			if i%4 == 0 {
				return []any{t%cityLeaders + 1, t + 1, "leader", now}
			}
			return []any{cityLeaders + (t*3+i%4-1)%cityAttendants + 1, t + 1, "attendant", now}
		}); err != nil {
			return err
		}
		return insert("milestones", "task_id,seq,title,due_date,state,percent,created_at,updated_at", cityTasks*3, func(i int) []any {
			return []any{i/3 + 1, i%3 + 1, "节点", due, "pending", 0, now, now}
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

// productReminders is the scheduler as `taskbot run` and `taskbot remind`
// build it, with the bot's own writer.
func productReminders(b *testing.B, s *models.Store) *scheduler.Reminders {
	catalog, err := bot.NewCatalog()
	if err != nil {
		b.Fatal(err)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	return &scheduler.Reminders{Store: s, DefaultSpec: "0 9 * * 1-5", DefaultZone: shanghai,
		Writer:  &bot.Reminders{Catalog: catalog, Render: &bot.Renderer{Catalog: catalog}, Location: shanghai},
		CatchUp: 6 * time.Hour, FollowUp: 4 * time.Hour, EscalateAfter: 2, Interval: 30 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

var cityStores = []struct {
	name string
	open func(testing.TB, models.Options) *models.Store
}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}}

func wantQueued(b *testing.B, s *models.Store, want int64) {
	b.Helper()
	var queued, recorded int64
	s.DB.Model(&models.OutboxMessage{}).Count(&queued)
	s.DB.Model(&models.Reminder{}).Count(&recorded)
	if queued != want || recorded != want {
		b.Fatalf("queued %d reminders and recorded %d, want %d", queued, recorded, want)
	}
}

// BenchmarkReminderRound measures the 09:00 slot of the city: 30,000
// reminders rendered by the bot's writer and queued in the outbox, on a
// scheduler tick as `taskbot run` makes it. The first tick, which creates
// the 30,000 schedules, is reported as s/first-sync.
func BenchmarkReminderRound(b *testing.B) {
	for _, db := range cityStores {
		b.Run(db.name, func(b *testing.B) {
			var firstSync time.Duration
			for range b.N {
				b.StopTimer()
				clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
				s := db.open(b, models.Options{Clock: clock.Now})
				seedCity(b, s)
				r := productReminders(b, s)
				start := time.Now()
				if err := r.Tick(context.Background()); err != nil {
					b.Fatal(err)
				}
				firstSync += time.Since(start)
				clock.Set(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)) // 09:00
				b.StartTimer()
				if err := r.Tick(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				wantQueued(b, s, cityTasks*3)
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/round")
			b.ReportMetric(firstSync.Seconds()/float64(b.N), "s/first-sync")
		})
	}
}

// BenchmarkRemindNow measures `taskbot remind --now` on the city: 30,000
// reminders queued outside any schedule.
func BenchmarkRemindNow(b *testing.B) {
	for _, db := range cityStores {
		b.Run(db.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				clock := storetest.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
				s := db.open(b, models.Options{Clock: clock.Now})
				seedCity(b, s)
				r := productReminders(b, s)
				b.StartTimer()
				n, err := r.RemindNow(context.Background(), "", nil)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if n != cityTasks*3 {
					b.Fatalf("queued %d reminders, want %d", n, cityTasks*3)
				}
				wantQueued(b, s, cityTasks*3)
				var audits int64
				s.DB.Model(&models.AuditEvent{}).Count(&audits)
				if audits != 1 {
					b.Fatalf("%d audit rows for one round", audits)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/round")
		})
	}
}

// BenchmarkIdleTick is one tick of the scheduler of a city with nothing
// due: what an idle bot spends every 30 s.
//
//	go test -run '^$' -bench IdleTick -benchmem ./scheduler/
func BenchmarkIdleTick(b *testing.B) {
	for _, db := range cityStores {
		b.Run(db.name, func(b *testing.B) {
			clock := storetest.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)) // Monday 10:00 Shanghai
			s := db.open(b, models.Options{Clock: clock.Now})
			seedCity(b, s)
			r := productReminders(b, s)
			if err := r.Tick(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				clock.Advance(30 * time.Second)
				if err := r.Tick(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
