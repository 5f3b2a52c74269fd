package scheduler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/scheduler"
)

// outboxWriter queues a bare reminder; the bot's renders more, but the
// scheduling is what is under test.
type outboxWriter struct{}

func (outboxWriter) Reminder(_ *gorm.DB, q *models.OutboxBatch, d *models.TaskDetail, _ models.LightFacts, p *models.Person, kind models.ReminderKind, key string, _ *models.StandIn, _ *models.Person) (bool, error) {
	if p.TelegramID == nil {
		return false, nil
	}
	return true, q.Add(key, *p.TelegramID, models.OutSendMessage, models.Outgoing{Text: d.Task.Code}, models.MessageRef{})
}

func (outboxWriter) Escalation(tx *gorm.DB, d *models.TaskDetail, to, _ *models.Person, silent []models.Due, slots int, key string) error {
	return models.Enqueue(tx, key, *to.TelegramID, models.OutSendMessage, models.Outgoing{Text: "escalation " + d.Task.Code})
}

func (outboxWriter) EscalationToAdmins(tx *gorm.DB, d *models.TaskDetail, admins []int64, _ *models.Person, silent []models.Due, slots int, key string) error {
	for _, chat := range admins {
		if err := models.Enqueue(tx, fmt.Sprintf("%s:%d", key, chat), chat, models.OutSendMessage, models.Outgoing{Text: "escalation " + d.Task.Code}); err != nil {
			return err
		}
	}
	return nil
}

// seedTasks makes n tasks with attendants bound attendants each.
func seedTasks(t testing.TB, s *models.Store, n, attendants int) {
	t.Helper()
	due := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	var specs []models.TaskSpec
	for i := range n {
		spec := models.TaskSpec{Code: fmt.Sprintf("T%04d", i), Title: "任务", Department: "区发改局",
			Leaders:    []models.PersonSpec{{Name: fmt.Sprintf("领导%d", i%50)}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "节点", Due: due}, {Seq: 2, Title: "节点", Due: due}}}
		for a := range attendants {
			spec.Attendants = append(spec.Attendants, models.PersonSpec{Name: fmt.Sprintf("联络员%d", i*attendants+a)})
		}
		specs = append(specs, spec)
	}
	if _, err := s.ImportTasks(context.Background(), specs, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Exec("UPDATE people SET telegram_id = id + 100000").Error; err != nil {
		t.Fatal(err)
	}
}

func newReminders(s *models.Store) *scheduler.Reminders {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	return &scheduler.Reminders{Store: s, Writer: outboxWriter{}, DefaultSpec: "0 9 * * 1-5", DefaultZone: shanghai,
		CatchUp: 6 * time.Hour, FollowUp: 4 * time.Hour, EscalateAfter: 2, Interval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// Two processes on one database, ticking at the same time, send each slot
// once.
func TestTwoProcessesSendASlotOnce(t *testing.T) {
	for _, db := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", storetest.SQLitePath}, {"postgres", storetest.PostgresDSN}} {
		t.Run(db.name, func(t *testing.T) {
			clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
			dsn := db.dsn(t)
			ctx := context.Background()
			var stores []*models.Store
			for range 2 {
				s, err := models.Open(ctx, dsn, models.Options{Clock: clock.Now})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				stores = append(stores, s)
			}
			seedTasks(t, stores[0], 20, 3)
			if err := newReminders(stores[0]).Tick(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Set(time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)) // 09:30
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for _, s := range []*models.Store{stores[0], stores[1], stores[0], stores[1]} {
				wg.Add(1)
				go func() { defer wg.Done(); errs <- newReminders(s).Tick(ctx) }()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			var queued, recorded int64
			stores[0].DB.Model(&models.OutboxMessage{}).Count(&queued)
			stores[0].DB.Model(&models.Reminder{}).Count(&recorded)
			if queued != 60 || recorded != 60 {
				t.Fatalf("%d reminders queued and %d recorded for 60 attendants", queued, recorded)
			}
		})
	}
}
