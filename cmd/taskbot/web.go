package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/spf13/pflag"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/web"
)

// webOptions turn the board on (`taskbot run --web-url`).
type webOptions struct {
	WebListen  string
	WebURL     string
	WebAuthAge time.Duration
	// Rankings shows the lead departments' ranking, by task outcomes, in
	// the admins' summary and on the board.
	Rankings bool
	// boardReady, when set, learns the address the board listens on.
	boardReady func(addr string)
}

func (o *webOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.WebListen, "web-listen", "127.0.0.1:8090", "address the board (Telegram Mini App) listens on, behind the HTTPS proxy of --web-url")
	withEnv(fs, "web-listen", "TASKBOT_WEB_LISTEN")
	fs.StringVar(&o.WebURL, "web-url", "", "public HTTPS URL of the board; the bot's menu button opens it; empty turns the board off")
	withEnv(fs, "web-url", "TASKBOT_WEB_URL")
	fs.DurationVar(&o.WebAuthAge, "web-auth-max-age", web.DefaultAuthMaxAge, "how long Telegram's signed sign-in to the board stays valid")
	withEnv(fs, "web-auth-max-age", "TASKBOT_WEB_AUTH_MAX_AGE")
	fs.BoolVar(&o.Rankings, "rankings", false, "show admins a ranking of lead departments by task outcomes (overdue and done milestones; never by use of the bot) in their summary and on the board")
	withEnv(fs, "rankings", "TASKBOT_RANKINGS")
}

// boardURL checks --web-url: HTTPS, served from its root. Plain HTTP is
// accepted on a loopback host only, for trying the board on one machine;
// Telegram opens nothing but HTTPS, so no menu button is set then.
func (o *webOptions) boardURL() (u *url.URL, https bool, err error) {
	u, err = url.Parse(o.WebURL)
	if err != nil || u.Host == "" {
		return nil, false, fmt.Errorf("--web-url %q is not a URL", o.WebURL)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, false, fmt.Errorf("--web-url %q: the board is served from the root of its host, give no path", o.WebURL)
	}
	switch {
	case u.Scheme == "https":
		return u, true, nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return u, false, nil
	}
	return nil, false, fmt.Errorf("--web-url %q: Telegram opens Mini Apps over HTTPS only", o.WebURL)
}

// taskLinks is the board's address for the 看板 buttons of summaries: ""
// unless the board is on and served over HTTPS, the only address Telegram
// opens a Mini App at.
func (o *webOptions) taskLinks() (string, error) {
	if o.WebURL == "" {
		return "", nil
	}
	u, https, err := o.boardURL()
	if err != nil || !https {
		return "", err
	}
	return u.String(), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// startBoard serves the board when --web-url is set and points the bot's
// menu button at it; stop shuts the server down. Without --web-url it does
// nothing.
func (o *webOptions) startBoard(ctx context.Context, store *models.Store, api *tg.Bot, token string, admins map[int64]bool,
	loc *time.Location, rules models.LightRules, log *slog.Logger) (stop func(), err error) {
	if o.WebURL == "" {
		return func() {}, nil
	}
	u, https, err := o.boardURL()
	if err != nil {
		return nil, err
	}
	if o.WebListen == "" {
		return nil, errors.New("--web-listen is required with --web-url")
	}
	if o.WebAuthAge <= 0 {
		return nil, fmt.Errorf("--web-auth-max-age must be positive, got %v", o.WebAuthAge)
	}
	board := &web.Server{DB: store.DB, Token: token, Admins: admins, Location: loc, Rules: rules, MaxAge: o.WebAuthAge, Rankings: o.Rankings,
		Files: &bot.Files{API: api, Token: token, Client: &http.Client{Timeout: time.Minute}},
		Now:   store.Now, Logger: log, LanguageFor: bot.LanguageFor}
	h, err := board.Handler()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.WebListen)
	if err != nil {
		return nil, fmt.Errorf("--web-listen %s: %w", o.WebListen, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("board stopped", "err", err)
		}
	}()
	log.Info("board", "listen", ln.Addr().String(), "url", u.String())
	if https {
		if err := bot.SetBoardButton(ctx, api, u.String()); err != nil {
			// The board still answers links; only the button is missing.
			log.Warn("board menu button not set", "err", err)
		}
	} else {
		log.Info("board menu button not set: Telegram opens HTTPS URLs only", "url", u.String())
	}
	if o.boardReady != nil {
		o.boardReady(ln.Addr().String())
	}
	return func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}, nil
}
