package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"taskbot/models"
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
