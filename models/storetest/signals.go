package storetest

import (
	"testing"
	"time"

	"taskbot/models"
)

// Wakes are the wake functions a test hands to models.Store.Listen, each
// counting its calls on a channel of its own.
type Wakes struct {
	Outbox, Inbox chan struct{}
}

// NewWakes makes Wakes with room for many calls not yet waited for.
func NewWakes() *Wakes {
	return &Wakes{Outbox: make(chan struct{}, 64), Inbox: make(chan struct{}, 64)}
}

// Map is what Listen takes.
func (w *Wakes) Map() map[models.Signal]func() {
	send := func(c chan struct{}) func() {
		return func() {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	}
	return map[models.Signal]func(){models.SignalOutbox: send(w.Outbox), models.SignalInbox: send(w.Inbox)}
}

// Heard waits for one call on c; the bound only ends a failing test.
func Heard(t testing.TB, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: not woken", what)
	}
}
