package outbox

import (
	"context"
	"math"
	"sort"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// WindowGuard is added to the one-second window of the global limit, so
// that a server counting a closed window [t-1s, t], or with a coarser
// clock, still never sees one call too many.
const WindowGuard = 10 * time.Millisecond

// limits paces calls to Telegram so that its flood limits are never hit,
// whatever the delays between this process and the server.
//
// Telegram counts the calls arriving at its end in sliding windows; the
// client only knows when a call started and when its answer came back, and
// the call arrived somewhere in between. Pacing the starts alone (a token
// bucket) is not enough: a call delayed on its way — a late timer, a busy
// scheduler, a slow connection — lands in the next window together with
// the calls that follow it. So, for the global limit of N calls per second:
//
//   - a token bucket with a burst of 1 spaces starts 1/N apart, so that the
//     calls flow evenly rather than in bursts of N;
//   - a sliding window admits a call only while fewer than N calls count,
//     where a call counts from its start until one second (plus
//     WindowGuard) after its answer. Any N+1 calls the server could see in
//     one second would all have counted when the last of them started, so
//     the server never sees more than N — with no assumption on delays.
//
// The price is throughput: with round trips of L seconds, about
// N/(1+L) calls per second once the window is full.
//
// Per chat the same reasoning gives spacing measured from the end of the
// previous call (one chat's calls are never concurrent): 1 s for a private
// chat, 3 s for a group (20 per sliding minute).
//
// All of this lives in memory, which holds for the whole deployment because
// one dispatcher runs at a time: with several instances on one PostgreSQL
// database, only the elected leader dispatches (see package cluster). A
// new leader starts with empty limits, but only after the old one's lease
// ran out, longer than any of these windows.
type limits struct {
	bucket   *rate.Limiter
	window   *slidingWindow
	turn     chan struct{} // one caller at a time waits on the window, in turn
	perChat  time.Duration
	perGroup time.Duration

	mu          sync.Mutex
	pausedUntil time.Time
	pauseSet    chan struct{} // closed and replaced when a pause begins or grows
	// last is when the latest rate-limited call to each chat finished (its
	// answer came back or it timed out).
	last  map[int64]time.Time
	marks int
}

func newLimits(globalRate float64, perChat, perGroup time.Duration) *limits {
	return &limits{
		bucket:   rate.NewLimiter(rate.Limit(globalRate), 1),
		window:   newSlidingWindow(max(1, int(math.Floor(globalRate))), time.Second+WindowGuard),
		turn:     make(chan struct{}, 1),
		perChat:  perChat,
		perGroup: perGroup,
		pauseSet: make(chan struct{}),
		last:     make(map[int64]time.Time),
	}
}

// interval is the spacing between two calls to one chat. Group chats
// (negative ids: groups, supergroups, channels) have the stricter of the
// two limits.
func (l *limits) interval(chatID int64) time.Duration {
	if chatID < 0 {
		return max(l.perGroup, l.perChat)
	}
	return l.perChat
}

// acquire blocks until a call to chatID may start: the chat's spacing has
// passed (spaced), then no 429 pause is on and the global limit has room
// (admit). See admit for done.
func (l *limits) acquire(ctx context.Context, chatID int64, limited bool) (done func(called bool), err error) {
	if err := l.spaced(ctx, chatID, limited); err != nil {
		return nil, err
	}
	return l.admit(ctx, chatID, limited)
}

// spaced blocks until the spacing since the last call to chatID has passed;
// calls that Telegram does not count (limited false) need none.
func (l *limits) spaced(ctx context.Context, chatID int64, limited bool) error {
	return sleepUntil(ctx, time.Now().Add(l.spacingLeft(chatID, limited)))
}

// spacingLeft is how long until the spacing since the last call to chatID
// has passed (≤ 0: it has).
func (l *limits) spacingLeft(chatID int64, limited bool) time.Duration {
	if !limited {
		return 0
	}
	l.mu.Lock()
	last, ok := l.last[chatID]
	l.mu.Unlock()
	if !ok {
		return 0
	}
	return time.Until(last.Add(l.interval(chatID)))
}

// admit blocks until no 429 pause is on and, for a call Telegram counts
// (limited), the global limit has room, and takes a place in the window.
// The caller must call done(true) when the call has finished, whatever its
// outcome (Telegram counts failed calls too), or done(false) if it was not
// made. Every moment between admit and done narrows the global limit (see
// limits), so nothing but the call should come between them.
func (l *limits) admit(ctx context.Context, chatID int64, limited bool) (done func(called bool), err error) {
	for {
		if err := l.waitPause(ctx); err != nil {
			return nil, err
		}
		if !limited {
			return func(bool) {}, nil
		}
		if err := l.bucket.Wait(ctx); err != nil {
			return nil, err
		}
		select {
		case l.turn <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		err := l.window.enter(ctx)
		<-l.turn
		if err != nil {
			return nil, err
		}
		// A 429 may have come in while this call waited: sending now would
		// break the pause.
		if l.pauseLeft() <= 0 {
			return func(called bool) {
				l.window.leave(called)
				if called {
					l.markChat(chatID)
				}
			}, nil
		}
		l.window.leave(false)
	}
}

// room is how many rate-limited calls could start within horizon as far
// as the global limit goes — counting the places in the window that free
// up within it, not only those free now — and when there is none, how long
// until there may be. The calls already waiting for admission are the
// caller's to subtract: their reservations in the bucket are not counted
// here. It reserves nothing.
func (l *limits) room(horizon time.Duration) (int, time.Duration) {
	now := time.Now()
	tokens := 1 + float64(l.bucket.Limit())*horizon.Seconds()
	free, next := l.window.free(now, now.Add(horizon))
	n := min(free, int(math.Floor(tokens)))
	if n > 0 {
		return n, 0
	}
	return 0, next
}

// markChat records that a call to chatID just finished.
func (l *limits) markChat(chatID int64) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last[chatID] = now
	l.marks++
	if l.marks%4096 == 0 {
		// Forget chats whose spacing has passed, so that the map does not
		// grow with every chat ever written to.
		keep := max(l.perChat, l.perGroup)
		for id, t := range l.last {
			if now.Sub(t) > keep {
				delete(l.last, id)
			}
		}
	}
}

// pause stops all calls for d (a 429's retry_after). Telegram does not say
// whether a flood wait is per chat or for the whole bot, so it is taken as
// global.
func (l *limits) pause(d time.Duration) {
	until := time.Now().Add(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.pausedUntil) {
		l.pausedUntil = until
		close(l.pauseSet)
		l.pauseSet = make(chan struct{})
	}
}

// pauseLeft is how long the current pause still lasts (≤ 0: none).
func (l *limits) pauseLeft() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Until(l.pausedUntil)
}

func (l *limits) waitPause(ctx context.Context) error {
	for {
		l.mu.Lock()
		until, grown := l.pausedUntil, l.pauseSet
		l.mu.Unlock()
		d := time.Until(until)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-grown:
			t.Stop()
		case <-t.C:
		}
	}
}

// slidingWindow admits at most limit calls per span, counting each call
// from when it enters until span after it leaves.
type slidingWindow struct {
	limit int
	span  time.Duration

	mu       sync.Mutex
	inFlight int
	ended    []time.Time // when the counted calls that finished did, oldest first
	left     chan struct{}
}

func newSlidingWindow(limit int, span time.Duration) *slidingWindow {
	return &slidingWindow{limit: limit, span: span, left: make(chan struct{})}
}

// enter blocks until the window has room and takes a place in it.
func (w *slidingWindow) enter(ctx context.Context) error {
	for {
		w.mu.Lock()
		now := time.Now()
		n := 0
		for n < len(w.ended) && !w.ended[n].Add(w.span).After(now) {
			n++
		}
		w.ended = w.ended[n:]
		if w.inFlight+len(w.ended) < w.limit {
			w.inFlight++
			w.mu.Unlock()
			return nil
		}
		// Room comes when the oldest finished call leaves the window, or
		// after a call in flight finishes (every place is in flight).
		var (
			timer  *time.Timer
			expire <-chan time.Time
		)
		if len(w.ended) > 0 {
			timer = time.NewTimer(w.ended[0].Add(w.span).Sub(now))
			expire = timer.C
		}
		left := w.left
		w.mu.Unlock()
		var err error
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-expire:
		case <-left:
		}
		if timer != nil {
			timer.Stop()
		}
		if err != nil {
			return err
		}
	}
}

// free is how many places the window has by the time by (no earlier than
// now), and when there are none, how long until there is one by then (a
// day when every place is held by a call in flight: its end wakes the
// dispatcher anyway).
func (w *slidingWindow) free(now, by time.Time) (int, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for n < len(w.ended) && !w.ended[n].Add(w.span).After(now) {
		n++
	}
	w.ended = w.ended[n:]
	// ended is in the order the calls finished: those gone by by are first.
	gone := sort.Search(len(w.ended), func(i int) bool { return w.ended[i].Add(w.span).After(by) })
	f := w.limit - w.inFlight - len(w.ended) + gone
	if f > 0 {
		return f, 0
	}
	// A place is there by by once 1-f more finished calls have gone.
	if i := gone - f; i < len(w.ended) {
		return 0, max(time.Millisecond, w.ended[i].Add(w.span).Sub(by))
	}
	return 0, 24 * time.Hour
}

// leave gives the place back: counted for span more if the call was made,
// at once if it was not.
func (w *slidingWindow) leave(called bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inFlight--
	if called {
		w.ended = append(w.ended, time.Now())
	}
	close(w.left)
	w.left = make(chan struct{})
}

func sleepUntil(ctx context.Context, at time.Time) error {
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
