package bot_test

import (
	"strings"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

// An attendant takes leave in chat naming a deputy: the deputy is told,
// gets the absent person's reminders marked for whom, reports on their
// behalf, and the person, back early, gets one message saying what was
// reported for them. A leave that cannot be read changes nothing.
func TestLeaveWithADeputyInChat(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(testing.TB, models.Options) *models.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			e := startE2E(t, db.open)
			liu, sun := e.users["刘洋"], e.users["孙丽"]
			if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '孙丽')").Error; err != nil {
				t.Fatal(err)
			}
			bad := e.next(liu, 1, func() { liu.SendText("/leave 2月30日 出差") })[0]
			has(t, bad, "没有登记", "“2月30日”不是有效的日期", "用法")
			var leaves int64
			if e.store.DB.Model(&models.Leave{}).Count(&leaves); leaves != 0 {
				t.Fatalf("%d leaves after a refusal", leaves)
			}

			sunBefore := len(sun.Messages())
			ack := e.next(liu, 1, func() { liu.SendText("/leave 今天至11月27日 出差 代报 孙丽") })[0]
			has(t, ack, "已登记 刘洋 请假（出差）：11月23日至11月27日（5个工作日）", "代报：孙丽")
			notice := e.wait(sun, sunBefore+1)[sunBefore]
			has(t, notice, "刘洋 请假", "由您代报")
			overlap := e.next(liu, 1, func() { liu.SendText("/leave 11月25日 事假") })[0]
			has(t, overlap, "重叠")

			e.tick()
			e.advance(time.Hour + time.Minute) // Monday 09:01
			liuBefore := len(liu.Messages())
			got := e.next(sun, 2, e.tick)
			var forLiu string
			var forLiuID int
			for _, m := range got {
				if strings.Contains(m.Text, "T01") {
					forLiu, forLiuID = m.Text, m.ID
				}
			}
			if !strings.Contains(forLiu, "代 刘洋 填报（至2026-11-27）") {
				t.Fatalf("the deputy's reminders %q lack T01 for 刘洋", []string{got[0].Text, got[1].Text})
			}
			e.advance(0)
			if n := len(liu.Messages()); n != liuBefore {
				t.Fatalf("刘洋 reminded while away: %+v", liu.Messages()[liuBefore:])
			}

			acked := e.next(sun, 1, func() {
				if _, err := sun.ReplyTo(forLiuID, "1 50% 已联系三家"); err != nil {
					t.Fatal(err)
				}
			})[0]
			has(t, acked, "代 刘洋 填报", "节点1", "50%")
			var r models.Report
			if err := e.store.DB.Order("id DESC").Take(&r).Error; err != nil {
				t.Fatal(err)
			}
			sunP, _ := models.PersonByKey(e.store.DB, "孙丽")
			liuP, _ := models.PersonByKey(e.store.DB, "刘洋")
			if r.PersonID != sunP.ID || r.OnBehalfOfID == nil || *r.OnBehalfOfID != liuP.ID {
				t.Fatalf("report %+v: want 孙丽's, for 刘洋", r)
			}

			wang := e.users["王建国"]
			summary := e.next(wang, 1, func() { wang.SendText("/summary") })[0]
			has(t, summary, "T01", "刘洋 请假至11月27日 · 代报：孙丽")

			// The leader's instruction reaches the deputy too, who
			// confirms it for the person away.
			sunBefore = len(sun.Messages())
			e.next(wang, 1, func() { wang.SendText("/instruct T01 本周完成签约") })
			instruction := e.wait(sun, sunBefore+1)[sunBefore]
			has(t, instruction, "代 刘洋 接收", "本周完成签约")
			e.press(sun, instruction.ID, instruction.Buttons[0][0].CallbackData)
			var receipt models.InstructionReceipt
			if err := e.store.DB.Where("person_id = ?", liuP.ID).Take(&receipt).Error; err != nil {
				t.Fatal(err)
			}
			if receipt.ConfirmedAt == nil || receipt.ConfirmedByID == nil || *receipt.ConfirmedByID != sunP.ID {
				t.Fatalf("刘洋's receipt %+v: want confirmed by 孙丽", receipt)
			}

			back := e.next(liu, 1, func() { liu.SendText("/back") })[0]
			has(t, back, "已销假", "T01", "节点1", "孙丽 代报")

			// 孙丽, alone on T02, goes away with nobody to stand in: the
			// admins' summary says nobody reports on it.
			e.next(sun, 1, func() { sun.SendText("/leave 今天 会议") })
			admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
			all := e.next(admin, 1, func() { admin.SendText("/summary") })[0]
			has(t, all, "T02", "孙丽 请假至11月23日", "本期无人填报（专员请假，无人代报）")
		})
	}
}

// A leave that runs to its end brings the person the same one message as
// /back, once, at the first tick after it: what was reported for them.
func TestLeaveThatRunsToItsEndTellsWhatWasReported(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun := e.users["刘洋"], e.users["孙丽"]
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '孙丽')").Error; err != nil {
			t.Fatal(err)
		}
		e.next(liu, 1, func() { liu.SendText("/leave 今天 出差 代报 孙丽") })
		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01
		var forLiuID int
		for _, m := range e.next(sun, 2, e.tick) {
			if strings.Contains(m.Text, "T01") {
				forLiuID = m.ID
			}
		}
		e.next(sun, 1, func() {
			if _, err := sun.ReplyTo(forLiuID, "1 60% 已签约两家"); err != nil {
				t.Fatal(err)
			}
		})
		liuBefore := len(liu.Messages())
		e.tick() // still away: nothing
		e.advance(0)
		if n := len(liu.Messages()); n != liuBefore {
			t.Fatalf("刘洋 told of a return while away: %+v", liu.Messages()[liuBefore:])
		}
		e.advance(15 * time.Hour) // Tuesday 00:01 in Shanghai: the leave has ended
		back := e.next(liu, 1, e.tick)[0]
		has(t, back, "已销假", "T01", "节点1", "孙丽 代报")
		e.tick()
		e.advance(0)
		if n := len(liu.Messages()); n != liuBefore+1 {
			t.Fatalf("刘洋 told %d times of the return", n-liuBefore)
		}
		var audits int64
		e.store.DB.Model(&models.AuditEvent{}).Where("kind = 'leave_ended'").Count(&audits)
		if audits != 1 {
			t.Fatalf("%d leave_ended audit lines, want 1", audits)
		}
	})
}

// A contracting leader on leave: coordination requests go to the deputy
// their leave names, who may answer and resolve them (代行); with no deputy,
// the admins hear of them. Back and away again the same day is allowed.
func TestCoordinationWhileTheLeaderIsAway(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun, wang := e.users["刘洋"], e.users["孙丽"], e.users["王建国"]
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('王建国', '孙丽')").Error; err != nil {
			t.Fatal(err)
		}
		e.next(wang, 1, func() { wang.SendText("/leave 今天 会议 代报 孙丽") })
		e.advance(0) // the deputy's notice is out
		wangBefore, sunBefore := len(wang.Messages()), len(sun.Messages())
		e.next(liu, 1, func() { liu.SendText("/coordinate T01 需要协调用地指标") })
		request := e.wait(sun, sunBefore+1)[sunBefore]
		has(t, request, "代 王建国 处理", "需要协调用地指标")
		e.advance(0)
		if n := len(wang.Messages()); n != wangBefore {
			t.Fatalf("the leader on leave got the request: %+v", wang.Messages()[wangBefore:])
		}
		liuBefore := len(liu.Messages())
		e.press(sun, request.ID, request.Buttons[0][1].CallbackData) // 已解决
		resolved := e.wait(liu, liuBefore+1)[liuBefore]
		has(t, resolved, "已解决")
		var unresolved int64
		if e.store.DB.Model(&models.CoordinationRequest{}).Where("resolved_at IS NULL").Count(&unresolved); unresolved != 0 {
			t.Fatalf("%d requests open after the deputy resolved", unresolved)
		}

		// Back, then away again the same day with no deputy: the admins hear.
		e.next(wang, 1, func() { wang.SendText("/back") })
		again := e.next(wang, 1, func() { wang.SendText("/leave 今天 会议") })[0]
		has(t, again, "已登记 王建国 请假")
		admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
		e.next(liu, 1, func() { liu.SendText("/coordinate T01 需要协调电力接入") })
		note := e.wait(admin, 1)[0]
		has(t, note, "王建国 请假中，未指定代理人", "需要协调电力接入")
	})
}

// /leave 列表 and /leave 取消 in chat: one's own leave, listed and
// withdrawn; an admin records, lists and withdraws someone else's with @,
// which nobody else may.
func TestLeaveListAndCancelInChat(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun := e.users["刘洋"], e.users["孙丽"]
		admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '孙丽')").Error; err != nil {
			t.Fatal(err)
		}
		none := e.next(liu, 1, func() { liu.SendText("/leave 列表") })[0]
		has(t, none, "没有登记的请假")
		e.next(liu, 1, func() { liu.SendText("/leave 11月25日 事假 代报 孙丽") })
		e.advance(0)
		list := e.next(liu, 1, func() { liu.SendText("/leave 列表") })[0]
		has(t, list, "请假", "• 事假 11月25日（1个工作日）", "孙丽")

		refused := e.next(sun, 1, func() { sun.SendText("/leave 取消 @刘洋") })[0]
		has(t, refused, "只有管理员")
		refused = e.next(sun, 1, func() { sun.SendText("/leave @刘洋 11月30日 会议") })[0]
		has(t, refused, "只有管理员")
		cancelled := e.next(liu, 1, func() { liu.SendText("/leave 取消") })[0]
		has(t, cancelled, "已撤销 刘洋 的请假：11月25日（1个工作日）")
		var inForce int64
		e.store.DB.Model(&models.Leave{}).Where("cancelled_at IS NULL").Count(&inForce)
		if inForce != 0 {
			t.Fatalf("%d leaves in force after 刘洋 withdrew theirs and 孙丽 was refused", inForce)
		}

		recorded := e.next(admin, 1, func() { admin.SendText("/leave @刘洋 11月30日 会议") })[0]
		has(t, recorded, "已登记 刘洋 请假", "11月30日（1个工作日）")
		gone := e.next(admin, 1, func() { admin.SendText("/leave 取消 @刘洋") })[0]
		has(t, gone, "已撤销 刘洋 的请假", "11月30日（1个工作日）")
		e.store.DB.Model(&models.Leave{}).Where("cancelled_at IS NULL").Count(&inForce)
		if inForce != 0 {
			t.Fatalf("%d leaves in force after the admin withdrew 刘洋's", inForce)
		}
	})
}

// Why a person is away (the kind of leave and its reason) is the admins'
// to read in the summary; the leader reads who is away and who reports.
func TestLeaveReasonOnlyInTheAdminsSummary(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu := e.users["刘洋"]
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '孙丽')").Error; err != nil {
			t.Fatal(err)
		}
		has(t, e.next(liu, 1, func() { liu.SendText("/leave 今天至11月27日 病假 代报 孙丽") })[0], "已登记")
		// The reason is recorded by an admin (taskbot leave add --reason).
		if err := e.store.DB.Exec("UPDATE leaves SET reason = '住院手术'").Error; err != nil {
			t.Fatal(err)
		}
		e.advance(0)
		wang := e.users["王建国"]
		leader := e.next(wang, 1, func() { wang.SendText("/summary") })[0]
		has(t, leader, "刘洋 请假至11月27日 · 代报：孙丽")
		for _, secret := range []string{"病假", "住院手术"} {
			if strings.Contains(leader.Text, secret) {
				t.Fatalf("the leader's summary says %q:\n%s", secret, leader.Text)
			}
		}
		admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
		all := e.next(admin, 1, func() { admin.SendText("/summary") })[0]
		has(t, all, "刘洋 请假至11月27日 · 代报：孙丽 · 病假 住院手术")
	})
}

// /leave counts a leave's working days by the work calendar loaded with
// taskbot calendar import: its holidays are off, its adjusted working days
// (调休) on; in English too.
func TestLeaveCountsWorkingDaysByTheCalendar(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun := e.users["刘洋"], e.users["孙丽"]
		// Without a calendar, Monday to Friday.
		has(t, e.next(liu, 1, func() { liu.SendText("/leave 11月23日至11月29日 事假") })[0], "11月23日至11月29日（5个工作日）")
		has(t, e.next(liu, 1, func() { liu.SendText("/leave 取消") })[0], "已撤销")
		for _, d := range []models.CalendarDay{{Day: "2026-11-24", Kind: "holiday"}, {Day: "2026-11-25", Kind: "holiday"}, {Day: "2026-11-28", Kind: "workday"}} {
			if err := e.store.DB.Create(&d).Error; err != nil {
				t.Fatal(err)
			}
		}
		has(t, e.next(liu, 1, func() { liu.SendText("/leave 11月23日至11月29日 事假") })[0], "11月23日至11月29日（4个工作日）")
		has(t, e.next(liu, 1, func() { liu.SendText("/leave 列表") })[0], "• 事假 11月23日至11月29日（4个工作日）")

		e.next(sun, 1, func() { sun.SendText("/lang en") })
		has(t, e.next(sun, 1, func() { sun.SendText("/leave 2026-11-28 to 2026-12-31 sick") })[0], "28 Nov – 31 Dec (25 working days)")
		has(t, e.next(sun, 1, func() { sun.SendText("/leave cancel") })[0], "28 Nov – 31 Dec (25 working days)")
		has(t, e.next(sun, 1, func() { sun.SendText("/leave 2026-11-25 sick") })[0], "25 Nov (0 working days)")
		has(t, e.next(sun, 1, func() { sun.SendText("/leave 2026-11-28 to 2027-01-04 sick") })[0], "28 Nov 2026 – 4 Jan 2027 (27 working days)")
	})
}
