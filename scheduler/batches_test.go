package scheduler

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// Every batch is queued once, whichever worker takes it, and the first
// error stops the batches not started yet.
func TestEachBatch(t *testing.T) {
	batches := [][]int{{1, 2}, {3}, {4, 5}, {6}, {7}}
	for _, workers := range []int{1, 2, 8} {
		var mu sync.Mutex
		var got []int
		err := eachBatch(workers, batches, func(b []int) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, b...)
			return nil
		})
		slices.Sort(got)
		if err != nil || !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7}) {
			t.Fatalf("%d workers queued %v, %v", workers, got, err)
		}
	}
	boom := errors.New("boom")
	ran := 0
	err := eachBatch(1, batches, func(b []int) error {
		ran++
		if b[0] == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || ran != 2 {
		t.Fatalf("after a failed batch: %v, %d batches ran", err, ran)
	}
}
