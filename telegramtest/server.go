package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrClosed is returned by waits that end because the server was closed.
var ErrClosed = errors.New("telegramtest: server closed")

// Options configures a Server. The zero value is ready to use.
type Options struct {
	// Token is the only bot token the server accepts; requests with any
	// other token get 401 Unauthorized. The part before the colon is the
	// bot's user id, as with real tokens. Default "123456:TEST-TOKEN".
	Token string
	// BotUsername is the bot's username without "@". Default
	// "taskbot_demo_bot".
	BotUsername string
	// BotFirstName is the bot's display name. Default "Taskbot Demo".
	BotFirstName string
	// ReadAllGroupMessages turns the bot's group privacy mode off. With
	// privacy mode on (the default, as for a new real bot), a bot that is
	// not an administrator of a group receives from it only commands for
	// it, replies to its messages and service messages.
	ReadAllGroupMessages bool

	// RateLimits are the flood limits enforced on sends and edits. Nil
	// means DefaultRateLimits().
	RateLimits *RateLimits

	// OnEvent, if set, receives every user action and every message the
	// bot sends or edits, in order, on a goroutine of its own. Close
	// returns after the last event has been handled.
	OnEvent func(Event)

	// Logger receives debug logs of every request. Default: discard.
	Logger *slog.Logger

	// Now is the clock for message dates and rate-limit windows, so that a
	// test can step over a 60-second group window without waiting.
	// Default time.Now.
	Now func() time.Time

	// Seed makes update ids, file ids and callback query ids
	// reproducible: runs with the same seed and the same calls produce the
	// same ids. Zero is a seed like any other.
	Seed uint64

	// WebhookClient delivers webhook requests, e.g. one that trusts the
	// certificate of an httptest TLS server. The default client has no
	// proxy and can only connect to loopback addresses.
	WebhookClient *http.Client
	// WebhookRetryDelay is the first pause after a failed webhook
	// delivery; it doubles up to 2s. Default 20ms.
	WebhookRetryDelay time.Duration

	// MaxRequestSize caps request bodies. Default 50 MiB, the real
	// server's upload limit.
	MaxRequestSize int64
}

// BotUser describes the bot account the server impersonates.
type BotUser struct {
	ID        int64
	Username  string
	FirstName string
}

// Server is a fake Telegram Bot API server listening on 127.0.0.1. It is
// safe for concurrent use.
type Server struct {
	opts   Options
	spec   *apiSpec
	token  string
	bot    BotUser
	log    *slog.Logger
	now    func() time.Time
	srv    *http.Server
	url    string
	events *eventQueue

	done      chan struct{}
	closeOnce sync.Once
	workers   sync.WaitGroup

	// mu guards everything below. Every change is announced by closing
	// changed, which is what waiters block on.
	mu        sync.Mutex
	changed   chan struct{}
	closed    bool
	rng       *rand.Rand
	users     map[int64]*User
	groups    map[int64]*Group
	chats     map[int64]*chat
	files     map[string]*File
	upd       updateQueue
	hook      webhookState
	callbacks map[string]*callbackQuery
	answers   []CallbackAnswer
	commands  map[commandKey][]BotCommand
	sent      []SentCall
	calls     map[string]int
	tooMany   map[string]int
	limiter   limiter
	faults    map[string][]Fault
	// filePaths are the files getFile prepared for download.
	filePaths map[string]*File
	// menuButtons are the menu buttons set, by private chat (0: default).
	menuButtons map[int64]MenuButton
	// anonymous is the account anonymous group administrators post as.
	anonymous *User
}

// New starts a server on 127.0.0.1 with a free port.
func New(opts Options) (*Server, error) {
	if opts.Token == "" {
		opts.Token = "123456:TEST-TOKEN"
	}
	botID, _, ok := strings.Cut(opts.Token, ":")
	id, err := strconv.ParseInt(botID, 10, 64)
	if !ok || err != nil || id <= 0 {
		return nil, fmt.Errorf("telegramtest: token %q is not of the form <bot id>:<secret>", opts.Token)
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "taskbot_demo_bot"
	}
	if opts.BotFirstName == "" {
		opts.BotFirstName = "Taskbot Demo"
	}
	limits := DefaultRateLimits()
	if opts.RateLimits != nil {
		limits = *opts.RateLimits
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.WebhookRetryDelay <= 0 {
		opts.WebhookRetryDelay = 20 * time.Millisecond
	}
	if opts.MaxRequestSize <= 0 {
		opts.MaxRequestSize = 50 << 20
	}
	if opts.WebhookClient == nil {
		opts.WebhookClient = loopbackClient()
	}

	// Only ever loopback: this server must not be reachable from, or
	// talk to, anything but the machine it runs on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("telegramtest: listen: %w", err)
	}
	s := &Server{
		opts:      opts,
		spec:      loadSpec(),
		token:     opts.Token,
		bot:       BotUser{ID: id, Username: opts.BotUsername, FirstName: opts.BotFirstName},
		log:       opts.Logger,
		now:       opts.Now,
		url:       "http://" + ln.Addr().String(),
		events:    newEventQueue(opts.OnEvent),
		done:      make(chan struct{}),
		changed:   make(chan struct{}),
		rng:       rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		users:     map[int64]*User{},
		groups:    map[int64]*Group{},
		chats:     map[int64]*chat{},
		files:     map[string]*File{},
		callbacks: map[string]*callbackQuery{},
		commands:  map[commandKey][]BotCommand{},
		calls:     map[string]int{},
		tooMany:   map[string]int{},
		limiter:   newLimiter(limits),
		faults:    map[string][]Fault{},
	}
	s.anonymous = &User{s: s, id: GroupAnonymousBotID, firstName: "Group", username: "GroupAnonymousBot", isBot: true}
	s.users[GroupAnonymousBotID] = s.anonymous
	s.upd.lastID = int64(100_000_000 + s.rng.IntN(900_000_000))
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.workers.Add(2)
	go func() {
		defer s.workers.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("telegramtest: serve", "err", err)
		}
	}()
	go func() {
		defer s.workers.Done()
		s.runWebhook()
	}()
	return s, nil
}

// URL is the base URL to give the bot client, e.g. http://127.0.0.1:PORT
// (for go-telegram/bot: bot.WithServerURL(srv.URL())).
func (s *Server) URL() string { return s.url }

// Token is the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// BotUser is the bot account, as getMe reports it.
func (s *Server) BotUser() BotUser { return s.bot }

// Close stops the server: open requests are answered or cut, waiters
// return ErrClosed, webhook delivery stops and pending events are flushed
// to Options.OnEvent. It is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		if s.hook.cancel != nil {
			s.hook.cancel()
		}
		s.notifyLocked()
		s.mu.Unlock()
		close(s.done)

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if e := s.srv.Shutdown(ctx); e != nil {
			err = s.srv.Close()
		}
		s.workers.Wait()
		s.events.close()
	})
	return err
}

// notifyLocked wakes everything waiting for a change of state.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

type handlerFunc func(s *Server, c *call) (any, *apiError)

// call is one Bot API request after parsing and spec validation.
type call struct {
	ctx    context.Context
	method *specMethod
	p      *params
}

// withDescription adds the "description" the real server puts next to
// some results ("Webhook was set").
type withDescription struct {
	result any
	desc   string
}

var handlers = map[string]handlerFunc{
	"getMe":                  (*Server).getMe,
	"getUpdates":             (*Server).getUpdates,
	"setWebhook":             (*Server).setWebhook,
	"deleteWebhook":          (*Server).deleteWebhook,
	"getWebhookInfo":         (*Server).getWebhookInfo,
	"sendMessage":            (*Server).sendMessage,
	"sendPhoto":              (*Server).sendPhoto,
	"sendDocument":           (*Server).sendDocument,
	"sendChatAction":         (*Server).sendChatAction,
	"editMessageText":        (*Server).editMessageText,
	"editMessageReplyMarkup": (*Server).editMessageReplyMarkup,
	"answerCallbackQuery":    (*Server).answerCallbackQuery,
	"setMyCommands":          (*Server).setMyCommands,
	"getMyCommands":          (*Server).getMyCommands,
	"deleteMyCommands":       (*Server).deleteMyCommands,
	"getFile":                (*Server).getFile,
	"setChatMenuButton":      (*Server).setChatMenuButton,
	"getChatMenuButton":      (*Server).getChatMenuButton,
	"getChat":                (*Server).getChat,
	"getChatMember":          (*Server).getChatMember,
	"createForumTopic":       (*Server).createForumTopic,
	"editForumTopic":         (*Server).editForumTopic,
	"closeForumTopic":        (*Server).closeForumTopic,
	"reopenForumTopic":       (*Server).reopenForumTopic,
	"setMessageReaction":     (*Server).setMessageReaction,
	"pinChatMessage":         (*Server).pinChatMessage,
}

// Methods lists the Bot API methods the server implements. Others that
// exist in the spec are answered 501 Not Implemented so that a bot using
// them fails loudly in tests; unknown methods get 404 like the real server.
func Methods() []string {
	out := make([]string, 0, len(handlers))
	for name := range handlers {
		out = append(out, name)
	}
	sortStrings(out)
	return out
}

// rateLimited reports whether a method sends or edits a message and is
// therefore subject to flood limits. Chat actions send nothing.
func rateLimited(method string) bool {
	return (strings.HasPrefix(method, "send") || strings.HasPrefix(method, "edit")) && method != "sendChatAction"
}

// ServeHTTP implements the Bot API wire protocol:
// POST|GET /bot<token>/<method>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveDownload(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || strings.Contains(name, "/") {
		writeResponse(w, errorResponse(&apiError{code: 404, desc: "Not Found"}))
		return
	}
	if token != s.token {
		writeResponse(w, errorResponse(&apiError{code: 401, desc: "Unauthorized"}))
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeResponse(w, errorResponse(&apiError{code: 405, desc: "Method Not Allowed"}))
		return
	}
	m := s.spec.method(name)
	if m == nil {
		s.countCall(name)
		writeResponse(w, errorResponse(&apiError{code: 404, desc: "Not Found"}))
		return
	}
	s.countCall(m.Name)
	h := handlers[m.Name]
	if h == nil {
		writeResponse(w, errorResponse(&apiError{code: 501, desc: "Not Implemented: telegramtest does not implement " + m.Name}))
		return
	}
	p, err := parseParams(w, r, s.opts.MaxRequestSize)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			s.finish(w, m.Name, errorResponse(&apiError{code: 413, desc: "Request Entity Too Large"}))
			return
		}
		s.finish(w, m.Name, errorResponse(badRequest("%v", err)))
		return
	}
	if e := validateParams(s.spec, m, p); e != nil {
		s.log.Debug("telegramtest: rejected", "method", m.Name, "error", e.desc)
		s.finish(w, m.Name, errorResponse(e))
		return
	}
	c := &call{ctx: r.Context(), method: m, p: p}
	run := func() response {
		res, e := h(s, c)
		if e != nil {
			s.log.Debug("telegramtest: failed", "method", m.Name, "error", e.desc)
			return errorResponse(e)
		}
		s.log.Debug("telegramtest: ok", "method", m.Name)
		return resultResponse(res)
	}
	if f, ok := s.takeFault(m.Name); ok {
		s.serveFault(w, r, m.Name, f, run)
		return
	}
	s.finish(w, m.Name, run())
}

func (s *Server) countCall(method string) {
	s.mu.Lock()
	s.calls[method]++
	s.notifyLocked()
	s.mu.Unlock()
}

// finish writes the answer and keeps count of the 429s given.
func (s *Server) finish(w http.ResponseWriter, method string, resp response) {
	if resp.status == http.StatusTooManyRequests {
		s.mu.Lock()
		s.tooMany[method]++
		s.notifyLocked()
		s.mu.Unlock()
	}
	writeResponse(w, resp)
}

// response is an answer ready to be written, so that it can be computed
// and then held back or dropped by a fault.
type response struct {
	status      int
	contentType string
	body        []byte
}

func resultResponse(result any) response {
	env := struct {
		OK          bool   `json:"ok"`
		Result      any    `json:"result"`
		Description string `json:"description,omitempty"`
	}{OK: true, Result: result}
	if wd, ok := result.(withDescription); ok {
		env.Result, env.Description = wd.result, wd.desc
	}
	body, err := json.Marshal(env)
	if err != nil {
		return errorResponse(&apiError{code: 500, desc: "Internal Server Error: " + err.Error()})
	}
	return response{status: 200, contentType: "application/json", body: body}
}

func errorResponse(e *apiError) response {
	type respParams struct {
		MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
		RetryAfter      int   `json:"retry_after,omitempty"`
	}
	env := struct {
		OK          bool        `json:"ok"`
		ErrorCode   int         `json:"error_code"`
		Description string      `json:"description"`
		Parameters  *respParams `json:"parameters,omitempty"`
	}{ErrorCode: e.code, Description: e.desc}
	if e.retryAfter > 0 || e.migrateTo != 0 {
		env.Parameters = &respParams{RetryAfter: e.retryAfter, MigrateToChatID: e.migrateTo}
	}
	body, _ := json.Marshal(env)
	return response{status: e.code, contentType: "application/json", body: body}
}

func writeResponse(w http.ResponseWriter, resp response) {
	w.Header().Set("Content-Type", resp.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}
