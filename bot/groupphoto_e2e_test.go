package bot_test

import (
	"testing"
	"time"

	"taskbot/models"
	"taskbot/telegramtest"
)

// In a work group, a photo with a caption is a report with the photo as
// its evidence: replying to the task's reminder, or with /report@bot in
// the caption. A photo replying to the reminder without a caption is
// asked for the report, and stores nothing.
func TestPhotoWithCaptionReportsInTheGroup(t *testing.T) {
	eachDB(t, func(t *testing.T, open opener) {
		e := startE2E(t, open)
		liu, wang := e.users["刘洋"], e.users["王建国"]
		forum := e.forumFor(-1001000000009, liu)
		topic := forum.Topics()[0].ID
		e.inGroup(forum, 1, func() { forum.SendText(wang, "/delivery"+e.bot()+" T01 group") })
		e.tick()
		e.advance(time.Hour + time.Minute) // Monday 09:01
		reminder := e.inGroup(forum, 1, e.tick)[0]
		has(t, reminder, "T01", "请 刘洋 报告进展")

		evidence := func(r models.Report) []models.Attachment {
			var as []models.Attachment
			if err := e.store.DB.Where("report_id = ?", r.ID).Find(&as).Error; err != nil {
				t.Fatal(err)
			}
			return as
		}
		latest := func() models.Report {
			var r models.Report
			if err := e.store.DB.Order("id DESC").Take(&r).Error; err != nil {
				t.Fatal(err)
			}
			return r
		}

		reports := e.reports()
		asked := e.inGroup(forum, 1, func() {
			if _, err := forum.Post(telegramtest.GroupPost{From: liu, Photo: true, ReplyTo: reminder.ID}); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, asked, "请在照片或文件的说明里写上节点和状态")
		if e.reports() != reports {
			t.Fatal("a photo without a caption stored a report")
		}

		ack := e.inGroup(forum, 1, func() {
			if _, err := forum.Post(telegramtest.GroupPost{From: liu, Photo: true, Text: "1 60% 现场已开工", ReplyTo: reminder.ID}); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, ack, "已记录", "节点1", "60%")
		if ack.ThreadID != topic {
			t.Fatalf("acknowledgement in thread %d, want %d", ack.ThreadID, topic)
		}
		r := latest()
		if as := evidence(r); len(as) != 1 || as[0].Kind != "photo" || as[0].FileID == "" || r.Note != "现场已开工" {
			t.Fatalf("report %+v with evidence %+v", r, as)
		}

		ack = e.inGroup(forum, 1, func() {
			post := telegramtest.GroupPost{From: liu, Photo: true, Text: "/report" + e.bot() + " T01 2 30% 签约材料", ThreadID: topic}
			if _, err := forum.Post(post); err != nil {
				t.Fatal(err)
			}
		})[0]
		has(t, ack, "已记录", "节点2", "30%")
		r = latest()
		if m := e.milestone("T01", 2); m.Percent != 30 {
			t.Fatalf("milestone 2 after the captioned /report: %+v", m)
		}
		if as := evidence(r); len(as) != 1 || as[0].Kind != "photo" {
			t.Fatalf("captioned /report kept evidence %+v", as)
		}
	})
}
