// Package watchdog tells whether the bot's long-running parts still make
// progress. A process can be alive and answer HTTP while the parts that do
// its work wait forever (on a lock, on a connection another goroutine holds,
// on a call that never returns); only the parts themselves can say they
// moved. Each part beats when it gets through a round of its work, or finds
// none to do; one that has work and has not beaten for StallAfter is
// stalled, and /healthz says so, so that systemd or Kubernetes restart it.
package watchdog

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// Watchdog watches the parts of one process.
type Watchdog struct {
	// StallAfter is how long a part with work may go without progress.
	StallAfter time.Duration
	// Now is the clock (time.Now when nil); tests move it by hand.
	Now func() time.Time

	mu    sync.Mutex
	parts map[string]*Part
}

// New is a watchdog that calls a part stalled after stallAfter.
func New(stallAfter time.Duration) *Watchdog {
	return &Watchdog{StallAfter: stallAfter}
}

func (w *Watchdog) now() time.Time {
	if w.Now == nil {
		return time.Now()
	}
	return w.Now()
}

// Part is the progress of one named part. A nil *Part is valid and records
// nothing, so that a part runs the same with or without a watchdog.
type Part struct {
	w    *Watchdog
	name string
	// Guarded by w.mu.
	running int       // loops of this part running now
	busy    int       // units of work in hand (e.g. webhook requests)
	last    time.Time // the last progress, or when work began
}

// Part returns the part called name, made on first use. On a nil Watchdog
// it returns nil.
func (w *Watchdog) Part(name string) *Part {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.parts == nil {
		w.parts = map[string]*Part{}
	}
	p, ok := w.parts[name]
	if !ok {
		p = &Part{w: w, name: name}
		w.parts[name] = p
	}
	return p
}

// Running marks the part's loop as running: from now until the returned
// function is called, it must beat at least every StallAfter.
func (p *Part) Running() (stopped func()) {
	if p == nil {
		return func() {}
	}
	return p.hold(func(p *Part) *int { return &p.running }, false)
}

// Beat records progress: a round of work done, or none found to do.
func (p *Part) Beat() {
	if p == nil {
		return
	}
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	p.last = p.w.now()
}

// Busy records that one unit of work began, for a part that has work only
// now and then (a webhook request); done ends it, as progress.
func (p *Part) Busy() (done func()) {
	if p == nil {
		return func() {}
	}
	return p.hold(func(p *Part) *int { return &p.busy }, true)
}

// hold counts one more of what count points at until the returned function
// is called (once, however often); the quiet time of a part that had no
// work starts now, and with beatAtEnd the end is progress.
func (p *Part) hold(count func(*Part) *int, beatAtEnd bool) func() {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	if p.running == 0 && p.busy == 0 {
		p.last = p.w.now()
	}
	(*count(p))++
	var once sync.Once
	return func() {
		once.Do(func() {
			p.w.mu.Lock()
			defer p.w.mu.Unlock()
			(*count(p))--
			if beatAtEnd {
				p.last = p.w.now()
			}
		})
	}
}

// Stall names a part that has work and has made no progress for For.
type Stall struct {
	Part string
	For  time.Duration
}

func (s Stall) String() string {
	return fmt.Sprintf("%s (no progress for %s)", s.Part, s.For.Round(time.Second))
}

// Stalled lists the stalled parts by name; none when all is well.
func (w *Watchdog) Stalled() []Stall {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	var out []Stall
	for name, p := range w.parts {
		if p.running == 0 && p.busy == 0 {
			continue
		}
		if quiet := now.Sub(p.last); quiet > w.StallAfter {
			out = append(out, Stall{Part: name, For: quiet})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Part < out[j].Part })
	return out
}
