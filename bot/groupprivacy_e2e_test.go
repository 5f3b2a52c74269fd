package bot_test

import (
	"strings"
	"testing"
	"time"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/telegramtest"
)

// groupFor makes a work group of the sample tasks' people, a forum or a
// plain group, with T01 bound by 王建国 and T02 by 李明, both reminded in
// the group only.
func (e *e2e) groupFor(id int64, forum bool) *telegramtest.Group {
	e.t.Helper()
	wang, li := e.users["王建国"], e.users["李明"]
	members := []*telegramtest.User{wang, li, e.users["刘洋"], e.users["孙丽"]}
	var g *telegramtest.Group
	if forum {
		g = e.srv.NewSupergroup(id, "重点项目专班", true, members...)
		g.SetBotRights(&telegramtest.Rights{CanManageTopics: true, CanPinMessages: true, CanInviteUsers: true})
	} else {
		g = e.srv.NewGroup(id, "重点项目专班", members...)
	}
	for _, b := range []struct {
		code   string
		leader *telegramtest.User
	}{{"T01", wang}, {"T02", li}} {
		e.inGroup(g, 1, func() { g.SendText(b.leader, "/bind"+e.bot()+" "+b.code) })
		has(e.t, e.inGroup(g, 1, func() { g.SendText(b.leader, "/delivery"+e.bot()+" "+b.code+" group") })[0], b.code, "群内提醒")
	}
	if got := e.boundTasks(g.ID()); got != "T01 T02" {
		e.t.Fatalf("group bound to %q, want T01 T02", got)
	}
	return g
}

// The daily summary round of tasks bound to a work group, forum or plain,
// sends each leader's summary to their private chat only: the group gets
// nothing of it.
func TestLeadersSummariesStayPrivate(t *testing.T) {
	for _, kind := range []struct {
		name  string
		forum bool
		id    int64
	}{{"forum", true, -1001000000021}, {"plain group", false, -4021}} {
		t.Run(kind.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, open opener) {
				e := startE2E(t, open)
				wang := e.users["王建国"]
				li := e.bindUser(204, "李明")
				e.reminders.Summaries = &bot.Summaries{Handler: e.handler}
				e.reminders.SummaryAt = "18:00"
				g := e.groupFor(kind.id, kind.forum)

				e.tick()
				e.advance(time.Hour + time.Minute) // Monday 09:01: both reminders in the group
				e.inGroup(g, 2, e.tick)
				e.advance(4 * time.Hour) // 13:01: follow-ups
				e.tick()
				e.advance(5 * time.Hour) // 18:01: the summaries are due
				groupBefore := texts(g.Messages())
				queuedToGroup := func() int64 {
					var n int64
					if err := e.store.DB.Model(&models.OutboxMessage{}).Where("chat_id = ?", g.ID()).Count(&n).Error; err != nil {
						t.Fatal(err)
					}
					return n
				}
				queuedBefore := queuedToGroup()
				wangBefore, liBefore := len(wang.Messages()), len(li.Messages())
				e.tick()
				// 王建国's T01 is red, so named; 李明's T02 is green, only counted.
				has(t, e.wait(wang, wangBefore+1)[wangBefore], "重点任务汇总 2026-11-23", "T01")
				has(t, e.wait(li, liBefore+1)[liBefore], "重点任务汇总 2026-11-23", "🟢 1 绿灯")
				e.advance(0) // all queued has gone out
				if got := texts(g.Messages()); strings.Join(got, "\x00") != strings.Join(groupBefore, "\x00") {
					if len(got) > len(groupBefore) {
						got = got[len(groupBefore):]
					}
					t.Fatalf("the summary round wrote to the group: %q", got)
				}
				if n := queuedToGroup() - queuedBefore; n != 0 {
					t.Fatalf("the summary round queued %d message(s) to the group", n)
				}
			})
		})
	}
}
