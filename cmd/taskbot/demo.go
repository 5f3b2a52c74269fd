package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"taskbot/examples"
	"taskbot/importer"
	"taskbot/models"
	"taskbot/telegramtest"
)

func newDemoCommand(a *app) *cobra.Command {
	var dir, lang, day string
	var board bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the bot against a built-in fake Telegram and print the conversation",
		Long: `Run the real bot against a fake Telegram Bot API server on 127.0.0.1, on a
new SQLite file: import the example task list, invite a few simulated people,
let them use the bot, print the conversation, and exit. No token or network
needed. The demo ignores TASKBOT_DB, TASKBOT_TOKEN and the other settings of
the real bot; --db, if given, must name a file that does not exist yet.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dbPath, err := demoDatabase(dir, a.common.DB, cmd.Flags().Changed("db"), cmd.Flags().Changed("dir"))
			if err != nil {
				return err
			}
			when, err := demoStart(day, time.Now())
			if err != nil {
				return err
			}
			if lang != "zh" && lang != "en" {
				return fmt.Errorf("demo: --lang %q: give zh or en", lang)
			}
			return runDemo(cmd.Context(), cmd.OutOrStdout(), dbPath, a.log, demoSettings{board: board, lang: lang, start: when})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "new directory for the demo's SQLite file (default: a new temporary directory)")
	cmd.Flags().StringVar(&lang, "lang", "zh", "language of the simulated people and so of the bot's answers: zh or en")
	cmd.Flags().StringVar(&day, "day", "", "the day the demo plays, YYYY-MM-DD (default: today in Shanghai); the example list's due dates move with it")
	cmd.Flags().BoolVar(&board, "web", false, "after the conversation, keep running with the board on 127.0.0.1 and print a signed link per demo person")
	return cmd
}

// demoFiles are what the demo writes next to its database.
var demoFiles = []string{"summary-chart.png", "ledger.xlsx", "tasks.csv", "tasks.xlsx"}

// demoDatabase picks the demo's database file. It is always one the demo
// creates: the environment (TASKBOT_DB) is ignored, since a demo filling a
// real database with simulated people could not be undone, and a --db or
// --dir that already holds any file the demo writes is refused before
// anything is touched.
func demoDatabase(dir, db string, dbGiven, dirGiven bool) (string, error) {
	var path string
	switch {
	case dbGiven && dirGiven:
		return "", errors.New("demo: give --dir or --db, not both")
	case dbGiven && models.IsPostgresDSN(db):
		return "", errors.New("demo: --db must name a new SQLite file; the demo never runs on a PostgreSQL database")
	case dbGiven:
		path = db
	case dirGiven:
		if err := models.MkdirPrivate(dir); err != nil {
			return "", fmt.Errorf("demo: %w", err)
		}
		path = filepath.Join(dir, "taskbot-demo.db")
	default:
		d, err := os.MkdirTemp("", "taskbot-demo-")
		if err != nil {
			return "", fmt.Errorf("demo: %w", err)
		}
		return filepath.Join(d, "taskbot-demo.db"), nil
	}
	taken := []string{path, path + "-wal", path + "-shm"}
	for _, name := range demoFiles {
		taken = append(taken, filepath.Join(filepath.Dir(path), name))
	}
	for _, f := range taken {
		_, err := os.Lstat(f)
		if err == nil {
			return "", fmt.Errorf("demo: %s already exists; the demo only writes new files, give a new --db file or --dir directory", f)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("demo: %w", err)
		}
	}
	return path, nil
}

// demoScript is what the simulated people do, step by step. Each step waits
// for the bot's answers before the next one starts, so the transcript reads
// like a conversation.
type demoStep struct {
	who   string // key into the demo's users
	say   string // text to send; "{token}" is replaced by the user's invitation token
	group bool   // say it in the group's chat instead of privately
	// forum says it in the forum work group, in T01's topic once it has
	// one; replyTo then names a bot message there.
	forum   bool
	answers int // how many bot messages to wait for
	// edits is how many of the bot's own messages it edits in answer, in
	// the chat of the step.
	edits int
	note  string // a line printed before the step
	// press names a button (by the start of its label) on the newest bot
	// message that has it.
	press string
	// replyTo says which bot message the text answers: "last" or the
	// newest one containing this text.
	replyTo string
	photo   bool // send a photo (with say as its caption)
	// others waits for messages to other people too ("forum": the forum
	// work group).
	others map[string]int
}

var demoScript = []demoStep{
	{note: "A stranger writes to the bot: one short refusal, no data.", who: "stranger", say: "你好，我想看看重点任务", answers: 1},
	{note: "An attendant opens the invitation link.", who: "杨帆", say: "/start {token}", answers: 1},
	{who: "杨帆", say: "/mytasks", answers: 1},
	{who: "杨帆", say: "/task T01", answers: 1},
	{note: "A task they are not on reads like a task that does not exist.", who: "杨帆", say: "/task T04", answers: 1},
	{note: "The stranger tries the attendant's used link.", who: "stranger", say: "/start {token:杨帆}", answers: 1},
	{note: "The contracting leader binds; the bot greets them with their roles.", who: "王建国", say: "/start {token}", answers: 1},
	{who: "王建国", say: "/help", answers: 1},
	{note: "A person in charge whose Telegram is in English gets English, and keeps it.", who: "刘洋", say: "/start {token}", answers: 1},
	{who: "刘洋", say: "/task T01", answers: 1},
	{note: "Admins may open any task.", who: "admin", say: "/task T04", answers: 1},
	{note: "In the work group the bot shows no task data.", who: "杨帆", group: true, say: "/mytasks@taskbot_demo_bot", answers: 1},
	{who: "杨帆", say: "/frobnicate", answers: 1},

	{note: "The leader asks for an immediate reminder round on T01 (催办).", who: "王建国", say: "/remind T01", answers: 1, others: map[string]int{"杨帆": 1}},
	{note: "The attendant reports with the buttons, all in the reminder: milestone, then state, which turns it into the acknowledgement; a reply to that adds a percent and note in place.", who: "杨帆", press: "报告节点1", edits: 1},
	{who: "杨帆", press: "节点1 · 正常推进", edits: 1},
	{who: "杨帆", replyTo: "last", say: "85% 已储备项目86个", edits: 1},
	{note: "A reply naming another milestone is a report of its own.", who: "杨帆", replyTo: "已记录", say: "2 80% 已签约24个", answers: 1},
	{note: "A photo replying to the acknowledgement is kept as evidence on that report.", who: "杨帆", replyTo: "last", photo: true, answers: 1},
	{note: "The command works from anywhere. A blocked milestone reaches the leader at once.", who: "杨帆", say: "/report T01 3 受阻 等待用地审批", answers: 1, others: map[string]int{"王建国": 1}},
	{note: "A report the bot is not sure of is asked back, never guessed.", who: "杨帆", say: "/report T01 60", answers: 1},
	{who: "杨帆", press: "节点4", answers: 1},
	{note: "Someone who is not an attendant of the task cannot report on it.", who: "王建国", say: "/report T01 1 done", answers: 1},
	{note: "The task now shows what was reported.", who: "王建国", say: "/task T01", answers: 1},

	{note: "The leader answers the coordination request; the answer reaches the attendants.", who: "王建国", press: "✍️", answers: 1},
	{who: "王建国", replyTo: "last", say: "已协调区自然资源局，下周一前批复", answers: 1, others: map[string]int{"杨帆": 1, "刘洋": 1}},
	{who: "王建国", press: "✅ 已解决", answers: 0, others: map[string]int{"杨帆": 1, "刘洋": 1}},
	{note: "The leader gives an instruction (批示); the attendant confirms with one button.", who: "王建国", say: "/instruct T01 本周内完成项目库梳理", answers: 1, others: map[string]int{"杨帆": 1, "刘洋": 1}},
	{who: "杨帆", press: "收到", answers: 0},
	{note: "Before a milestone falls due, the attendant asks to extend it (延期申请); the request reaches the leader at once.",
		who: "杨帆", say: "/extend T01 3 {day:+49} 用地审批延后，开工顺延一个月", answers: 1, others: map[string]int{"王建国": 1}},
	{note: "The leader approves with one button; the attendant is told, and the milestone keeps its original due date beside the new one.",
		who: "王建国", press: "✅ 批准", answers: 0, others: map[string]int{"杨帆": 1}},
	{who: "杨帆", say: "/task T01", answers: 1},
	{note: "An attendant goes on leave (请假), naming the person in charge as deputy (代报), who is told.", who: "杨帆", say: "/leave 今天 出差 代报 刘洋", answers: 1, others: map[string]int{"刘洋": 1}},
	{note: "While 杨帆 is away, the reminder round reaches the deputy instead, marked for whom.", who: "王建国", say: "/remind T01", answers: 1, others: map[string]int{"刘洋": 1}},
	{note: "The deputy reports; the report keeps both names.", who: "刘洋", replyTo: "代 杨帆 填报", say: "1 95% 项目库梳理基本完成", answers: 1},
	{note: "Back early: one message says what was reported meanwhile.", who: "杨帆", say: "/back", answers: 1},
	{note: "A forum group becomes T01's work group (专班群): the bot, an administrator that may manage topics, opens a topic for the task; the admins are told.",
		who: "王建国", forum: true, say: "/bind@taskbot_demo_bot T01", answers: 1, others: map[string]int{"admin": 1}},
	{note: "The task's reminders now go to its topic, one per round, naming the attendants due.", who: "王建国", forum: true, say: "/delivery@taskbot_demo_bot T01 group", answers: 1},
	{who: "王建国", say: "/remind T01", answers: 1, others: map[string]int{"forum": 1}},
	{note: "An attendant replies to it in the topic: acknowledged there without a notification, and the reminder is edited to say who reported.",
		who: "杨帆", forum: true, replyTo: "催办", say: "3 50% 用地审批已受理", answers: 1},
	{note: "Another attendant binds and reports T12's three milestones done in one message; the task can now ask to close (销号).",
		who: "赵磊", say: "/start {token}", answers: 1},
	{who: "赵磊", say: "/report T12 1 完成 2 完成 3 完成 长效监管机制已印发", answers: 3},
	{note: "The close-out request reaches the leader, who approves it: T12 is done and takes no more reports.",
		who: "赵磊", press: "🏁 申请销号", answers: 1, others: map[string]int{"王建国": 1}},
	{who: "王建国", press: "✅ 批准销号", answers: 0, others: map[string]int{"赵磊": 1}},
	{note: "The admins issue the year's commitments (责任书): each contracting leader who can be reached gets a summary and the PDF, protected from forwarding.",
		who: "admin", say: "/commit 全部", answers: 2, others: map[string]int{"王建国": 2}},
	{note: "The leader reads and signs it, confirming against the text's fingerprint; the receipt is pinned in the chat, and the admins see the progress.",
		who: "王建国", press: "阅读并签订", answers: 1},
	{who: "王建国", press: "确认签订", answers: 1},
	{who: "admin", say: "/commit", answers: 1},
	{note: "The leader goes to the front line of T07 (走一线) and records what was found and solved there; location and photos are optional, never a check-in.",
		who: "王建国", say: "/visit T07", answers: 1},
	{who: "王建国", press: "现场督导", answers: 1},
	{who: "王建国", replyTo: "last", say: "发现：2宗地块征收进度滞后\n已解决：现场协调电力接入", answers: 1},
	{who: "王建国", say: "跳过", answers: 2},
	{who: "王建国", press: "保存", answers: 1},
	{note: "The leader's daily summary: red tasks first, then yellow, with a chart.", who: "王建国", say: "/summary", answers: 2},
	{note: "Admins export the ledger (台账) in chat.", who: "admin", say: "/export", answers: 1},
}

// demoEnglish is what the simulated people write and press when their
// Telegram is in English; the task list itself stays in Chinese.
var demoEnglish = map[string]string{
	"你好，我想看看重点任务":             "Hello, I would like to see the key tasks",
	"报告节点1":                   "Report M1",
	"节点1 · 正常推进":              "M1 · on track",
	"85% 已储备项目86个":            "85% 86 projects in the pipeline",
	"已记录":                     "Stored",
	"2 80% 已签约24个":            "2 80% signed 24 contracts",
	"/report T01 3 受阻 等待用地审批": "/report T01 3 blocked waiting for land approval",
	"节点4":   "M4",
	"✅ 已解决": "✅ Resolved",
	"已协调区自然资源局，下周一前批复":         "The land bureau will approve by next Monday",
	"/instruct T01 本周内完成项目库梳理": "/instruct T01 Finish the project list this week",
	"收到": "Received",
	"/extend T01 3 {day:+49} 用地审批延后，开工顺延一个月": "/extend T01 3 {day:+49} land approval is late, construction starts a month later",
	"✅ 批准":               "✅ Approve",
	"/leave 今天 出差 代报 刘洋": "/leave today trip deputy 刘洋",
	"代 杨帆 填报":            "For 杨帆, who is away",
	"1 95% 项目库梳理基本完成":    "1 95% project list nearly complete",
	"3 50% 用地审批已受理":      "3 50% land approval application accepted",
	"/report T12 1 完成 2 完成 3 完成 长效监管机制已印发": "/report T12 1 done 2 done 3 done supervision rules issued",
	"/commit 全部": "/commit all",
	"阅读并签订":      "Read and sign",
	"确认签订":       "Sign",
	"现场督导":       "Site supervision",
	"发现：2宗地块征收进度滞后\n已解决：现场协调电力接入": "found: two plots behind on land acquisition\nsolved: power connection agreed on site",
	"跳过":     "Skip",
	"保存":     "Save",
	"🏁 申请销号": "🏁 Ask to close",
	"✅ 批准销号": "✅ Approve",
}

// demoSettings are the choices of one demo run.
type demoSettings struct {
	board bool
	lang  string    // the simulated people's language but 刘洋's, always English
	start time.Time // when the demo's clock starts
}

// demoStart is when the demo plays: 10:30 in Shanghai on day (YYYY-MM-DD),
// or today there, so that the conversation falls in office hours whenever
// it runs.
func demoStart(day string, now time.Time) (time.Time, error) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.Time{}, fmt.Errorf("demo: %w", err)
	}
	d := now.In(shanghai)
	if day != "" {
		d, err = time.ParseInLocation("2006-01-02", day, shanghai)
		if err != nil {
			return time.Time{}, fmt.Errorf("demo: --day %q: give a date as 2026-11-27", day)
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 10, 30, 0, 0, shanghai), nil
}

// demoClock is the demo's one clock: start plus the time since the demo
// began.
func demoClock(start, began time.Time) models.Clock {
	return func() time.Time { return start.Add(time.Since(began)) }
}

// in is the step as a person writing in lang does it. Work groups speak
// Chinese whoever writes there, so what they are shown stays Chinese.
func (s demoStep) in(lang string) demoStep {
	if lang != "en" {
		return s
	}
	fields := []*string{&s.say, &s.press, &s.replyTo}
	if s.forum || s.group {
		fields = fields[:1]
	}
	for _, f := range fields {
		if en, ok := demoEnglish[*f]; ok {
			*f = en
		}
	}
	return s
}

// runDemo runs the whole demo and prints its transcript to w.
func runDemo(ctx context.Context, w io.Writer, dbPath string, log *slog.Logger, set demoSettings) error {
	fmt.Fprintf(w, "== taskbot demo ==\ndatabase: %s\n\n", dbPath)
	clock := demoClock(set.start, time.Now())
	store, err := models.Open(ctx, dbPath, models.Options{Logger: log, Clock: clock})
	if err != nil {
		return err
	}
	defer store.Close()

	files, err := writeDemoList(filepath.Dir(dbPath), set.start)
	if err != nil {
		return err
	}
	if days := examples.DaysFromAnchor(set.start); days != 0 {
		fmt.Fprintf(w, "# The example list's due dates are moved by %+d days, so that it reads on %s as written for %s.\n",
			days, set.start.Format("2006-01-02"), examples.Anchor.Format("2006-01-02"))
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		res, err := importFile(ctx, store, f, name, importer.Options{Today: clock()}, false, nil, nil)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "$ taskbot import %s\n", name)
		printImportResult(w, res, false)
	}

	tr := newTranscript(w)
	srv, err := telegramtest.New(telegramtest.Options{OnEvent: tr.event})
	if err != nil {
		return err
	}
	defer srv.Close()

	users, langs := map[string]*telegramtest.User{}, map[string]string{}
	for i, p := range demoPeople {
		name, lang := p.zh, "zh-hans"
		if set.lang == "en" || p.english {
			name, lang = p.en, "en"
		}
		users[p.key] = srv.NewUser(int64(900001+i), name, lang)
		langs[p.key] = lang
	}
	groupTitle, forumTitle := "招商专班工作群", "重点任务专班"
	if set.lang == "en" {
		groupTitle, forumTitle = "Investment work group", "Key tasks work group"
	}
	group := srv.NewGroup(-100900, groupTitle, users["杨帆"], users["王建国"])
	forum := srv.NewSupergroup(-1009000000001, forumTitle, true, users["杨帆"], users["王建国"])
	forum.SetBotRights(&telegramtest.Rights{CanManageTopics: true, CanPinMessages: true, CanInviteUsers: true})

	tokens := map[string]string{}
	fmt.Fprintln(w)
	for _, key := range []string{"杨帆", "王建国", "刘洋", "赵磊"} {
		fmt.Fprintf(w, "$ taskbot invite --person %s\n", key)
		p, err := models.PersonByKey(store.DB.WithContext(ctx), key)
		if err != nil {
			return err
		}
		token, err := store.CreateInvite(ctx, p.ID, 7*24*time.Hour)
		if err != nil {
			return err
		}
		tokens[key] = token
		fmt.Fprintf(w, "%s\t%s\n", key, InviteLink(srv.BotUser().Username, token))
	}

	botCtx, stopBot := context.WithCancel(ctx)
	defer stopBot()
	ready := make(chan struct{})
	botDone := make(chan error, 1)
	opts := botOptions{
		Token: srv.Token(), APIURL: srv.URL(), Admins: []string{fmt.Sprint(users["admin"].ID())},
		Rate: 25, TimeZone: "Asia/Shanghai", PollTimeout: time.Second, SendTimeout: 5 * time.Second,
		BotUsername:     srv.BotUser().Username,
		reminderOptions: defaultReminderOptions(),
		opsOptions:      opsOptions{StallAfter: 2 * time.Minute},
	}
	boardAddr := make(chan string, 1)
	if set.board {
		opts.webOptions = demoBoardOptions(boardAddr)
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() { botDone <- runBot(botCtx, store, opts, quiet, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-botDone:
		return fmt.Errorf("bot did not start: %w", err)
	}

	fmt.Fprintf(w, "\n== conversation ==\n")
	for _, step := range demoScript {
		if step.note != "" {
			tr.printf("\n# %s\n", step.note)
		}
		step = step.in(langs[step.who][:2])
		u := users[step.who]
		text := expandDay(expandTokens(step.say, step.who, tokens), set.start)
		waitCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		chat := u.ID()
		switch {
		case step.group:
			chat = group.ID()
		case step.forum:
			chat = forum.ID()
		}
		want := tr.botMessages(chat) + step.answers
		wantEdits := tr.botEdits(chat) + step.edits
		others := map[int64]int{}
		for who, n := range step.others {
			id := forum.ID()
			if who != "forum" {
				id = users[who].ID()
			}
			others[id] = tr.botMessages(id) + n
		}
		err := act(step, u, group, forum, text)
		if err == nil {
			err = tr.waitBotMessages(waitCtx, chat, want)
		}
		if err == nil {
			err = tr.waitBotEdits(waitCtx, chat, wantEdits)
		}
		for id, n := range others {
			if err == nil {
				err = tr.waitBotMessages(waitCtx, id, n)
			}
		}
		cancel()
		if err != nil {
			stopBot()
			return fmt.Errorf("demo step %q by %s: no answer: %w", text, step.who, err)
		}
	}

	// Let the last button presses be answered before stopping.
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_ = srv.WaitFor(waitCtx, func(st *telegramtest.State) bool { return st.UnansweredCallbacks() == 0 })
	cancel()
	if set.board {
		if err := serveDemoBoard(ctx, w, store, <-boardAddr, srv.Token(), users, langs, clock()); err != nil {
			return err
		}
		// Ctrl-C ended the board; the demo still finishes its files.
		ctx = context.WithoutCancel(ctx)
	}
	stopBot()
	if err := <-botDone; err != nil {
		return err
	}
	srv.Close() // flushes the transcript
	chart, ledger, err := writeDemoFiles(ctx, store, filepath.Dir(dbPath), users["王建国"])
	if err != nil {
		return err
	}
	inbox, err := store.InboxCounts(ctx)
	if err != nil {
		return err
	}
	outbox, err := store.OutboxCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== done ==\nupdates handled: %d, messages sent: %d, failed: %d, 429s received: %d\n",
		inbox[models.InboxDone], outbox[models.OutboxSent], outbox[models.OutboxFailed], srv.TooManyRequests())
	fmt.Fprintf(w, "summary chart: %s\nexported ledger: %s\n", chart, ledger)
	fmt.Fprintf(w, "database kept at %s (try: taskbot people --db %s)\n", dbPath, dbPath)
	if outbox[models.OutboxSent] == 0 {
		return errors.New("the demo sent nothing")
	}
	return nil
}

// transcript prints the fake server's events as they come and lets the
// script wait until the bot's answers are printed, so that the notes and
// the conversation stay in order.
type transcript struct {
	mu      sync.Mutex
	changed chan struct{}
	w       io.Writer
	bot     map[int64]int
	edits   map[int64]int
}

func newTranscript(w io.Writer) *transcript {
	return &transcript{w: w, bot: map[int64]int{}, edits: map[int64]int{}, changed: make(chan struct{})}
}

func (t *transcript) event(e telegramtest.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintln(t.w, indent(e.String()))
	switch e.Kind {
	case telegramtest.EventBotMessage:
		t.bot[e.ChatID]++
	case telegramtest.EventBotEdit:
		t.edits[e.ChatID]++
	default:
		return
	}
	close(t.changed)
	t.changed = make(chan struct{})
}

func (t *transcript) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format, args...)
}

func (t *transcript) botMessages(chat int64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bot[chat]
}

func (t *transcript) botEdits(chat int64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.edits[chat]
}

func (t *transcript) waitBotMessages(ctx context.Context, chat int64, n int) error {
	return t.wait(ctx, t.bot, chat, n)
}

func (t *transcript) waitBotEdits(ctx context.Context, chat int64, n int) error {
	return t.wait(ctx, t.edits, chat, n)
}

func (t *transcript) wait(ctx context.Context, counts map[int64]int, chat int64, n int) error {
	for {
		t.mu.Lock()
		got, changed := counts[chat], t.changed
		t.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// writeDemoFiles keeps the chart the leader received and an exported
// ledger next to the demo's database.
func writeDemoFiles(ctx context.Context, store *models.Store, dir string, leader *telegramtest.User) (string, string, error) {
	var png []byte
	for _, m := range leader.Messages() {
		if m.Photo != nil {
			png = m.Photo.Data
		}
	}
	if png == nil {
		return "", "", errors.New("the leader received no summary chart")
	}
	chart := filepath.Join(dir, demoFiles[0])
	if err := writeNewFile(chart, png); err != nil {
		return "", "", err
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return "", "", err
	}
	data, err := exportLedger(store, ".xlsx", "zh", shanghai, 7)
	if err != nil {
		return "", "", err
	}
	ledger := filepath.Join(dir, demoFiles[1])
	return chart, ledger, writeNewFile(ledger, data)
}

// writeNewFile writes a file that must not exist yet: the demo never
// overwrites anything.
func writeNewFile(name string, data []byte) error {
	f, err := models.CreatePrivate(name)
	if err != nil {
		return fmt.Errorf("demo file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("demo file %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("demo file %s: %w", name, err)
	}
	return nil
}

// act performs one step of the script as the simulated person.
func act(step demoStep, u *telegramtest.User, group, forum *telegramtest.Group, text string) error {
	switch {
	case step.group:
		group.SendText(u, text)
		return nil
	case step.forum && step.replyTo != "":
		target, ok := findMessage(forum.Messages(), step.replyTo)
		if !ok {
			return fmt.Errorf("no message %q to reply to in the forum", step.replyTo)
		}
		_, err := forum.ReplyTo(u, target, text)
		return err
	case step.forum:
		if topics := forum.Topics(); len(topics) > 0 {
			_, err := forum.SendInTopic(u, topics[0].ID, text)
			return err
		}
		forum.SendText(u, text)
		return nil
	case step.press != "":
		msg, data, ok := findButton(u.Messages(), step.press)
		if !ok {
			return fmt.Errorf("no button %q", step.press)
		}
		_, err := u.Press(msg, data)
		return err
	case step.replyTo != "":
		target, ok := findMessage(u.Messages(), step.replyTo)
		if !ok {
			return fmt.Errorf("no message %q to reply to", step.replyTo)
		}
		if step.photo {
			_, err := u.SendPhoto(text, target)
			return err
		}
		_, err := u.ReplyTo(target, text)
		return err
	}
	u.SendText(text)
	return nil
}

// findButton finds the newest message with a button whose label starts
// with label.
func findButton(msgs []telegramtest.Msg, label string) (int, string, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, row := range msgs[i].Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Text, label) {
					return msgs[i].ID, b.CallbackData, true
				}
			}
		}
	}
	return 0, "", false
}

// findMessage finds the newest message containing text ("last": the newest).
func findMessage(msgs []telegramtest.Msg, text string) (int, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if text == "last" || strings.Contains(msgs[i].Text, text) {
			return msgs[i].ID, true
		}
	}
	return 0, false
}

// demoPeople are the simulated people: their key in the task list, and
// their Telegram names in Chinese and in English.
var demoPeople = []struct {
	key, zh, en string
	english     bool // their Telegram is in English in either demo
}{
	{key: "admin", zh: "督查办", en: "Supervision Office"},
	{key: "stranger", zh: "路人甲", en: "Passer-by"},
	{key: "杨帆", zh: "杨帆", en: "Yang Fan"},
	{key: "王建国", zh: "王建国", en: "Wang Jianguo"},
	{key: "刘洋", zh: "Liu Yang", en: "Liu Yang", english: true},
	{key: "赵磊", zh: "赵磊", en: "Zhao Lei"},
}

// writeDemoList writes the example list, dated for the demo's day, as the
// CSV and workbook the demo imports, next to its database, so that the
// import can be tried again by hand.
func writeDemoList(dir string, day time.Time) ([]string, error) {
	list, err := examples.List(day)
	if err != nil {
		return nil, err
	}
	csvData, err := examples.CSV(list)
	if err != nil {
		return nil, err
	}
	xlsxData, err := examples.Workbook(list)
	if err != nil {
		return nil, err
	}
	names := []string{filepath.Join(dir, "tasks.csv"), filepath.Join(dir, "tasks.xlsx")}
	for i, data := range [][]byte{csvData, xlsxData} {
		if err := writeNewFile(names[i], data); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// dayPattern is "{day:+N}" in a script step: the demo's day plus N days.
var dayPattern = regexp.MustCompile(`\{day:([+-]\d+)\}`)

func expandDay(text string, start time.Time) string {
	return dayPattern.ReplaceAllStringFunc(text, func(m string) string {
		n, _ := strconv.Atoi(dayPattern.FindStringSubmatch(m)[1]) // the pattern admits only numbers
		return start.AddDate(0, 0, n).Format("2006-01-02")
	})
}

func expandTokens(text, who string, tokens map[string]string) string {
	text = strings.ReplaceAll(text, "{token}", tokens[who])
	for key, token := range tokens {
		text = strings.ReplaceAll(text, "{token:"+key+"}", token)
	}
	return text
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
