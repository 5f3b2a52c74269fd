package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/report"
	"taskbot/web"
)

type answer struct {
	status int
	body   string
	header http.Header
}

func get(t *testing.T, base, path, initData string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if initData != "" {
		req.Header.Set(web.InitDataHeader, initData)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{res.StatusCode, string(b), res.Header}
}

var rowCode = regexp.MustCompile(`<li class="row light-(\w+)" data-code="(\w+)"`)

// rows lists the board's rows as "T01:red".
func rows(body string) []string {
	var out []string
	for _, m := range rowCode.FindAllStringSubmatch(body, -1) {
		out = append(out, m[2]+":"+m[1])
	}
	return out
}

var (
	rowStart = regexp.MustCompile(`<li class="row [^"]*" data-code="([^"]*)"`)
	reasonIn = regexp.MustCompile(`data-reason="\w+">([^<]*)<`)
)

// cardReasons are the reasons each card of the board gives, by task code.
func cardReasons(body string) map[string]string {
	out := map[string]string{}
	starts := rowStart.FindAllStringSubmatchIndex(body, -1)
	for i, m := range starts {
		end := len(body)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		var why []string
		for _, r := range reasonIn.FindAllStringSubmatch(body[m[1]:end], -1) {
			why = append(why, r[1])
		}
		out[body[m[2]:m[3]]] = strings.Join(why, " ")
	}
	return out
}

func TestBoardAccess(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, store *models.Store) {
		w := newWorld(t, store, clock)
		w.rankings = true
		base := w.serve(t)
		leader, attendant, other := w.initData(t, leaderTG, "zh-hans"), w.initData(t, attendantTG, "zh-hans"), w.initData(t, otherTG, "en")
		admin, stranger := w.initData(t, adminTG, "zh-hans"), w.initData(t, strangerTG, "zh-hans")

		board := []struct {
			name, initData, query string
			want                  string
		}{
			{"leader sees their tasks worst first", leader, "", "T01:red T02:yellow T03:green"},
			{"attendant sees the task they report on", attendant, "", "T01:red"},
			{"attendant of another department", other, "", "T04:red T02:yellow T03:green"},
			{"admin sees every task", admin, "", "T01:red T04:red T02:yellow T03:green"},
			{"by department", leader, "?dept=" + "区商务局", "T02:yellow T03:green"},
			{"by light", admin, "?light=red", "T01:red T04:red"},
			{"by leader", admin, "?leader=" + "赵敏", "T04:red"},
			{"by category", admin, "?cat=" + "经济发展", "T01:red"},
			{"search by title", admin, "?q=" + "小区", "T02:yellow"},
			{"search by code", admin, "?q=t03", "T03:green"},
		}
		for _, tc := range board {
			t.Run(tc.name, func(t *testing.T) {
				a := get(t, base, "/app/board"+tc.query, tc.initData)
				if a.status != http.StatusOK {
					t.Fatalf("status %d: %s", a.status, a.body)
				}
				if got := strings.Join(rows(a.body), " "); got != tc.want {
					t.Fatalf("rows %q, want %q", got, tc.want)
				}
			})
		}

		t.Run("each card says why it is red or yellow", func(t *testing.T) {
			for _, tc := range []struct {
				initData string
				want     map[string]string
			}{
				{leader, map[string]string{"T01": "逾期 5 天 待协调", "T02": "剩 2 天", "T03": ""}},
				{other, map[string]string{"T04": "3 days overdue", "T02": "2 days left", "T03": ""}},
			} {
				got := cardReasons(get(t, base, "/app/board", tc.initData).body)
				if len(got) != len(tc.want) {
					t.Errorf("reasons %q, want %q", got, tc.want)
				}
				for code, want := range tc.want {
					if got[code] != want {
						t.Errorf("%s: reasons %q, want %q", code, got[code], want)
					}
				}
			}
		})
		t.Run("pages say their language", func(t *testing.T) {
			for _, tc := range []struct{ path, initData, want string }{
				{"/app/board", leader, "zh-CN"}, {"/app/board", other, "en"}, {"/app/task/T04", other, "en"},
				{"/app/task/T04", attendant, "zh-CN"}, {"/app/board", "", "zh-CN"}, // the bilingual 401
			} {
				if got := get(t, base, tc.path, tc.initData).header.Get("Content-Language"); got != tc.want {
					t.Errorf("%s: Content-Language %q, want %q", tc.path, got, tc.want)
				}
			}
		})
		t.Run("a refusal leads back to the board", func(t *testing.T) {
			for _, tc := range []struct{ path, initData, want string }{
				{"/app/board", stranger, "返回看板"}, {"/app/task/T04", attendant, "返回看板"},
				{"/app/task/T99", other, "Back to the board"}, {"/app/ranking", leader, "返回看板"},
			} {
				a := get(t, base, tc.path, tc.initData)
				back := regexp.MustCompile(`<a class="back" data-nav href="/app/board">← ([^<]*)</a>`).FindStringSubmatch(a.body)
				if a.status != http.StatusForbidden || back == nil || back[1] != tc.want {
					t.Errorf("%s: status %d, back link %q, want %q", tc.path, a.status, back, tc.want)
				}
			}
		})
		t.Run("dates are kept on one line", func(t *testing.T) {
			timeEl := regexp.MustCompile(`<time[^>]*>[^<]*</time>`)
			dateLike := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
			for _, path := range []string{"/app/board", "/app/task/T01"} {
				body := get(t, base, path, leader).body
				if !strings.Contains(body, "<time") {
					t.Fatalf("%s shows no <time>", path)
				}
				if rest := timeEl.ReplaceAllString(body, ""); dateLike.MatchString(rest) {
					t.Errorf("%s: a date outside <time>: %q", path, dateLike.FindString(rest))
				}
			}
		})
		t.Run("forged, missing or old initData is 401", func(t *testing.T) {
			forged := strings.Replace(leader, "hash=", "hash=00", 1)
			stale, err := web.SignInitData(token, web.WebAppUser{ID: leaderTG, FirstName: "x"}, w.now.Add(-25*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{forged, "", stale} {
				for _, path := range []string{"/app/board", "/app/task/T01", "/app/ranking", "/app/file/1"} {
					if a := get(t, base, path, id); a.status != http.StatusUnauthorized || strings.Contains(a.body, "T01") {
						t.Fatalf("%s: status %d, body %s", path, a.status, a.body)
					}
				}
			}
		})
		t.Run("unbound user is sent to their invitation", func(t *testing.T) {
			a := get(t, base, "/app/board", stranger)
			if a.status != http.StatusForbidden || !strings.Contains(a.body, "邀请链接") || strings.Contains(a.body, "T0") {
				t.Fatalf("status %d, body %s", a.status, a.body)
			}
		})
		t.Run("task page", func(t *testing.T) {
			a := get(t, base, "/app/task/T01", attendant)
			for _, want := range []string{"T01节点1", "逾期 5 天", "T01节点2", "已储备项目86个", "已被更正", "更正", "等待用地审批",
				"本周内完成项目库梳理", "未确认", `data-file="`} {
				if !strings.Contains(a.body, want) {
					t.Errorf("task page lacks %q", want)
				}
			}
			if a.status != http.StatusOK {
				t.Fatalf("status %d", a.status)
			}
		})
		t.Run("a task one may not see reads like none", func(t *testing.T) {
			hidden := get(t, base, "/app/task/T04", attendant)
			missing := get(t, base, "/app/task/T99", attendant)
			if hidden.status != http.StatusForbidden || hidden.body != missing.body || missing.status != http.StatusForbidden {
				t.Fatalf("hidden %d %q, missing %d %q", hidden.status, hidden.body, missing.status, missing.body)
			}
			if a := get(t, base, "/app/task/T04", admin); a.status != http.StatusOK {
				t.Fatalf("admin: %d", a.status)
			}
		})
		t.Run("evidence only to those who may see its task", func(t *testing.T) {
			page := get(t, base, "/app/task/T01", attendant).body
			m := regexp.MustCompile(`data-file="(\d+)"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatal("no evidence on the page")
			}
			a := get(t, base, "/app/file/"+m[1], leader)
			if a.status != http.StatusOK || !bytes.Equal([]byte(a.body), photo) || a.header.Get("Content-Type") != "image/png" {
				t.Fatalf("leader: status %d, type %s, %d bytes", a.status, a.header.Get("Content-Type"), len(a.body))
			}
			if a := get(t, base, "/app/file/"+m[1], other); a.status != http.StatusForbidden {
				t.Fatalf("other department: status %d", a.status)
			}
		})
		t.Run("ranking is the admins'", func(t *testing.T) {
			if a := get(t, base, "/app/ranking", leader); a.status != http.StatusForbidden {
				t.Fatalf("leader: %d", a.status)
			}
			a := get(t, base, "/app/ranking", admin)
			for _, want := range []string{"区发改局", "区商务局", "区住建局", "<svg", "逾期节点", "只看任务结果"} {
				if !strings.Contains(a.body, want) {
					t.Errorf("ranking lacks %q", want)
				}
			}
			for _, never := range []string{"按时报告", "报告率"} {
				if strings.Contains(a.body, never) {
					t.Errorf("the ranking weighs use of the bot: %q", never)
				}
			}
		})
		t.Run("english reader", func(t *testing.T) {
			a := get(t, base, "/app/board", other)
			if !strings.Contains(a.body, "Key tasks board") || !strings.Contains(a.body, "3 days overdue") {
				t.Fatalf("body %s", a.body)
			}
		})
		t.Run("the shell loads nothing from elsewhere", func(t *testing.T) {
			a := get(t, base, "/", "")
			if a.status != http.StatusOK || strings.Contains(a.body, "http") || !strings.Contains(a.header.Get("Content-Security-Policy"), "default-src 'self'") {
				t.Fatalf("status %d, csp %q, body %s", a.status, a.header.Get("Content-Security-Policy"), a.body)
			}
		})
	})
}

// The departments' ranking is off unless an admin turns it on: no tab on
// the board and no page, for admins too.
func TestRankingOffByDefault(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newWorld(t, s, clock)
		base := w.serve(t)
		admin := w.initData(t, adminTG, "zh")
		if a := get(t, base, "/app/ranking", admin); a.status != http.StatusForbidden {
			t.Fatalf("ranking without --rankings: %d", a.status)
		}
		if a := get(t, base, "/app/board", admin); strings.Contains(a.body, "/app/ranking") {
			t.Fatal("the board links to a ranking that is off")
		}
	})
}

// A task's card says who is away and who reports for them.
func TestBoardShowsWhoIsAway(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newWorld(t, s, clock)
		yang, err := models.PersonByKey(s.DB, "杨帆")
		if err != nil {
			t.Fatal(err)
		}
		leader, err := models.PersonByKey(s.DB, "王建国")
		if err != nil {
			t.Fatal(err)
		}
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		err = s.Tx(context.Background(), func(tx *gorm.DB) error {
			_, err := models.RecordLeave(tx, yang.ID, false, models.LeaveInput{PersonID: yang.ID, Kind: models.LeaveTrip,
				FirstDay: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), LastDay: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
				Location: shanghai, DeputyID: leader.ID, Reason: "赴深圳招商"}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		base := w.serve(t)
		a := get(t, base, "/app/board", w.initData(t, leaderTG, "zh-hans"))
		if !strings.Contains(a.body, `杨帆 请假至<time datetime="2026-11-30">2026-11-30</time> · 代报：王建国</span>`) {
			t.Fatalf("the board does not say who is away:\n%s", a.body)
		}
		// Why they are away is for the admins: a leader never reads it.
		if strings.Contains(a.body, "赴深圳招商") || strings.Contains(a.body, "出差") {
			t.Fatalf("the leader's board says why 杨帆 is away:\n%s", a.body)
		}
		admin := get(t, base, "/app/board", w.initData(t, adminTG, "zh-hans"))
		if !strings.Contains(admin.body, `杨帆 请假至<time datetime="2026-11-30">2026-11-30</time> · 代报：王建国 · 出差/外出招商 赴深圳招商</span>`) {
			t.Fatalf("the admin's board does not say why 杨帆 is away:\n%s", admin.body)
		}
		en := get(t, base, "/app/board", w.initData(t, adminTG, "en"))
		if !strings.Contains(en.body, "deputy: 王建国 · business trip 赴深圳招商") {
			t.Fatalf("the admin's board in English does not say why 杨帆 is away:\n%s", en.body)
		}
		// The deputy's report says whom it is for, on the task's page and
		// in the export's history.
		t1, err := models.TaskByCode(s.DB, "T01")
		if err != nil {
			t.Fatal(err)
		}
		err = s.Tx(context.Background(), func(tx *gorm.DB) error {
			_, err := models.RecordReport(tx, leader.ID, models.ReportInput{TaskID: t1.Task.ID, MilestoneID: t1.Milestones[0].ID,
				State: models.StateOnTrack, Note: "代杨帆报：已对接", Source: "command"}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		page := get(t, base, "/app/task/T01", w.initData(t, leaderTG, "zh-hans"))
		if !strings.Contains(page.body, `王建国 · <time>`) || !strings.Contains(page.body, `<span class="tag">代报 杨帆</span>`) {
			t.Fatalf("the task's history does not say the report was for 杨帆:\n%s", page.body)
		}
		var ledger *report.Ledger
		err = s.Tx(context.Background(), func(tx *gorm.DB) error {
			ledger, err = report.BuildLedger(tx, clock.Now(), models.LightRules{}, shanghai, "zh")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		head := ledger.History[0]
		var deputy []string
		for _, row := range ledger.History[1:] {
			if row[3] == "王建国" {
				deputy = row
			}
		}
		if head[len(head)-1] != "代报对象" || deputy == nil || deputy[len(deputy)-1] != "杨帆" {
			t.Fatalf("export history: header %q, the deputy's row %q", head, deputy)
		}
	})
}

var (
	countIn = regexp.MustCompile(`data-light="(\w+)" href="[^"]*"[^>]*><b class="badge light-\w+">(\d+)</b>`)
	moreIn  = regexp.MustCompile(`<p class="more-rows"><a data-more href="([^"]*)">([^<]*)</a><span class="note">([^<]*)</span></p>`)
)

// counts are the board's counts by light, as "red 2 yellow 1 green 1 done 0".
func counts(body string) string {
	var out []string
	for _, m := range countIn.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+" "+m[2])
	}
	return strings.Join(out, " ")
}

// The board lists a page of tasks, worst first across the pages; its
// counts cover every task the filters and the search keep, whatever the
// page and the light chosen; "more" leads to the next page while there is
// one and says how many it adds and how many are listed so far.
func TestBoardPages(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newWorld(t, s, clock)
		w.pageSize = 3
		base := w.serve(t)
		admin, other := w.initData(t, adminTG, "zh-hans"), w.initData(t, otherTG, "en")
		all := "red 2 yellow 1 green 1 done 0"
		for _, tc := range []struct {
			name, initData, query string
			rows, counts          string
			more                  []string // href, link, note; none on the last page
		}{
			{"first page", admin, "", "T01:red T04:red T02:yellow", all, []string{"/app/board?page=2", "再显示 1 项", "已显示 3 项，共 4 项"}},
			{"last page", admin, "?page=2", "T03:green", all, nil},
			{"past the last page", admin, "?page=3", "", all, nil},
			{"a page that is no number is the first", admin, "?page=x", "T01:red T04:red T02:yellow", all,
				[]string{"/app/board?page=2", "再显示 1 项", "已显示 3 项，共 4 项"}},
			{"one light fits one page", admin, "?light=red", "T01:red T04:red", all, nil},
			{"the search keeps the counts it finds", admin, "?q=t0&dept=" + url.QueryEscape("区商务局"), "T02:yellow T03:green", "red 0 yellow 1 green 1 done 0", nil},
			{"in English", other, "", "T04:red T02:yellow T03:green", "red 1 yellow 1 green 1 done 0", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := get(t, base, "/app/board"+tc.query, tc.initData)
				if a.status != http.StatusOK {
					t.Fatalf("status %d: %s", a.status, a.body)
				}
				if got := strings.Join(rows(a.body), " "); got != tc.rows {
					t.Errorf("rows %q, want %q", got, tc.rows)
				}
				if got := counts(a.body); got != tc.counts {
					t.Errorf("counts %q, want %q", got, tc.counts)
				}
				more := moreIn.FindStringSubmatch(a.body)
				switch {
				case tc.more == nil && more != nil:
					t.Errorf("a last page offers more: %q", more[0])
				case tc.more != nil && (more == nil || !slices.Equal(more[1:], tc.more)):
					t.Errorf("more %q, want %q", more, tc.more)
				}
			})
		}
		t.Run("more keeps the filters", func(t *testing.T) {
			w.pageSize = 1
			base := w.serve(t)
			a := get(t, base, "/app/board?light=red&q=T", admin)
			more := moreIn.FindStringSubmatch(a.body)
			if more == nil || more[1] != "/app/board?light=red&amp;page=2&amp;q=T" || more[3] != "已显示 1 项，共 2 项" {
				t.Fatalf("more %q", more)
			}
			next := get(t, base, "/app/board?light=red&page=2&q=T", admin)
			if got := strings.Join(rows(next.body), " "); got != "T04:red" || moreIn.MatchString(next.body) {
				t.Fatalf("second page rows %q, more %v", got, moreIn.FindString(next.body))
			}
		})
	})
}
