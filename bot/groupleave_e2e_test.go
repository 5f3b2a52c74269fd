package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"taskbot/models"
	"taskbot/telegramtest"
)

// bindUser binds one more person of the sample tasks to a new Telegram
// user, through an invite as people do.
func (e *e2e) bindUser(id int64, key string) *telegramtest.User {
	e.t.Helper()
	p, err := models.PersonByKey(e.store.DB, key)
	if err != nil {
		e.t.Fatal(err)
	}
	token, err := e.store.CreateInvite(context.Background(), p.ID, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	u := e.srv.NewUser(id, key, "zh-hans")
	e.next(u, 1, func() { u.SendText("/start " + token) })
	e.users[key] = u
	return u
}

// person loads a person of the sample tasks by name.
func (e *e2e) person(key string) *models.Person {
	e.t.Helper()
	p, err := models.PersonByKey(e.store.DB, key)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// lastReport is the latest report stored.
func (e *e2e) lastReport() models.Report {
	e.t.Helper()
	e.advance(0)
	var r models.Report
	if err := e.store.DB.Order("id DESC").Take(&r).Error; err != nil {
		e.t.Fatal(err)
	}
	return r
}

// The resolution of a coordination request on a task whose work group
// gets its messages is posted in the task's topic, and reaches the deputy
// of the attendant away, headed for whom; the instruction posted in the
// topic is confirmed there by that deputy for the person away (代确认).
func TestCoordinationResolvedInTheTopicAndForTheDeputy(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun, wang := e.users["刘洋"], e.users["孙丽"], e.users["王建国"]
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '孙丽')").Error; err != nil {
			t.Fatal(err)
		}
		forum := e.forumFor(-1001000000021, liu, sun)
		topic := forum.Topics()[0].ID
		e.inGroup(forum, 1, func() { forum.SendText(wang, "/delivery"+e.bot()+" T01 group") })

		wangBefore := len(wang.Messages())
		e.next(liu, 1, func() { liu.SendText("/coordinate T01 需要协调用地指标") })
		request := e.wait(wang, wangBefore+1)[wangBefore]
		has(t, request, "需要协调用地指标")
		e.next(liu, 1, func() { liu.SendText("/leave 今天 出差 代报 孙丽") })
		e.advance(0) // the deputy's notice is out

		sunBefore := len(sun.Messages())
		resolved := e.inGroup(forum, 1, func() {
			if answer := e.press(wang, request.ID, request.Buttons[0][1].CallbackData); answer != "已标记为已解决" {
				t.Errorf("resolve answered %q", answer)
			}
		})[0]
		has(t, resolved, "T01", "已由 王建国 标记为已解决", "需要协调用地指标")
		if resolved.ThreadID != topic {
			t.Fatalf("resolution in thread %d, want the task's topic %d", resolved.ThreadID, topic)
		}
		var toDeputy *telegramtest.Msg
		for _, m := range e.wait(sun, sunBefore+1)[sunBefore:] {
			if strings.Contains(m.Text, "已解决") {
				toDeputy = &m
			}
		}
		if toDeputy == nil {
			t.Fatal("the deputy was not told of the resolution")
		}
		has(t, *toDeputy, "代 刘洋 接收", "已由 王建国 标记为已解决")

		in := e.inGroup(forum, 1, func() { e.next(wang, 1, func() { wang.SendText("/instruct T01 本周完成签约") }) })[0]
		has(t, in, "领导批示", "本周完成签约")
		if in.ThreadID != topic || len(in.Buttons) == 0 {
			t.Fatalf("instruction in thread %d with buttons %+v", in.ThreadID, in.Buttons)
		}
		if answer := e.pressIn(forum, sun, in.ID, in.Buttons[0][0].CallbackData); answer.ShowAlert || answer.Text != "已确认收到" {
			t.Fatalf("the deputy's 收到 in the group answered %+v", answer)
		}
		var receipt models.InstructionReceipt
		if err := e.store.DB.Where("person_id = ?", e.person("刘洋").ID).Take(&receipt).Error; err != nil {
			t.Fatal(err)
		}
		if receipt.ConfirmedAt == nil || receipt.ConfirmedByID == nil || *receipt.ConfirmedByID != e.person("孙丽").ID {
			t.Fatalf("刘洋's receipt %+v: want confirmed by 孙丽 for them", receipt)
		}
	})
}

// In the work group the task's person in charge reports like an
// attendant, and so does the deputy of an attendant away, on their
// behalf; both are acknowledged in the topic without a notification,
// where an acknowledgement in a private chat notifies as usual.
func TestOwnerAndDeputyReportInTheGroup(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun, wang := e.users["刘洋"], e.users["孙丽"], e.users["王建国"]
		li := e.bindUser(204, "李明")
		if err := e.store.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '李明')").Error; err != nil {
			t.Fatal(err)
		}
		t01, err := models.TaskByCode(e.store.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.DB.Create(&models.Assignment{PersonID: e.person("孙丽").ID, TaskID: t01.Task.ID, Role: models.RoleOwner}).Error; err != nil {
			t.Fatal(err)
		}
		forum := e.forumFor(-1001000000022, liu, sun, li)
		topic := forum.Topics()[0].ID
		e.inGroup(forum, 1, func() { forum.SendText(wang, "/delivery"+e.bot()+" T01 group") })

		private := e.next(liu, 1, func() { liu.SendText("/report T01 1 50% 已对接三家") })[0]
		has(t, private, "已记录", "节点1", "50%")
		if private.Silent {
			t.Fatal("a private acknowledgement was sent without a notification")
		}
		e.next(liu, 1, func() { liu.SendText("/leave 今天 出差 代报 李明") })

		reports := e.reports()
		byOwner := e.inGroup(forum, 1, func() {
			if _, err := forum.SendInTopic(sun, topic, "/report"+e.bot()+" T01 1 60% 已签约一家"); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, byOwner, "已记录", "节点1", "60%")
		if byOwner.ThreadID != topic || !byOwner.Silent {
			t.Fatalf("the owner's acknowledgement %+v: want it quiet, in the topic", byOwner)
		}
		if r := e.lastReport(); r.PersonID != e.person("孙丽").ID || r.OnBehalfOfID != nil || e.reports() != reports+1 {
			t.Fatalf("the owner's report %+v (%d reports, were %d)", r, e.reports(), reports)
		}

		byDeputy := e.inGroup(forum, 1, func() {
			if _, err := forum.SendInTopic(li, topic, "/report"+e.bot()+" T01 2 30% 洽谈中"); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, byDeputy, "已记录", "代 刘洋 填报", "节点2", "30%")
		if byDeputy.ThreadID != topic || !byDeputy.Silent {
			t.Fatalf("the deputy's acknowledgement %+v: want it quiet, in the topic", byDeputy)
		}
		r := e.lastReport()
		if r.PersonID != e.person("李明").ID || r.OnBehalfOfID == nil || *r.OnBehalfOfID != e.person("刘洋").ID || e.reports() != reports+2 {
			t.Fatalf("the deputy's report %+v: want 李明's, for 刘洋", r)
		}
		if m := e.milestone("T01", 2); m.Percent != 30 {
			t.Fatalf("milestone 2 after the deputy's report: %+v", m)
		}
	})
}

// In a forum's General topic a reply carries its reply chain's
// message_thread_id without is_topic_message: no task topic. A report made
// there as a reply is recorded, and answered in General, replying to it,
// not sent to a topic that does not exist.
func TestReplyThreadInGeneralIsNoTopic(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, sun := e.users["刘洋"], e.users["孙丽"]
		forum := e.forumFor(-1001000000023, liu, sun)
		asked := forum.SendText(sun, "招商对接进展如何？")
		var report telegramtest.Msg
		ack := e.inGroup(forum, 1, func() {
			var err error
			if report, err = forum.ReplyTo(liu, asked.ID, "/report"+e.bot()+" T01 1 40% 已对接两家"); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, ack, "已记录", "节点1", "40%")
		if ack.ThreadID != 0 || ack.ReplyTo != report.ID {
			t.Fatalf("acknowledgement in thread %d replying to %d, want General replying to %d", ack.ThreadID, ack.ReplyTo, report.ID)
		}
		if m := e.milestone("T01", 1); m.Percent != 40 {
			t.Fatalf("milestone after the report in General: %+v", m)
		}
	})
}

// A task's topic name stays within Telegram's 128 characters however long
// its (Chinese) title: cut with an ellipsis when the topic is made, and
// again, with the light in front, when it is renamed.
func TestLongTitleTopicNameWithinTheLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu := e.users["刘洋"]
		title := strings.Repeat("招商引资重点项目签约落地", 20)
		if err := e.store.DB.Exec("UPDATE tasks SET title = ? WHERE code = 'T01'", title).Error; err != nil {
			t.Fatal(err)
		}
		cut := func(prefix string) string {
			keep := 128 - utf8.RuneCountInString(prefix) - 1
			return prefix + string([]rune(title)[:keep]) + "…"
		}
		forum := e.forumFor(-1001000000024, liu)
		topic := forum.Topics()[0]
		if want := cut("T01 · "); topic.Name != want {
			t.Fatalf("topic made as %q (%d characters), want %q", topic.Name, utf8.RuneCountInString(topic.Name), want)
		}

		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01: T01 is red
		e.next(liu, 1, e.tick)
		e.advance(0)
		got, _ := forum.Topic(topic.ID)
		if want := cut("🔴 T01 · "); got.Name != want {
			t.Fatalf("topic renamed %q (%d characters), want %q", got.Name, utf8.RuneCountInString(got.Name), want)
		}
	})
}
