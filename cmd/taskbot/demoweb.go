package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
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
var demoBoardPeople = []string{"王建国", "杨帆", "刘洋", "赵磊", "admin", "stranger"}

// serveDemoBoard prints a signed link per demo person, each opening the
// board in a desktop browser the way Telegram opens the Mini App, and
// keeps the demo running until ctx ends (Ctrl-C).
func serveDemoBoard(ctx context.Context, w io.Writer, store *models.Store, addr, token string, users map[string]*telegramtest.User, langs map[string]string, now time.Time) error {
	fmt.Fprintf(w, "\n== board ==\nThe board runs on http://%s; each link signs in as one demo person (valid %s).\n", addr, web.DefaultAuthMaxAge)
	for _, key := range demoBoardPeople {
		what, err := demoBoardRole(store.DB.WithContext(ctx), key)
		if err != nil {
			return err
		}
		u := users[key]
		initData, err := web.SignInitData(token, web.WebAppUser{ID: u.ID(), FirstName: key, LanguageCode: langs[key]}, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s (%s):\n  http://%s/#tgWebAppData=%s\n", key, what, addr, url.QueryEscape(initData))
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}

// demoBoardRole says what the board shows the person: their roles and
// tasks as the store holds them.
func demoBoardRole(tx *gorm.DB, key string) (string, error) {
	switch key {
	case "admin":
		return "admin: every task and the departments' ranking", nil
	case "stranger":
		return "bound to nobody: told to use an invitation", nil
	}
	p, err := models.PersonByKey(tx, key)
	if err != nil {
		return "", err
	}
	tasks, err := models.TasksOfPerson(tx, p.ID)
	if err != nil {
		return "", err
	}
	byRole := map[models.Role][]string{}
	for i := range tasks {
		for _, r := range tasks[i].RolesOf(p.ID) {
			byRole[r] = append(byRole[r], tasks[i].Task.Code)
		}
	}
	var parts []string
	for _, r := range []struct {
		role models.Role
		name string
	}{{models.RoleLeader, "leader of"}, {models.RoleOwner, "in charge of"}, {models.RoleAttendant, "attendant of"}} {
		if codes := byRole[r.role]; len(codes) > 0 {
			parts = append(parts, r.name+" "+strings.Join(codes, ", "))
		}
	}
	return strings.Join(parts, "; "), nil
}
