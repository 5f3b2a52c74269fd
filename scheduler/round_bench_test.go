package scheduler_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/scheduler"
)

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
// scheduler tick as `taskbot run` makes it, from the slot to all queued.
// The tick 30 s before, which creates the 30,000 schedules, is reported as
// s/first-sync.
func BenchmarkReminderRound(b *testing.B) {
	for _, db := range cityStores {
		b.Run(db.name, func(b *testing.B) {
			var firstSync time.Duration
			for range b.N {
				b.StopTimer()
				// The tick before the slot, as a running bot ticks every 30 s:
				// the slot's own tick is then the round, not also the
				// schedules' first sync.
				clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 59, 30, 0, time.UTC)) // Monday 08:59:30 Shanghai
				s := db.open(b, models.Options{Clock: clock.Now})
				storetest.SeedCity(b, s)
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
				wantQueued(b, s, storetest.CityTasks*3)
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
				storetest.SeedCity(b, s)
				r := productReminders(b, s)
				b.StartTimer()
				n, err := r.RemindNow(context.Background(), "", nil)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if n != storetest.CityTasks*3 {
					b.Fatalf("queued %d reminders, want %d", n, storetest.CityTasks*3)
				}
				wantQueued(b, s, storetest.CityTasks*3)
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
			storetest.SeedCity(b, s)
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
