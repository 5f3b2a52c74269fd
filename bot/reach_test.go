package bot_test

import (
	"testing"

	"taskbot/models"
	"taskbot/models/storetest"
)

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
	has(t, reminded, "1 位专班联络员", "未绑定，收不到：赵磊", "已屏蔽机器人，收不到：钱芳")
	instructed := e.next(wang, 1, func() { wang.SendText("/instruct T01 本周完成签约") })[0]
	has(t, instructed, "批示已发给 T01 的 1 位", "未绑定，收不到：赵磊", "已屏蔽机器人，收不到：钱芳")
}
