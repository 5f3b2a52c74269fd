package scheduler_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/scheduler"
)

// roundWriter records how the daily round uses it.
type roundWriter struct {
	mu sync.Mutex
	// preparedInTx and queuedInTx say, per call, whether a transaction
	// was open on the store it was given.
	preparedInTx, queuedInTx []bool
	prepared, queued         []uint
}

// inTx says whether db runs inside a transaction.
func inTx(db *gorm.DB) bool {
	_, ok := db.Statement.ConnPool.(gorm.TxCommitter)
	return ok
}

func (w *roundWriter) Summary(*gorm.DB, *models.Person, string) (bool, error) {
	return false, errors.New("the round queues summaries by the batch")
}

func (w *roundWriter) StartRound() scheduler.SummaryRound { return w }

func (w *roundWriter) Prepare(_ context.Context, db *gorm.DB, people []models.Person) (scheduler.PreparedSummaries, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.preparedInTx = append(w.preparedInTx, inTx(db))
	for _, p := range people {
		w.prepared = append(w.prepared, p.ID)
	}
	return w, nil
}

func (w *roundWriter) Queue(tx *gorm.DB, people []models.Person, keys []string) ([]bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.queuedInTx = append(w.queuedInTx, inTx(tx))
	sent := make([]bool, len(people))
	for i, p := range people {
		w.queued = append(w.queued, p.ID)
		if err := models.EnqueueBulk(tx, keys[i], *p.TelegramID, models.OutSendMessage, models.Outgoing{Text: "summary"}); err != nil {
			return nil, err
		}
		sent[i] = true
	}
	return sent, nil
}

func (w *roundWriter) AdminSummary(*gorm.DB, int64, string) (bool, error) { return false, nil }

// The daily round builds and draws its summaries before the transaction
// that advances their schedules, and queues them inside it: drawing must
// not hold the database, and a slot is still queued with its advance.
func TestSummaryRoundPreparesOutsideItsTransaction(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) // Monday 08:00 Shanghai
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		clock.Set(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
		seedTasks(t, s, 30, 1) // 30 leaders
		w := &roundWriter{}
		r := newReminders(s)
		r.Summaries, r.SummaryAt = w, "18:00"
		ctx := context.Background()
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if len(w.prepared)+len(w.queued) != 0 {
			t.Fatalf("summaries before their time: prepared %v, queued %v", w.prepared, w.queued)
		}
		clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) // 18:00
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if len(w.preparedInTx) == 0 || len(w.queuedInTx) != len(w.preparedInTx) {
			t.Fatalf("prepared %d batches, queued %d", len(w.preparedInTx), len(w.queuedInTx))
		}
		for i := range w.preparedInTx {
			if w.preparedInTx[i] || !w.queuedInTx[i] {
				t.Fatalf("batch %d prepared in a transaction: %v, queued in one: %v", i, w.preparedInTx[i], w.queuedInTx[i])
			}
		}
		var leaders []uint
		if err := s.DB.Raw(`SELECT DISTINCT person_id FROM assignments WHERE role = 'leader' ORDER BY person_id`).Scan(&leaders).Error; err != nil {
			t.Fatal(err)
		}
		slices.Sort(w.prepared)
		slices.Sort(w.queued)
		if len(leaders) != 30 || !slices.Equal(w.prepared, leaders) || !slices.Equal(w.queued, leaders) {
			t.Fatalf("leaders %v: prepared %v, queued %v", leaders, w.prepared, w.queued)
		}
		var queued int64
		s.DB.Model(&models.OutboxMessage{}).Where("idem_key LIKE ?", "summary:%").Count(&queued)
		if queued != 30 {
			t.Fatalf("%d summaries queued", queued)
		}
		// The slot is taken: the next tick prepares nothing more.
		clock.Advance(time.Minute)
		before := len(w.prepared)
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if len(w.prepared) != before {
			t.Fatalf("a taken slot prepared again: %d readers", len(w.prepared)-before)
		}
	})
}
