package bot_test

import (
	"slices"
	"strings"
	"testing"

	"taskbot/models/storetest"
	"taskbot/telegramtest"
)

// Each person sees the commands of their roles, in /help and in the
// command menu set for their chat when they bind; admins see them all.
func TestHelpAndMenuByRole(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	liu, wang := e.users["刘洋"], e.users["王建国"]
	help := func(u *telegramtest.User) string {
		return e.next(u, 1, func() { u.SendText("/help") })[0].Text
	}
	attendant, leader := help(liu), help(wang)
	for _, c := range []struct {
		who, text string
		has, not  []string
	}{
		{"attendant", attendant, []string{"/report", "/close", "/extend", "/leave", "/mytasks"}, []string{"/instruct", "/remind", "/export"}},
		{"leader", leader, []string{"/instruct", "/remind", "/summary", "/leave"}, []string{"/report", "/close", "/extend", "/export"}},
	} {
		for _, w := range c.has {
			if !strings.Contains(c.text, w+" ") {
				t.Errorf("%s's help lacks %s:\n%s", c.who, w, c.text)
			}
		}
		for _, w := range c.not {
			if strings.Contains(c.text, w+" ") {
				t.Errorf("%s's help offers %s:\n%s", c.who, w, c.text)
			}
		}
	}
	if !strings.Contains(attendant, "收到提醒后") {
		t.Errorf("the attendant's help lost how to reply:\n%s", attendant)
	}
	admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
	if all := help(admin); !strings.Contains(all, "/export ") || !strings.Contains(all, "/instruct ") || !strings.Contains(all, "/report ") {
		t.Errorf("the admin's help is not complete:\n%s", all)
	}
	e.advance(0)
	menu := func(u *telegramtest.User) []string {
		var names []string
		for _, c := range e.srv.Commands(telegramtest.CommandScope{Type: "chat", ChatID: u.ID()}, "") {
			names = append(names, c.Command)
		}
		return names
	}
	if m := menu(liu); !slices.Contains(m, "report") || slices.Contains(m, "instruct") {
		t.Errorf("the attendant's menu %v", m)
	}
	if m := menu(wang); !slices.Contains(m, "instruct") || slices.Contains(m, "report") {
		t.Errorf("the leader's menu %v", m)
	}
}
