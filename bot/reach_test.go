package bot_test

import (
	"strings"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/telegramtest"
)

// A leader's 催办 reads as one: the reminder names the leader and how
// many days the task runs late, where a routine round says neither.
func TestRemindNamesTheLeaderAndTheDaysOverdue(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	wang, liu := e.users["王建国"], e.users["刘洋"]
	// Milestone 1 of T01 was due 12 days ago (Shanghai's today).
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	today := models.Today(e.clock.Now(), shanghai)
	m := e.milestone("T01", 1)
	if err := e.store.DB.Model(&models.Milestone{}).Where("id = ?", m.ID).Update("due_date", today.AddDate(0, 0, -12)).Error; err != nil {
		t.Fatal(err)
	}
	var urged telegramtest.Msg
	e.next(wang, 1, func() {
		urged = e.next(liu, 1, func() { wang.SendText("/remind T01") })[0]
	})
	has(t, urged, "⏰ 王建国 催办 · 逾期 12 天", "T01")
	if strings.Contains(urged.Text, "进展提醒") {
		t.Fatalf("催办 reads as a routine reminder: %q", urged.Text)
	}
	if len(urged.Buttons) == 0 {
		t.Fatalf("催办 has no buttons to report with: %+v", urged)
	}
}

// A leader who reminds or instructs a task's team hears who was not
// reached and why, and the count leaves them out.
func TestRemindAndInstructNameWhoIsNotReached(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	wang := e.users["王建国"]
	d, err := models.TaskByCode(e.store.DB, "T01")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []models.Person{{Key: "赵磊", Name: "赵磊"}, {Key: "钱芳", Name: "钱芳"}} {
		if err := e.store.DB.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.store.DB.Create(&models.Assignment{PersonID: p.ID, TaskID: d.Task.ID, Role: models.RoleAttendant}).Error; err != nil {
			t.Fatal(err)
		}
	}
	// 钱芳 bound once, then blocked the bot.
	if err := e.store.DB.Model(&models.Person{}).Where("key = ?", "钱芳").Updates(map[string]any{"telegram_id": 777, "unreachable": true}).Error; err != nil {
		t.Fatal(err)
	}
	reminded := e.next(wang, 1, func() { wang.SendText("/remind T01") })[0]
	has(t, reminded, "1 位专班联络员", "已收到：刘洋", "未绑定，收不到：赵磊", "已屏蔽机器人，收不到：钱芳")
	instructed := e.next(wang, 1, func() { wang.SendText("/instruct T01 本周完成签约") })[0]
	has(t, instructed, "批示已发给 T01 的 1 位", "未绑定，收不到：赵磊", "已屏蔽机器人，收不到：钱芳")
}
