package scheduler

import (
	"errors"
	"slices"
	"sync"
	"taskbot/models"
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

// A round's batches hold each schedule once, all the schedules of a task
// in one batch, and no more than the batch size but for a task larger
// than it.
func TestTaskBatches(t *testing.T) {
	var schedules []models.Schedule
	tasks := []uint{3, 1, 2, 1, 3, 2, 1, 3, 2, 4, 5, 5, 5, 5, 5, 5, 6}
	for i, task := range tasks {
		schedules = append(schedules, models.Schedule{ID: uint(i + 1), TaskID: task})
	}
	batches := taskBatches(schedules, 4)
	seen := map[uint]bool{}
	batchOf := map[uint]int{}
	var order []uint
	for b, batch := range batches {
		if len(batch) > 4 && batch[0].TaskID != 5 {
			t.Errorf("batch %d holds %d schedules", b, len(batch))
		}
		for _, s := range batch {
			if seen[s.ID] {
				t.Errorf("schedule %d in two batches", s.ID)
			}
			seen[s.ID] = true
			if prev, ok := batchOf[s.TaskID]; ok && prev != b {
				t.Errorf("task %d in batches %d and %d", s.TaskID, prev, b)
			}
			batchOf[s.TaskID] = b
			order = append(order, s.ID)
		}
	}
	if len(seen) != len(schedules) {
		t.Errorf("%d of %d schedules in the batches", len(seen), len(schedules))
	}
	// By task, then as read.
	if want := []uint{2, 4, 7, 3, 6, 9, 1, 5, 8, 10, 11, 12, 13, 14, 15, 16, 17}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	// Schedules of no task are cut at the size.
	summaries := make([]models.Schedule, 10)
	for i := range summaries {
		summaries[i].ID = uint(i + 1)
	}
	var sizes []int
	for _, batch := range taskBatches(summaries, 4) {
		sizes = append(sizes, len(batch))
	}
	if !slices.Equal(sizes, []int{4, 4, 2}) {
		t.Errorf("summary batches of %v, want [4 4 2]", sizes)
	}
}
