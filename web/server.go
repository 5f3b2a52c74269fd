// Package web serves the board: a Telegram Mini App in which leaders see the
// tasks they may see, by light, department and leader, and open each task's
// milestones, reports and evidence. It only reads; every change to the
// ledger still happens in chat, where it is audited.
//
// Pages are rendered on the server with html/template and fetched by a
// little JavaScript that sends Telegram's signed initData with each
// request; nothing is loaded from anywhere but this server.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// InitDataHeader carries Telegram.WebApp.initData with each request.
const InitDataHeader = "X-Telegram-Init-Data"

// DefaultAuthMaxAge is how long signed initData is accepted.
const DefaultAuthMaxAge = 24 * time.Hour

// Files opens a Telegram file by its file id: evidence is fetched through
// the bot, never linked to.
type Files interface {
	Open(ctx context.Context, fileID string) (io.ReadCloser, error)
}

// Server is the board's HTTP handler.
type Server struct {
	DB *gorm.DB
	// Token is the bot token, the key initData is signed with.
	Token  string
	Admins map[int64]bool
	// Location is the time zone of people who have not chosen one.
	Location *time.Location
	Rules    models.LightRules
	// Rankings shows admins the lead departments' ranking by task
	// outcomes; off unless an admin turns it on (the national rule allows
	// rankings of outcomes only, and none by default).
	Rankings bool
	// PageSize is how many tasks a board page lists (DefaultPageSize when
	// zero).
	PageSize int
	// MaxAge is how old initData may be (DefaultAuthMaxAge when zero).
	MaxAge time.Duration
	// Files serves evidence; nil lists it without serving it.
	Files Files
	// Now is the clock initData ages and "today" are read from.
	Now    func() time.Time
	Logger *slog.Logger
	// LanguageFor picks a reader's language from their choice and their
	// Telegram client's language ("zh" or "en").
	LanguageFor func(chosen, telegramLanguage string) string

	pages *template.Template
}

// reader is who a request comes from, once initData checked out.
type reader struct {
	user   WebAppUser
	person *models.Person
	viewer models.Viewer
	lang   string
	loc    *time.Location
	today  time.Time
}

// Handler serves the board. The page shell and its script are public; every
// page fragment and file needs valid initData.
func (s *Server) Handler() (http.Handler, error) {
	if s.DB == nil || s.Token == "" {
		return nil, errors.New("web: DB and Token are required")
	}
	if s.Location == nil {
		s.Location = time.UTC
	}
	if s.MaxAge <= 0 {
		s.MaxAge = DefaultAuthMaxAge
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.LanguageFor == nil {
		s.LanguageFor = func(chosen, _ string) string { return chosen }
	}
	s.Rules = s.Rules.OrDefault()
	pages, err := template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	s.pages = pages
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("web static files: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.shell)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /app/board", s.authed(s.board))
	mux.HandleFunc("GET /app/task/{code}", s.authed(s.task))
	mux.HandleFunc("GET /app/ranking", s.authed(s.ranking))
	mux.HandleFunc("GET /app/period", s.authed(s.period))
	mux.HandleFunc("GET /app/commitments", s.authed(s.commitments))
	mux.HandleFunc("GET /app/file/{id}", s.authed(s.file))
	return securityHeaders(mux), nil
}

// securityHeaders keep the board to its own origin: scripts, styles and
// images come from this server only (evidence arrives as blob: URLs).
// Telegram shows a Mini App in a frame, so framing stays allowed.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob:; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) shell(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if err := s.pages.ExecuteTemplate(w, "shell.html", nil); err != nil {
		s.Logger.Error("board shell", "err", err)
	}
}

// authed checks initData and maps its user to a bound person or an admin
// before h runs. Wrong, old or missing initData is 401; a Telegram user
// bound to nobody is told to use their invitation link.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, *reader)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		data, err := CheckInitData(r.Header.Get(InitDataHeader), s.Token, s.Now(), s.MaxAge)
		if err != nil {
			s.Logger.Info("board: initData refused", "err", err, "path", r.URL.Path)
			s.message(w, http.StatusUnauthorized, bilingual, "unauthorized")
			return
		}
		rd := &reader{user: data.User, viewer: models.Viewer{Admin: s.Admins[data.User.ID]}, loc: s.Location}
		db := s.DB.WithContext(r.Context())
		p, err := models.PersonByTelegramID(db, data.User.ID)
		switch {
		case err == nil:
			rd.person, rd.viewer.PersonID = p, p.ID
			if p.TimeZone != "" {
				if loc, err := time.LoadLocation(p.TimeZone); err == nil {
					rd.loc = loc
				}
			}
		case !models.IsNotFound(err):
			s.fail(w, r, err)
			return
		}
		chosen := ""
		if rd.person != nil {
			chosen = rd.person.Language
		}
		rd.lang = s.LanguageFor(chosen, data.User.LanguageCode)
		if rd.person == nil && !rd.viewer.Admin {
			s.message(w, http.StatusForbidden, rd.lang, "unbound")
			return
		}
		rd.today = models.Today(s.Now(), rd.loc)
		h(w, r, rd)
	}
}

// bilingual renders a message in both languages, for a reader whose
// language is not known yet.
const bilingual = "zh+en"

// message renders the message key. One refusing a bound person something
// (a task, the ranking) or a person not bound yet offers the way back to
// the board's start, which works again once they are bound.
func (s *Server) message(w http.ResponseWriter, status int, lang, key string) {
	s.render(w, status, lang, "message.html", map[string]any{"Key": key, "Bilingual": lang == bilingual,
		"Back": key == "forbidden" || key == "unbound"})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.Logger.Error("board request failed", "path", r.URL.Path, "err", err)
	s.message(w, http.StatusInternalServerError, bilingual, "error")
}

// render renders the page name in lang (data's "Lang"), and says the
// language in Content-Language: the shell's script sets <html lang> from
// it, so the page is read, hyphenated and spoken as the language it is in.
func (s *Server) render(w http.ResponseWriter, status int, lang, name string, data map[string]any) {
	data["Lang"] = lang
	var b strings.Builder
	if err := s.pages.ExecuteTemplate(&b, name, data); err != nil {
		s.Logger.Error("board render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", htmlLang(lang))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, b.String())
}

// htmlLang is lang as a language tag; a bilingual message is in Chinese
// first, its English part marked in the page.
func htmlLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "zh-CN"
}

// parseID reads a positive id from a path value.
func parseID(s string) (uint, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return uint(n), err == nil && n > 0
}
