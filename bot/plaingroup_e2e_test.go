package bot_test

import (
	"strings"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/telegramtest"
)

// A plain group (no topics) bound to T01 and T02: each reminder names its
// task; "/report@bot T02 …" records on T02, not on the group's first task;
// a reply to T01's reminder records on T01.
func TestTwoTasksInOnePlainGroup(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun := e.users["刘洋"], e.users["孙丽"]
		e.bindUser(204, "李明")
		g := e.groupFor(-4022, false)

		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01
		reminders := map[string]telegramtest.Msg{}
		for _, m := range e.inGroup(g, 2, e.tick) {
			for _, code := range []string{"T01", "T02"} {
				if strings.Contains(m.Text, code) {
					if _, twice := reminders[code]; twice {
						t.Fatalf("two reminders name %s: %q", code, m.Text)
					}
					reminders[code] = m
				}
			}
		}
		if len(reminders) != 2 {
			t.Fatalf("reminders by task %v, want one naming T01 and one naming T02", reminders)
		}
		has(t, reminders["T01"], "请 刘洋 报告进展")
		has(t, reminders["T02"], "请 孙丽 报告进展")

		ack := e.inGroup(g, 1, func() { g.SendText(sun, "/report"+e.bot()+" T02 1 50% 清淤过半") })[0]
		has(t, ack, "已记录", "节点1", "50%")
		if m := e.milestone("T02", 1); m.Percent != 50 {
			t.Fatalf("T02 milestone 1 after /report in the group: %+v", m)
		}
		for _, seq := range []int{1, 2} {
			if m := e.milestone("T01", seq); m.Percent != 0 {
				t.Fatalf("T01 milestone %d changed by a report on T02: %+v", seq, m)
			}
		}

		ack = e.inGroup(g, 1, func() {
			if _, err := g.ReplyTo(liu, reminders["T01"].ID, "2 30% 洽谈中"); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, ack, "已记录", "节点2", "30%")
		if m := e.milestone("T01", 2); m.Percent != 30 {
			t.Fatalf("T01 milestone 2 after a reply to its reminder: %+v", m)
		}
		var onT02 int64
		e.store.DB.Model(&models.Report{}).Where("task_id = (SELECT id FROM tasks WHERE code = 'T02')").Count(&onT02)
		if onT02 != 1 {
			t.Fatalf("%d reports on T02, want the one /report", onT02)
		}
	})
}
