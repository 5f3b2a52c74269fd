package bot_test

import (
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

// A leader records a front-line visit in chat: kind by button, findings by
// a forced reply (asked again when unreadable), a forwarded location
// refused, a photo and a live location kept, then saved; the finding that
// needs coordination becomes a coordination request and the visit shows in
// the task's history. A second visit, to no task, goes without location.
// Someone who leads no task is refused.
func TestFrontLineVisitInChat(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(testing.TB, models.Options) *models.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			e := startE2E(t, db.open)
			liu, wang, sun := e.users["刘洋"], e.users["王建国"], e.users["孙丽"]
			has(t, e.next(liu, 1, func() { liu.SendText("/visit T01") })[0], "由任务的包抓领导记录")
			has(t, e.next(wang, 1, func() { wang.SendText("/visit T02") })[0], "T02 不是您包抓的任务")
			var drafts int64
			if e.store.DB.Model(&models.Visit{}).Count(&drafts); drafts != 0 {
				t.Fatalf("%d visits after refusals", drafts)
			}

			// T01's list gives its site, about 330 m north of where the
			// visit's location will be.
			if err := e.store.DB.Exec("UPDATE tasks SET site_lat = 31.2334, site_lon = 121.4737 WHERE code = 'T01'").Error; err != nil {
				t.Fatal(err)
			}
			kinds := e.next(wang, 1, func() { wang.SendText("/visit T01") })[0]
			has(t, kinds, "走一线", "T01", "请选择类型")
			if len(kinds.Buttons) != 5 || kinds.Buttons[0][0].Text != "现场督导" {
				t.Fatalf("kind buttons %+v", kinds.Buttons)
			}
			ask := e.next(wang, 1, func() { e.press(wang, kinds.ID, kinds.Buttons[0][0].CallbackData) })[0]
			has(t, ask, "发现和解决的问题")
			if !ask.ForceReply {
				t.Fatal("findings not asked with a forced reply")
			}
			again := e.next(wang, 2, func() {
				if _, err := wang.ReplyTo(ask.ID, "路面破损"); err != nil {
					t.Fatal(err)
				}
			})
			has(t, again[0], "第 1 行没有以“发现”")
			var findings int64
			if e.store.DB.Model(&models.VisitFinding{}).Count(&findings); findings != 0 || !again[1].ForceReply {
				t.Fatalf("unreadable findings kept %d, asked again %v", findings, again[1].ForceReply)
			}
			where := e.next(wang, 1, func() {
				if _, err := wang.ReplyTo(again[1].ID, "发现：用地手续滞后\n已解决：协调电力接入\n需协调：规划调整"); err != nil {
					t.Fatal(err)
				}
			})[0]
			has(t, where, "均为可选，不是打卡")
			if kb := where.ReplyKeyboard; len(kb) != 1 || len(kb[0]) != 2 || !kb[0][0].RequestLocation || kb[0][1].Text != "跳过" {
				t.Fatalf("location keyboard %+v", where.ReplyKeyboard)
			}
			has(t, e.next(wang, 1, func() {
				if _, err := wang.ForwardLocation(sun, 31.2, 121.4); err != nil {
					t.Fatal(err)
				}
			})[0], "转发的位置不能作为")
			var v models.Visit
			if err := e.store.DB.Take(&v).Error; err != nil || v.Lat != nil {
				t.Fatalf("draft after a forwarded location %+v %v", v, err)
			}
			has(t, e.next(wang, 1, func() {
				if _, err := wang.SendPhoto("", 0); err != nil {
					t.Fatal(err)
				}
			})[0], "已附佐证 1 份")
			card := e.next(wang, 2, func() {
				if _, err := wang.SendLocation(31.2304, 121.4737, 15*time.Minute, 0); err != nil {
					t.Fatal(err)
				}
			})
			if !card[0].RemoveKeyboard {
				t.Error("the location keyboard stays after the location")
			}
			has(t, card[1], "走一线 · 现场督导", "用地手续滞后", "协调电力接入", "规划调整", "实时位置的首个点，共享 15 分钟", "照片/文件：1",
				"距 T01 项目约 330 m（仅供参考）")
			saved := e.next(wang, 1, func() { e.press(wang, card[1].ID, card[1].Buttons[0][0].CallbackData) })[0]
			has(t, saved, "走一线已记录：发现问题 1，现场解决 1", "1 项已转为协调事项")
			var c models.CoordinationRequest
			if err := e.store.DB.Take(&c).Error; err != nil || c.Text != "规划调整" || c.State != models.CoordinationOpen {
				t.Fatalf("coordination request %+v %v", c, err)
			}
			if answer := e.press(wang, card[1].ID, card[1].Buttons[0][0].CallbackData); answer == "" {
				t.Error("saving twice answered nothing")
			}
			task := e.next(wang, 1, func() { wang.SendText("/task T01") })[0]
			has(t, task, "走一线", "王建国 · 现场督导 · 发现1 · 解决1 · 需协调1", "需协调 规划调整")

			// To no task, without location: skipped.
			e.advance(time.Hour)
			kinds = e.next(wang, 1, func() { wang.SendText("/visit") })[0]
			has(t, kinds, "不涉及具体任务")
			ask = e.next(wang, 1, func() { e.press(wang, kinds.ID, kinds.Buttons[1][0].CallbackData) })[0]
			e.next(wang, 1, func() {
				if _, err := wang.ReplyTo(ask.ID, "发现：企业用工缺口"); err != nil {
					t.Fatal(err)
				}
			})
			card = e.next(wang, 2, func() { wang.SendText("跳过") })
			has(t, card[1], "走访企业/招商", "位置：未提供", "企业用工缺口")
			has(t, e.next(wang, 1, func() { e.press(wang, card[1].ID, card[1].Buttons[0][0].CallbackData) })[0], "走一线已记录")
			var saved2 int64
			e.store.DB.Model(&models.Visit{}).Where("state = ? AND lat IS NULL", models.VisitSaved).Count(&saved2)
			if saved2 != 1 {
				t.Fatalf("%d saved visits without location, want 1", saved2)
			}
			// A location with no visit being written is not kept.
			has(t, e.next(wang, 1, func() {
				if _, err := wang.SendLocation(31, 121, 0, 0); err != nil {
					t.Fatal(err)
				}
			})[0], "没有正在填写的走一线")
		})
	}
}
