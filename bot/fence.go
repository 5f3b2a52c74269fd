package bot

import (
	"context"
	"net"
	"net/http"
	"time"

	"taskbot/outbox"
)

// NewFencedHTTPClient is NewHTTPClient for the outbox's calls, whose
// connections refuse to write once holds says this instance may no longer
// lead. The dispatcher asks the lease just before each call, but a process
// paused between that check and the moment the request's bytes are written
// would send after waking; the check here is the last before the write
// itself, in the goroutine that makes it. A refused write returns
// outbox.ErrDeposed: nothing was sent.
func NewFencedHTTPClient(conns int, timeout time.Duration, holds func() bool) *http.Client {
	t := newTransport(conns)
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &fencedConn{Conn: conn, holds: holds}, nil
	}
	return &http.Client{Transport: wholeBodies{t}, Timeout: timeout}
}

type fencedConn struct {
	net.Conn
	holds func() bool
}

func (c *fencedConn) Write(b []byte) (int, error) {
	if !c.holds() {
		return 0, outbox.ErrDeposed
	}
	return c.Conn.Write(b)
}
