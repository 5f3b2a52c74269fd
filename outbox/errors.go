package outbox

import (
	"errors"
	"fmt"
	"time"
)

// Outcomes a Sender reports. Any other error is transient: a 5xx, a network
// error or a timeout, retried with backoff.
var (
	// ErrRecipientBlocked means the chat refused the bot (403: blocked,
	// kicked, deactivated). The chat's queue is dropped and its person is
	// marked unreachable.
	ErrRecipientBlocked = errors.New("recipient refused the bot")
	// ErrRejected means Telegram refused the request itself (400, 404, …):
	// sending it again would fail the same way, so it never is.
	ErrRejected = errors.New("request rejected")
	// ErrDeposed means the call was stopped before any of it left the
	// process: this instance's lease could have run out (see
	// bot.NewFencedHTTPClient). Nothing was sent; the new leader sends it.
	ErrDeposed = errors.New("leader lease lost before the call went out")
)

// RetryAfterError is a 429: Telegram asks for no more requests until After
// has passed.
type RetryAfterError struct {
	After time.Duration
	// Err is the underlying client error, if any.
	Err error
}

func (e *RetryAfterError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("too many requests, retry after %s: %v", e.After, e.Err)
	}
	return fmt.Sprintf("too many requests, retry after %s", e.After)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// MigratedError means the chat, a basic group, became a supergroup with
// the id To: the message, and everything queued to the old id, move there
// and are sent again.
type MigratedError struct {
	To  int64
	Err error
}

func (e *MigratedError) Error() string {
	return fmt.Sprintf("group became supergroup %d: %v", e.To, e.Err)
}

func (e *MigratedError) Unwrap() error { return e.Err }
