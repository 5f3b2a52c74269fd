package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/telegramtest"
)

// inGroup waits for the bot's next k messages to group g after act.
func (e *e2e) inGroup(g *telegramtest.Group, k int, act func()) []telegramtest.Msg {
	e.t.Helper()
	e.advance(0)
	before := len(g.Messages())
	act()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	msgs, err := g.WaitMessages(ctx, before+k)
	if err != nil {
		var texts []string
		for _, m := range msgs {
			texts = append(texts, m.Text)
		}
		e.t.Fatalf("waiting for %d messages in %s: %v; got %q", k, g.Title(), err, texts)
	}
	return msgs[before : before+k]
}

// bot is "@" and the bot's username, for commands addressed to it.
func (e *e2e) bot() string { return "@" + e.srv.BotUser().Username }

// boundTasks lists the codes bound to a chat.
func (e *e2e) boundTasks(chatID int64) string {
	e.t.Helper()
	e.advance(0)
	tasks, err := models.BoundTasks(e.store.DB, chatID)
	if err != nil {
		e.t.Fatal(err)
	}
	var codes []string
	for _, task := range tasks {
		codes = append(codes, task.Code)
	}
	return strings.Join(codes, " ")
}

// In a forum, /bind says exactly what the bot lacks, refuses people who
// may not bind, and once the bot may manage topics binds the task, makes
// its topic, sets the group's command menu and tells the admins.
func TestBindInTheGroupNamesMissingRights(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		wang, liu := e.users["王建国"], e.users["刘洋"]
		admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
		forum := e.srv.NewSupergroup(-1001000000001, "招商专班", true, wang, liu)

		missing := e.inGroup(forum, 1, func() { forum.SendText(wang, "/bind"+e.bot()+" T01") })[0]
		has(t, missing, "未绑定", "请将机器人设为管理员并开启‘管理话题’权限")
		forum.SetBotRights(&telegramtest.Rights{CanPinMessages: true})
		missing = e.inGroup(forum, 1, func() { forum.SendText(wang, "/bind"+e.bot()+" T01") })[0]
		has(t, missing, "请为机器人开启‘管理话题’权限")
		if got := e.boundTasks(forum.ID()); got != "" {
			t.Fatalf("bound %q without the rights", got)
		}

		forum.SetBotRights(&telegramtest.Rights{CanManageTopics: true, CanPinMessages: true, CanInviteUsers: true})
		refused := e.inGroup(forum, 1, func() { forum.SendText(liu, "/bind"+e.bot()+" T01") })[0]
		has(t, refused, "只有任务 T01 的包抓领导或管理员可以绑定")
		unknown := e.inGroup(forum, 1, func() { forum.SendText(wang, "/bind"+e.bot()+" T02") })[0]
		has(t, unknown, "找不到任务 T02")
		if got := e.boundTasks(forum.ID()); got != "" {
			t.Fatalf("bound %q by someone who may not", got)
		}

		adminBefore := len(admin.Messages())
		done := e.inGroup(forum, 1, func() { forum.SendText(wang, "/bind"+e.bot()+" T01") })[0]
		has(t, done, "专班群", "T01", "私聊提醒", "/delivery")
		if got := e.boundTasks(forum.ID()); got != "T01" {
			t.Fatalf("bound %q, want T01", got)
		}
		told := e.wait(admin, adminBefore+1)[adminBefore]
		has(t, told, "招商专班", "T01", "王建国")
		topics := forum.Topics()
		if len(topics) != 1 || topics[0].Name != "T01 · 招商引资 <重点> & 签约" || !topics[0].CreatedByBot {
			t.Fatalf("topics %+v", topics)
		}
		menu := e.srv.Commands(telegramtest.CommandScope{Type: "chat", ChatID: forum.ID()}, "")
		if len(menu) == 0 || menu[0].Command != "report" {
			t.Fatalf("group menu %+v", menu)
		}
		var audits int64
		e.store.DB.Model(&models.AuditEvent{}).Where("kind = 'work_group_bind'").Count(&audits)
		if audits != 1 {
			t.Fatalf("%d bind audit lines", audits)
		}
	})
}

// Privately, /group offers a button asking for the group; picking one
// (which makes the bot its administrator) asks which task to bind, and a
// press binds it.
func TestBindThroughTheRequestButton(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		wang, sun := e.users["王建国"], e.users["孙丽"]
		forum := e.srv.NewSupergroup(-1001000000002, "重点任务群", true, wang)

		has(t, e.next(sun, 1, func() { sun.SendText("/group") })[0], "只有包抓领导或管理员")
		ask := e.next(wang, 1, func() { wang.SendText("/group") })[0]
		if len(ask.ReplyKeyboard) != 1 || ask.ReplyKeyboard[0][0].RequestChat == nil {
			t.Fatalf("no request button: %+v", ask)
		}
		req := ask.ReplyKeyboard[0][0].RequestChat
		if r := req.BotAdministratorRights; r == nil || !r.CanManageTopics || !r.CanPinMessages || !r.CanInviteUsers || req.ChatIsChannel {
			t.Fatalf("request %+v", req)
		}
		picked := e.next(wang, 2, func() {
			if _, err := wang.ShareChat(ask.ID, req.RequestID, forum); err != nil {
				t.Fatal(err)
			}
		})
		if !picked[0].RemoveKeyboard || !strings.Contains(picked[0].Text, "重点任务群") {
			t.Fatalf("first answer %+v", picked[0])
		}
		has(t, picked[1], "请选择要绑定")
		if len(picked[1].Buttons) != 1 || !strings.HasPrefix(picked[1].Buttons[0][0].Text, "T01") {
			t.Fatalf("task buttons %+v", picked[1].Buttons)
		}
		var inGroup telegramtest.Msg
		done := e.next(wang, 1, func() {
			inGroup = e.inGroup(forum, 1, func() {
				if answer := e.press(wang, picked[1].ID, picked[1].Buttons[0][0].CallbackData); answer != "已绑定 T01" {
					t.Errorf("press answered %q", answer)
				}
			})[0]
		})[0]
		has(t, done, "重点任务群", "T01")
		has(t, inGroup, "本群已是以下任务的专班群", "T01")
		if got := e.boundTasks(forum.ID()); got != "T01" {
			t.Fatalf("bound %q, want T01", got)
		}
		if len(forum.Topics()) != 1 {
			t.Fatalf("topics %+v", forum.Topics())
		}
		// The button is tied to the message that offered the group: the
		// same data pressed on another message binds nothing.
		other := e.next(wang, 1, func() { wang.SendText("/mytasks") })[0]
		if _, err := wang.Press(other.ID, picked[1].Buttons[0][0].CallbackData); err == nil {
			t.Fatal("pressed a button the message does not have")
		}
	})
}

// Removing the bot from a work group unbinds it and tells the admins;
// /unbind does it by hand, only for those who may.
func TestBotRemovedUnbindsTheGroup(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		wang, liu := e.users["王建国"], e.users["刘洋"]
		admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
		group := e.srv.NewSupergroup(-1001000000003, "招商专班", false, wang, liu)
		e.inGroup(group, 1, func() { group.SendText(wang, "/bind"+e.bot()+" T01") })
		refused := e.inGroup(group, 1, func() { group.SendText(liu, "/unbind"+e.bot()) })[0]
		has(t, refused, "只有包抓领导或管理员")
		if got := e.boundTasks(group.ID()); got != "T01" {
			t.Fatalf("bound %q after a refused unbinding", got)
		}

		before := len(admin.Messages())
		if err := group.RemoveBot(wang); err != nil {
			t.Fatal(err)
		}
		told := e.wait(admin, before+1)[before]
		has(t, told, "移出群「招商专班」", "T01", "王建国")
		if got := e.boundTasks(group.ID()); got != "" {
			t.Fatalf("still bound to %q after the removal", got)
		}
		var audits int64
		e.store.DB.Model(&models.AuditEvent{}).Where("kind = 'work_group_unbind'").Count(&audits)
		if audits != 1 {
			t.Fatalf("%d unbind audit lines", audits)
		}

		// Back in, bound again, and unbound by its leader.
		if err := group.AddBot(wang); err != nil {
			t.Fatal(err)
		}
		e.inGroup(group, 1, func() { group.SendText(wang, "/bind"+e.bot()+" T01") })
		done := e.inGroup(group, 1, func() { group.SendText(wang, "/unbind"+e.bot()) })[0]
		has(t, done, "已解除本群与 T01 的绑定")
		if got := e.boundTasks(group.ID()); got != "" {
			t.Fatalf("still bound to %q after /unbind", got)
		}
	})
}

// forumFor makes a forum with the rights a work group needs, bound to T01
// by its leader.
func (e *e2e) forumFor(id int64, members ...*telegramtest.User) *telegramtest.Group {
	e.t.Helper()
	wang := e.users["王建国"]
	forum := e.srv.NewSupergroup(id, "招商专班", true, append(members, wang)...)
	forum.SetBotRights(&telegramtest.Rights{CanManageTopics: true, CanPinMessages: true, CanInviteUsers: true})
	e.inGroup(forum, 1, func() { forum.SendText(wang, "/bind"+e.bot()+" T01") })
	e.advance(0)
	if n := len(forum.Topics()); n != 1 {
		e.t.Fatalf("%d topics after binding", n)
	}
	return forum
}

// A task's topic shows its light, renamed by the reminder round only when
// the light changed; it closes with the task's close-out and reopens when
// the task is open again.
func TestTopicFollowsTheTask(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, wang := e.users["刘洋"], e.users["王建国"]
		forum := e.forumFor(-1001000000004, liu)
		topic := forum.Topics()[0]

		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01: T01 is red (milestone 1 overdue)
		e.next(liu, 1, e.tick)
		e.advance(0)
		if got, _ := forum.Topic(topic.ID); got.Name != "🔴 T01 · 招商引资 <重点> & 签约" {
			t.Fatalf("topic after the first round: %q", got.Name)
		}
		e.advance(24 * time.Hour) // Tuesday: still red
		e.next(liu, 1, e.tick)
		e.advance(0)
		if n := e.srv.Calls("editForumTopic"); n != 1 {
			t.Fatalf("%d renames, want 1: the light did not change", n)
		}

		e.next(liu, 1, func() { liu.SendText("/report T01 1 done") })
		ack := e.next(liu, 1, func() { liu.SendText("/report T01 2 done") })[0]
		request := e.next(wang, 1, func() {
			if _, err := liu.Press(ack.ID, ack.Buttons[1][0].CallbackData); err != nil {
				t.Fatal(err)
			}
		})[0]
		e.next(liu, 1, func() {
			if answer := e.press(wang, request.ID, request.Buttons[0][0].CallbackData); answer != "已批准销号" {
				t.Errorf("approve answered %q", answer)
			}
		})
		e.advance(0)
		got, _ := forum.Topic(topic.ID)
		if !got.Closed || got.Name != "✅ T01 · 招商引资 <重点> & 签约" {
			t.Fatalf("topic after the close-out: %+v", got)
		}

		// Opened again (by hand in the database, as no chat command
		// reopens a task): the next round reopens the topic.
		if err := e.store.DB.Exec("UPDATE tasks SET done = ?, closed_at = NULL WHERE code = 'T01'", false).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.store.DB.Exec("UPDATE milestones SET state = 'pending' WHERE seq = 2 AND task_id = (SELECT id FROM tasks WHERE code = 'T01')").Error; err != nil {
			t.Fatal(err)
		}
		e.tick()
		e.advance(24 * time.Hour) // Wednesday 09:01
		e.next(liu, 1, e.tick)
		e.advance(0)
		if got, _ := forum.Topic(topic.ID); got.Closed || !strings.HasPrefix(got.Name, "🟢 T01") {
			t.Fatalf("topic after reopening: %+v", got)
		}
	})
}

// waitIn waits until cond holds for the group's messages.
func (e *e2e) waitIn(g *telegramtest.Group, what string, cond func([]telegramtest.Msg) bool) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := e.srv.WaitFor(ctx, func(st *telegramtest.State) bool { return cond(st.Messages(g.ID())) })
	if err != nil {
		var texts []string
		for _, m := range g.Messages() {
			texts = append(texts, m.Text)
		}
		e.t.Fatalf("%s: %v; messages %q", what, err, texts)
	}
}

// pressIn presses a button of the bot's message in g and returns the
// answer to the press.
func (e *e2e) pressIn(g *telegramtest.Group, u *telegramtest.User, msgID int, data string) telegramtest.CallbackAnswer {
	e.t.Helper()
	e.advance(0)
	before := len(e.srv.CallbackAnswers())
	if _, err := g.Press(u, msgID, data); err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.srv.WaitFor(ctx, func(st *telegramtest.State) bool { return len(st.CallbackAnswers()) > before }); err != nil {
		e.t.Fatalf("press not answered: %v", err)
	}
	e.advance(0)
	return e.srv.CallbackAnswers()[before]
}

func (e *e2e) reports() int64 {
	e.t.Helper()
	e.advance(0)
	var n int64
	if err := e.store.DB.Model(&models.Report{}).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// In the group: one reminder per slot in the task's topic, mentioning
// the attendants due, with the milestone buttons; a reply to it is a
// report, acknowledged quietly in the topic, and the reminder is edited
// to say who reported. Buttons are for the task's reporters only; an
// anonymous administrator is refused; chatter is neither a report nor
// kept; instructions are posted in the topic too.
func TestReminderAndReportsInATopic(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, wang, sun := e.users["刘洋"], e.users["王建国"], e.users["孙丽"]
		stranger := e.srv.NewUser(301, "路人", "zh-hans")
		forum := e.forumFor(-1001000000005, liu, sun, stranger)
		topic := forum.Topics()[0].ID
		set := e.inGroup(forum, 1, func() { forum.SendText(wang, "/delivery"+e.bot()+" T01 group") })[0]
		has(t, set, "T01", "群内提醒")

		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01
		liuBefore := len(liu.Messages())
		reminder := e.inGroup(forum, 1, e.tick)[0]
		has(t, reminder, "T01", "完成招商对接", "请 刘洋 报告进展")
		if reminder.ThreadID != topic {
			t.Fatalf("reminder in thread %d, want the task's topic %d", reminder.ThreadID, topic)
		}
		mentioned := false
		for _, ent := range reminder.Entities {
			mentioned = mentioned || ent.URL == "tg://user?id=201"
		}
		if !mentioned || len(reminder.Buttons) != 2 {
			t.Fatalf("reminder entities %+v buttons %+v", reminder.Entities, reminder.Buttons)
		}
		e.advance(0)
		if n := len(liu.Messages()); n != liuBefore {
			t.Fatalf("delivery group reminded 刘洋 privately too: %+v", liu.Messages()[liuBefore:])
		}
		var rows int64
		e.store.DB.Model(&models.Reminder{}).Where("task_id = (SELECT id FROM tasks WHERE code = 'T01')").Count(&rows)
		if rows != 1 {
			t.Fatalf("%d reminder rows, want 1 for 刘洋's follow-up", rows)
		}

		// Chatter in the topic: no report, not kept.
		reports := e.reports()
		if _, err := forum.SendInTopic(liu, topic, "大家好，今天下午开会"); err != nil {
			t.Fatal(err)
		}
		// Updates are handled in the order they came: once a later one is
		// answered, the chatter has been handled.
		e.next(liu, 1, func() { liu.SendText("/mytasks") })
		var kept int64
		e.store.DB.Model(&models.InboxUpdate{}).Where("payload LIKE ?", "%今天下午开会%").Count(&kept)
		if e.reports() != reports || kept != 0 {
			t.Fatalf("chatter: %d reports (was %d), %d updates kept", e.reports(), reports, kept)
		}

		// A reply to the reminder is a report.
		ack := e.inGroup(forum, 1, func() {
			if _, err := forum.ReplyTo(liu, reminder.ID, "1 80% 已对接三家"); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, ack, "已记录", "节点1", "80%")
		if ack.ThreadID != topic || ack.ReplyTo == 0 {
			t.Fatalf("acknowledgement %+v not in the topic, replying", ack)
		}
		edited := func(want string) func([]telegramtest.Msg) bool {
			return func(ms []telegramtest.Msg) bool {
				for _, m := range ms {
					if m.ID == reminder.ID {
						return strings.Contains(m.Text, want)
					}
				}
				return false
			}
		}
		e.waitIn(forum, "reminder edited", edited("已报 刘洋 09:01 节点1 80%"))
		if m := e.milestone("T01", 1); m.Percent != 80 {
			t.Fatalf("milestone after the group report: %+v", m)
		}

		// Buttons: a stranger and 孙丽 (not on T01) get an alert; nothing changes.
		reports = e.reports()
		for _, u := range []*telegramtest.User{stranger, sun} {
			answer := e.pressIn(forum, u, reminder.ID, reminder.Buttons[0][0].CallbackData)
			if !answer.ShowAlert || !strings.Contains(answer.Text, "不是给您的") {
				t.Fatalf("%s's press answered %+v", u.FirstName(), answer)
			}
		}
		if e.reports() != reports {
			t.Fatal("a stranger's press stored a report")
		}
		// 孙丽 reporting on T01 in its group is refused, and nothing stored.
		notHers := e.inGroup(forum, 1, func() {
			if _, err := forum.SendInTopic(sun, topic, "/report"+e.bot()+" T01 1 done"); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, notHers, "只有任务 T01 的专班联络员和责任人可以报告进展")
		if e.reports() != reports {
			t.Fatal("a report by someone not on the task was stored")
		}
		// 刘洋's press goes on privately.
		stateQ := e.next(liu, 1, func() {
			if answer := e.pressIn(forum, liu, reminder.ID, reminder.Buttons[0][0].CallbackData); answer.ShowAlert {
				t.Errorf("attendant's press answered with an alert: %+v", answer)
			}
		})[0]
		has(t, stateQ, "节点1")

		// An anonymous administrator is refused.
		anon := e.inGroup(forum, 1, func() {
			post := telegramtest.GroupPost{Anonymous: true, Text: "/report" + e.bot() + " T01 2 done", ThreadID: topic}
			if _, err := forum.Post(post); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, anon, "匿名")
		if e.reports() != reports {
			t.Fatal("an anonymous administrator's report was stored")
		}

		// Reactions instead of words, and /report in the topic.
		has(t, e.inGroup(forum, 1, func() { forum.SendInTopic(wang, topic, "/ack"+e.bot()+" reaction") })[0], "👌")
		msg, err := forum.SendInTopic(liu, topic, "/report"+e.bot()+" T01 2 50% 谈判中")
		if err != nil {
			t.Fatal(err)
		}
		e.waitIn(forum, "reminder edited again", edited("节点2 50%"))
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := e.srv.WaitFor(ctx, func(st *telegramtest.State) bool {
			for _, m := range st.History(forum.ID()) {
				if m.ID == msg.ID {
					return len(m.Reactions) == 1 && m.Reactions[0] == "👌"
				}
			}
			return false
		}); err != nil {
			t.Fatalf("no 👌 on the report: %v", err)
		}

		// An instruction goes to the topic as well as to the attendant.
		e.next(liu, 1, func() {
			in := e.inGroup(forum, 1, func() { e.next(wang, 1, func() { wang.SendText("/instruct T01 本周完成签约") }) })[0]
			has(t, in, "领导批示", "本周完成签约")
			if in.ThreadID != topic {
				t.Errorf("instruction in thread %d", in.ThreadID)
			}
		})
	})
}

// A group that becomes a supergroup takes its binding and the messages
// queued to it along — whether the bot hears of it by the update or by a
// send refused for the old id — and goes on as the work group.
func TestGroupBecomesASupergroupWithMessagesQueued(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, wang := e.users["刘洋"], e.users["王建国"]
		group := e.srv.NewGroup(-4001, "招商专班", wang, liu)
		e.inGroup(group, 1, func() { group.SendText(wang, "/bind"+e.bot()+" T01") })
		e.inGroup(group, 1, func() { group.SendText(wang, "/delivery"+e.bot()+" T01 group") })
		e.advance(0)

		super, err := e.srv.MigrateToSupergroup(group, wang)
		if err != nil {
			t.Fatal(err)
		}
		// The reminder is queued for the old id right away: whether its
		// send is refused first (outbox.TestDispatcherFollowsAGroupToItsSupergroup
		// covers that path alone) or the bot hears of the migration first,
		// it reaches the supergroup. The instruction is given once the bot
		// has heard.
		if _, err := e.reminders.RemindNow(context.Background(), "T01", nil); err != nil {
			t.Fatal(err)
		}
		// An update that failed (two transactions on the same rows, one
		// aborted) is retried after a backoff in store time: move it.
		// On failure it says what stood in the inbox and the outbox.
		heard := time.Now().Add(60 * time.Second)
		for e.boundTasks(super.ID()) != "T01" {
			if time.Now().After(heard) {
				var ups []models.InboxUpdate
				e.store.DB.Order("id").Find(&ups)
				for _, u := range ups {
					t.Logf("update %d state %s att %d err %q", u.UpdateID, u.State, u.Attempts, u.LastError)
				}
				var groups []models.WorkGroup
				e.store.DB.Find(&groups)
				t.Logf("work groups %+v", groups)
				var rows []models.OutboxMessage
				e.store.DB.Order("id").Find(&rows)
				for _, r := range rows {
					t.Logf("outbox row %d chat %d kind %s state %s head %v attempts %d next %v error %q", r.ID, r.ChatID, r.Kind, r.State, r.Head, r.Attempts, r.NextAttemptAt, r.LastError)
				}
				t.Fatal("the bot did not hear of the migration")
			}
			e.clock.Advance(5 * time.Second)
			time.Sleep(20 * time.Millisecond)
		}
		e.next(wang, 1, func() { wang.SendText("/instruct T01 本周完成签约") })
		// The bot's handling of the migration and the instruction race; on
		// PostgreSQL one may be aborted (a deadlock between the two
		// transactions) and is retried after a backoff in store time, so
		// the store's clock moves while the test waits.
		var msgs []telegramtest.Msg
		deadline := time.Now().Add(30 * time.Second)
		for msgs = super.Messages(); len(msgs) < 2; msgs = super.Messages() {
			if time.Now().After(deadline) {
				var rows []models.OutboxMessage
				e.store.DB.Order("id").Find(&rows)
				for _, r := range rows {
					o, _ := r.Outgoing()
					t.Logf("outbox row %d chat %d kind %s state %s head %v att %d err %q text %.40q", r.ID, r.ChatID, r.Kind, r.State, r.Head, r.Attempts, r.LastError, o.Text)
				}
				var ups []models.InboxUpdate
				e.store.DB.Order("id").Find(&ups)
				for _, u := range ups {
					t.Logf("update %d state %s att %d err %q", u.UpdateID, u.State, u.Attempts, u.LastError)
				}
				t.Fatalf("supergroup got %d messages", len(msgs))
			}
			e.clock.Advance(5 * time.Second)
			time.Sleep(50 * time.Millisecond)
		}
		var reminder telegramtest.Msg
		for _, m := range msgs {
			if strings.Contains(m.Text, "⏰ 催办") {
				reminder = m
			}
		}
		if reminder.ID == 0 || !strings.Contains(msgs[0].Text+msgs[1].Text, "领导批示") {
			t.Fatalf("supergroup messages %q", []string{msgs[0].Text, msgs[1].Text})
		}
		if got := e.boundTasks(super.ID()); got != "T01" {
			t.Fatalf("supergroup bound to %q", got)
		}
		var failed, migrations int64
		e.store.DB.Model(&models.OutboxMessage{}).Where("state = ? AND chat_id < 0", models.OutboxFailed).Count(&failed)
		e.store.DB.Model(&models.AuditEvent{}).Where("kind = 'work_group_migrate'").Count(&migrations)
		if failed != 0 || migrations == 0 {
			t.Fatalf("%d messages failed, %d migrations audited", failed, migrations)
		}
		menu := e.srv.Commands(telegramtest.CommandScope{Type: "chat", ChatID: super.ID()}, "")
		if len(menu) == 0 {
			t.Fatal("the supergroup has no command menu")
		}

		// The reminder moved with the queue: a reply to it is a report.
		ack := e.inGroup(super, 1, func() {
			if _, err := super.ReplyTo(liu, reminder.ID, "2 30% 洽谈中"); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, ack, "已记录", "节点2", "30%")
	})
}

// A binding button answers only on the message that offered its group:
// the same data on any other message of the bot's binds nothing.
func TestForgedBindButtonBindsNothing(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		wang := userRef{id: 103, lang: "zh-hans"}
		h.say(wang, "/start "+h.invite("王建国"))
		h.say(wang, "/mytasks")
		var row models.OutboxMessage
		if err := s.DB.Where("chat_id = ?", wang.id).Order("id DESC").Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB.Model(&row).Updates(map[string]any{"state": models.OutboxSent, "telegram_message_id": 55}).Error; err != nil {
			t.Fatal(err)
		}
		d, err := models.TaskByCode(s.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		const forum = int64(-1001000000009)
		h.update(func(u *tgmodels.Update) {
			u.CallbackQuery = &tgmodels.CallbackQuery{ID: "forged", From: tgmodels.User{ID: wang.id, FirstName: "W"},
				Data:    fmt.Sprintf("gb:%d:%d", forum, d.Task.ID),
				Message: tgmodels.MaybeInaccessibleMessage{Message: &tgmodels.Message{ID: 55, Chat: private(wang.id)}}}
		})
		h.drain(wang.id)
		var answer models.OutboxMessage
		if err := s.DB.Where("kind = ?", models.OutAnswerCallback).Take(&answer).Error; err != nil {
			t.Fatal(err)
		}
		if out, _ := answer.Outgoing(); out.Text != "该按钮已失效。" {
			t.Fatalf("forged press answered %q", out.Text)
		}
		if tasks, err := models.BoundTasks(s.DB, forum); err != nil || len(tasks) != 0 {
			t.Fatalf("forged press bound %v (%v)", tasks, err)
		}
	})
}

// Delivery "both": the task's reminder goes to its topic and to each
// attendant privately, and the slot is still recorded once per attendant.
func TestReminderDeliveredBothWays(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, wang, sun := e.users["刘洋"], e.users["王建国"], e.users["孙丽"]
		forum := e.forumFor(-1001000000006, liu, sun)
		topic := forum.Topics()[0].ID
		e.inGroup(forum, 1, func() { forum.SendText(wang, "/delivery"+e.bot()+" T01 both") })

		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01
		liuBefore := len(liu.Messages())
		inGroup := e.inGroup(forum, 1, e.tick)[0]
		has(t, inGroup, "T01", "请 刘洋 报告进展")
		if inGroup.ThreadID != topic {
			t.Fatalf("reminder in thread %d, want the task's topic %d", inGroup.ThreadID, topic)
		}
		private := e.wait(liu, liuBefore+1)[liuBefore:]
		found := false
		for _, m := range private {
			found = found || strings.Contains(m.Text, "T01")
		}
		if !found {
			t.Fatalf("delivery both did not remind 刘洋 privately: %+v", private)
		}
		var rows int64
		e.store.DB.Model(&models.Reminder{}).Where("task_id = (SELECT id FROM tasks WHERE code = 'T01')").Count(&rows)
		if rows != 1 {
			t.Fatalf("%d reminder rows for T01's slot, want 1", rows)
		}
	})
}

// A task whose reminders went to its group only has them back in private
// chats once the group is unbound.
func TestUnboundTaskIsRemindedPrivatelyAgain(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, wang := e.users["刘洋"], e.users["王建国"]
		forum := e.forumFor(-1001000000007, liu)
		e.inGroup(forum, 1, func() { forum.SendText(wang, "/delivery"+e.bot()+" T01 group") })
		e.inGroup(forum, 1, func() { forum.SendText(wang, "/unbind"+e.bot()) })
		e.advance(0)

		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01
		groupBefore, liuBefore := len(forum.Messages()), len(liu.Messages())
		private := e.next(liu, 1, e.tick)
		has(t, private[0], "T01")
		e.advance(0)
		if n := len(forum.Messages()); n != groupBefore {
			t.Fatalf("the unbound group still got %d message(s)", n-groupBefore)
		}
		if n := len(liu.Messages()); n != liuBefore+1 {
			t.Fatalf("刘洋 got %d messages, want the one reminder", n-liuBefore)
		}
	})
}
