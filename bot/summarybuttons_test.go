package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/examples"
	"taskbot/importer"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/telegramtest"
)

// districtTasks is a district's list of n key tasks made from the example
// list: its tasks, titles, departments and people again and again, the due
// dates of each round two months later, so that the list has every light.
func districtTasks(t *testing.T, n int) []models.TaskSpec {
	t.Helper()
	list, err := importer.ReadCSV(bytes.NewReader(examples.TasksCSV), importer.Options{Today: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	people := func(refs []importer.PersonRef) []models.PersonSpec {
		out := make([]models.PersonSpec, len(refs))
		for i, r := range refs {
			out[i] = models.PersonSpec{Name: r.Name, Department: r.Department}
		}
		return out
	}
	var specs []models.TaskSpec
	for i := range n {
		base := list.Tasks[i%len(list.Tasks)]
		round := i / len(list.Tasks)
		spec := models.TaskSpec{Code: fmt.Sprintf("D%02d", i+1), Title: base.Title, Department: base.Department, Category: base.Category,
			Leaders: people(base.Leaders), Owners: people(base.Owners), Attendants: people(base.Attendants)}
		if round > 0 {
			spec.Title = fmt.Sprintf("%s（%d）", base.Title, round+1)
		}
		for _, m := range base.Milestones {
			spec.Milestones = append(spec.Milestones, models.MilestoneSpec{Seq: m.Seq, Title: m.Title, Due: m.Due.Time().AddDate(0, 2*round-6, 0)})
		}
		specs = append(specs, spec)
	}
	return specs
}

// buttonWith is the callback data of the first button of m whose text
// starts with prefix.
func buttonWith(t *testing.T, m telegramtest.Msg, prefix string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, prefix) {
				return b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q under %q (buttons %+v)", prefix, m.Text, m.Buttons)
	return ""
}

// transcript is a message as its reader sees it, buttons included.
func transcript(m telegramtest.Msg) string {
	var b strings.Builder
	b.WriteString(m.Text)
	for _, row := range m.Buttons {
		b.WriteString("\n")
		for i, btn := range row {
			if i > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "[%s]", btn.Text)
		}
	}
	return b.String()
}

// The admins' summary of a district's 89 tasks is one message a phone
// shows: the counts, five tasks with why and their buttons, and the rest
// behind a button that pages the same message in place; the leader's too.
// The log shows both as Telegram shows them, in Chinese and English.
func TestDistrictSummaryFitsOneMessage(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	if _, err := e.store.ImportTasks(context.Background(), append(sampleTasks(), districtTasks(t, 89)...), false); err != nil {
		t.Fatal(err)
	}
	e.handler.BoardURL = "https://board.example.gov/"
	e.handler.Rankings = true
	admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
	wang := e.users["王建国"]
	for _, lang := range []string{"zh", "en"} {
		for _, u := range []*telegramtest.User{admin, wang} {
			if lang == "en" && u == wang {
				e.next(wang, 1, func() { wang.SendText("/lang en") })
			}
			if lang == "en" && u == admin {
				// An admin who is on the list of people reads in their
				// chosen language.
				id := int64(adminID)
				if err := e.store.DB.Create(&models.Person{Key: "督查办", Name: "督查办", TelegramID: &id, Language: "en"}).Error; err != nil {
					t.Fatal(err)
				}
			}
			msgs := e.next(u, 2, func() { u.SendText("/summary") })
			sum := msgs[0]
			if msgs[1].Photo == nil {
				t.Fatalf("%s: a second text message after the summary: %q", u.FirstName(), msgs[1].Text)
			}
			if n := utf8.RuneCountInString(sum.Text); n > 4096 {
				t.Fatalf("%s's summary is %d characters", u.FirstName(), n)
			}
			t.Logf("%s's summary (%s, %d characters):\n%s", u.FirstName(), lang, utf8.RuneCountInString(sum.Text), transcript(sum))
			listed := 0
			for _, part := range strings.Split(sum.Text, "\n\n")[1:] {
				if strings.HasPrefix(part, "🔴") || strings.HasPrefix(part, "🟡") || strings.HasPrefix(part, "🟢") {
					listed++
				}
			}
			if listed != 5 {
				t.Fatalf("%s's summary lists %d tasks, want the five worst", u.FirstName(), listed)
			}
			if u != admin || lang != "zh" {
				continue
			}
			has(t, sum, "红灯", "人未绑定，收不到提醒", "逾期", "第 1/")
			more := buttonWith(t, sum, "还有 ")
			page2 := e.inPlace(admin, sum.ID, func() { e.press(admin, sum.ID, more) },
				func(m telegramtest.Msg) bool { return strings.Contains(m.Text, "第 2/") })
			if strings.Contains(page2.Text, "牵头单位") || strings.Contains(page2.Text, "人未绑定") {
				t.Fatalf("page 2 repeats what concerns the whole summary: %q", page2.Text)
			}
			for _, part := range strings.Split(page2.Text, "\n\n")[1:] {
				if head := strings.SplitN(part, "\n", 2)[0]; strings.Contains(sum.Text, head) {
					t.Fatalf("page 2 repeats %q", head)
				}
			}
			back := buttonWith(t, page2, "‹ ")
			e.inPlace(admin, sum.ID, func() { e.press(admin, sum.ID, back) },
				func(m telegramtest.Msg) bool { return m.Text == sum.Text })
		}
	}
}

// 催办 and 批示 under a task of the leader's summary do what /remind and
// /instruct do; 看板 opens that task's page of the board.
func TestSummaryTaskButtons(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	e.handler.BoardURL = "https://board.example.gov/"
	wang, liu := e.users["王建国"], e.users["刘洋"]
	sum := e.next(wang, 1, func() { wang.SendText("/summary") })[0]
	var board string
	for _, row := range sum.Buttons {
		for _, b := range row {
			if b.Text == "看板 T01" {
				board = b.WebApp
			}
		}
	}
	if board != "https://board.example.gov/?p=%2Fapp%2Ftask%2FT01" {
		t.Fatalf("board button opens %q", board)
	}
	var reminder telegramtest.Msg
	e.next(wang, 1, func() {
		reminder = e.next(liu, 1, func() { e.press(wang, sum.ID, buttonWith(t, sum, "催办 T01")) })[0]
	})
	has(t, reminder, "T01")
	has(t, wang.Messages()[len(wang.Messages())-1], "已向 T01", "已收到：刘洋")

	ask := e.next(wang, 1, func() { e.press(wang, sum.ID, buttonWith(t, sum, "批示 T01")) })[0]
	if !ask.ForceReply {
		t.Fatalf("批示 asks without a forced reply: %+v", ask)
	}
	has(t, ask, "T01")
	var instruction telegramtest.Msg
	e.next(wang, 1, func() {
		instruction = e.next(liu, 1, func() {
			if _, err := wang.ReplyTo(ask.ID, "本周内完成签约"); err != nil {
				t.Fatal(err)
			}
		})[0]
	})
	has(t, instruction, "领导批示", "王建国：本周内完成签约")
	has(t, wang.Messages()[len(wang.Messages())-1], "批示已发给 T01")
}

// forgePress forges a press of a button with data in from's private chat, on
// message 1, whatever buttons that message has: a client may send any
// callback data.
func (h *harness) forgePress(from userRef, data string) []string {
	h.t.Helper()
	h.update(func(u *tgmodels.Update) {
		u.CallbackQuery = &tgmodels.CallbackQuery{ID: "q-" + data, From: tgmodels.User{ID: from.id, FirstName: "U", LanguageCode: from.lang},
			Data: data, Message: tgmodels.MaybeInaccessibleMessage{Type: tgmodels.MaybeInaccessibleMessageTypeMessage,
				Message: &tgmodels.Message{ID: 1, Date: 1, Chat: private(from.id)}}}
	})
	return h.drain(from.id)
}

// Only a task's leaders (and admins, for 催办) may use a summary's task
// buttons; anyone else is refused and nothing is sent or recorded.
func TestSummaryButtonsRefuseOthers(t *testing.T) {
	storetest.Each(t, models.Options{Clock: storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)).Now}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu, wang := userRef{201, "zh-hans"}, userRef{202, "zh-hans"}
		h.say(liu, "/start "+h.invite("刘洋"))
		h.say(wang, "/start "+h.invite("王建国"))
		t1, err := models.TaskByCode(s.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		stranger := userRef{5555, "zh-hans"}
		for _, c := range []struct {
			name string
			who  userRef
			data string
			want string
		}{
			{"attendant reminds", liu, fmt.Sprintf("sr:%d", t1.Task.ID), "只有任务 T01 的包抓领导和管理员可以催办"},
			{"attendant instructs", liu, fmt.Sprintf("si:%d", t1.Task.ID), "只有任务 T01 的包抓领导可以作出批示"},
			{"leader of another task instructs", wang, fmt.Sprintf("si:%d", t1.Task.ID+1), "该按钮已失效"},
			{"leader of another task reminds", wang, fmt.Sprintf("sr:%d", t1.Task.ID+1), "该按钮已失效"},
			{"stranger pages", stranger, "sp:1", "邀请链接"},
			{"attendant resends invitations", liu, "ri:0", "只有管理员可以重发邀请"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var before struct{ outbox, invites, instructions, reminders int64 }
				s.DB.Model(&models.OutboxMessage{}).Count(&before.outbox)
				s.DB.Model(&models.Invite{}).Count(&before.invites)
				s.DB.Model(&models.Instruction{}).Count(&before.instructions)
				s.DB.Model(&models.Reminder{}).Count(&before.reminders)
				got := h.forgePress(c.who, c.data)
				mustContain(t, strings.Join(got, "\n"), c.want)
				mustNotContain(t, strings.Join(got, "\n"), "招商", "河道")
				var after struct{ outbox, invites, instructions, reminders int64 }
				s.DB.Model(&models.OutboxMessage{}).Count(&after.outbox)
				s.DB.Model(&models.Invite{}).Count(&after.invites)
				s.DB.Model(&models.Instruction{}).Count(&after.instructions)
				s.DB.Model(&models.Reminder{}).Count(&after.reminders)
				if after.outbox != before.outbox+1 || after.invites != before.invites || after.instructions != before.instructions || after.reminders != before.reminders {
					t.Fatalf("a refused press changed something: %+v → %+v", before, after)
				}
			})
		}
	})
}

// A leader's plain text that begins with the code of a task they lead is
// offered as an instruction: 发送 gives it as /instruct does, 取消 changes
// nothing, and the offer turns into what became of it. Text from anyone
// else, or on a task the leader does not lead, is answered as before.
func TestLeaderTextOffersInstruction(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	wang, liu := e.users["王建国"], e.users["刘洋"]
	instructions := func() int64 {
		var n int64
		e.store.DB.Model(&models.Instruction{}).Count(&n)
		return n
	}
	offer := e.next(wang, 1, func() { wang.SendText("T01 请加快土地报批") })[0]
	has(t, offer, "作为批示发送？", "T01", "请加快土地报批")
	send := buttonWith(t, offer, "发送")
	var instruction telegramtest.Msg
	e.next(liu, 1, func() {
		e.inPlace(wang, offer.ID, func() { e.press(wang, offer.ID, send) },
			func(m telegramtest.Msg) bool {
				return strings.Contains(m.Text, "批示已发给 T01") && len(m.Buttons) == 0
			})
	})
	instruction = liu.Messages()[len(liu.Messages())-1]
	has(t, instruction, "领导批示", "王建国：请加快土地报批")
	if n := instructions(); n != 1 {
		t.Fatalf("%d instructions after 发送", n)
	}

	offer = e.next(wang, 1, func() { wang.SendText("t01：周五前报告进展") })[0]
	e.inPlace(wang, offer.ID, func() { e.press(wang, offer.ID, buttonWith(t, offer, "取消")) },
		func(m telegramtest.Msg) bool { return strings.Contains(m.Text, "已取消") && len(m.Buttons) == 0 })
	if n := instructions(); n != 1 {
		t.Fatalf("取消 gave an instruction: %d", n)
	}

	for _, c := range []struct {
		who  *telegramtest.User
		text string
	}{{liu, "T01 请加快"}, {wang, "T02 请加快"}, {wang, "请加快 T01"}} {
		has(t, e.next(c.who, 1, func() { c.who.SendText(c.text) })[0], "要报告进展，请直接回复提醒消息")
	}
	if n := instructions(); n != 1 {
		t.Fatalf("%d instructions", n)
	}
}

// Only the leader who wrote the text may send it as an instruction.
func TestInstructionOfferIsTheWritersOnly(t *testing.T) {
	storetest.Each(t, models.Options{Clock: storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)).Now}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu, wang := userRef{201, "zh-hans"}, userRef{202, "zh-hans"}
		h.say(liu, "/start "+h.invite("刘洋"))
		h.say(wang, "/start "+h.invite("王建国"))
		mustContain(t, one(t, h.say(wang, "T01 请加快土地报批")), "作为批示发送？")
		var offer models.PendingReply
		if err := s.DB.Order("id DESC").Take(&offer).Error; err != nil {
			t.Fatal(err)
		}
		for _, data := range []string{fmt.Sprintf("ta:%d", offer.ID), fmt.Sprintf("tx:%d", offer.ID)} {
			mustContain(t, one(t, h.forgePress(liu, data)), "这个按钮不是给您的")
		}
		var n int64
		s.DB.Model(&models.Instruction{}).Count(&n)
		if err := s.DB.Take(&offer, offer.ID).Error; err != nil || n != 0 || offer.ResolvedAt != nil {
			t.Fatalf("another's press changed something: %d instructions, offer %+v, %v", n, offer, err)
		}
		got := h.forgePress(wang, fmt.Sprintf("ta:%d", offer.ID))
		mustContain(t, strings.Join(got, "\n"), "批示已发给 T01")
		s.DB.Model(&models.Instruction{}).Count(&n)
		if n != 1 {
			t.Fatalf("%d instructions after the writer's 发送", n)
		}
		mustContain(t, one(t, h.forgePress(wang, fmt.Sprintf("ta:%d", offer.ID))), "该按钮已失效")
		s.DB.Model(&models.Instruction{}).Count(&n)
		if n != 1 {
			t.Fatalf("%d instructions after 发送 pressed twice", n)
		}
	})
}

// Admins' daily summary says how many people are not bound, with a button
// that issues their invitations again; the links go to the admin, one per
// person, to pass on.
func TestAdminsSummaryResendsInvitations(t *testing.T) {
	storetest.Each(t, models.Options{Clock: storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)).Now}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu := userRef{201, "zh-hans"}
		h.say(liu, "/start "+h.invite("刘洋"))
		h.newTexts(adminID)
		sums := &bot.Summaries{Handler: h.proc.Handler.(*bot.Handler), Admins: map[int64]bool{adminID: true}}
		err := s.Tx(context.Background(), func(tx *gorm.DB) error {
			_, err := sums.AdminSummary(tx, adminID, "admin-summary:test")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var row models.OutboxMessage
		if err := s.DB.Where("idem_key = ?", "admin-summary:test.0").Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		out, err := row.Outgoing()
		if err != nil {
			t.Fatal(err)
		}
		// 王建国, 李明 and 孙丽 never opened their invitation.
		mustContain(t, out.Text, "3 人未绑定，收不到提醒")
		if len(out.Buttons) == 0 || out.Buttons[0][0].Text != "重发邀请（3 人）" || out.Buttons[0][0].Data != "ri:0" {
			t.Fatalf("admin summary buttons %+v", out.Buttons)
		}
		h.newTexts(adminID)
		var before int64
		s.DB.Model(&models.Invite{}).Where("revoked_at IS NULL AND used_at IS NULL").Count(&before)
		got := strings.Join(h.forgePress(userRef{adminID, "zh-hans"}, "ri:0"), "\n")
		mustContain(t, got, "已为 3 人重新生成邀请链接（7 天内有效", "王建国\nhttps://t.me/taskbot_demo_bot?start=",
			"李明\nhttps://t.me/taskbot_demo_bot?start=", "孙丽\nhttps://t.me/taskbot_demo_bot?start=")
		mustNotContain(t, got, "刘洋")
		var open int64
		s.DB.Model(&models.Invite{}).Where("revoked_at IS NULL AND used_at IS NULL").Count(&open)
		if open != 3 {
			t.Fatalf("%d invitations open after resending (%d before)", open, before)
		}
	})
}

// A page is the presser's own summary as it stands: whatever message the
// button was on, nobody pages into tasks they may not see.
func TestSummaryPageShowsThePressersTasksOnly(t *testing.T) {
	storetest.Each(t, models.Options{Clock: storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)).Now}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		sun := userRef{203, "zh-hans"}
		h.say(sun, "/start "+h.invite("孙丽"))
		page := strings.Join(h.forgePress(sun, "sp:0"), "\n")
		// 孙丽 is on the green T02 only; the red T01 is not hers.
		mustContain(t, page, "🔴 0 红灯 · 🟡 0 黄灯 · 🟢 1 绿灯")
		mustNotContain(t, page, "T01", "招商")
		all := strings.Join(h.forgePress(userRef{adminID, "zh-hans"}, "sp:0"), "\n")
		mustContain(t, all, "🔴 1 红灯 · 🟡 0 黄灯 · 🟢 1 绿灯", "T01")
		var edits int64
		s.DB.Model(&models.OutboxMessage{}).Where("kind = ? AND purpose = ?", models.OutEditText, models.PurposeSummary).Count(&edits)
		if edits != 2 {
			t.Fatalf("%d summary pages edited in place, want 2", edits)
		}
	})
}
