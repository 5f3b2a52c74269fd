package bot_test

import (
	"strings"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/telegramtest"
)

// bindNew imports people on more tasks and binds the named ones, each
// with a new Telegram account.
func (e *e2e) bindNew(extra []models.TaskSpec, ids map[string]int64) map[string]*telegramtest.User {
	e.t.Helper()
	if _, err := e.store.ImportTasks(e.t.Context(), append(sampleTasks(), extra...), false); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*telegramtest.User{}
	for key, id := range ids {
		p, err := models.PersonByKey(e.store.DB, key)
		if err != nil {
			e.t.Fatal(err)
		}
		token, err := e.store.CreateInvite(e.t.Context(), p.ID, time.Hour)
		if err != nil {
			e.t.Fatal(err)
		}
		u := e.srv.NewUser(id, key, "zh-hans")
		e.next(u, 1, func() { u.SendText("/start " + token) })
		out[key] = u
	}
	return out
}

// A person on three tasks goes on leave by buttons, choosing two of them,
// each with its own deputy: one offered as a button, one picked from the
// contacts after someone not bound was refused (and someone no longer
// bound, pressed as a button, refused too), each refusal changing
// nothing. During the leave each deputy gets their task's reminder headed
// for whom; the third task, with no deputy named, goes by the rule for a
// task without one: its person in charge, the only other, is reminded in
// the person's place.
func TestLeaveChosenTasksWithADeputyEach(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun := e.users["刘洋"], e.users["孙丽"]
		due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
		extra := []models.TaskSpec{
			{Code: "T03", Title: "老旧小区改造", Department: "区住建局",
				Leaders: []models.PersonSpec{{Name: "王建国"}}, Owners: []models.PersonSpec{{Name: "周八"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
				Milestones: []models.MilestoneSpec{{Seq: 1, Title: "完成摸底", Due: due}}},
			{Code: "T04", Title: "营商环境优化", Department: "区政务中心",
				Leaders: []models.PersonSpec{{Name: "王建国"}}, Owners: []models.PersonSpec{{Name: "郑十"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
				Milestones: []models.MilestoneSpec{{Seq: 1, Title: "一网通办", Due: due}}},
		}
		more := e.bindNew(extra, map[string]int64{"周八": 231, "郑十": 232})
		zhou, zheng := more["周八"], more["郑十"]
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '孙丽')").Error; err != nil {
			t.Fatal(err)
		}
		stranger := e.srv.NewUser(299, "赵六", "zh-hans")

		kinds := e.next(liu, 1, func() { liu.SendText("/leave") })[0]
		_, got := e.pressThen(liu, kinds, button(t, kinds, "出差"), 1)
		_, got = e.pressThen(liu, got[0], button(t, got[0], "今天 11-23"), 1)
		has(t, got[0], "到哪天结束")
		choose := e.next(liu, 1, func() { liu.SendText("11月27日") })[0]
		has(t, choose, "由谁代报", "全部任务")
		if step := e.draftStep("刘洋"); step != models.StepTasks {
			t.Fatalf("step %s after the days of a person on three tasks", step)
		}
		for _, code := range []string{"T01", "T03", "T04"} {
			button(t, choose, "▫️ "+code)
		}
		if answer := e.press(liu, choose.ID, button(t, choose, "完成")); answer != "请至少选择一项任务，或点“全部任务”。" {
			t.Fatalf("done with nothing chosen answered %q", answer)
		}
		marked := func(code string) func(telegramtest.Msg) bool {
			return func(m telegramtest.Msg) bool {
				for _, row := range m.Buttons {
					for _, b := range row {
						if strings.HasPrefix(b.Text, "✅ "+code) {
							return true
						}
					}
				}
				return false
			}
		}
		choose = e.inPlace(liu, choose.ID, func() { e.press(liu, choose.ID, button(t, choose, "T01")) }, marked("T01"))
		choose = e.inPlace(liu, choose.ID, func() { e.press(liu, choose.ID, button(t, choose, "T03")) }, marked("T03"))
		button(t, choose, "▫️ T04")

		_, got = e.pressThen(liu, choose, button(t, choose, "完成"), 2)
		hint, askT01 := got[0], got[1]
		if len(hint.ReplyKeyboard) != 1 || hint.ReplyKeyboard[0][0].RequestUsers == nil {
			t.Fatalf("contacts keyboard %+v: want the one button, no 按默认", hint.ReplyKeyboard)
		}
		has(t, askT01, "T01", "由谁代报")
		button(t, askT01, "王建国") // on T01
		button(t, askT01, "孙丽")  // of 刘洋's department
		req := hint.ReplyKeyboard[0][0].RequestUsers

		openTasks := func() int64 {
			var n int64
			e.store.DB.Model(&models.LeaveDraftTask{}).Where("deputy_id IS NULL").Count(&n)
			return n
		}
		refused := e.next(liu, 1, func() {
			if _, err := liu.ShareUsers(hint.ID, req.RequestID, stranger); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, refused, "赵六 尚未绑定")
		if openTasks() != 2 || e.draftStep("刘洋") != models.StepTaskDeputy {
			t.Fatal("a deputy not bound changed the leave being written")
		}
		askT03 := e.next(liu, 1, func() {
			if _, err := liu.ShareUsers(hint.ID, req.RequestID, sun); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, askT03, "T03", "由谁代报")
		button(t, askT03, "其余任务都由 孙丽 代报")

		// 周八 unbinds between the question and the press.
		zhouP, err := models.PersonByKey(e.store.DB, "周八")
		if err != nil {
			t.Fatal(err)
		}
		zhouButton := button(t, askT03, "周八")
		if err := e.store.DB.Exec("UPDATE people SET telegram_id = NULL WHERE id = ?", zhouP.ID).Error; err != nil {
			t.Fatal(err)
		}
		_, got = e.pressThen(liu, askT03, zhouButton, 1)
		has(t, got[0], "此人尚未绑定")
		if openTasks() != 1 {
			t.Fatal("a deputy no longer bound changed the leave being written")
		}
		if err := e.store.DB.Exec("UPDATE people SET telegram_id = ? WHERE id = ?", zhou.ID(), zhouP.ID).Error; err != nil {
			t.Fatal(err)
		}
		_, got = e.pressThen(liu, askT03, zhouButton, 2)
		if !got[0].RemoveKeyboard {
			t.Fatalf("contacts keyboard kept at the confirmation: %+v", got[0])
		}
		has(t, got[1], "请确认请假", "11月23日至11月27日（5个工作日）", "代报：T01 孙丽、T03 周八", "其余任务由其他联络员或责任人填报")

		sunBefore, zhouBefore := len(sun.Messages()), len(zhou.Messages())
		_, done := e.pressThen(liu, got[1], button(t, got[1], "确认"), 1)
		has(t, done[0], "已登记 刘洋 请假（出差）", "代报：T01 孙丽、T03 周八", "其余任务由其他联络员或责任人填报")
		has(t, e.wait(sun, sunBefore+1)[sunBefore], "刘洋 请假", "由您代报 T01")
		has(t, e.wait(zhou, zhouBefore+1)[zhouBefore], "刘洋 请假", "由您代报 T03")
		var l models.Leave
		if err := e.store.DB.Preload("Deputies").Take(&l).Error; err != nil {
			t.Fatal(err)
		}
		sunP, _ := models.PersonByKey(e.store.DB, "孙丽")
		if l.DeputyID != nil || len(l.Deputies) != 2 || l.DeputyOn(e.taskID("T01")) != sunP.ID || l.DeputyOn(e.taskID("T03")) != zhouP.ID {
			t.Fatalf("leave %+v", l)
		}
		list := e.next(liu, 1, func() { liu.SendText("/leave 列表") })[0]
		has(t, list, "• 出差 11月23日至11月27日（5个工作日） · 代报：T01 孙丽、T03 周八")

		// Monday 09:00: each deputy gets their task's reminder for 刘洋,
		// and T04's person in charge gets T04's.
		e.tick()
		e.advance(time.Hour + time.Minute)
		liuBefore, zhengBefore := len(liu.Messages()), len(zheng.Messages())
		sunBefore, zhouBefore = len(sun.Messages()), len(zhou.Messages())
		e.tick()
		e.advance(0)
		forLiu := "代 刘洋 填报（至2026-11-27）"
		sunGot := e.wait(sun, sunBefore+2)[sunBefore:]
		zhouGot := e.wait(zhou, zhouBefore+1)[zhouBefore:]
		zhengGot := e.wait(zheng, zhengBefore+1)[zhengBefore:]
		e.advance(0)
		byCode := func(msgs []telegramtest.Msg) map[string]string {
			out := map[string]string{}
			for _, m := range msgs {
				for _, code := range []string{"T01", "T02", "T03", "T04"} {
					if strings.Contains(m.Text, code) {
						out[code] = m.Text
					}
				}
			}
			return out
		}
		if got := byCode(sunGot); len(got) != 2 || !strings.Contains(got["T01"], forLiu) || got["T02"] == "" || strings.Contains(got["T02"], forLiu) {
			t.Fatalf("孙丽's reminders %q: want T01 for 刘洋 and her own T02", got)
		}
		if got := byCode(zhouGot); len(got) != 1 || !strings.Contains(got["T03"], forLiu) {
			t.Fatalf("周八's reminders %q: want T03 for 刘洋", got)
		}
		if got := byCode(zhengGot); len(got) != 1 || !strings.Contains(got["T04"], forLiu) {
			t.Fatalf("郑十's reminders %q: want T04 for 刘洋", got)
		}
		if n := len(liu.Messages()); n != liuBefore {
			t.Fatalf("刘洋 reminded while away: %+v", liu.Messages()[liuBefore:])
		}
		for _, u := range []*telegramtest.User{sun, zhou, zheng} {
			if n := len(u.Messages()); n > map[*telegramtest.User]int{sun: sunBefore + 2, zhou: zhouBefore + 1, zheng: zhengBefore + 1}[u] {
				t.Fatalf("%s got more reminders than their tasks: %+v", u.FirstName(), u.Messages())
			}
		}
	})
}

func (e *e2e) taskID(code string) uint {
	e.t.Helper()
	d, err := models.TaskByCode(e.store.DB, code)
	if err != nil {
		e.t.Fatal(err)
	}
	return d.Task.ID
}

// A person on several tasks may still name one deputy for all of them
// (全部任务), or, having chosen tasks, give the deputy of the first to all
// the rest with one button.
func TestLeaveAllTasksOrOneDeputyForTheRest(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun := e.users["刘洋"], e.users["孙丽"]
		due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
		e.bindNew([]models.TaskSpec{{Code: "T03", Title: "老旧小区改造", Department: "区住建局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "完成摸底", Due: due}}}}, nil)
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '孙丽')").Error; err != nil {
			t.Fatal(err)
		}
		toTasks := func(days string) telegramtest.Msg {
			kinds := e.next(liu, 1, func() { liu.SendText("/leave") })[0]
			e.pressThen(liu, kinds, button(t, kinds, "会议"), 1)
			return e.next(liu, 1, func() { liu.SendText(days) })[0]
		}

		choose := toTasks("11月24日至11月24日")
		_, got := e.pressThen(liu, choose, button(t, choose, "全部任务"), 1)
		has(t, got[0], "由谁代报", "按默认")
		if step := e.draftStep("刘洋"); step != models.StepDeputy {
			t.Fatalf("step %s after 全部任务", step)
		}
		picked := e.next(liu, 2, func() { liu.SendText("按默认") })
		has(t, picked[1], "请确认请假", "11月24日（1个工作日）", "按默认")
		_, got = e.pressThen(liu, picked[1], button(t, picked[1], "确认"), 1)
		has(t, got[0], "已登记 刘洋 请假（会议）", "未指定代报人")

		choose = toTasks("11月26日至11月26日")
		for _, code := range []string{"T01", "T03"} {
			choose = e.inPlace(liu, choose.ID, func() { e.press(liu, choose.ID, button(t, choose, code)) }, func(m telegramtest.Msg) bool {
				return strings.Contains(m.Buttons[0][0].Text+m.Buttons[1][0].Text, "✅ "+code)
			})
		}
		_, got = e.pressThen(liu, choose, button(t, choose, "完成"), 2)
		askT01 := got[1]
		askT03 := e.next(liu, 1, func() { e.press(liu, askT01.ID, button(t, askT01, "孙丽")) })[0]
		has(t, askT03, "T03")
		sunBefore := len(sun.Messages())
		_, got = e.pressThen(liu, askT03, button(t, askT03, "其余任务都由 孙丽 代报"), 2)
		has(t, got[1], "请确认请假", "代报：T01 孙丽、T03 孙丽")
		if strings.Contains(got[1].Text, "其余任务") {
			t.Fatalf("every task has its deputy, yet %q", got[1].Text)
		}
		_, got = e.pressThen(liu, got[1], button(t, got[1], "确认"), 1)
		has(t, got[0], "已登记 刘洋 请假（会议）：11月26日（1个工作日）", "代报：T01 孙丽、T03 孙丽")
		told := e.wait(sun, sunBefore+1)[sunBefore]
		has(t, told, "由您代报 T01、T03")
	})
}
