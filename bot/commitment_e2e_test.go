package bot_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"taskbot/models"
	"taskbot/telegramtest"
)

// lastAnswer is the bot's latest answer to a press of u's.
func (e *e2e) lastAnswer(u *telegramtest.User, n int) string {
	e.t.Helper()
	var text string
	e.waitFor("callback answered", func(st *telegramtest.State) bool {
		var mine []telegramtest.CallbackAnswer
		for _, a := range st.CallbackAnswers() {
			if a.UserID == u.ID() {
				mine = append(mine, a)
			}
		}
		if len(mine) < n {
			return false
		}
		text = mine[n-1].Text
		return true
	})
	return text
}

// An admin issues the commitments; the leader gets the summary and the
// PDF, protected, with 阅读并签订 and 提出异议; signing asks once more with
// the fingerprint, the receipt names the time and the fingerprint and is
// pinned; a double tap signs once; a revision supersedes the signed
// version and is offered anew, the old version's button points to it; an
// objection reaches the admins; the admins read the progress.
func TestCommitmentSignedInChat(t *testing.T) {
	eachDB(t, testCommitmentSignedInChat)
}

func testCommitmentSignedInChat(t *testing.T, open opener) {
	e := startE2E(t, open)
	wang, liu := e.users["王建国"], e.users["刘洋"]
	admin := e.srv.NewUser(adminID, "督查办", "zh-hans")

	refused := e.next(wang, 1, func() { wang.SendText("/commit 全部") })[0]
	has(t, refused, "只有管理员")

	issued := e.next(admin, 2, func() { admin.SendText("/commit 全部") })
	has(t, issued[0], "已下发 2026 责任书", "新版本 2 份", "送达待签 1 份", "李明")
	has(t, issued[1], "签订进度 0/2（2026）", "未签：李明、王建国")

	offer := e.wait(wang, 4)[2:]
	leader, err := models.PersonByKey(e.store.DB, "王建国")
	if err != nil {
		t.Fatal(err)
	}
	v1, err := models.CurrentCommitment(e.store.DB, leader.ID, "2026")
	if err != nil || v1 == nil {
		t.Fatalf("version issued: %+v, %v", v1, err)
	}
	short := models.ShortFingerprint(v1.Fingerprint)
	has(t, offer[0], "王建国，请阅读并签订《2026 年度重点任务目标责任书》（第1版）", "包抓任务 1 项、节点 2 个", "文本指纹 "+short)
	doc := offer[1]
	if doc.Document == nil || !bytes.HasPrefix(doc.Document.Data, []byte("%PDF-")) || !doc.Protected {
		t.Fatalf("the PDF: document %v, protected %v", doc.Document != nil, doc.Protected)
	}
	if !strings.Contains(doc.Caption, v1.Fingerprint) || len(doc.Buttons) != 1 || len(doc.Buttons[0]) != 2 ||
		doc.Buttons[0][0].Text != "阅读并签订" || doc.Buttons[0][1].Text != "提出异议" {
		t.Fatalf("the PDF's caption %q and buttons %+v", doc.Caption, doc.Buttons)
	}
	if len(liu.Messages()) != 1 {
		t.Fatalf("an attendant got %d messages: commitments are the leaders'", len(liu.Messages()))
	}

	confirm := e.pressFor(wang, doc, doc.Buttons[0][0].CallbackData)
	has(t, confirm, "文本指纹 "+short+"，确认签订？")
	if len(confirm.Buttons) != 1 || confirm.Buttons[0][0].Text != "确认签订" {
		t.Fatalf("confirmation buttons %+v", confirm.Buttons)
	}
	sign := confirm.Buttons[0][0].CallbackData
	receipt := e.pressFor(wang, confirm, sign)
	has(t, receipt, "✅ 已签订《2026 年度重点任务目标责任书》第1版", "签订时间：2026-11-23 08:", "Asia/Shanghai", "文本指纹："+v1.Fingerprint)
	e.waitFor("receipt pinned", func(st *telegramtest.State) bool { return slices.Equal(st.Pinned(wang.ID()), []int{receipt.ID}) })
	e.advance(0)
	if n := len(wang.Messages()); n != 6 {
		t.Fatalf("%d messages to the leader after signing, want 6 (the pin's notice answered nothing)", n)
	}
	if _, err := wang.Press(doc.ID, doc.Buttons[0][0].CallbackData); err != nil {
		t.Fatal(err)
	}
	if got := e.lastAnswer(wang, 3); !strings.Contains(got, "您已于 2026-11-23 08:") {
		t.Fatalf("a second press answered %q", got)
	}
	var signatures []models.CommitmentEvent
	e.store.DB.Where("kind = ?", models.CommitmentSignedEvent).Find(&signatures)
	if len(signatures) != 1 || signatures[0].TelegramUserID != wang.ID() || signatures[0].UpdateID == 0 || signatures[0].Method != models.ViaChat {
		t.Fatalf("signatures %+v", signatures)
	}
	progress := e.next(admin, 1, func() { admin.SendText("/commit") })[0]
	has(t, progress, "签订进度 1/2（2026）", "未签：李明")

	// T01 gains a milestone: issuing again supersedes the signed version.
	list := sampleTasks()
	list[0].Milestones = append(list[0].Milestones, models.MilestoneSpec{Seq: 3, Title: "投产", Due: utcDay(2026, 12, 20)})
	if _, err := e.store.ImportTasks(t.Context(), list, false); err != nil {
		t.Fatal(err)
	}
	reissued := e.next(admin, 2, func() { admin.SendText("/commit 王建国") })
	has(t, reissued[0], "新版本 1 份", "送达待签 1 份")
	has(t, reissued[1], "签订进度 0/2")
	second := e.wait(wang, 8)[6:]
	has(t, second[0], "（第2版）", "节点 3 个", "本版取代第1版，需重新签订")
	old := e.pressFor(wang, doc, doc.Buttons[0][1].CallbackData)
	has(t, old, "第1版已被第2版", "取代，不能再签订")
	if len(old.Buttons) != 1 || old.Buttons[0][0].CallbackData != second[1].Buttons[0][0].CallbackData {
		t.Fatalf("the pointer to the current version: %+v, want %+v", old.Buttons, second[1].Buttons)
	}

	ask := e.pressFor(wang, second[1], second[1].Buttons[0][1].CallbackData)
	has(t, ask, "写明对《2026 年度重点任务目标责任书》第2版的异议")
	if !ask.ForceReply {
		t.Fatal("the objection is not asked with a forced reply")
	}
	sent := e.next(wang, 1, func() {
		if _, err := wang.ReplyTo(ask.ID, "T01 节点3 时限太紧 <应为明年>"); err != nil {
			t.Fatal(err)
		}
	})[0]
	has(t, sent, "异议已转交督查办")
	told := e.wait(admin, 6)[5]
	has(t, told, "王建国 对《2026 年度重点任务目标责任书》第2版", "T01 节点3 时限太紧 <应为明年>")
	progress = e.next(admin, 1, func() { admin.SendText("/commit 2026") })[0]
	has(t, progress, "签订进度 0/2（2026）", "有异议：王建国", "未签：李明")
}
