package bot_test

import (
	"strings"
	"testing"
	"time"

	"taskbot/telegramtest"
)

// texts are the texts of msgs, for a failure message.
func texts(msgs []telegramtest.Msg) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
	}
	return out
}

// The follow-up and the leader's escalation skip people on leave: an
// attendant away gets no follow-up (their deputy gets it, saying for
// whom), the escalation names the deputy silent for them, and the
// escalation of a task whose leader is away goes to the deputy their leave
// names, headed for whom, not to the leader.
func TestEscalationSkipsPeopleAway(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun, wang := e.users["刘洋"], e.users["孙丽"], e.users["王建国"]
		li := e.bindUser(204, "李明")
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局'").Error; err != nil {
			t.Fatal(err)
		}
		e.next(wang, 1, func() { wang.SendText("/leave 今天至11月27日 会议 代报 李明") })
		e.next(sun, 1, func() { sun.SendText("/leave 今天至11月27日 出差 代报 刘洋") })
		e.advance(0)
		wangBefore, sunBefore, liBefore := len(wang.Messages()), len(sun.Messages()), len(li.Messages())

		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01
		e.next(liu, 2, e.tick)             // T01, and T02 for 孙丽
		e.advance(4 * time.Hour)           // 13:01, nobody reported
		followUps := e.next(liu, 2, e.tick)
		var forSun bool
		for _, m := range followUps {
			forSun = forSun || strings.Contains(m.Text, "T02") && strings.Contains(m.Text, "代 孙丽")
		}
		if !forSun {
			t.Fatalf("the deputy's follow-ups %q lack T02 for 孙丽", texts(followUps))
		}
		e.advance(20 * time.Hour) // Tuesday 09:01
		e.next(liu, 2, e.tick)
		e.advance(4 * time.Hour)
		var escalations []telegramtest.Msg
		e.next(liu, 2, func() { escalations = e.next(li, 2, e.tick) })
		var forWang, own telegramtest.Msg
		for _, m := range escalations {
			if strings.Contains(m.Text, "T01") {
				forWang = m
			} else {
				own = m
			}
		}
		has(t, forWang, "代 王建国 接收", "催报", "T01", "刘洋 已连续 2 次")
		// 李明's own T02: 孙丽 is away, so the silence is their deputy's.
		has(t, own, "催报", "T02", "刘洋（代 孙丽） 已连续 2 次")
		e.advance(0)
		if got := wang.Messages()[wangBefore:]; len(got) != 0 {
			t.Fatalf("the leader away got %q", texts(got))
		}
		if got := sun.Messages()[sunBefore:]; len(got) != 0 {
			t.Fatalf("the attendant away got %q", texts(got))
		}
		if got := li.Messages()[liBefore:]; len(got) != 2 {
			t.Fatalf("李明 got %q, want the two escalations", texts(got))
		}
	})
}

// A leader away with no deputy named: the escalation goes to the admins,
// saying whose it was, and not to the leader.
func TestEscalationForALeaderAwayWithoutDeputyGoesToTheAdmins(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, wang := e.users["刘洋"], e.users["王建国"]
		admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
		e.reminders.Admins = []int64{adminID}
		e.next(wang, 1, func() { wang.SendText("/leave 今天至11月27日 会议") })
		e.advance(0)
		wangBefore := len(wang.Messages())

		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01
		e.next(liu, 1, e.tick)
		e.advance(4 * time.Hour)
		e.next(liu, 1, e.tick)
		e.advance(20 * time.Hour) // Tuesday 09:01
		e.next(liu, 1, e.tick)
		e.advance(4 * time.Hour)
		e.next(liu, 1, e.tick)
		e.advance(0) // all queued has gone out
		var told []telegramtest.Msg
		for _, m := range admin.Messages() {
			if strings.Contains(m.Text, "催报") {
				told = append(told, m)
			}
		}
		if len(told) != 1 {
			t.Fatalf("the admins got %q, want one escalation", texts(admin.Messages()))
		}
		has(t, told[0], "王建国 请假中，未指定代理人", "T01", "刘洋 已连续 2 次")
		if got := wang.Messages()[wangBefore:]; len(got) != 0 {
			t.Fatalf("the leader away got %q", texts(got))
		}
	})
}
