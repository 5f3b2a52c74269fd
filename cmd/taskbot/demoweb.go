package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"time"

	"taskbot/telegramtest"
	"taskbot/web"
)

// demoBoardOptions serve the demo's board on a free port of 127.0.0.1,
// reporting the address on addr. Telegram opens HTTPS only, so the demo
// sets no menu button and prints links instead.
func demoBoardOptions(addr chan<- string) webOptions {
	return webOptions{WebListen: "127.0.0.1:0", WebURL: "http://127.0.0.1/", WebAuthAge: web.DefaultAuthMaxAge,
		boardReady: func(a string) { addr <- a }}
}

// demoBoardPeople are whom the demo prints board links for, in order.
var demoBoardPeople = []struct{ key, lang, what string }{
	{"王建国", "zh-hans", "leader of T01-T03"},
	{"杨帆", "zh-hans", "attendant of T01"},
	{"刘洋", "en", "person in charge, in English"},
	{"admin", "zh-hans", "admin: every task and the departments' ranking"},
	{"stranger", "zh-hans", "bound to nobody: told to use an invitation"},
}

// serveDemoBoard prints a signed link per demo person, each opening the
// board in a desktop browser the way Telegram opens the Mini App, and
// keeps the demo running until ctx ends (Ctrl-C).
func serveDemoBoard(ctx context.Context, w io.Writer, addr, token string, users map[string]*telegramtest.User, now time.Time) error {
	fmt.Fprintf(w, "\n== board ==\nThe board runs on http://%s; each link signs in as one demo person (valid %s).\n", addr, web.DefaultAuthMaxAge)
	for _, p := range demoBoardPeople {
		u := users[p.key]
		initData, err := web.SignInitData(token, web.WebAppUser{ID: u.ID(), FirstName: p.key, LanguageCode: p.lang}, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s (%s):\n  http://%s/#tgWebAppData=%s\n", p.key, p.what, addr, url.QueryEscape(initData))
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}
