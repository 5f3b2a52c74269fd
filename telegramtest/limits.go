package telegramtest

import (
	"time"
)

// RateLimits are the flood limits of the real server, enforced on every
// send and edit, in groups and their topics alike (never on getUpdates,
// answerCallbackQuery, setMessageReaction, topic management, getMe or the
// command methods). A call over a limit is not performed and is answered
// 429 with the whole number of seconds until the window frees. A zero or
// negative field disables that limit.
type RateLimits struct {
	// GlobalPerSecond caps calls across all chats in any sliding second.
	GlobalPerSecond int
	// PerChatPerSecond caps calls into one private chat in any sliding
	// second.
	PerChatPerSecond int
	// PerGroupPerMinute caps calls into one group in any sliding minute.
	PerGroupPerMinute int
}

// DefaultRateLimits are the limits Telegram documents: 30 messages per
// second overall, 1 per second per chat, 20 per minute per group.
func DefaultRateLimits() RateLimits {
	return RateLimits{GlobalPerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}
}

// window is a sliding-window log: the times of the calls performed within
// the last span, oldest first.
type window struct {
	span  time.Duration
	limit int
	times []time.Time
}

func (w *window) prune(now time.Time) {
	cut := 0
	for cut < len(w.times) && !w.times[cut].After(now.Add(-w.span)) {
		cut++
	}
	w.times = w.times[cut:]
}

// wait is how long until one more call fits, zero if it fits now.
func (w *window) wait(now time.Time) time.Duration {
	if w.limit <= 0 {
		return 0
	}
	w.prune(now)
	if len(w.times) < w.limit {
		return 0
	}
	// The call fits once the oldest call that would make limit+1 in the
	// window has left it.
	return w.times[len(w.times)-w.limit].Add(w.span).Sub(now)
}

func (w *window) add(now time.Time) {
	if w.limit > 0 {
		w.times = append(w.times, now)
	}
}

type limiter struct {
	limits RateLimits
	global window
	chats  map[int64]*window
}

func newLimiter(l RateLimits) limiter {
	return limiter{
		limits: l,
		global: window{span: time.Second, limit: l.GlobalPerSecond},
		chats:  map[int64]*window{},
	}
}

func (l *limiter) chat(chatID int64) *window {
	w := l.chats[chatID]
	if w == nil {
		// Telegram's ids: users are positive, groups negative.
		if chatID < 0 {
			w = &window{span: time.Minute, limit: l.limits.PerGroupPerMinute}
		} else {
			w = &window{span: time.Second, limit: l.limits.PerChatPerSecond}
		}
		l.chats[chatID] = w
	}
	return w
}

// check returns a 429 if a call into chatID now would break a limit.
func (l *limiter) check(now time.Time, chatID int64) *apiError {
	wait := max(l.global.wait(now), l.chat(chatID).wait(now))
	if wait <= 0 {
		return nil
	}
	secs := int((wait + time.Second - 1) / time.Second)
	return tooManyRequests(max(secs, 1))
}

func (l *limiter) record(now time.Time, chatID int64) {
	l.global.add(now)
	l.chat(chatID).add(now)
}
