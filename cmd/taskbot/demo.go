package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"taskbot/bot/telegramtest"
	"taskbot/examples"
	"taskbot/importer"
	"taskbot/models"
)

func newDemoCommand(a *app) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the bot against a built-in fake Telegram and print the conversation",
		Long: `Run the real bot against a fake Telegram Bot API server on 127.0.0.1, on a
SQLite file: import the example task list, invite a few simulated people, let
them use the bot, print the conversation, and exit. No token or network needed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				d, err := os.MkdirTemp("", "taskbot-demo-")
				if err != nil {
					return err
				}
				dir = d
			}
			// The demo's own file, unless --db names one: the user's real
			// database must not fill with demo people.
			dbPath := filepath.Join(dir, "taskbot-demo.db")
			if cmd.Flags().Changed("db") || os.Getenv("TASKBOT_DB") != "" {
				dbPath = a.common.DB
			}
			return runDemo(cmd.Context(), cmd.OutOrStdout(), dbPath, a.log)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory for the demo's SQLite file (default: a new temporary directory)")
	return cmd
}

// demoScript is what the simulated people do, step by step. Each step waits
// for the bot's answers before the next one starts, so the transcript reads
// like a conversation.
type demoStep struct {
	who     string // key into the demo's users
	say     string // text to send; "{token}" is replaced by the user's invitation token
	group   bool   // say it in the work group's chat instead of privately
	answers int    // how many bot messages to wait for
	note    string // a line printed before the step
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
	{note: "A person in charge whose Telegram is in English gets English.", who: "刘洋", say: "/start {token}", answers: 1},
	{who: "刘洋", say: "/task T01", answers: 1},
	{who: "刘洋", say: "/lang zh", answers: 1},
	{note: "Admins may open any task.", who: "admin", say: "/task T04", answers: 1},
	{note: "In the work group the bot shows no task data.", who: "杨帆", group: true, say: "/mytasks@taskbot_demo_bot", answers: 1},
	{who: "杨帆", say: "/frobnicate", answers: 1},
}

// runDemo runs the whole demo and prints its transcript to w.
func runDemo(ctx context.Context, w io.Writer, dbPath string, log *slog.Logger) error {
	fmt.Fprintf(w, "== taskbot demo ==\ndatabase: %s\n\n", dbPath)
	store, err := models.Open(ctx, dbPath, models.Options{Logger: log})
	if err != nil {
		return err
	}
	defer store.Close()

	for _, f := range []struct {
		name string
		data []byte
	}{{"examples/tasks.csv", examples.TasksCSV}, {"examples/tasks.xlsx", examples.TasksXLSX}} {
		res, err := importFile(ctx, store, bytes.NewReader(f.data), f.name, importer.Options{Today: time.Now()}, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "$ taskbot import %s\n", f.name)
		printImportResult(w, res, false)
	}

	tr := newTranscript(w)
	srv, err := telegramtest.New(telegramtest.Options{OnEvent: tr.event})
	if err != nil {
		return err
	}
	defer srv.Close()

	users := map[string]*telegramtest.User{
		"admin":    srv.NewUser(900001, "督查办", "zh-hans"),
		"stranger": srv.NewUser(900002, "路人甲", "zh-hans"),
		"杨帆":       srv.NewUser(900011, "杨帆", "zh-hans"),
		"王建国":      srv.NewUser(900012, "王建国", "zh-hans"),
		"刘洋":       srv.NewUser(900013, "Liu Yang", "en"),
	}
	group := srv.NewGroup(-100900, "招商专班工作群", users["杨帆"], users["王建国"])

	tokens := map[string]string{}
	fmt.Fprintln(w)
	for _, key := range []string{"杨帆", "王建国", "刘洋"} {
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
		u := users[step.who]
		text := expandTokens(step.say, step.who, tokens)
		waitCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		chat := u.ID()
		if step.group {
			chat = group.ID()
		}
		want := tr.botMessages(chat) + step.answers
		if step.group {
			group.SendText(u, text)
		} else {
			u.SendText(text)
		}
		err := tr.waitBotMessages(waitCtx, chat, want)
		cancel()
		if err != nil {
			stopBot()
			return fmt.Errorf("demo step %q by %s: no answer: %w", text, step.who, err)
		}
	}

	stopBot()
	if err := <-botDone; err != nil {
		return err
	}
	srv.Close() // flushes the transcript
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
}

func newTranscript(w io.Writer) *transcript {
	return &transcript{w: w, bot: map[int64]int{}, changed: make(chan struct{})}
}

func (t *transcript) event(e telegramtest.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintln(t.w, indent(e.String()))
	if e.Kind == telegramtest.EventBotMessage {
		t.bot[e.ChatID]++
		close(t.changed)
		t.changed = make(chan struct{})
	}
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

func (t *transcript) waitBotMessages(ctx context.Context, chat int64, n int) error {
	for {
		t.mu.Lock()
		got, changed := t.bot[chat], t.changed
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
