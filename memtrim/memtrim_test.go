package memtrim

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestDue(t *testing.T) {
	const keep = 2 << 20
	for _, tc := range []struct {
		name      string
		prev, cur usage
		want      bool
	}{
		{"quiet with much to give back", usage{cycles: 7}, usage{cycles: 7, reclaimable: 9 << 20}, true},
		{"quiet with little to give back", usage{cycles: 7}, usage{cycles: 7, reclaimable: 1 << 20}, false},
		{"quiet with exactly keep", usage{cycles: 7}, usage{cycles: 7, reclaimable: keep}, false},
		{"a collection ran: busy", usage{cycles: 7}, usage{cycles: 8, reclaimable: 90 << 20}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := due(tc.prev, tc.cur, keep); got != tc.want {
				t.Errorf("due(%+v, %+v) = %v, want %v", tc.prev, tc.cur, got, tc.want)
			}
		})
	}
}

// TestRunTrimsOnceQuietAndNotForItsOwnCollection drives run through a
// burst (collections running), a quiet spell, and the looks after the
// trim, whose own collection must not read as work.
func TestRunTrimsOnceQuietAndNotForItsOwnCollection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu    sync.Mutex
			cur   = usage{cycles: 1, reclaimable: 20 << 20}
			trims []time.Duration
		)
		start := time.Now()
		read := func() usage {
			mu.Lock()
			defer mu.Unlock()
			return cur
		}
		trim := func() {
			mu.Lock()
			defer mu.Unlock()
			trims = append(trims, time.Since(start))
			cur = usage{cycles: cur.cycles + 1, reclaimable: 0}
		}
		change := func(f func(*usage)) {
			mu.Lock()
			defer mu.Unlock()
			f(&cur)
		}
		trimsSoFar := func() []time.Duration {
			mu.Lock()
			defer mu.Unlock()
			return append([]time.Duration(nil), trims...)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			run(ctx, 10*time.Second, 2<<20, read, trim)
		}()
		// Looks come at 10 s, 20 s, 30 s...; a burst runs a collection
		// at 5 s, 15 s and 25 s, between every two of them.
		time.Sleep(5 * time.Second)
		for range 3 {
			change(func(u *usage) { u.cycles++ })
			time.Sleep(10 * time.Second)
		}
		// Quiet from 25 s: the look at 40 s finds no new collection.
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if got := trimsSoFar(); len(got) != 1 || got[0] != 40*time.Second {
			t.Fatalf("trims at %v, want one at 40s", got)
		}
		// Idle garbage comes back slowly, under keep: no more trims.
		change(func(u *usage) { u.reclaimable = 1 << 20 })
		time.Sleep(60 * time.Second)
		synctest.Wait()
		if got := trimsSoFar(); len(got) != 1 {
			t.Fatalf("trims at %v, want only the one at 40s", got)
		}
		cancel()
		<-done
	})
}

func TestReadUsageFollowsTheRuntime(t *testing.T) {
	// No collection may run on its own while the garbage is counted.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	before := readUsage()
	garbage := make([][]byte, 128)
	for i := range garbage {
		garbage[i] = make([]byte, 64<<10)
	}
	runtime.KeepAlive(garbage)
	garbage = nil
	dirty := readUsage()
	if dirty.cycles != before.cycles {
		t.Fatalf("a collection ran with collections off: cycles %d, then %d", before.cycles, dirty.cycles)
	}
	// The garbage may have taken free spans, which are reclaimable too.
	if dirty.reclaimable < 8<<20 {
		t.Errorf("reclaimable %d after dropping 8 MiB", dirty.reclaimable)
	}
	runtime.GC()
	if after := readUsage(); after.cycles <= dirty.cycles {
		t.Errorf("cycles %d after a collection, %d before", after.cycles, dirty.cycles)
	}
}
