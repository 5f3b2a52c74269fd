package web_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
)

var rowLink = regexp.MustCompile(`data-code="([^"]*)"[^>]*>\s*<a data-nav href="([^"]*)"`)

// A task's link on the board opens that task's page whatever its code
// holds: '/', '?', '#' and '%' are escaped in the link and unescaped by the
// route, so none opens nothing, or another task ("D%41" is not "DA").
func TestTaskLinksWithURICharacters(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, store *models.Store) {
		w := newWorld(t, store, clock)
		due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
		task := func(code, title, leader string) models.TaskSpec {
			return models.TaskSpec{Code: code, Title: title, Department: "区发改局", Leaders: []models.PersonSpec{{Name: leader}},
				Attendants: []models.PersonSpec{{Name: "杨帆"}}, Milestones: []models.MilestoneSpec{{Seq: 1, Title: title + "节点", Due: due}}}
		}
		titles := map[string]string{"A/1": "斜杠任务", "B?2": "问号任务", "C#3": "井号任务", "D%41": "百分号任务", "T%30%31": "像T01的任务",
			"..": "点点任务", "E 5": "空格任务"}
		specs := []models.TaskSpec{task("DA", "别人的任务", "赵敏")}
		for code, title := range titles {
			specs = append(specs, task(code, title, "王建国"))
		}
		if _, err := store.ImportTasks(context.Background(), specs, false); err != nil {
			t.Fatal(err)
		}
		base := w.serve(t)
		leader := w.initData(t, leaderTG, "zh-hans")
		board := get(t, base, "/app/board", leader)
		if board.status != http.StatusOK {
			t.Fatalf("board: %d", board.status)
		}
		links := map[string]string{}
		for _, m := range rowLink.FindAllStringSubmatch(board.body, -1) {
			links[html.UnescapeString(m[1])] = html.UnescapeString(m[2])
		}
		for code, title := range titles {
			href, ok := links[code]
			if !ok {
				t.Errorf("no link for %q on the board", code)
				continue
			}
			page := get(t, base, href, leader)
			if page.status != http.StatusOK || !strings.Contains(page.body, title) {
				t.Errorf("link %q of task %q: status %d, page of %q: %t", href, code, page.status, title, strings.Contains(page.body, title))
			}
		}
	})
}
