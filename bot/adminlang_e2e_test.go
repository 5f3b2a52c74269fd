package bot_test

import (
	"testing"

	"taskbot/telegramtest"
)

// An admin who is not on the task list gets the bot's notices in the
// language their Telegram showed when they last wrote: Chinese until then.
func TestAdminNoticesInTheAdminsLanguage(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		wang := e.users["王建国"]
		admin := e.srv.NewUser(adminID, "Supervision Office", "en-GB")
		forum := e.srv.NewSupergroup(-1001000000009, "招商专班", true, wang)
		forum.SetBotRights(&telegramtest.Rights{CanManageTopics: true, CanPinMessages: true, CanInviteUsers: true})

		before := len(admin.Messages())
		e.inGroup(forum, 1, func() { forum.SendText(wang, "/bind"+e.bot()+" T01") })
		has(t, e.wait(admin, before+1)[before], "已绑定为 T01 的专班群")

		e.next(admin, 1, func() { admin.SendText("/help") })
		before = len(admin.Messages())
		e.inGroup(forum, 1, func() { forum.SendText(wang, "/unbind"+e.bot()) })
		has(t, e.wait(admin, before+1)[before], "unbound from T01")
	})
}
