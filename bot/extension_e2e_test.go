package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/telegramtest"
)

func utcDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func (e *e2e) wantDue(code string, seq int, due, original time.Time, when string) {
	e.t.Helper()
	m := e.milestone(code, seq)
	if !m.DueDate.Equal(due) || !m.Baseline().Equal(due) || !m.Original().Equal(original) {
		e.t.Fatalf("%s: %s#%d due %v, baseline %v, original %v; want due and baseline %v, original %v", when, code, seq,
			m.DueDate, m.Baseline(), m.Original(), due, original)
	}
}

func (e *e2e) auditCount(kind string) int64 {
	var n int64
	e.store.DB.Model(&models.AuditEvent{}).Where("kind = ?", kind).Count(&n)
	return n
}

// A milestone due soon offers "request extension" on its reminder; the
// attendant names the new date and the reason, the leader approves with
// one button, the attendant is told, and the due date, the baseline and
// every view of the task follow. A second press finds it decided.
func TestExtensionFromTheReminderApproved(t *testing.T) {
	eachDB(t, testExtensionFromTheReminderApproved)
}

func testExtensionFromTheReminderApproved(t *testing.T, open opener) {
	e := startE2E(t, open)
	liu, wang := e.users["刘洋"], e.users["王建国"]
	// Thursday 2026-12-24, 08:00 in Shanghai: T01's milestone 2 is due in
	// a week, milestone 1 long overdue.
	e.advance(31 * 24 * time.Hour)
	e.tick()
	e.advance(time.Hour + time.Minute)
	reminder := e.next(liu, 1, e.tick)[0]
	if len(reminder.Buttons) != 2 || len(reminder.Buttons[0]) != 1 || len(reminder.Buttons[1]) != 2 {
		t.Fatalf("reminder buttons %+v: want an extension button for milestone 2 only", reminder.Buttons)
	}
	extend := reminder.Buttons[1][1]
	if !strings.Contains(extend.Text, "申请延期") || len(extend.CallbackData) > 64 {
		t.Fatalf("extension button %+v", extend)
	}

	ask := e.pressFor(liu, reminder, extend.CallbackData)
	has(t, ask, "申请延期", "T01 节点2", "2026-12-31")
	if !ask.ForceReply {
		t.Fatalf("the new date is not asked with a forced reply: %+v", ask)
	}
	// Bad input is answered and asks nothing.
	bad := e.next(liu, 1, func() {
		if _, err := liu.ReplyTo(ask.ID, "2027-02-30 签约方内部审批延后"); err != nil {
			t.Fatal(err)
		}
	})[0]
	has(t, bad, "不是有效的日期", "未提交")
	var request telegramtest.Msg
	ack := e.next(liu, 1, func() {
		request = e.next(wang, 1, func() {
			if _, err := liu.ReplyTo(ask.ID, "2027年1月31日 签约方内部审批延后"); err != nil {
				t.Fatal(err)
			}
		})[0]
	})[0]
	has(t, ack, "已向 T01 的包抓领导提交延期申请", "2026-12-31 → 2027-01-31")
	has(t, request, "延期申请", "T01", "节点2「签约落地」", "时限 2026-12-31 → 申请延至 2027-01-31", "原因：签约方内部审批延后", "申请人：刘洋")
	if len(request.Buttons) != 1 || len(request.Buttons[0]) != 2 {
		t.Fatalf("request buttons %+v", request.Buttons)
	}
	e.wantDue("T01", 2, utcDay(2026, 12, 31), utcDay(2026, 12, 31), "asked")

	approve := request.Buttons[0][0].CallbackData
	told := e.next(liu, 1, func() {
		if answer := e.press(wang, request.ID, approve); answer != "已批准延期" {
			t.Errorf("approve answered %q", answer)
		}
	})[0]
	has(t, told, "延期申请已批准", "T01 节点2「签约落地」", "2026-12-31 → 2027-01-31（原定 2026-12-31）", "王建国")
	e.wantDue("T01", 2, utcDay(2027, 1, 31), utcDay(2026, 12, 31), "approved")
	if answer := e.press(wang, request.ID, approve); answer != "该延期申请已批准。" {
		t.Fatalf("a second press answered %q", answer)
	}
	if answer := e.press(wang, request.ID, request.Buttons[0][1].CallbackData); answer != "该延期申请已批准。" {
		t.Fatalf("refusing after approval answered %q", answer)
	}
	e.wantDue("T01", 2, utcDay(2027, 1, 31), utcDay(2026, 12, 31), "after the second press")
	if e.auditCount("extension_requested") != 1 || e.auditCount("extension_approved") != 1 {
		t.Fatal("the extension's steps are not audited once each")
	}
	task := e.next(liu, 1, func() { liu.SendText("/task T01") })[0]
	has(t, task, "2. 签约落地 — 时限 2027-01-31（原定 2026-12-31）")
}

// /extend in each form; refusals say why and store nothing; a refusal
// asks the leader for a reason, which the attendant is told.
func TestExtendCommandRefusedAndRefusal(t *testing.T) { eachDB(t, testExtendCommandRefusedAndRefusal) }

func testExtendCommandRefusedAndRefusal(t *testing.T, open opener) {
	e := startE2E(t, open)
	liu, wang, sun := e.users["刘洋"], e.users["王建国"], e.users["孙丽"]
	requests := func() int64 {
		var n int64
		e.store.DB.Model(&models.ExtensionRequest{}).Count(&n)
		return n
	}
	refused := []struct {
		who   *telegramtest.User
		text  string
		wants []string
	}{
		{liu, "/extend", []string{"用法：/extend"}},
		{liu, "/extend T01 2027-01-31 原因", []string{"请写明节点序号", "用法：/extend"}},
		{liu, "/extend T01 2 下月底 原因", []string{"“下月底”不是有效的日期"}},
		{liu, "/extend T01 2 2027-01-31", []string{"请写明延期原因"}},
		{liu, "/extend T01 9 2027-01-31 原因", []string{"任务 T01 没有节点 9"}},
		{liu, "/extend T01 1 2027-01-31 招商对象变更", []string{"完成时限 2026-03-31 已过", "仍按逾期处理"}},
		{liu, "/extend T01 2 2026-12-30 原因", []string{"须晚于当前时限 2026-12-31"}},
		{wang, "/extend T01 2 2027-01-31 原因", []string{"只有任务 T01 的专班联络员和责任人可以申请延期"}},
		{sun, "/extend T01 2 2027-01-31 原因", []string{"找不到任务 T01"}},
	}
	for _, tc := range refused {
		got := e.next(tc.who, 1, func() { tc.who.SendText(tc.text) })[0]
		has(t, got, tc.wants...)
		if n := requests(); n != 0 {
			t.Fatalf("%q stored %d requests", tc.text, n)
		}
	}
	e.wantDue("T01", 2, utcDay(2026, 12, 31), utcDay(2026, 12, 31), "after refused requests")

	var request telegramtest.Msg
	e.next(liu, 1, func() {
		request = e.next(wang, 1, func() { liu.SendText("/extend t01 节点2 延期至 2027-02-15 原因：签约方内部审批延后") })[0]
	})
	has(t, request, "申请延至 2027-02-15", "原因：签约方内部审批延后")
	again := e.next(liu, 1, func() { liu.SendText("/extend T01 2 2027-03-01 再延") })[0]
	has(t, again, "已有一份待审批的延期申请", "刘洋", "申请延至 2027-02-15")
	if n := requests(); n != 1 {
		t.Fatalf("%d requests after asking twice", n)
	}

	ask := e.pressFor(wang, request, request.Buttons[0][1].CallbackData)
	if !ask.ForceReply {
		t.Fatalf("the refusal's reason is not asked with a forced reply: %+v", ask)
	}
	var told telegramtest.Msg
	e.next(wang, 1, func() {
		told = e.next(liu, 1, func() {
			if _, err := wang.ReplyTo(ask.ID, "请按期完成"); err != nil {
				t.Fatal(err)
			}
		})[0]
	})
	has(t, told, "延期申请未获批准", "仍按 2026-12-31 完成", "王建国：请按期完成")
	e.wantDue("T01", 2, utcDay(2026, 12, 31), utcDay(2026, 12, 31), "refused")
	if e.auditCount("extension_refused") != 1 {
		t.Fatal("the refusal is not audited")
	}
	// Refused, it may be asked again.
	e.next(liu, 1, func() {
		e.next(wang, 1, func() { liu.SendText("/extend T01 2 2027-01-10 签约方已确认时间") })
	})
}

// A forged or foreign decision button, or someone else's extension button,
// reads like an expired one: it names nothing and changes nothing.
func TestForgedExtensionButtonsRevealNothing(t *testing.T) {
	storetest.Each(t, models.Options{Clock: func() time.Time { return time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC) }},
		func(t *testing.T, s *models.Store) {
			h := newHarness(t, s)
			liu, sun, wang := userRef{id: 101}, userRef{id: 102}, userRef{id: 103}
			h.say(liu, "/start "+h.invite("刘洋"))
			h.say(sun, "/start "+h.invite("孙丽"))
			h.say(wang, "/start "+h.invite("王建国"))
			mustContain(t, one(t, h.say(liu, "/extend T01 2 2027-01-31 签约方内部审批延后")), "提交延期申请")
			h.drain(wang.id)
			var req models.ExtensionRequest
			if err := s.DB.Take(&req).Error; err != nil {
				t.Fatal(err)
			}
			press := func(who userRef, data string) {
				h.update(func(u *tgmodels.Update) {
					u.CallbackQuery = &tgmodels.CallbackQuery{ID: "forged-" + data, From: tgmodels.User{ID: who.id, FirstName: "S"}, Data: data}
				})
			}
			for _, data := range []string{fmt.Sprintf("xa:%d", req.ID), fmt.Sprintf("xr:%d", req.ID), "xa:99999", "xr:99999",
				fmt.Sprintf("x:%d", req.MilestoneID), "xa:", "xa:-1", "x:abc"} {
				press(sun, data)
				for _, text := range h.drain(sun.id) {
					mustNotContain(t, text, "T01", "招商", "签约", "延期")
				}
			}
			// The requester cannot decide their own request either.
			press(liu, fmt.Sprintf("xa:%d", req.ID))
			for _, text := range h.drain(liu.id) {
				mustNotContain(t, text, "批准")
			}
			var rows []models.OutboxMessage
			s.DB.Where("chat_id = ?", sun.id).Find(&rows)
			for _, r := range rows {
				o, _ := r.Outgoing()
				if o.ForceReply || strings.Contains(o.Text, "T01") {
					t.Fatalf("a forged button queued %q to a stranger", o.Text)
				}
			}
			if err := s.DB.Take(&req, req.ID).Error; err != nil || req.Decision != "" {
				t.Fatalf("request after forged buttons: %+v %v", req, err)
			}
			var m models.Milestone
			s.DB.Take(&m, req.MilestoneID)
			if !m.DueDate.Equal(utcDay(2026, 12, 31)) {
				t.Fatalf("due date moved to %v", m.DueDate)
			}
			var audits int64
			s.DB.Model(&models.AuditEvent{}).Where("kind IN ?", []string{"extension_approved", "extension_refused"}).Count(&audits)
			if audits != 0 {
				t.Fatalf("%d decisions audited", audits)
			}
		})
}

// A task whose leader cannot be reached puts its request before the
// admins, who decide it without being a person of the list.
func TestExtensionReachesAdminsWhenNoLeaderCan(t *testing.T) {
	storetest.Each(t, models.Options{Clock: func() time.Time { return time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC) }},
		func(t *testing.T, s *models.Store) {
			h := newHarness(t, s)
			sun, admin := userRef{id: 102, lang: "en"}, userRef{id: adminID}
			h.say(sun, "/start "+h.invite("孙丽"))
			mustContain(t, one(t, h.say(sun, "/extend T02 1 2027-02-28 dredging boats delayed")), "request was sent to the supervision office")
			request := one(t, h.newTexts(admin.id))
			mustContain(t, request, "延期申请 T02", "申请延至 2027-02-28", "dredging boats delayed")
			var req models.ExtensionRequest
			if err := s.DB.Take(&req).Error; err != nil {
				t.Fatal(err)
			}
			h.update(func(u *tgmodels.Update) {
				u.CallbackQuery = &tgmodels.CallbackQuery{ID: "admin-approves", From: tgmodels.User{ID: admin.id, FirstName: "A"},
					Data: fmt.Sprintf("xa:%d", req.ID)}
			})
			mustContain(t, one(t, h.drain(admin.id)), "已批准延期")
			mustContain(t, one(t, h.newTexts(sun.id)), "Extension approved", "2026-12-31 → 2027-02-28", "the supervision office")
			var m models.Milestone
			s.DB.Take(&m, req.MilestoneID)
			if !m.DueDate.Equal(utcDay(2027, 2, 28)) || !m.Original().Equal(utcDay(2026, 12, 31)) {
				t.Fatalf("T02#1 after the admin's approval: due %v, original %v", m.DueDate, m.Original())
			}
		})
}
