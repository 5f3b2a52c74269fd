package web_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"taskbot/models"
	"taskbot/models/storetest"
)

// chromium finds the browser for the real-browser tests: $TASKBOT_CHROMIUM,
// else the distribution's chromium. Without one the tests skip, except in
// CI (CI=true), where .ci/run installs it and its absence is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("TASKBOT_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found (CI=true): install the distribution's chromium package, as .ci/run does, or set TASKBOT_CHROMIUM")
	}
	t.Skip("no Chromium found: install the distribution's chromium package (apt-get install chromium) or set TASKBOT_CHROMIUM to run the browser tests")
	return ""
}

// screenshotDir is where the browser tests leave pictures of the board.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("TASKBOT_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "taskbot-board-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBoardInBrowser opens the board in headless Chromium the way Telegram
// opens a Mini App: the signed initData in the URL fragment.
func TestBoardInBrowser(t *testing.T) {
	exe := chromium(t)
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	w := newWorld(t, storetest.SQLite(t, models.Options{Clock: clock.Now}), clock)
	base := w.serve(t)
	shots := screenshotDir(t)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(420, 900))
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	// open is the Mini App as Telegram opens it, optionally on a page.
	open := func(initData, page string) string {
		u := base + "/"
		if page != "" {
			u += "?p=" + url.QueryEscape(page)
		}
		theme := `{"bg_color":"#ffffff","text_color":"#000000","button_color":"#2481cc"}`
		return u + "#tgWebAppData=" + url.QueryEscape(initData) + "&tgWebAppVersion=8.0&tgWebAppThemeParams=" + url.QueryEscape(theme)
	}
	tab := func(t *testing.T) context.Context {
		c, cancel := chromedp.NewContext(browser)
		t.Cleanup(cancel)
		return c
	}
	rowsIn := func(c context.Context) ([]string, error) {
		return chromedp.Run(c, chromedp.Evaluate[[]string](`[...document.querySelectorAll("li.row")].map(li => li.dataset.code + ":" + li.dataset.light)`))
	}

	t.Run("leader", func(t *testing.T) {
		c := tab(t)
		err := chromedp.Do(c,
			chromedp.Navigate(open(w.initData(t, leaderTG, "zh-hans"), "")),
			waitFor(`main[data-path="/app/board"] li.row`),
		)
		if err != nil {
			t.Fatal(err)
		}
		board, err := chromedp.Run(c, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		writeShot(t, filepath.Join(shots, "board.png"), board)
		if got, err := rowsIn(c); err != nil || strings.Join(got, " ") != "T01:red T02:yellow T03:green" {
			t.Fatalf("board rows %v (%v), want the red T01 first", got, err)
		}
		if lang, err := chromedp.Run(c, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || lang != "zh-CN" {
			t.Errorf("<html lang=%q> (%v), want zh-CN", lang, err)
		}

		err = chromedp.Do(c,
			click(`li.row[data-code="T01"] a`),
			waitFor(`main[data-path="/app/task/T01"] ol.timeline`),
			waitFor(`img[data-file][src^="blob:"]`),
		)
		if err != nil {
			t.Fatal(err)
		}
		milestones, err := chromedp.Run(c, text(`ol.timeline`))
		if err != nil {
			t.Fatal(err)
		}
		latest, err := chromedp.Run(c, text(`ul.history li.report`))
		if err != nil {
			t.Fatal(err)
		}
		task, err := chromedp.Run(c, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		writeShot(t, filepath.Join(shots, "task.png"), task)
		for _, want := range []string{"T01节点1", "逾期 5 天", "T01节点2", "80%"} {
			if !strings.Contains(milestones, want) {
				t.Errorf("milestones %q lack %q", milestones, want)
			}
		}
		if !strings.Contains(latest, "已储备项目86个") || !strings.Contains(latest, "杨帆") {
			t.Errorf("latest report %q", latest)
		}

		err = chromedp.Do(c,
			click(`a.back`),
			waitFor(`main[data-path="/app/board"] form.filters`),
			choose(`select[name="dept"]`, "区商务局"),
			waitFor(`main[data-path^="/app/board?dept="] ul.rows`),
		)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := rowsIn(c); err != nil || strings.Join(got, " ") != "T02:yellow T03:green" {
			t.Fatalf("rows of 区商务局 %v (%v)", got, err)
		}
	})

	t.Run("attendant sees no other department's task", func(t *testing.T) {
		c := tab(t)
		id := w.initData(t, attendantTG, "zh-hans")
		err := chromedp.Do(c,
			chromedp.Navigate(open(id, "")),
			waitFor(`main[data-path="/app/board"] ul.rows`),
		)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := rowsIn(c); err != nil || strings.Join(got, " ") != "T01:red" {
			t.Fatalf("rows %v (%v), want T01 alone", got, err)
		}
		err = chromedp.Do(c,
			chromedp.Navigate(open(id, "/app/task/T04")),
			waitFor(`main[data-path="/app/task/T04"] .message`),
		)
		if err != nil {
			t.Fatal(err)
		}
		status, text := statusAndText(t, c)
		if status != "403" || strings.Contains(text, "保障房") {
			t.Fatalf("T04 for 杨帆: status %s, %q", status, text)
		}
		// The refusal leads back to the board.
		err = chromedp.Do(c, click(`a.back`), waitFor(`main[data-path="/app/board"] li.row`))
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("forged signature", func(t *testing.T) {
		c := tab(t)
		forged := strings.Replace(w.initData(t, leaderTG, "zh-hans"), fmt.Sprint(leaderTG), fmt.Sprint(adminTG), 1)
		err := chromedp.Do(c,
			chromedp.Navigate(open(forged, "")),
			waitFor(`main[data-path="/app/board"] .message`),
		)
		if err != nil {
			t.Fatal(err)
		}
		status, text := statusAndText(t, c)
		if status != "401" || strings.Contains(text, "T01") {
			t.Fatalf("forged: status %s, %q", status, text)
		}
	})
}

func writeShot(t *testing.T, path string, png []byte) {
	t.Helper()
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// statusAndText are the HTTP status of the page the board shows and its
// text.
func statusAndText(t *testing.T, c context.Context) (string, string) {
	t.Helper()
	status, err := chromedp.Run(c, chromedp.Evaluate[string](`document.querySelector("main").dataset.status`))
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(c, text(`main`))
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// The page replaces its content as the reader moves, so these act by
// selector inside the page rather than by DevTools node ids, which go
// stale when the content they named is replaced.

// waitFor waits until an element matches sel; the test's context bounds
// the wait.
func waitFor(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf("document.querySelector(%q) !== null", sel),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0))
}

// click clicks the element sel names, as a tap would.
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf("(document.querySelector(%q).click(), true)", sel))(ctx, t)
		return err
	})
}

// choose picks value in the select sel, as a person would.
func choose(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(
			"(s => (s.value = %q, s.dispatchEvent(new Event('change', {bubbles: true})), true))(document.querySelector(%q))", value, sel))(ctx, t)
		return err
	})
}

// text is the rendered text of the element sel names.
func text(sel string) chromedp.Action[string] {
	return chromedp.Evaluate[string](fmt.Sprintf("document.querySelector(%q).innerText", sel))
}
