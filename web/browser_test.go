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

// shot leaves a picture of the board, named name, in $TASKBOT_SCREENSHOTS
// for a person to look at; without it nothing is written. No assertion
// depends on the pictures.
func shot(t *testing.T, c context.Context, name string, take chromedp.Action[[]byte]) {
	t.Helper()
	dir := os.Getenv("TASKBOT_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(c, take)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// startBrowser starts headless Chromium for the rest of the test.
func startBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(420, 900))
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	return browser
}

// newTab opens a tab in browser for the rest of the (sub)test.
func newTab(t *testing.T, browser context.Context) context.Context {
	c, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	return c
}

// miniAppURL is the board at base as Telegram opens the Mini App:
// initData and the theme's colours (JSON, none when empty) in the
// fragment, optionally on a page.
func miniAppURL(base, initData, page, theme string) string {
	u := base + "/"
	if page != "" {
		u += "?p=" + url.QueryEscape(page)
	}
	u += "#tgWebAppData=" + url.QueryEscape(initData) + "&tgWebAppVersion=8.0"
	if theme != "" {
		u += "&tgWebAppThemeParams=" + url.QueryEscape(theme)
	}
	return u
}

// TestBoardInBrowser opens the board in headless Chromium the way Telegram
// opens a Mini App: the signed initData in the URL fragment.
func TestBoardInBrowser(t *testing.T) {
	exe := chromium(t)
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	w := newWorld(t, storetest.SQLite(t, models.Options{Clock: clock.Now}), clock)
	base := w.serve(t)
	browser := startBrowser(t, exe)
	// open is the Mini App as Telegram opens it, optionally on a page.
	open := func(initData, page string) string {
		return miniAppURL(base, initData, page, `{"bg_color":"#ffffff","text_color":"#000000","button_color":"#2481cc"}`)
	}
	tab := func(t *testing.T) context.Context { return newTab(t, browser) }
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
		shot(t, c, "board.png", chromedp.FullScreenshot(100))
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
		shot(t, c, "task.png", chromedp.FullScreenshot(100))
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
			click(`a.count[data-light="yellow"]`),
			waitFor(`main[data-path="/app/board?light=yellow"] a.count[data-light="yellow"][aria-current]`),
		)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := rowsIn(c); err != nil || strings.Join(got, " ") != "T02:yellow" {
			t.Fatalf("yellow rows %v (%v)", got, err)
		}

		// The folded filters narrow the light's rows, and stay open while
		// one uses them; tapping the light again shows every light.
		err = chromedp.Do(c,
			click(`.filters [aria-controls]`),
			waitFor(`#more-filters:not([hidden])`),
			choose(`select[name="dept"]`, "区商务局"),
			waitFor(`main[data-path="/app/board?dept=%E5%8C%BA%E5%95%86%E5%8A%A1%E5%B1%80&light=yellow"] #more-filters:not([hidden])`),
			waitFor(`.filters [aria-controls="more-filters"][aria-expanded="true"]`),
		)
		if err != nil {
			t.Fatal(err)
		}
		if toggle, err := chromedp.Run(c, text(`.filters [aria-controls]`)); err != nil || toggle != "筛选 · 1" {
			t.Errorf("filter button %q (%v), want it to count the one filter", toggle, err)
		}
		err = chromedp.Do(c,
			click(`a.count[data-light="yellow"]`),
			waitFor(`main[data-path="/app/board?dept=%E5%8C%BA%E5%95%86%E5%8A%A1%E5%B1%80"] ul.rows`),
		)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := rowsIn(c); err != nil || strings.Join(got, " ") != "T02:yellow T03:green" {
			t.Fatalf("rows of 区商务局 %v (%v)", got, err)
		}
		err = chromedp.Do(c, click(`.filters a.clear`), waitFor(`main[data-path="/app/board"] ul.rows`))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := rowsIn(c); err != nil || len(got) != 3 {
			t.Fatalf("rows without filters %v (%v)", got, err)
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

	// "More" adds the next page below the rows shown, without leaving the
	// board, and takes the focus to the first row it added.
	t.Run("more", func(t *testing.T) {
		w.pageSize = 2
		paged := miniAppURL(w.serve(t), w.initData(t, adminTG, "zh-hans"), "", "")
		w.pageSize = 0
		c := tab(t)
		err := chromedp.Do(c, chromedp.Navigate(paged), waitFor(`main[data-path="/app/board"] .more-rows a[data-more]`))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := rowsIn(c); err != nil || strings.Join(got, " ") != "T01:red T04:red" {
			t.Fatalf("first page %v (%v)", got, err)
		}
		shot(t, c, "board-more.png", chromedp.FullScreenshot(100))
		if note, err := chromedp.Run(c, text(`.more-rows`)); err != nil || !strings.Contains(note, "再显示 2 项") || !strings.Contains(note, "已显示 2 项，共 4 项") {
			t.Errorf("more %q (%v)", note, err)
		}
		err = chromedp.Do(c, click(`.more-rows a[data-more]`), waitFor(`li.row[data-code="T03"]`))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := rowsIn(c); err != nil || strings.Join(got, " ") != "T01:red T04:red T02:yellow T03:green" {
			t.Fatalf("rows after more %v (%v)", got, err)
		}
		state, err := chromedp.Run(c, chromedp.Evaluate[[]string](`[document.activeElement.closest("li.row")?.dataset.code ?? "",
  String(document.querySelector(".more-rows") !== null), document.querySelector("main").dataset.path]`))
		if err != nil || strings.Join(state, " ") != "T02 false /app/board" {
			t.Fatalf("focus on, more left, path: %q (%v), want T02, none, the board", state, err)
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

// Telegram's own light and dark themes, as its clients pass them: their
// hint and link colours are fainter than AA on their own backgrounds
// (#999999 on white is 2.8:1), so the board must cope with them.
const (
	telegramLight = `{"bg_color":"#ffffff","text_color":"#000000","hint_color":"#999999","link_color":"#2481cc","button_color":"#2481cc","button_text_color":"#ffffff","secondary_bg_color":"#efeff3"}`
	telegramDark  = `{"bg_color":"#17212b","text_color":"#f5f5f5","hint_color":"#708499","link_color":"#6ab3f3","button_color":"#5288c1","button_text_color":"#ffffff","secondary_bg_color":"#232e3c"}`
)

// coloured is an element's text colour and the background colours from
// its own up to the root's, as getComputedStyle gives them.
type coloured struct {
	What        string   `json:"what"`
	Color       string   `json:"color"`
	Backgrounds []string `json:"backgrounds"`
}

type pageColours struct {
	Badges []coloured `json:"badges"`
	Texts  []coloured `json:"texts"`
}

// colours lists the light badges and every other visible text of the
// page with their colours.
const colours = `(() => {
  const seen = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const pick = el => {
    const backgrounds = [];
    for (let e = el; e; e = e.parentElement) backgrounds.push(getComputedStyle(e).backgroundColor);
    const what = el.tagName.toLowerCase() + (el.className ? "." + el.className.replace(/ /g, ".") : "") + " " + JSON.stringify((el.value || el.textContent).trim().slice(0, 24));
    return {what, color: getComputedStyle(el).color, backgrounds};
  };
  const ownText = el => [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== "");
  const badges = [...document.querySelectorAll("main .badge")].filter(seen).map(pick);
  const texts = [...document.querySelectorAll("main *:not(.badge)")]
    .filter(el => (ownText(el) && !el.closest("select")) || el.matches("select, input"))
    .filter(seen).map(pick);
  return {badges, texts};
})()`

// TestBoardOnAPhone opens the board on a phone's screen, 390×844 CSS
// pixels, in Telegram's light and dark themes (each against the phone's
// other scheme, as when Telegram's theme is not the system's) and in a
// browser outside Telegram (a board-link) in the system's light and dark
// schemes. The first screen must answer the first question: how many
// tasks are red, and why the first of them is.
func TestBoardOnAPhone(t *testing.T) {
	exe := chromium(t)
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	w := newWorld(t, storetest.SQLite(t, models.Options{Clock: clock.Now}), clock)
	base := w.serve(t)
	browser := startBrowser(t, exe)

	// 王建国's first red task is T01, 5 days overdue; 李娜's is T04, 3
	// days overdue; T02, yellow, is due in 2 days.
	cases := []struct {
		name, theme, system string
		tg                  int64
		lang                string
		overdue, left       string
	}{
		{"light", telegramLight, "dark", leaderTG, "zh-CN", "逾期 5 天", "剩 2 天"},
		{"dark", telegramDark, "light", leaderTG, "zh-CN", "逾期 5 天", "剩 2 天"},
		{"browser-light", "", "light", otherTG, "en", "3 days overdue", "2 days left"},
		{"browser-dark", "", "dark", otherTG, "en", "3 days overdue", "2 days left"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTab(t, browser)
			err := chromedp.Do(c,
				chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait),
				colorScheme(tc.system),
				chromedp.Navigate(miniAppURL(base, w.initData(t, tc.tg, tc.lang), "", tc.theme)),
				waitFor(`main[data-path="/app/board"] li.row`),
			)
			if err != nil {
				t.Fatal(err)
			}
			shot(t, c, "board-"+tc.name+".png", chromedp.CaptureScreenshot())

			page, err := chromedp.Run(c, chromedp.Evaluate[phonePage](phoneFacts))
			if err != nil {
				t.Fatal(err)
			}
			if page.Width != 390 || page.Height != 844 {
				t.Fatalf("viewport %v×%v, want 390×844", page.Width, page.Height)
			}
			if page.Lang != tc.lang {
				t.Errorf("<html lang=%q>, want %q", page.Lang, tc.lang)
			}
			if page.ScrollWidth > page.Width {
				t.Errorf("the page is %vpx wide on a %vpx screen: it scrolls sideways", page.ScrollWidth, page.Width)
			}
			if !page.CountsVisible {
				t.Error("the counts by light are not on the first screen")
			}
			if page.RedBottom < 0 || page.RedBottom > page.Height {
				t.Errorf("the first red card ends at %vpx, below the first screen's %vpx", page.RedBottom, page.Height)
			}
			if page.Overdue != tc.overdue || page.OverdueOn != "red" || !page.OverdueOnFirstRed {
				t.Errorf("%q on a %q card (the first red one: %t), want %q on the first red card", page.Overdue, page.OverdueOn, page.OverdueOnFirstRed, tc.overdue)
			}
			if page.Left != tc.left {
				t.Errorf("the yellow card says %q, want %q", page.Left, tc.left)
			}
			if page.DateWrap != "nowrap" {
				t.Errorf("a date wraps: white-space %q", page.DateWrap)
			}

			// Open the folded filters too, so that their text is checked.
			err = chromedp.Do(c, click(`.filters [aria-controls]`), waitFor(`#more-filters:not([hidden])`))
			if err != nil {
				t.Fatal(err)
			}
			shot(t, c, "board-"+tc.name+"-filters.png", chromedp.CaptureScreenshot())
			found, err := chromedp.Run(c, chromedp.Evaluate[pageColours](colours))
			if err != nil {
				t.Fatal(err)
			}
			lights := map[string]bool{}
			for _, b := range found.Badges {
				for _, l := range []string{"red", "yellow", "green", "done"} {
					if strings.Contains(b.What, ".light-"+l) {
						lights[l] = true
					}
				}
			}
			if len(lights) != 4 {
				t.Errorf("badges of lights %v, want all four: %v", lights, found.Badges)
			}
			for _, set := range []struct {
				what  string
				items []coloured
			}{{"badge", found.Badges}, {"text", found.Texts}} {
				for _, e := range set.items {
					ratio, err := textContrast(e.Color, e.Backgrounds)
					if err != nil {
						t.Errorf("%s %s: %v", set.what, e.What, err)
					} else if ratio < 4.5 {
						t.Errorf("%s %s: contrast %.2f:1 (%s on %v), want at least 4.5:1", set.what, e.What, ratio, e.Color, e.Backgrounds)
					}
				}
			}
			scrolls, err := chromedp.Run(c, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
			if err != nil || scrolls {
				t.Errorf("with the filters open the page scrolls sideways (%v)", err)
			}

			// The period card is one tap away, and its chart fits the
			// first screen without scrolling sideways.
			err = chromedp.Do(c, click(`a.tab[href="/app/period"]`), waitFor(`main[data-path="/app/period"] svg.weeks`))
			if err != nil {
				t.Fatal(err)
			}
			shot(t, c, "period-"+tc.name+".png", chromedp.CaptureScreenshot())
			fits, err := chromedp.Run(c, chromedp.Evaluate[bool](`(() => {
  const r = document.querySelector("svg.weeks").getBoundingClientRect();
  return r.bottom <= window.innerHeight && document.documentElement.scrollWidth <= window.innerWidth && r.width > 300;
})()`))
			if err != nil || !fits {
				t.Errorf("the period chart does not fit the phone's first screen (%v)", err)
			}
		})
	}
}

// phonePage is what TestBoardOnAPhone reads of the board's first screen.
type phonePage struct {
	Lang               string
	ScrollWidth        float64
	Width, Height      float64
	RedBottom          float64 // the first red card's bottom edge, -1 without one
	Overdue, OverdueOn string  // the first "days overdue" reason, and the light of its card
	OverdueOnFirstRed  bool
	Left               string // the first yellow card's countdown
	CountsVisible      bool
	DateWrap           string // white-space of the first card's date
}

const phoneFacts = `(() => {
  const red = document.querySelector('li.row[data-light="red"]');
  const overdue = document.querySelector('li.row [data-reason="overdue"]');
  const card = overdue && overdue.closest("li.row");
  const left = document.querySelector('li.row[data-light="yellow"] [data-reason="due"]');
  const counts = document.querySelector("nav.counts").getBoundingClientRect();
  const date = document.querySelector("li.row time");
  return {
    Lang: document.documentElement.lang,
    ScrollWidth: document.documentElement.scrollWidth, Width: window.innerWidth, Height: window.innerHeight,
    RedBottom: red ? red.getBoundingClientRect().bottom : -1,
    Overdue: overdue ? overdue.textContent.trim() : "", OverdueOn: card ? card.dataset.light : "",
    OverdueOnFirstRed: card !== null && card === red,
    Left: left ? left.textContent.trim() : "",
    CountsVisible: counts.top >= 0 && counts.bottom <= window.innerHeight,
    DateWrap: date ? getComputedStyle(date).whiteSpace : "",
  };
})()`

// colorScheme makes the page see the system's scheme, "light" or "dark".
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		return t.Call(ctx, "Emulation.setEmulatedMedia", map[string]any{
			"features": []map[string]string{{"name": "prefers-color-scheme", "value": scheme}}}, nil)
	})
}
