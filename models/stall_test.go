package models_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// TestStoreNeverStalls runs the shape of concurrency that once froze the
// SQLite store for good: one goroutine runs transactions whose statements
// take a new text every time (IN lists of changing length, outbox claims of
// changing size), while three others run statements of new texts outside
// any transaction. With one connection, anything that holds a lock of its
// own while waiting for the connection, while the transaction holding the
// connection waits for that lock, is a cycle no timeout breaks. The work is
// a fixed number of iterations; the test fails when nothing at all has
// moved for stallAfter, and prints every goroutine to show the cycle.
func TestStoreNeverStalls(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		// PostgreSQL's pool has more connections, which only makes the
		// same cycle need more goroutines: give it SQLite's one.
		sqlDB, err := s.DB.DB()
		if err != nil {
			t.Fatal(err)
		}
		sqlDB.SetMaxOpenConns(1)
		const chats = 300
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			for i := range chats {
				key := fmt.Sprintf("stall-%d", i)
				if err := models.Enqueue(tx, key, int64(1000+i), models.OutSendMessage, models.Outgoing{Text: key}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		const iterations = 150
		var progress atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		fail := func(err error) {
			select {
			case errs <- err:
			default:
			}
		}
		// The transactions: a claim of a new size, a read of an IN list of
		// a new length, and the claimed messages put back, all in one.
		wg.Go(func() {
			for i := range iterations {
				msgs, err := s.ClaimOutbox(ctx, "stall", 1+i%23, time.Minute)
				if err != nil {
					fail(err)
					return
				}
				err = s.Tx(ctx, func(tx *gorm.DB) error {
					ids := make([]uint, 0, 1+i)
					for j := range cap(ids) {
						ids = append(ids, uint(j+1))
					}
					var n int64
					if err := tx.Raw("SELECT COUNT(*) FROM outbox_messages WHERE id IN ?", ids).Scan(&n).Error; err != nil {
						return err
					}
					for _, m := range msgs {
						res := tx.Exec("UPDATE outbox_messages SET state = ?, claim = '', claimed_by = '' WHERE id = ? AND claim = ?",
							models.OutboxPending, m.ID, m.Claim)
						if res.Error != nil {
							return res.Error
						}
					}
					return nil
				})
				if err != nil {
					fail(err)
					return
				}
				progress.Add(1)
			}
		})
		// The statements outside transactions: the same new texts at about
		// the same time in each goroutine (IN lists of a new length, as the
		// batched marks of a busy dispatcher make), and heartbeats.
		for g := range 3 {
			wg.Go(func() {
				for i := range iterations {
					ids := make([]int64, 1+i)
					for j := range ids {
						ids[j] = int64(j + g)
					}
					var n int64
					if err := s.DB.WithContext(ctx).Raw("SELECT COUNT(*) FROM outbox_messages WHERE chat_id IN ?", ids).Scan(&n).Error; err != nil {
						fail(err)
						return
					}
					marks := make([]models.ClaimMark, 1+i%5)
					for j := range marks {
						marks[j] = models.ClaimMark{ID: uint(j + 1), Claim: "nobody's"}
					}
					if _, err := s.MarkSentAll(ctx, marks); err != nil {
						fail(err)
						return
					}
					if err := s.Heartbeat(ctx, fmt.Sprintf("stall-%d", g), "host"); err != nil {
						fail(err)
						return
					}
					progress.Add(1)
				}
			})
		}

		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		if stalled := waitOrStall(done, &progress, stallAfter); stalled {
			var dump bytes.Buffer
			_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
			t.Fatalf("the store stalled: no statement finished for %s after %d iterations\n%s", stallAfter, progress.Load(), dump.String())
		}
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		if got, want := progress.Load(), int64(4*iterations); got != want {
			t.Fatalf("%d iterations finished, want %d", got, want)
		}
	})
}

// stallAfter is how long no iteration may finish before the store counts as
// stalled. An iteration takes milliseconds; a minute without any is no
// slowness of a busy machine but a wait that will never end.
const stallAfter = time.Minute

// waitOrStall waits for done, and reports a stall when progress has not
// moved for quiet.
func waitOrStall(done <-chan struct{}, progress *atomic.Int64, quiet time.Duration) (stalled bool) {
	tick := time.NewTicker(quiet / 20)
	defer tick.Stop()
	last, since := progress.Load(), time.Now()
	for {
		select {
		case <-done:
			return false
		case <-tick.C:
			if n := progress.Load(); n != last {
				last, since = n, time.Now()
			} else if time.Since(since) >= quiet {
				return true
			}
		}
	}
}
