package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
	"taskbot/models/storetest"
)

// Bad /commit input is answered and issues nothing; only admins issue.
// Buttons of a commitment pressed by anyone but its leader read like
// expired ones and record nothing; the leader's confirmation signs only
// with the fingerprint shown.
func TestCommitmentRefusals(t *testing.T) {
	storetest.Each(t, models.Options{Clock: func() time.Time { return time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC) }},
		func(t *testing.T, s *models.Store) {
			h := newHarness(t, s)
			liu, wang, admin := userRef{id: 101}, userRef{id: 103}, userRef{id: adminID}
			h.say(liu, "/start "+h.invite("刘洋"))
			h.say(wang, "/start "+h.invite("王建国"))
			versions := func() int64 {
				var n int64
				s.DB.Model(&models.CommitmentVersion{}).Count(&n)
				return n
			}
			for _, tc := range []struct {
				who  userRef
				text string
				want string
			}{
				{wang, "/commit 全部", "只有管理员可以下发责任书"},
				{liu, "/commit 王建国", "只有管理员可以下发责任书"},
				{admin, "/commit 王建国 李明", "一次只能写一位领导或“全部”：“李明”多余"},
				{admin, "/commit 全部 1999", "没有考核期“1999”"},
				{admin, "/commit 赵六", "没有名为“赵六”的人员"},
				{admin, "/commit 刘洋", "刘洋 没有包抓的在办任务"},
				{admin, "/commit " + strings.Repeat("长", 300), "命令太长"},
			} {
				mustContain(t, one(t, h.say(tc.who, tc.text)), tc.want)
				if n := versions(); n != 0 {
					t.Fatalf("%q issued %d versions", tc.text, n)
				}
			}
			h.say(admin, "/commit 全部")
			h.drain(wang.id)
			leader, err := models.PersonByKey(s.DB, "王建国")
			if err != nil {
				t.Fatal(err)
			}
			v, err := models.CurrentCommitment(s.DB, leader.ID, "2026")
			if err != nil || v == nil {
				t.Fatalf("issued: %v, %v", v, err)
			}
			press := func(who userRef, data string) []string {
				h.update(func(u *tgmodels.Update) {
					u.CallbackQuery = &tgmodels.CallbackQuery{ID: fmt.Sprintf("q%d-%s", who.id, data), From: tgmodels.User{ID: who.id, FirstName: "S"}, Data: data}
				})
				return h.drain(who.id)
			}
			fp := v.Fingerprint[:models.MinSignedFingerprint]
			for _, data := range []string{fmt.Sprintf("ks:%d", v.ID), fmt.Sprintf("ko:%d", v.ID), fmt.Sprintf("kc:%d:%s", v.ID, fp),
				"ks:99999", "kc:99999:" + fp, "kc:", "ks:abc", fmt.Sprintf("kc:%d", v.ID)} {
				for _, text := range press(liu, data) {
					mustNotContain(t, text, "责任书", "指纹", "签订")
				}
			}
			var forced int64
			s.DB.Model(&models.OutboxMessage{}).Where("chat_id = ? AND payload LIKE ?", liu.id, "%force_reply%").Count(&forced)
			signatures := func() int64 {
				var n int64
				s.DB.Model(&models.CommitmentEvent{}).Count(&n)
				return n
			}
			if forced != 0 || signatures() != 0 {
				t.Fatalf("forged buttons: %d questions, %d events", forced, signatures())
			}
			mustContain(t, strings.Join(press(wang, fmt.Sprintf("kc:%d:%s", v.ID, strings.Repeat("0", 32))), "\n"), "文本指纹不符")
			mustContain(t, strings.Join(press(wang, fmt.Sprintf("kc:%d:%s", v.ID, fp[:16])), "\n"), "文本指纹不符")
			if n := signatures(); n != 0 {
				t.Fatalf("a wrong fingerprint signed: %d", n)
			}
			mustContain(t, strings.Join(press(wang, fmt.Sprintf("kc:%d:%s", v.ID, fp)), "\n"), "已签订", "文本指纹："+v.Fingerprint)
			if n := signatures(); n != 1 {
				t.Fatalf("%d signatures, want 1", n)
			}
		})
}
