package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/report"
	"taskbot/telegramtest"
)

type opener = func(testing.TB, models.Options) *models.Store

// eachDB runs an end-to-end test on SQLite and on PostgreSQL.
func eachDB(t *testing.T, test func(t *testing.T, open opener)) {
	t.Run("sqlite", func(t *testing.T) { test(t, storetest.SQLite) })
	t.Run("postgres", func(t *testing.T) {
		storetest.PostgresDSN(t) // skips, saying why, without a server
		test(t, storetest.Postgres)
	})
}

// pressFor presses a button of msg and returns the bot's next message.
func (e *e2e) pressFor(u *telegramtest.User, msg telegramtest.Msg, data string) telegramtest.Msg {
	e.t.Helper()
	return e.next(u, 1, func() {
		if _, err := u.Press(msg.ID, data); err != nil {
			e.t.Fatal(err)
		}
	})[0]
}

// correctWith presses 更正 on an acknowledgement and answers with text.
func (e *e2e) correctWith(u *telegramtest.User, ack telegramtest.Msg, text string) telegramtest.Msg {
	e.t.Helper()
	ask := e.pressFor(u, ack, ack.Buttons[0][0].CallbackData)
	return e.next(u, 1, func() {
		if _, err := u.ReplyTo(ask.ID, text); err != nil {
			e.t.Fatal(err)
		}
	})[0]
}

func (e *e2e) wantMilestone(code string, seq int, state models.MilestoneState, percent int, when string) {
	e.t.Helper()
	if m := e.milestone(code, seq); m.State != state || m.Percent != percent {
		e.t.Fatalf("%s: %s milestone %d is %s %d%%, want %s %d%%", when, code, seq, m.State, m.Percent, state, percent)
	}
}

// A correction applies to the corrected report's own milestone, whether
// the text names it or not, and never moves to another one.
func TestCorrectionStaysOnItsMilestone(t *testing.T) { eachDB(t, testCorrectionStaysOnItsMilestone) }

func testCorrectionStaysOnItsMilestone(t *testing.T, open opener) {
	e := startE2E(t, open)
	liu := e.users["刘洋"]
	ack := e.next(liu, 1, func() { liu.SendText("/report T01 1 done") })[0]
	e.wantMilestone("T01", 1, models.StateDone, 100, "reported done")

	fixed := e.correctWith(liu, ack, "80% 还差验收")
	has(t, fixed, "节点1", "80%", "还差验收")
	e.wantMilestone("T01", 1, models.StateOnTrack, 80, "corrected without naming the milestone")
	e.wantMilestone("T01", 2, models.StatePending, 0, "milestone 2 after correcting milestone 1")

	named := e.correctWith(liu, fixed, "1 90% 还差验收")
	has(t, named, "节点1", "90%")
	e.wantMilestone("T01", 1, models.StateOnTrack, 90, "corrected naming milestone 1")

	moved := e.correctWith(liu, named, "2 50%")
	has(t, moved, "不会移到节点2", "未记录")
	e.wantMilestone("T01", 1, models.StateOnTrack, 90, "after a correction naming milestone 2")
	e.wantMilestone("T01", 2, models.StatePending, 0, "after a correction naming milestone 2")
}

// A new report on a done milestone is asked back; only a confirmed
// reopening changes it.
func TestReportOnDoneMilestoneAsksToReopen(t *testing.T) {
	eachDB(t, testReportOnDoneMilestoneAsksToReopen)
}

func testReportOnDoneMilestoneAsksToReopen(t *testing.T, open opener) {
	e := startE2E(t, open)
	liu := e.users["刘洋"]
	e.next(liu, 1, func() { liu.SendText("/report T01 1 done") })
	ask := e.next(liu, 1, func() { liu.SendText("/report T01 1 80% 还差验收") })[0]
	has(t, ask, "重新打开节点1")
	if len(ask.Buttons) != 1 || !strings.Contains(ask.Buttons[0][0].Text, "重新打开节点1") {
		t.Fatalf("reopen not offered as a button: %+v", ask.Buttons)
	}
	e.wantMilestone("T01", 1, models.StateDone, 100, "before the reopening is confirmed")
	e.wantMilestone("T01", 2, models.StatePending, 0, "the report was not moved to milestone 2")

	ack := e.pressFor(liu, ask, ask.Buttons[0][0].CallbackData)
	has(t, ack, "节点1", "80%", "重新打开")
	e.wantMilestone("T01", 1, models.StateOnTrack, 80, "after the confirmed reopening")
	e.wantMilestone("T01", 2, models.StatePending, 0, "after the confirmed reopening")
	wang := e.users["王建国"]
	has(t, e.next(wang, 1, func() { wang.SendText("/summary") })[0], "节点1 正常推进（已重新打开） · 80%")

	// "1 done" on a done milestone has nothing to reopen to.
	e.next(liu, 1, func() { liu.SendText("/report T01 1 done") })
	refused := e.next(liu, 1, func() { liu.SendText("/report T01 1 已完成") })[0]
	has(t, refused, "节点 1 已完成", "未记录")
	if len(refused.Buttons) != 0 {
		t.Fatalf("reopening to done offered: %+v", refused.Buttons)
	}
}

// An edited message corrects its own report only: same task, same
// milestone, within the correction window.
func TestEditNeverMovesAReport(t *testing.T) { eachDB(t, testEditNeverMovesAReport) }

func testEditNeverMovesAReport(t *testing.T, open opener) {
	e := startE2E(t, open)
	liu := e.users["刘洋"]
	var sent telegramtest.Msg
	e.next(liu, 1, func() { sent = liu.SendText("/report T01 2 50%") })
	e.wantMilestone("T01", 2, models.StateOnTrack, 50, "reported")

	edit := func(text string) telegramtest.Msg {
		return e.next(liu, 1, func() {
			if _, err := liu.EditMessage(sent.ID, text); err != nil {
				t.Fatal(err)
			}
		})[0]
	}
	has(t, edit("/report T02 1 已完成"), "不会移到其他任务", "未记录")
	has(t, edit("/report T01 1 已完成"), "不会移到节点1", "未记录")
	e.wantMilestone("T01", 1, models.StatePending, 0, "after edits naming another task and milestone")
	e.wantMilestone("T01", 2, models.StateOnTrack, 50, "after edits naming another task and milestone")
	var withdrawn int64
	e.store.DB.Model(&models.Report{}).Where("withdrawn = ? OR superseded_by IS NOT NULL", true).Count(&withdrawn)
	if withdrawn != 0 {
		t.Fatalf("refused edits changed %d reports", withdrawn)
	}

	has(t, edit("/report T01 2 60%"), "60%")
	e.wantMilestone("T01", 2, models.StateOnTrack, 60, "after an edit within the window")

	e.advance(2 * time.Hour)
	has(t, edit("/report T01 2 70%"), "不能再更正", "新的报告")
	e.wantMilestone("T01", 2, models.StateOnTrack, 60, "after an edit two hours later")
}

// A second /close shows the open request instead of making another.
func TestCloseOutOncePerTask(t *testing.T) { eachDB(t, testCloseOutOncePerTask) }

func testCloseOutOncePerTask(t *testing.T, open opener) {
	e := startE2E(t, open)
	liu, wang := e.users["刘洋"], e.users["王建国"]
	e.next(liu, 1, func() { liu.SendText("/report T01 1 done") })
	e.next(liu, 1, func() { liu.SendText("/report T01 2 done") })
	e.next(wang, 1, func() { e.next(liu, 1, func() { liu.SendText("/close T01") }) })
	leaderMsgs := len(wang.Messages())
	again := e.next(liu, 1, func() { liu.SendText("/close T01") })[0]
	has(t, again, "已有一份待审批的销号申请", "刘洋")
	var n int64
	e.store.DB.Model(&models.CloseRequest{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d close requests, want 1", n)
	}
	e.advance(0)
	if len(wang.Messages()) != leaderMsgs {
		t.Fatal("the leader was asked twice")
	}
}

// A forged close-out button for someone else's task reads like an expired
// one: it names nothing and asks nobody.
func TestForgedCloseButtonRevealsNothing(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	h := newHarness(t, s)
	sun := userRef{id: 102}
	h.say(sun, "/start "+h.invite("孙丽"))
	d, err := models.TaskByCode(s.DB, "T01")
	if err != nil {
		t.Fatal(err)
	}
	h.update(func(u *tgmodels.Update) {
		u.CallbackQuery = &tgmodels.CallbackQuery{ID: "forged", From: tgmodels.User{ID: sun.id, FirstName: "S"}, Data: fmt.Sprintf("cl:%d", d.Task.ID)}
	})
	texts := h.drain(sun.id)
	for _, text := range texts {
		if strings.Contains(text, "T01") || strings.Contains(text, "招商") {
			t.Fatalf("a forged close button told a stranger %q", text)
		}
	}
	var rows []models.OutboxMessage
	s.DB.Order("id").Find(&rows)
	for _, r := range rows {
		o, _ := r.Outgoing()
		if strings.Contains(o.Text, "T01") {
			t.Fatalf("a forged close button queued %q to chat %d", o.Text, r.ChatID)
		}
	}
	var n int64
	s.DB.Model(&models.CloseRequest{}).Count(&n)
	if n != 0 {
		t.Fatal("a forged close button asked for a close-out")
	}
}

func (e *e2e) light(code string) models.Light {
	e.t.Helper()
	d, err := models.TaskByCode(e.store.DB, code)
	if err != nil {
		e.t.Fatal(err)
	}
	lit := []models.TaskDetail{*d}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if err := models.AttachLights(e.store.DB, lit, models.Today(e.clock.Now(), shanghai), models.DefaultLightRules); err != nil {
		e.t.Fatal(err)
	}
	return lit[0].Light
}

// The coordination request a blocked report opened closes when that
// report is withdrawn or corrected to a state that is not blocked: the
// task is no longer red for it, /close is not refused for it, and the
// leader gets one short note.
func TestCoordinationClosesWithItsReport(t *testing.T) {
	eachDB(t, testCoordinationClosesWithItsReport)
}

func testCoordinationClosesWithItsReport(t *testing.T, open opener) {
	for _, how := range []string{"withdrawn", "corrected"} {
		t.Run(how, func(t *testing.T) {
			e := startE2E(t, open)
			liu, wang := e.users["刘洋"], e.users["王建国"]
			e.next(liu, 1, func() { liu.SendText("/report T01 1 done") })
			var ack telegramtest.Msg
			alert := e.next(wang, 1, func() {
				ack = e.next(liu, 1, func() { liu.SendText("/report T01 2 blocked 等待用地审批") })[0]
			})[0]
			has(t, alert, "协调请求", "等待用地审批")
			if got := e.light("T01"); got != models.LightRed {
				t.Fatalf("blocked: light %s, want red", got)
			}
			leaderBefore := len(wang.Messages())
			if how == "withdrawn" {
				e.press(liu, ack.ID, ack.Buttons[0][1].CallbackData)
				e.wantMilestone("T01", 2, models.StatePending, 0, "blocked report withdrawn")
				if got := e.light("T01"); got != models.LightGreen {
					t.Fatalf("blocked report withdrawn: light %s, want green", got)
				}
				e.next(liu, 1, func() { liu.SendText("/report T01 2 done") })
			} else {
				has(t, e.correctWith(liu, ack, "2 done"), "已完成")
			}
			if got := e.light("T01"); got != models.LightDone {
				t.Fatalf("every milestone done: light %s, want done", got)
			}
			reply := e.next(liu, 1, func() { liu.SendText("/close T01") })[0]
			if strings.Contains(reply.Text, "协调") {
				t.Fatalf("/close refused for a request whose report was %s: %q", how, reply.Text)
			}
			has(t, reply, "销号申请")
			msgs := e.wait(wang, leaderBefore+2)[leaderBefore:]
			note := msgs[0]
			if strings.Contains(note.Text, "销号") {
				note = msgs[1]
			}
			has(t, note, "T01", "协调请求已撤回", "等待用地审批", "刘洋")
			var req models.CoordinationRequest
			if err := e.store.DB.Take(&req).Error; err != nil {
				t.Fatal(err)
			}
			if req.State != models.CoordinationWithdrawn {
				t.Fatalf("request %s, want withdrawn", req.State)
			}
			shanghai, _ := time.LoadLocation("Asia/Shanghai")
			ledger, err := report.BuildLedger(e.store.DB, models.Today(e.clock.Now(), shanghai), models.DefaultLightRules, shanghai, "zh")
			if err != nil {
				t.Fatal(err)
			}
			if n := len(ledger.Coordination); n != 2 || ledger.Coordination[1][5] != "已撤回" {
				t.Fatalf("exported coordination %q, want the request as withdrawn", ledger.Coordination)
			}
			var audited int64
			e.store.DB.Model(&models.AuditEvent{}).Where("kind = ?", "coordination_withdrawn").Count(&audited)
			if audited != 1 {
				t.Fatalf("%d coordination_withdrawn audit events, want 1", audited)
			}
			e.advance(0)
			if n := len(wang.Messages()); n != leaderBefore+2 {
				t.Fatalf("the leader got %d messages, want the note and the close-out request", n-leaderBefore)
			}
		})
	}
}

// An approval refused because the close-out's basis changed ends the
// request, so the attendant can ask again instead of being told one is
// pending.
func TestCloseOutSupersededCanBeAskedAgain(t *testing.T) {
	eachDB(t, testCloseOutSupersededCanBeAskedAgain)
}

func testCloseOutSupersededCanBeAskedAgain(t *testing.T, open opener) {
	e := startE2E(t, open)
	liu, wang := e.users["刘洋"], e.users["王建国"]
	e.next(liu, 1, func() { liu.SendText("/report T01 1 done") })
	ack := e.next(liu, 1, func() { liu.SendText("/report T01 2 done") })[0]
	var asked telegramtest.Msg
	request := e.next(wang, 1, func() { asked = e.next(liu, 1, func() { liu.SendText("/close T01") })[0] })[0]
	has(t, asked, "销号申请")
	has(t, e.correctWith(liu, ack, "2 done 补充验收材料"), "补充验收材料")

	told := e.next(liu, 1, func() {
		answer := e.press(wang, request.ID, request.Buttons[0][0].CallbackData)
		if !strings.Contains(answer, "不能批准") {
			t.Errorf("leader's approval answered %q", answer)
		}
	})[0]
	has(t, told, "T01", "申请已失效", "/close T01")
	if got := e.milestone("T01", 2); got.State != models.StateDone {
		t.Fatalf("milestone 2 is %s", got.State)
	}
	again := e.next(wang, 1, func() { asked = e.next(liu, 1, func() { liu.SendText("/close T01") })[0] })[0]
	if strings.Contains(asked.Text, "已有一份待审批") {
		t.Fatalf("a new close-out refused as pending: %q", asked.Text)
	}
	has(t, asked, "已向 T01 的包抓领导提交销号申请")
	e.press(wang, again.ID, again.Buttons[0][0].CallbackData)
	var task models.Task
	if err := e.store.DB.Where("code = ?", "T01").Take(&task).Error; err != nil || !task.Done {
		t.Fatalf("task not closed after the new request was approved: %+v %v", task, err)
	}
}

// A withdrawal refused because the task was closed names the task.
func TestWithdrawAfterCloseOutNamesTheTask(t *testing.T) {
	eachDB(t, testWithdrawAfterCloseOutNamesTheTask)
}

func testWithdrawAfterCloseOutNamesTheTask(t *testing.T, open opener) {
	e := startE2E(t, open)
	liu, wang := e.users["刘洋"], e.users["王建国"]
	e.next(liu, 1, func() { liu.SendText("/report T01 1 done") })
	ack := e.next(liu, 1, func() { liu.SendText("/report T01 2 done") })[0]
	request := e.next(wang, 1, func() { e.next(liu, 1, func() { liu.SendText("/close T01") }) })[0]
	e.press(wang, request.ID, request.Buttons[0][0].CallbackData)
	answer := e.press(liu, ack.ID, ack.Buttons[0][1].CallbackData)
	if !strings.Contains(answer, "任务 T01 已销号") {
		t.Fatalf("withdrawal after the close-out answered %q", answer)
	}
	e.wantMilestone("T01", 2, models.StateDone, 100, "after a refused withdrawal")
}
