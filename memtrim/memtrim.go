// Package memtrim gives the memory a burst of work leaves behind back to
// the system once the process is quiet again.
//
// Go's runtime keeps the heap it has grown for reuse and returns it slowly,
// only down to about twice what is live. A bot spends its days idle between
// short bursts — the start-up's first schedule sync, a reminder round, the
// summary round, an import — and after each it held half again to twice the
// memory it used, until the next burst. Once no collection has run for a
// while, a collection and a release cost a few milliseconds and give all of
// that back.
package memtrim

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// usage is what the decision to trim reads from the runtime.
type usage struct {
	cycles uint64 // garbage collections completed
	// reclaimable is heap memory a collection and a release would give
	// back: free spans still backed by memory, and objects dead since the
	// last collection.
	reclaimable uint64
}

// due tells whether to trim now, having seen prev one look earlier: only
// when the process was quiet in between (no collection ran, so nothing is
// allocating much) and there is more than keep to give back. During a burst
// collections follow each other, and releasing memory then would only make
// the burst fault it back in.
func due(prev, cur usage, keep uint64) bool {
	return cur.cycles == prev.cycles && cur.reclaimable > keep
}

// Run looks every interval until ctx ends, and trims when due: a
// collection that returns the free heap to the system. keep is the
// reclaimable heap left alone: below it a trim is not worth its collection.
//
// Memory that C code holds (SQLite's page cache, 2 MB at most) is not
// Go's to return, and SQLite's own release (PRAGMA shrink_memory) left
// the process as large: the C allocator keeps what it is given back.
func Run(ctx context.Context, every time.Duration, keep uint64) {
	run(ctx, every, keep, readUsage, debug.FreeOSMemory)
}

func run(ctx context.Context, every time.Duration, keep uint64, read func() usage, trim func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	prev := read()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := read()
		if due(prev, cur, keep) {
			trim()
			// The trim's own collection is no sign of work.
			cur = read()
		}
		prev = cur
	}
}

var samples = []metrics.Sample{
	{Name: "/gc/cycles/total:gc-cycles"},
	{Name: "/memory/classes/heap/free:bytes"},
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/gc/heap/live:bytes"},
}

func readUsage() usage {
	s := make([]metrics.Sample, len(samples))
	copy(s, samples)
	metrics.Read(s)
	var v [4]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	cycles, free, objects, live := v[0], v[1], v[2], v[3]
	dead := uint64(0)
	if objects > live {
		dead = objects - live
	}
	return usage{cycles: cycles, reclaimable: free + dead}
}
