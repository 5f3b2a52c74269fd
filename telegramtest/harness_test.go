package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// noLimits disables flood limits for tests that send in bursts.
var noLimits = &RateLimits{}

func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// apiResp is a decoded Bot API answer.
type apiResp struct {
	Status      int             `json:"-"`
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

func (r apiResp) String() string {
	if r.OK {
		return fmt.Sprintf("%d ok %s", r.Status, r.Result)
	}
	return fmt.Sprintf("%d %d %s", r.Status, r.ErrorCode, r.Description)
}

// do sends req and decodes the answer; a successful result is checked
// against the method's return type in the spec.
func do(t *testing.T, req *http.Request) apiResp {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var r apiResp
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s: answer is not JSON: %v: %s", req.URL.Path, err, body)
	}
	var raw struct {
		Parameters json.RawMessage `json:"parameters"`
	}
	_ = json.Unmarshal(body, &raw)
	if raw.Parameters != nil {
		if err := CheckObject("ResponseParameters", raw.Parameters); err != nil {
			t.Errorf("%s: parameters violate the spec: %v", req.URL.Path, err)
		}
	}
	r.Status = resp.StatusCode
	if r.OK {
		if err := CheckResult(path.Base(req.URL.Path), r.Result); err != nil {
			t.Errorf("%s returned an object that violates the spec: %v\n%s", path.Base(req.URL.Path), err, r.Result)
		}
	} else if r.ErrorCode != resp.StatusCode {
		t.Errorf("error_code %d differs from HTTP status %d", r.ErrorCode, resp.StatusCode)
	}
	return r
}

// api posts params as a JSON body.
func api(t *testing.T, srv *Server, method string, params map[string]any) apiResp {
	t.Helper()
	body, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/bot"+srv.Token()+"/"+method, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

// callForm posts string params as application/x-www-form-urlencoded.
func callForm(t *testing.T, srv *Server, method string, params map[string]string) apiResp {
	t.Helper()
	vals := url.Values{}
	for k, v := range params {
		vals.Set(k, v)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/bot"+srv.Token()+"/"+method, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

type testFile struct {
	name string
	data []byte
}

// callMultipart posts fields and files as multipart/form-data, the way
// go-telegram/bot does.
func callMultipart(t *testing.T, srv *Server, method string, fields map[string]string, files map[string]testFile) apiResp {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for k, f := range files {
		fw, _ := w.CreateFormFile(k, f.name)
		_, _ = fw.Write(f.data)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/bot"+srv.Token()+"/"+method, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return do(t, req)
}

func wantError(t *testing.T, r apiResp, code int, desc string) {
	t.Helper()
	if r.OK || r.ErrorCode != code || r.Description != desc {
		t.Errorf("got %v, want %d %s", r, code, desc)
	}
}

func wantOK(t *testing.T, r apiResp) {
	t.Helper()
	if !r.OK {
		t.Fatalf("got %v, want ok", r)
	}
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// specChecker is an http.RoundTripper for go-telegram/bot that checks
// every successful answer against the spec, so that tests driving the real
// client also prove the server's output shape.
type specChecker struct {
	mu   sync.Mutex
	errs []string
}

func (c *specChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp, nil
	}
	var env struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
	}
	if json.Unmarshal(body, &env) == nil && env.OK {
		if err := CheckResult(path.Base(req.URL.Path), env.Result); err != nil {
			c.mu.Lock()
			c.errs = append(c.errs, fmt.Sprintf("%s: %v", path.Base(req.URL.Path), err))
			c.mu.Unlock()
		}
	}
	return resp, nil
}

// newBot returns a go-telegram/bot client for srv whose answers are all
// checked against the spec.
func newBot(t *testing.T, srv *Server, opts ...bot.Option) *bot.Bot {
	t.Helper()
	checker := &specChecker{}
	t.Cleanup(func() {
		checker.mu.Lock()
		defer checker.mu.Unlock()
		for _, e := range checker.errs {
			t.Errorf("spec violation: %s", e)
		}
	})
	client := &http.Client{Timeout: 10 * time.Second, Transport: checker}
	all := append([]bot.Option{
		bot.WithServerURL(srv.URL()),
		bot.WithHTTPClient(2*time.Second, client),
		bot.WithSkipGetMe(),
		bot.WithErrorsHandler(func(error) {}),
		bot.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) {}),
	}, opts...)
	b, err := bot.New(srv.Token(), all...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runBot starts b's long-polling loop and stops it when the test ends.
func runBot(t *testing.T, b *bot.Bot) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// fakeClock is a settable Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
