package telegramtest

import (
	"fmt"
	"net/http"
	"time"
)

// FaultKind is a way a Bot API call can go wrong in production.
type FaultKind int

const (
	// FaultServerError answers with an HTTP 5xx.
	FaultServerError FaultKind = iota + 1
	// FaultTooManyRequests answers 429 with a chosen retry_after.
	FaultTooManyRequests
	// FaultTimeout holds the answer back.
	FaultTimeout
	// FaultDropConnection closes the TCP connection without answering.
	FaultDropConnection
)

// Fault describes one injected failure. Build one with ServerError,
// TooManyRequests, Timeout or DropConnection.
type Fault struct {
	Kind FaultKind
	// Status is the HTTP status of a FaultServerError: 500, 502, 503...
	Status int
	// PlainBody makes a FaultServerError answer with an HTML page, like a
	// proxy in front of the API does, instead of a Bot API JSON error.
	PlainBody bool
	// RetryAfter is the retry_after of a FaultTooManyRequests.
	RetryAfter int
	// Hold is how long a FaultTimeout keeps the answer back; zero means
	// until the client gives up or the server closes.
	Hold time.Duration
	// Performed says whether the call takes effect even though the client
	// never learns so — the message was delivered, the answer was lost.
	// Without it, a FaultServerError or FaultDropConnection call has no
	// effect, and a FaultTimeout call takes effect only if the client is
	// still waiting when Hold runs out (a slow server).
	Performed bool
}

// ServerError is a FaultServerError with the given status (500 if zero).
func ServerError(status int) Fault { return Fault{Kind: FaultServerError, Status: status} }

// TooManyRequests is a FaultTooManyRequests with the given retry_after.
func TooManyRequests(retryAfter int) Fault {
	return Fault{Kind: FaultTooManyRequests, RetryAfter: retryAfter}
}

// Timeout is a FaultTimeout holding the answer for hold (0: until the
// client goes away).
func Timeout(hold time.Duration, performed bool) Fault {
	return Fault{Kind: FaultTimeout, Hold: hold, Performed: performed}
}

// DropConnection is a FaultDropConnection.
func DropConnection(performed bool) Fault {
	return Fault{Kind: FaultDropConnection, Performed: performed}
}

// AnySend is the method name to inject a fault into whichever
// rate-limited call (sendMessage, sendPhoto, editMessageText...) comes
// next.
const AnySend = ""

// InjectFault queues f for the next call of method (case-insensitive; use
// AnySend for any send or edit). Faults apply to calls that passed spec
// validation, in the order they were injected; faults for the exact
// method go before AnySend ones.
func (s *Server) InjectFault(method string, f Fault) { s.InjectFaults(method, 1, f) }

// InjectFaults queues n copies of f.
func (s *Server) InjectFaults(method string, n int, f Fault) {
	key := s.faultKey(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[key] = append(s.faults[key], f)
	}
}

// PendingFaults is how many injected faults for method are still unused.
func (s *Server) PendingFaults(method string) int {
	key := s.faultKey(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults[key])
}

// ClearFaults drops every unused injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// faultKey panics on a method name the spec does not know: a fault
// injected under a misspelt name would silently never fire.
func (s *Server) faultKey(method string) string {
	if method == AnySend {
		return AnySend
	}
	if m := s.spec.method(method); m != nil {
		return m.Name
	}
	panic(fmt.Sprintf("telegramtest: cannot inject a fault into unknown method %q", method))
}

func (s *Server) takeFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{method, AnySend} {
		if key == AnySend && !rateLimited(method) {
			continue
		}
		if q := s.faults[key]; len(q) > 0 {
			f := q[0]
			s.faults[key] = q[1:]
			return f, true
		}
	}
	return Fault{}, false
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, method string, f Fault, run func() response) {
	s.log.Debug("telegramtest: injecting fault", "method", method, "kind", f.Kind, "performed", f.Performed)
	var resp response
	if f.Performed && f.Kind != FaultTooManyRequests {
		resp = run()
	}
	switch f.Kind {
	case FaultTooManyRequests:
		s.finish(w, method, errorResponse(tooManyRequests(max(f.RetryAfter, 1))))
	case FaultServerError:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		if f.PlainBody {
			text := http.StatusText(status)
			body := "<html>\r\n<head><title>" + itoa(status) + " " + text + "</title></head>\r\n<body>\r\n<center><h1>" +
				itoa(status) + " " + text + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
			writeResponse(w, response{status: status, contentType: "text/html", body: []byte(body)})
			return
		}
		writeResponse(w, errorResponse(&apiError{code: status, desc: http.StatusText(status)}))
	case FaultTimeout:
		if !s.hold(r, f.Hold) {
			return
		}
		if !f.Performed {
			resp = run()
		}
		s.finish(w, method, resp)
	case FaultDropConnection:
		dropConnection(w)
	default:
		s.finish(w, method, run())
	}
}

// hold waits for d (forever if zero) and reports whether the client is
// still there to be answered.
func (s *Server) hold(r *http.Request, d time.Duration) bool {
	var expired <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-expired:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// Only HTTP/2 lacks hijacking; aborting the handler resets the
		// stream, which is the closest equivalent.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
