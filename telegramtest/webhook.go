package telegramtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"
)

type webhookState struct {
	url     string
	secret  string
	maxConn int
	hasCert bool
	ip      string
	// ctx is cancelled when the webhook is removed or replaced, which
	// aborts a delivery in flight.
	ctx    context.Context
	cancel context.CancelFunc

	lastErrDate time.Time
	lastErrMsg  string
}

var secretTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// loopbackClient is the default webhook client. It ignores proxy settings
// and refuses to connect anywhere but a loopback address, whatever a host
// name resolves to: the server must never send updates off the machine.
func loopbackClient() *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("telegramtest: refusing to connect to non-loopback address %s", address)
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:       nil,
			DialContext: dialer.DialContext,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// loopbackURL reports whether u is an http(s) URL on this machine.
func loopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	switch strings.ToLower(u.Hostname()) {
	case "127.0.0.1", "localhost", "::1":
		return true
	}
	return false
}

func (s *Server) setWebhook(c *call) (any, *apiError) {
	p := c.p
	raw := strings.TrimSpace(p.str("url"))
	if raw == "" {
		// An empty url removes the webhook, as documented.
		return s.deleteWebhook(c)
	}
	if !loopbackURL(raw) {
		return nil, badRequest("bad webhook: telegramtest only delivers to http(s) URLs on 127.0.0.1, localhost or [::1]")
	}
	secret := p.str("secret_token")
	if p.has("secret_token") && !secretTokenRE.MatchString(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	maxConn := 40
	if p.has("max_connections") {
		maxConn = int(parseInt(p.str("max_connections")))
		if maxConn < 1 || maxConn > 100 {
			return nil, badRequest("bad webhook: max_connections must be between 1 and 100")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hook.cancel != nil {
		s.hook.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.hook = webhookState{
		url: raw, secret: secret, maxConn: maxConn, hasCert: p.file("certificate") != nil,
		ip: p.str("ip_address"), ctx: ctx, cancel: cancel,
	}
	if parseBool(p.str("drop_pending_updates")) {
		s.upd.items = nil
	}
	s.setAllowedLocked(p.str("allowed_updates"))
	s.kickPollLocked("Conflict: terminated by setWebhook request")
	s.notifyLocked()
	return withDescription{result: true, desc: "Webhook was set"}, nil
}

func (s *Server) deleteWebhook(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if parseBool(c.p.str("drop_pending_updates")) {
		s.upd.items = nil
	}
	if s.hook.url == "" {
		s.notifyLocked()
		return withDescription{result: true, desc: "Webhook is already deleted"}, nil
	}
	s.hook.cancel()
	s.hook = webhookState{}
	s.notifyLocked()
	return withDescription{result: true, desc: "Webhook was deleted"}, nil
}

func (s *Server) getWebhookInfo(*call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := wWebhookInfo{URL: s.hook.url, HasCustomCertificate: s.hook.hasCert, PendingUpdateCount: len(s.upd.items)}
	if s.hook.url != "" {
		info.MaxConnections = s.hook.maxConn
		info.IPAddress = s.hook.ip
		info.AllowedUpdates = s.allowedListLocked()
		if !s.hook.lastErrDate.IsZero() {
			info.LastErrorDate = s.hook.lastErrDate.Unix()
			info.LastErrorMessage = s.hook.lastErrMsg
		}
	}
	return info, nil
}

// runWebhook delivers queued updates to the webhook one at a time, in
// order, retrying each until the bot answers 2xx. An update leaves the
// queue only when delivered, so nothing is lost across failures.
func (s *Server) runWebhook() {
	delay := s.opts.WebhookRetryDelay
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.closed {
		if s.hook.url == "" || len(s.upd.items) == 0 {
			changed := s.changed
			s.mu.Unlock()
			select {
			case <-changed:
			case <-s.done:
			}
			s.mu.Lock()
			continue
		}
		upd, hook := s.upd.items[0], s.hook
		s.mu.Unlock()
		err := s.deliver(hook, upd)
		s.mu.Lock()
		if err == nil {
			delay = s.opts.WebhookRetryDelay
			if len(s.upd.items) > 0 && s.upd.items[0].id == upd.id {
				s.upd.items = s.upd.items[1:]
			}
			s.notifyLocked()
			continue
		}
		if hook.ctx.Err() != nil {
			continue // removed or replaced meanwhile: not the bot's fault
		}
		s.log.Debug("telegramtest: webhook delivery failed", "update_id", upd.id, "err", err)
		if s.hook.ctx == hook.ctx {
			s.hook.lastErrDate, s.hook.lastErrMsg = s.now(), err.Error()
		}
		s.notifyLocked()
		s.mu.Unlock()
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-hook.ctx.Done():
		case <-s.done:
		}
		t.Stop()
		delay = min(delay*2, 2*time.Second)
		s.mu.Lock()
	}
}

func (s *Server) deliver(hook webhookState, upd queuedUpdate) error {
	req, err := http.NewRequestWithContext(hook.ctx, http.MethodPost, hook.url, bytes.NewReader(upd.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if hook.secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.secret)
	}
	resp, err := s.opts.WebhookClient.Do(req)
	if err != nil {
		return wireErrorf("Connection failed: %v", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return wireErrorf("Wrong response from the webhook: %s", resp.Status)
	}
	return nil
}
