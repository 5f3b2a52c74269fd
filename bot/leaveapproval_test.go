package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
)

// press sends a button press from a user and returns the answer shown.
func (h *harness) press(from userRef, data string) string {
	h.t.Helper()
	h.update(func(u *tgmodels.Update) {
		u.CallbackQuery = &tgmodels.CallbackQuery{ID: fmt.Sprintf("q%d", h.nextID), From: tgmodels.User{ID: from.id, FirstName: "X"}, Data: data}
	})
	if _, err := h.proc.Drain(context.Background(), nil); err != nil {
		h.t.Fatal(err)
	}
	var r models.OutboxMessage
	if err := h.store.DB.Where("kind = ? AND chat_id = ?", models.OutAnswerCallback, from.id).Order("id DESC").Take(&r).Error; err != nil {
		h.t.Fatal(err)
	}
	o, err := r.Outgoing()
	if err != nil {
		h.t.Fatal(err)
	}
	return o.Text
}

// With approval on, a leave waits: the leader of the person's task and the
// admins are asked with buttons; the person and another attendant may not
// decide it; until approved the person is still reminded; the leader's
// approval stops the reminders and tells the person; a second decision is
// refused.
func TestLeaveWaitsForApproval(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		h.proc.Handler.(*bot.Handler).LeaveApproval = true
		liu, wang, sun, admin := userRef{id: 101}, userRef{id: 102}, userRef{id: 103}, userRef{id: adminID}
		h.say(liu, "/start "+h.invite("刘洋"))
		h.say(wang, "/start "+h.invite("王建国"))
		h.say(sun, "/start "+h.invite("孙丽"))

		got := one(t, h.say(liu, "/leave 今天 出差"))
		if !strings.Contains(got, "待审批") {
			t.Fatalf("leave with approval on answered %q", got)
		}
		var l models.Leave
		if err := s.DB.Take(&l).Error; err != nil || !l.AwaitingApproval {
			t.Fatalf("leave %+v, %v: want awaiting approval", l, err)
		}
		for _, who := range []userRef{wang, admin} {
			ask := h.newTexts(who.id)
			if len(ask) != 1 || !strings.Contains(ask[0], "刘洋 申请请假") {
				t.Fatalf("approver %d asked %q", who.id, ask)
			}
		}
		if got := h.newTexts(sun.id); len(got) != 0 {
			t.Fatalf("an attendant of another task was asked: %q", got)
		}

		for _, who := range []userRef{liu, sun} {
			if answer := h.press(who, fmt.Sprintf("la:%d", l.ID)); !strings.Contains(answer, "只有管理员") {
				t.Fatalf("press by %d answered %q", who.id, answer)
			}
		}
		if s.DB.Take(&l, l.ID); !l.AwaitingApproval || l.CancelledAt != nil {
			t.Fatalf("leave %+v after refused presses", l)
		}

		reminded := func() bool {
			h.say(wang, "/remind T01")
			for _, text := range h.newTexts(liu.id) {
				if strings.Contains(text, "T01") {
					return true
				}
			}
			return false
		}
		if !reminded() {
			t.Fatal("a leave awaiting approval stopped the reminder")
		}
		if answer := h.press(wang, fmt.Sprintf("la:%d", l.ID)); !strings.Contains(answer, "已批准 刘洋") {
			t.Fatalf("the leader's approval answered %q", answer)
		}
		told := h.newTexts(liu.id)
		if len(told) != 1 || !strings.Contains(told[0], "已获 王建国 批准") {
			t.Fatalf("the person was told %q", told)
		}
		if reminded() {
			t.Fatal("reminded while on approved leave")
		}
		if answer := h.press(admin, fmt.Sprintf("lr:%d", l.ID)); !strings.Contains(answer, "已经处理过了") {
			t.Fatalf("a second decision answered %q", answer)
		}
	})
}

// A deputy's /close for the task of the person they stand in for is
// refused unless the deployment allows it (--deputy-close-out); allowed,
// it reaches the leader.
func TestDeputyCloseOutSetting(t *testing.T) {
	for _, allowed := range []bool{false, true} {
		t.Run(fmt.Sprintf("allowed=%v", allowed), func(t *testing.T) {
			storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
				h := newHarness(t, s)
				h.proc.Handler.(*bot.Handler).DeputyCloseOut = allowed
				liu, wang, sun := userRef{id: 101}, userRef{id: 102}, userRef{id: 103}
				h.say(liu, "/start "+h.invite("刘洋"))
				h.say(wang, "/start "+h.invite("王建国"))
				h.say(sun, "/start "+h.invite("孙丽"))
				if err := s.DB.Exec("UPDATE people SET department = '区发改局' WHERE key IN ('刘洋', '孙丽')").Error; err != nil {
					t.Fatal(err)
				}
				h.say(liu, "/report T01 1 完成")
				h.say(liu, "/report T01 2 完成")
				h.say(liu, "/leave 今天 出差 代报 孙丽")
				h.newTexts(sun.id)
				h.newTexts(wang.id)
				got := one(t, h.say(sun, "/close T01"))
				var n int64
				s.DB.Model(&models.CloseRequest{}).Count(&n)
				if !allowed {
					if !strings.Contains(got, "只有任务 T01 的专班联络员和责任人可以申请销号") || n != 0 {
						t.Fatalf("a deputy's /close, not allowed: %q, %d requests", got, n)
					}
					return
				}
				if !strings.Contains(got, "已向 T01 的包抓领导提交销号申请") || n != 1 {
					t.Fatalf("a deputy's /close, allowed: %q, %d requests", got, n)
				}
				if asked := h.newTexts(wang.id); len(asked) != 1 || !strings.Contains(asked[0], "销号申请 T01") {
					t.Fatalf("the leader got %q", asked)
				}
			})
		})
	}
}
