package bot_test

import (
	"strings"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/telegramtest"
)

// pressThen presses a button of the bot's message m and returns the
// press's answer and the bot's next k messages to u.
func (e *e2e) pressThen(u *telegramtest.User, m telegramtest.Msg, data string, k int) (string, []telegramtest.Msg) {
	e.t.Helper()
	e.advance(0)
	before := len(u.Messages())
	answer := e.press(u, m.ID, data)
	return answer, e.wait(u, before+k)[before : before+k]
}

// button finds the inline button whose text has label.
func button(t *testing.T, m telegramtest.Msg, label string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b.CallbackData
			}
		}
	}
	t.Fatalf("message %q has no button %q: %+v", m.Text, label, m.Buttons)
	return ""
}

func (e *e2e) draftStep(personKey string) models.LeaveStep {
	e.t.Helper()
	p, err := models.PersonByKey(e.store.DB, personKey)
	if err != nil {
		e.t.Fatal(err)
	}
	var d models.LeaveDraft
	if err := e.store.DB.Where("person_id = ?", p.ID).Take(&d).Error; err != nil {
		e.t.Fatalf("draft of %s: %v", personKey, err)
	}
	return d.Step
}

// /leave with no arguments walks the person through kind, days (buttons
// or typed) and deputy (picked with a request_users button, the
// users_shared answer) to a confirmation; every step refuses bad input,
// saying why, and changes nothing; someone picked who is not bound is
// named as such.
func TestLeaveByButtons(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun := e.users["刘洋"], e.users["孙丽"]
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '孙丽')").Error; err != nil {
			t.Fatal(err)
		}
		stranger := e.srv.NewUser(299, "赵六", "zh-hans")

		kinds := e.next(liu, 1, func() { liu.SendText("/leave") })[0]
		has(t, kinds, "请选择类别")
		if len(kinds.Buttons) < 3 || kinds.Buttons[1][0].Text != "出差/外出招商" {
			t.Fatalf("kind buttons %+v", kinds.Buttons)
		}
		tripButton := button(t, kinds, "出差")
		_, got := e.pressThen(liu, kinds, tripButton, 1)
		first := got[0]
		has(t, first, "出差", "从哪天开始")

		bad := e.next(liu, 1, func() { liu.SendText("2月30日") })[0]
		has(t, bad, "没有登记", "“2月30日”不是有效的日期")
		if step := e.draftStep("刘洋"); step != models.StepFirstDay {
			t.Fatalf("step %s after a bad day", step)
		}
		if answer := e.press(liu, kinds.ID, tripButton); answer != "这一步已经完成。" {
			t.Fatalf("an earlier step's button answered %q", answer)
		}

		_, got = e.pressThen(liu, first, button(t, first, "今天 11-23"), 1)
		last := got[0]
		has(t, last, "从 2026-11-23 开始", "到哪天结束")
		tooEarly := e.next(liu, 1, func() { liu.SendText("11月20日") })[0]
		has(t, tooEarly, "结束日期不能早于开始日期")
		if step := e.draftStep("刘洋"); step != models.StepLastDay {
			t.Fatalf("step %s after a last day before the first", step)
		}
		deputyAsk := e.next(liu, 1, func() { liu.SendText("11月27日") })[0]
		has(t, deputyAsk, "由谁代报")
		if len(deputyAsk.ReplyKeyboard) != 2 || deputyAsk.ReplyKeyboard[0][0].RequestUsers == nil || deputyAsk.ReplyKeyboard[1][0].Text != "按默认" {
			t.Fatalf("deputy keyboard %+v", deputyAsk.ReplyKeyboard)
		}
		req := deputyAsk.ReplyKeyboard[0][0].RequestUsers
		if req.MaxQuantity != 1 || !req.RequestName {
			t.Fatalf("request %+v", req)
		}

		unbound := e.next(liu, 1, func() {
			if _, err := liu.ShareUsers(deputyAsk.ID, req.RequestID, stranger); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, unbound, "赵六 尚未绑定")
		if len(unbound.ReplyKeyboard) == 0 {
			t.Fatal("the refusal does not offer the deputy keyboard again")
		}
		if step := e.draftStep("刘洋"); step != models.StepDeputy {
			t.Fatalf("step %s after an unbound deputy", step)
		}
		chatter := e.next(liu, 1, func() { liu.SendText("李四") })[0]
		has(t, chatter, "请用下方按钮选择代报人")

		picked := e.next(liu, 2, func() {
			if _, err := liu.ShareUsers(unbound.ID, req.RequestID, sun); err != nil {
				t.Fatal(err)
			}
		})
		if !picked[0].RemoveKeyboard {
			t.Fatalf("keyboard kept after the pick: %+v", picked[0])
		}
		has(t, picked[0], "代报：孙丽")
		has(t, picked[1], "请确认请假", "出差", "11月23日至11月27日（5个工作日）", "代报：孙丽")
		var leaves int64
		if e.store.DB.Model(&models.Leave{}).Count(&leaves); leaves != 0 {
			t.Fatalf("%d leaves before confirming", leaves)
		}

		sunBefore := len(sun.Messages())
		_, got = e.pressThen(liu, picked[1], button(t, picked[1], "确认"), 1)
		has(t, got[0], "已登记 刘洋 请假（出差）：11月23日至11月27日（5个工作日）", "代报：孙丽")
		has(t, e.wait(sun, sunBefore+1)[sunBefore], "刘洋 请假", "由您代报")
		var l models.Leave
		if err := e.store.DB.Take(&l).Error; err != nil {
			t.Fatal(err)
		}
		sunP, _ := models.PersonByKey(e.store.DB, "孙丽")
		if l.Kind != models.LeaveTrip || l.DeputyID == nil || *l.DeputyID != sunP.ID || l.AwaitingApproval {
			t.Fatalf("leave %+v", l)
		}
		if answer := e.press(liu, picked[1].ID, button(t, picked[1], "确认")); answer != "该按钮已失效。" {
			t.Fatalf("confirming twice answered %q", answer)
		}

		// 孙丽 writes a leave overlapping nothing, keeps the default
		// deputy by typing the days and pressing 按默认, then cancels.
		kinds = e.next(sun, 1, func() { sun.SendText("/leave") })[0]
		_, got = e.pressThen(sun, kinds, button(t, kinds, "病假"), 1)
		has(t, got[0], "病假", "从哪天开始")
		deputyAsk = e.next(sun, 1, func() { sun.SendText("12月1日至12月2日") })[0]
		has(t, deputyAsk, "由谁代报")
		picked = e.next(sun, 2, func() { sun.SendText("按默认") })
		has(t, picked[1], "病假", "12月1日至12月2日（2个工作日）", "按默认")
		_, got = e.pressThen(sun, picked[1], button(t, picked[1], "取消"), 1)
		has(t, got[0], "已取消")
		if e.store.DB.Model(&models.Leave{}).Count(&leaves); leaves != 1 {
			t.Fatalf("%d leaves after a cancelled draft, want 1", leaves)
		}
	})
}

// A deputy whose Telegram account goes to someone else stops standing in:
// the admins and the person away are told, and who reports now.
func TestDeputyUnboundEndsTheDelegation(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu := e.users["刘洋"]
		admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
		zhao := models.Person{Key: "赵六", Name: "赵六", Department: "区发改局"}
		qian := models.Person{Key: "钱七", Name: "钱七", Department: "区发改局"}
		for _, p := range []*models.Person{&zhao, &qian} {
			if err := e.store.DB.Create(p).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key = '刘洋'").Error; err != nil {
			t.Fatal(err)
		}
		account := e.srv.NewUser(250, "赵六", "zh-hans")
		invite := func(p models.Person) string {
			token, err := e.store.CreateInvite(t.Context(), p.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return token
		}
		e.next(account, 1, func() { account.SendText("/start " + invite(zhao)) })
		has(t, e.next(liu, 1, func() { liu.SendText("/leave 今天 出差 代报 赵六") })[0], "代报：赵六")

		adminBefore, liuBefore := len(admin.Messages()), len(liu.Messages())
		e.next(account, 1, func() { account.SendText("/start " + invite(qian)) })
		toAdmin := e.wait(admin, adminBefore+1)[adminBefore]
		has(t, toAdmin, "代报终止", "赵六 已解除绑定", "不再代 刘洋 填报 T01", "目前无人可代报")
		toLiu := e.wait(liu, liuBefore+1)[liuBefore]
		has(t, toLiu, "T01 的代报人 赵六 已解除绑定")
		liuP, _ := models.PersonByKey(e.store.DB, "刘洋")
		t01, err := models.TaskByCode(e.store.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		in, err := models.StandInFor(e.store.DB, t01.Task.ID, liuP.ID, e.clock.Now())
		if err != nil || in == nil || in.Person != nil {
			t.Fatalf("stand-in after the deputy went: %+v, %v", in, err)
		}
	})
}
