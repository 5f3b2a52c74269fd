package scheduler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A slot of more reminders than one transaction queues is queued by
// several batches, each read and rendered while the one before it is
// written: every attendant is reminded once, and recorded once.
func TestSlotOfManyBatchesRemindsEachAttendantOnce(t *testing.T) {
	for _, db := range cityStores {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
			s := db.open(t, models.Options{Clock: clock.Now})
			const tasks, attendants = 700, 3 // three batches
			seedTasks(t, s, tasks, attendants)
			r := newReminders(s)
			if err := r.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Set(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)) // 09:00
			if err := r.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			var pairs []struct {
				TaskID, PersonID uint
				N                int
			}
			err := s.DB.Raw(`SELECT a.task_id, a.person_id, (SELECT COUNT(*) FROM reminders r
  WHERE r.task_id = a.task_id AND r.person_id = a.person_id) AS n FROM assignments a WHERE a.role = ?`, models.RoleAttendant).
				Scan(&pairs).Error
			if err != nil {
				t.Fatal(err)
			}
			if len(pairs) != tasks*attendants {
				t.Fatalf("%d attendants, want %d", len(pairs), tasks*attendants)
			}
			for _, p := range pairs {
				if p.N != 1 {
					t.Fatalf("task %d reminded person %d %d times", p.TaskID, p.PersonID, p.N)
				}
			}
			var queued, chats int64
			s.DB.Model(&models.OutboxMessage{}).Count(&queued)
			s.DB.Model(&models.OutboxMessage{}).Distinct("chat_id").Count(&chats)
			if queued != tasks*attendants || chats != tasks*attendants {
				t.Fatalf("%d reminders queued to %d chats, want %d each", queued, chats, tasks*attendants)
			}
		})
	}
}

// takingWriter is outboxWriter that, the first time it renders, has
// another process take one schedule of the slot (see
// TestBatchTakenInPartQueuesWhatItTook).
type takingWriter struct {
	outboxWriter
	once  sync.Once
	taken uint
}

func (w *takingWriter) Reminder(db *gorm.DB, q *models.OutboxBatch, d *models.TaskDetail, f models.LightFacts, p *models.Person, kind models.ReminderKind, key string, in *models.StandIn, by *models.Person) (bool, error) {
	var err error
	w.once.Do(func() {
		// The schedule of the round's last task's last attendant, moved
		// on to the next slot as the process that took it does.
		err = db.Raw(`UPDATE schedules SET next_wall = ?, next_fire_at = ?
WHERE id = (SELECT MAX(id) FROM schedules WHERE kind = ?) RETURNING id`,
			"2026-11-24T09:00", time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC), models.ScheduleReminder).Scan(&w.taken).Error
	})
	if err != nil {
		return false, err
	}
	return w.outboxWriter.Reminder(db, q, d, f, p, kind, key, in, by)
}

// A batch is rendered before its transaction; when another process took
// some of its schedules meanwhile, the transaction queues the reminders
// of those it took, and none of the others, which the other process
// queues.
func TestBatchTakenInPartQueuesWhatItTook(t *testing.T) {
	for _, db := range cityStores {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
			s := db.open(t, models.Options{Clock: clock.Now})
			seedTasks(t, s, 20, 3)
			r := newReminders(s)
			if err := r.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			w := &takingWriter{}
			r.Writer = w
			clock.Set(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)) // 09:00
			if err := r.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			var taken models.Schedule
			if err := s.DB.Take(&taken, w.taken).Error; err != nil {
				t.Fatal(err)
			}
			var queued, recorded, mine int64
			s.DB.Model(&models.OutboxMessage{}).Count(&queued)
			s.DB.Model(&models.Reminder{}).Count(&recorded)
			s.DB.Model(&models.Reminder{}).Where("task_id = ? AND person_id = ?", taken.TaskID, taken.PersonID).Count(&mine)
			if queued != 59 || recorded != 59 || mine != 0 {
				t.Fatalf("%d reminders queued and %d recorded, %d of the schedule taken by another process; want 59, 59 and 0",
					queued, recorded, mine)
			}
		})
	}
}
