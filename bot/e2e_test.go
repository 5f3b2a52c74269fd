package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/outbox"
	"taskbot/report"
	"taskbot/scheduler"
	"taskbot/telegramtest"
)

// e2e runs the whole bot — poller, processor, dispatcher and reminders —
// against the fake Telegram server, with a clock the test moves.
type e2e struct {
	t         *testing.T
	srv       *telegramtest.Server
	store     *models.Store
	clock     *storetest.Clock
	reminders *scheduler.Reminders
	handler   *bot.Handler
	users     map[string]*telegramtest.User
	outcomes  chan struct{}
}

// advance moves the clock once everything queued has gone out: a jump of
// hours while a send is in flight would expire its lease, which only a
// dispatcher that died can let happen.
func (e *e2e) advance(d time.Duration) {
	e.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		counts, err := e.store.OutboxCounts(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if counts[models.OutboxPending]+counts[models.OutboxSending] == 0 {
			break
		}
		select {
		case <-e.outcomes:
		case <-timeout:
			e.t.Fatalf("outbox did not drain: %v", counts)
		}
	}
	e.clock.Advance(d)
}

func startE2E(t *testing.T, open func(testing.TB, models.Options) *models.Store) *e2e {
	t.Helper()
	// Monday 2026-11-23 08:00 in Shanghai.
	clock := storetest.NewClock(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	store := open(t, models.Options{Clock: clock.Now})
	srv, err := telegramtest.New(telegramtest.Options{RateLimits: &telegramtest.RateLimits{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := store.ImportTasks(ctx, sampleTasks(), false); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	catalog, err := bot.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	render := &bot.Renderer{Catalog: catalog}
	handler := &bot.Handler{Catalog: catalog, Render: render, Admins: map[int64]bool{adminID: true},
		BotUsername: srv.BotUser().Username, Location: shanghai, Logger: log}
	api, err := tg.New(srv.Token(), tg.WithServerURL(srv.URL()), tg.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	handler.Chats = &bot.TelegramChats{API: api}
	outcomes := make(chan struct{}, 1)
	dispatcher, err := outbox.New(outbox.Options{Store: store, Sender: bot.NewSender(api), GlobalRate: 1000,
		PerChatInterval: time.Millisecond, PerGroupInterval: time.Millisecond, PollInterval: 20 * time.Millisecond,
		Logger: log, OnUnreachable: handler.NotifyUnreachable,
		Draw: func(ctx context.Context, out models.Outgoing) (models.Outgoing, error) {
			return handler.DrawDeferred(ctx, store.DB, out)
		},
		OnOutcome: func(outbox.Outcome) {
			select {
			case outcomes <- struct{}{}:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	proc := &bot.Processor{Store: store, Handler: handler, Catalog: catalog, Logger: log,
		PollInterval: 20 * time.Millisecond, Handled: dispatcher.Notify}
	poller := &bot.Poller{ServerURL: srv.URL(), Token: srv.Token(), Store: store, Client: &http.Client{Timeout: 10 * time.Second},
		PollTimeout: time.Second, Logger: log, Stored: proc.Wake}
	writer := &bot.Reminders{Catalog: catalog, Render: render, Location: shanghai}
	reminders := &scheduler.Reminders{Store: store, Writer: writer, Groups: writer,
		DefaultSpec: "0 9 * * 1-5", DefaultZone: shanghai, CatchUp: 6 * time.Hour, FollowUp: 4 * time.Hour, EscalateAfter: 2,
		Interval: time.Hour, Logger: log, Enqueued: dispatcher.Notify, Returns: handler}
	handler.RemindTask = reminders.RemindTask
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{dispatcher.Run, proc.Run, poller.Run} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	e := &e2e{t: t, srv: srv, store: store, clock: clock, reminders: reminders, handler: handler, users: map[string]*telegramtest.User{}, outcomes: outcomes}
	for i, key := range []string{"刘洋", "孙丽", "王建国"} {
		u := srv.NewUser(int64(201+i), key, "zh-hans")
		e.users[key] = u
		p, err := models.PersonByKey(store.DB, key)
		if err != nil {
			t.Fatal(err)
		}
		token, err := store.CreateInvite(ctx, p.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		u.SendText("/start " + token)
		e.wait(u, 1)
	}
	return e
}

// wait returns the bot's messages to u once there are n of them.
func (e *e2e) wait(u *telegramtest.User, n int) []telegramtest.Msg {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	msgs, err := u.WaitMessages(ctx, n)
	if err != nil {
		var texts []string
		for _, m := range msgs {
			texts = append(texts, m.Text)
		}
		e.t.Fatalf("waiting for %d messages to %s: %v; got %q", n, u.FirstName(), err, texts)
	}
	return msgs
}

// inPlace does act and waits until the bot's message id satisfies cond:
// the bot answered by editing that message, and sent nothing new.
func (e *e2e) inPlace(u *telegramtest.User, id int, act func(), cond func(telegramtest.Msg) bool) telegramtest.Msg {
	e.t.Helper()
	e.advance(0)
	before := len(u.Messages())
	act()
	var got telegramtest.Msg
	e.waitFor(fmt.Sprintf("message %d edited", id), func(st *telegramtest.State) bool {
		for _, m := range st.Messages(u.ID()) {
			if m.ID == id && cond(m) {
				got = m
				return true
			}
		}
		return false
	})
	if n := len(u.Messages()); n != before {
		e.t.Fatalf("%d new messages where one was edited in place: %+v", n-before, u.Messages()[before:])
	}
	return got
}

// waitFor waits until cond holds for the fake server's state.
func (e *e2e) waitFor(what string, cond func(*telegramtest.State) bool) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.srv.WaitFor(ctx, cond); err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// next sends text (or does act) and returns the bot's next k messages.
func (e *e2e) next(u *telegramtest.User, k int, act func()) []telegramtest.Msg {
	e.t.Helper()
	// People answer what they have received; a reply faster than the bot
	// records its own sending would find no context.
	e.advance(0)
	before := len(u.Messages())
	act()
	return e.wait(u, before+k)[before : before+k]
}

func (e *e2e) tick() {
	e.t.Helper()
	if err := e.reminders.Tick(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *e2e) milestone(code string, seq int) models.Milestone {
	e.t.Helper()
	d, err := models.TaskByCode(e.store.DB, code)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range d.Milestones {
		if m.Seq == seq {
			return m
		}
	}
	e.t.Fatalf("no milestone %s#%d", code, seq)
	return models.Milestone{}
}

func has(t *testing.T, m telegramtest.Msg, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(m.Text, p) {
			t.Errorf("message %q lacks %q", m.Text, p)
		}
	}
}

func TestReminderAndEveryFormOfReply(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	liu := e.users["刘洋"]

	e.tick() // schedules the first slot: 09:00 Shanghai
	e.advance(time.Hour + time.Minute)
	reminder := e.next(liu, 1, e.tick)[0]
	has(t, reminder, "T01", "完成招商对接", "签约落地")
	if len(reminder.Buttons) != 2 {
		t.Fatalf("reminder buttons %+v", reminder.Buttons)
	}
	e.tick()
	if n := len(liu.Messages()); n != 2 {
		t.Fatalf("a second tick sent again: %d messages", n)
	}

	// 1. Buttons: milestone → state → detail, all in the reminder itself.
	chosen := e.inPlace(liu, reminder.ID, func() {
		if _, err := liu.Press(reminder.ID, reminder.Buttons[0][0].CallbackData); err != nil {
			t.Fatal(err)
		}
	}, func(m telegramtest.Msg) bool { _, ok := m.Button("节点1 · 正常推进"); return ok })
	if chosen.Text != reminder.Text {
		t.Fatalf("choosing a milestone changed the reminder's text: %q", chosen.Text)
	}
	back, _ := chosen.Button("‹ 返回")
	again := e.inPlace(liu, reminder.ID, func() {
		if _, err := liu.Press(reminder.ID, back.CallbackData); err != nil {
			t.Fatal(err)
		}
	}, func(m telegramtest.Msg) bool {
		return len(m.Buttons) == len(reminder.Buttons) && m.Buttons[0][0].CallbackData == reminder.Buttons[0][0].CallbackData
	})
	chosen = e.inPlace(liu, reminder.ID, func() {
		if _, err := liu.Press(reminder.ID, again.Buttons[0][0].CallbackData); err != nil {
			t.Fatal(err)
		}
	}, func(m telegramtest.Msg) bool { _, ok := m.Button("节点1 · 正常推进"); return ok })
	onTrack, _ := chosen.Button("节点1 · 正常推进")
	acked := e.inPlace(liu, reminder.ID, func() {
		if _, err := liu.Press(reminder.ID, onTrack.CallbackData); err != nil {
			t.Fatal(err)
		}
	}, func(m telegramtest.Msg) bool { return strings.Contains(m.Text, "已记录") })
	has(t, acked, "📝 已记录", "节点1", "正常推进", "可直接回复本消息补充百分比和说明")
	if strings.Contains(acked.Text, "✅") || strings.Count(acked.Text, "已记录") != 1 {
		t.Fatalf("acknowledgement of a report not done: %q", acked.Text)
	}
	if _, ok := acked.Button("➕ 百分比/说明"); !ok {
		t.Fatalf("acknowledgement offers no percent and note: %+v", acked.Buttons)
	}
	// Replying to the acknowledgement adds to the report: the
	// acknowledgement shows it in its place, and nothing new is said.
	var repliedID int
	detail := e.inPlace(liu, reminder.ID, func() {
		r, err := liu.ReplyTo(reminder.ID, "60% 已对接三家企业")
		if err != nil {
			t.Fatal(err)
		}
		repliedID = r.ID
	}, func(m telegramtest.Msg) bool { return strings.Contains(m.Text, "60%") })
	has(t, detail, "正常推进 · 60%", "已对接三家企业")
	if _, ok := detail.Button("➕ 百分比/说明"); ok {
		t.Fatalf("completed acknowledgement still asks for detail: %+v", detail.Buttons)
	}
	e.waitFor("👌 on the detail", func(st *telegramtest.State) bool {
		for _, m := range st.History(liu.ID()) {
			if m.ID == repliedID {
				return len(m.Reactions) == 1 && m.Reactions[0] == "👌"
			}
		}
		return false
	})
	if m := e.milestone("T01", 1); m.State != models.StateOnTrack || m.Percent != 60 {
		t.Fatalf("milestone after buttons: %+v", m)
	}
	// The ledger keeps the state alone and its completion, the way it keeps
	// a correction; the task's history reads them as one report, struck
	// through nowhere.
	d, err := models.TaskByCode(e.store.DB, "T01")
	if err != nil {
		t.Fatal(err)
	}
	page, err := report.BuildTaskPage(e.store.DB, *d, e.clock.Now(), models.LightRules{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.History) != 1 || page.History[0].Superseded || page.History[0].Corrects || page.History[0].Percent == nil || *page.History[0].Percent != 60 {
		t.Fatalf("button report and its percent in the history: %+v", page.History)
	}

	// 2. A text reply to the reminder.
	ack := e.next(liu, 1, func() {
		if _, err := liu.ReplyTo(reminder.ID, "2 受阻 等待用地审批"); err != nil {
			t.Fatal(err)
		}
	})[0]
	has(t, ack, "节点2", "受阻", "等待用地审批")

	// 3. The command, from anywhere.
	ack = e.next(liu, 1, func() { liu.SendText("/report T01 1 80% 签约在即") })[0]
	has(t, ack, "节点1", "80%", "签约在即")

	// 4. A photo replying to the acknowledgement is kept on that report.
	withPhoto := e.next(liu, 1, func() {
		if _, err := liu.SendPhoto("", ack.ID); err != nil {
			t.Fatal(err)
		}
	})[0]
	has(t, withPhoto, "附件：1")
	var files int64
	e.store.DB.Model(&models.Attachment{}).Count(&files)
	if files != 1 {
		t.Fatalf("%d attachments stored", files)
	}

	// 5. Editing the reply corrects the report; the old one stays.
	var cmd telegramtest.Msg
	for _, m := range liu.History() {
		if !m.FromBot && strings.HasPrefix(m.Text, "/report T01 1 80%") {
			cmd = m
		}
	}
	fixed := e.next(liu, 1, func() {
		if _, err := liu.EditMessage(cmd.ID, "/report T01 1 90% 签约在即"); err != nil {
			t.Fatal(err)
		}
	})[0]
	has(t, fixed, "90%")
	var superseded int64
	e.store.DB.Model(&models.Report{}).Where("superseded_by IS NOT NULL").Count(&superseded)
	if superseded != 2 { // the button report (by its detail) and the edited one
		t.Fatalf("%d superseded reports, want 2", superseded)
	}
	if m := e.milestone("T01", 1); m.Percent != 90 {
		t.Fatalf("milestone after edit: %+v", m)
	}

	// Ambiguous: asked back with buttons, never guessed.
	ask := e.next(liu, 1, func() { liu.SendText("/report T01 80") })[0]
	if len(ask.Buttons) != 2 {
		t.Fatalf("ambiguous reply not asked back with milestone buttons: %+v", ask)
	}
	var before int64
	e.store.DB.Model(&models.Report{}).Count(&before)
	ack = e.next(liu, 1, func() {
		if _, err := liu.Press(ask.ID, ask.Buttons[1][0].CallbackData); err != nil {
			t.Fatal(err)
		}
	})[0]
	has(t, ack, "节点2", "80%")

	// Someone else's task: refused, nothing stored.
	var reports int64
	e.store.DB.Model(&models.Report{}).Count(&reports)
	refusal := e.next(liu, 1, func() { liu.SendText("/report T02 1 done") })[0]
	has(t, refusal, "找不到任务 T02")
	wang := e.users["王建国"]
	refusal = e.next(wang, 1, func() { wang.SendText("/report T01 1 done") })[0]
	has(t, refusal, "只有任务 T01 的专班联络员和责任人可以报告进展")
	var after int64
	e.store.DB.Model(&models.Report{}).Count(&after)
	if after != reports {
		t.Fatalf("a refused report was stored: %d → %d", reports, after)
	}
}

func TestFollowUpAndEscalation(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	sun, wang := e.users["孙丽"], e.users["王建国"]
	e.tick()
	e.advance(time.Hour + time.Minute) // Monday 09:01
	first := e.next(sun, 1, e.tick)[0]
	has(t, first, "T02", "进展提醒")

	e.advance(4 * time.Hour) // 13:01, nobody reported
	followUp := e.next(sun, 1, e.tick)[0]
	has(t, followUp, "再次提醒")
	if n := len(wang.Messages()); n != 1 {
		t.Fatalf("leader told after one silent slot: %d messages", n)
	}
	e.tick()
	if n := len(sun.Messages()); n != 3 {
		t.Fatalf("follow-up sent twice: %d messages", n)
	}
	e.advance(20 * time.Hour) // Tuesday 09:01
	e.next(sun, 1, e.tick)
	e.advance(4 * time.Hour)
	var leaderMsgs []telegramtest.Msg
	e.next(sun, 1, func() {
		leaderMsgs = e.next(wang, 1, e.tick)
	})
	has(t, leaderMsgs[0], "催报", "刘洋", "2 次", "T01")
}

func TestMissedSlotCaughtUpOnceOrSkipped(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	sun := e.users["孙丽"]
	e.tick()
	// Down from before 09:00 until 11:00: the slot is 2 h late, sent once.
	e.advance(3 * time.Hour)
	e.next(sun, 1, e.tick)
	e.tick()
	if n := len(sun.Messages()); n != 2 {
		t.Fatalf("caught-up slot sent %d times", n-1)
	}
	// Down from Tuesday 08:00 to 16:00: the slot is 7 h late, and the
	// follow-up of Monday's reminder (due Monday 15:00) 25 h late: both
	// skipped. The outbox is drained before counting, so that a message
	// queued by the tick is counted whenever it arrives.
	e.advance(29 * time.Hour)
	e.tick()
	e.advance(0)
	if n := len(sun.Messages()); n != 2 {
		t.Fatalf("%d messages sent after the downtime: %q", n-2, sun.Messages()[2:][0].Text)
	}
	for _, kind := range []string{"reminder_skipped", "follow_up_skipped"} {
		var skipped int64
		e.store.DB.Model(&models.AuditEvent{}).Where("kind = ?", kind).Count(&skipped)
		if skipped == 0 {
			t.Fatalf("%s not in the audit trail", kind)
		}
	}
}

func TestCorrectAndWithdrawFromTheAcknowledgement(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	liu := e.users["刘洋"]
	ack := e.next(liu, 1, func() { liu.SendText("/report T01 1 受阻 等待审批") })[0]
	correct, withdraw := ack.Buttons[0][0].CallbackData, ack.Buttons[0][1].CallbackData

	ask := e.next(liu, 1, func() {
		if _, err := liu.Press(ack.ID, correct); err != nil {
			t.Fatal(err)
		}
	})[0]
	if !ask.ForceReply {
		t.Fatalf("correction not asked with a forced reply: %+v", ask)
	}
	fixed := e.next(liu, 1, func() {
		if _, err := liu.ReplyTo(ask.ID, "1 有风险 审批延后一周"); err != nil {
			t.Fatal(err)
		}
	})[0]
	has(t, fixed, "有风险", "审批延后一周")
	if m := e.milestone("T01", 1); m.State != models.StateAtRisk {
		t.Fatalf("after correction: %+v", m)
	}
	// The first acknowledgement's buttons now belong to a superseded report.
	if answer := e.press(liu, ack.ID, withdraw); !strings.Contains(answer, "已被更正或撤回") {
		t.Fatalf("withdrawing a superseded report answered %q", answer)
	}
	if m := e.milestone("T01", 1); m.State != models.StateAtRisk {
		t.Fatalf("a superseded report was withdrawn: %+v", m)
	}
	done := e.next(liu, 1, func() {
		if _, err := liu.Press(fixed.ID, fixed.Buttons[0][1].CallbackData); err != nil {
			t.Fatal(err)
		}
	})[0]
	has(t, done, "已撤回", "未开始")
	if m := e.milestone("T01", 1); m.State != models.StatePending {
		t.Fatalf("after withdrawal: %+v", m)
	}
	// Half an hour later the buttons are closed.
	again := e.next(liu, 1, func() { liu.SendText("/report T01 2 80%") })[0]
	e.advance(31 * time.Minute)
	if answer := e.press(liu, again.ID, again.Buttons[0][1].CallbackData); !strings.Contains(answer, "不能再更正") {
		t.Fatalf("late press answered %q", answer)
	}
	if m := e.milestone("T01", 2); m.Percent != 80 {
		t.Fatalf("withdrawn after the window: %+v", m)
	}
}

// press presses a button and returns the bot's answer to the press.
func (e *e2e) press(u *telegramtest.User, msgID int, data string) string {
	e.t.Helper()
	e.advance(0)
	before := len(e.srv.CallbackAnswers())
	if _, err := u.Press(msgID, data); err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := e.srv.WaitFor(ctx, func(st *telegramtest.State) bool { return len(st.CallbackAnswers()) > before })
	if err != nil {
		e.t.Fatalf("press not answered: %v", err)
	}
	e.advance(0)
	return e.srv.CallbackAnswers()[before].Text
}

func TestCoordinationReachesTheLeaderAndBack(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	liu, wang, sun := e.users["刘洋"], e.users["王建国"], e.users["孙丽"]
	var toLeader telegramtest.Msg
	e.next(liu, 1, func() {
		toLeader = e.next(wang, 1, func() { liu.SendText("/report T01 2 受阻 等待用地审批") })[0]
	})
	has(t, toLeader, "协调请求", "T01", "刘洋：等待用地审批")
	if len(toLeader.Buttons) != 1 || len(toLeader.Buttons[0]) != 2 {
		t.Fatalf("coordination buttons %+v", toLeader.Buttons)
	}
	answerBtn, resolveBtn := toLeader.Buttons[0][0].CallbackData, toLeader.Buttons[0][1].CallbackData

	ask := e.next(wang, 1, func() {
		if _, err := wang.Press(toLeader.ID, answerBtn); err != nil {
			t.Fatal(err)
		}
	})[0]
	var toTeam telegramtest.Msg
	e.next(wang, 1, func() {
		toTeam = e.next(liu, 1, func() {
			if _, err := wang.ReplyTo(ask.ID, "已与自然资源局对接，周五前解决"); err != nil {
				t.Fatal(err)
			}
		})[0]
	})
	has(t, toTeam, "领导答复", "等待用地审批", "王建国：已与自然资源局对接，周五前解决")
	var open int64
	e.store.DB.Model(&models.CoordinationRequest{}).Where("resolved_at IS NULL").Count(&open)
	if open != 1 {
		t.Fatalf("answered request closed: %d open", open)
	}
	resolved := e.next(liu, 1, func() {
		if answer := e.press(wang, toLeader.ID, resolveBtn); answer != "已标记为已解决" {
			t.Errorf("resolve answered %q", answer)
		}
	})[0]
	has(t, resolved, "已由 王建国 标记为已解决")
	if answer := e.press(wang, toLeader.ID, resolveBtn); !strings.Contains(answer, "已经解决") {
		t.Fatalf("second resolve answered %q", answer)
	}

	// /coordinate goes to the leader too, and only from the task's people.
	e.next(liu, 1, func() {
		msg := e.next(wang, 1, func() { liu.SendText("/coordinate T01 需协调招商资金") })[0]
		has(t, msg, "刘洋：需协调招商资金")
	})
	has(t, e.next(sun, 1, func() { sun.SendText("/coordinate T01 我想插手") })[0], "找不到任务 T01")
}

func TestInstructionIsConfirmed(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	liu, wang, sun := e.users["刘洋"], e.users["王建国"], e.users["孙丽"]
	has(t, e.next(liu, 1, func() { liu.SendText("/instruct T01 本周完成签约") })[0], "只有任务 T01 的包抓领导可以作出批示")
	has(t, e.next(wang, 1, func() { wang.SendText("/instruct T02 加快清淤") })[0], "找不到任务 T02")
	var instruction telegramtest.Msg
	e.next(wang, 1, func() {
		instruction = e.next(liu, 1, func() { wang.SendText("/instruct T01 本周完成签约") })[0]
	})
	has(t, instruction, "领导批示", "王建国：本周完成签约")
	if n := len(sun.Messages()); n != 1 {
		t.Fatalf("an instruction on T01 reached T02's attendant")
	}
	if answer := e.press(liu, instruction.ID, instruction.Buttons[0][0].CallbackData); answer != "已确认收到" {
		t.Fatalf("confirm answered %q", answer)
	}
	if answer := e.press(liu, instruction.ID, instruction.Buttons[0][0].CallbackData); answer != "您已确认过。" {
		t.Fatalf("second confirm answered %q", answer)
	}
	var confirmed int64
	e.store.DB.Model(&models.InstructionReceipt{}).Where("confirmed_at IS NOT NULL").Count(&confirmed)
	if confirmed != 1 {
		t.Fatalf("%d receipts confirmed", confirmed)
	}
}

func TestDailySummaryAtEachLeadersTime(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	e.reminders.Summaries = &bot.Summaries{Handler: e.handler}
	e.reminders.SummaryAt = "18:00"
	wang := e.users["王建国"]
	e.tick() // Monday 08:00 Shanghai
	e.advance(10 * time.Hour)
	e.tick() // 18:00: the summary is due
	summary := e.wait(wang, 2)[1]
	has(t, summary, "重点任务汇总 2026-11-23", "T01")
	e.tick()
	if n := len(wang.Messages()); n != 2 {
		t.Fatalf("summary sent twice: %d messages", n)
	}
	has(t, e.next(wang, 1, func() { wang.SendText("/summaryat 17:30") })[0], "每日汇总时间已设为 17:30")
	has(t, e.next(wang, 1, func() { wang.SendText("/summaryat 25:00") })[0], "用法：/summaryat")
	// Down from Tuesday 17:00 to 19:00: the 17:30 summary is caught up once.
	e.advance(23 * time.Hour)
	e.tick()
	e.advance(2 * time.Hour)
	second := e.next(wang, 1, e.tick)[0]
	has(t, second, "重点任务汇总 2026-11-24")
	e.tick()
	if n := len(wang.Messages()); n != 5 {
		t.Fatalf("%d messages, want 5", n)
	}
	var marks int64
	e.store.DB.Model(&models.SummaryMark{}).Count(&marks)
	if marks == 0 {
		t.Fatal("summary lights not remembered")
	}
}

func TestExportInChatIsForAdmins(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	liu := e.users["刘洋"]
	has(t, e.next(liu, 1, func() { liu.SendText("/export") })[0], "只有管理员可以导出台账")
	admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
	doc := e.next(admin, 1, func() { admin.SendText("/export") })[0]
	if doc.Document == nil || !strings.HasSuffix(doc.Document.Name, ".xlsx") || len(doc.Document.Data) < 1000 {
		t.Fatalf("export document %+v", doc.Document)
	}
	if !strings.Contains(doc.Caption, "3 个节点") {
		t.Fatalf("caption %q", doc.Caption)
	}
	// The update's transaction queued the document without drawing it.
	var row models.OutboxMessage
	if err := e.store.DB.Where("chat_id = ? AND kind = ?", adminID, models.OutSendDocument).Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.BlobID != nil || !strings.Contains(row.Payload, `"deferred"`) {
		t.Fatalf("queued export %+v, want the ledger deferred to its sending", row)
	}
}

func TestCloseOutNeedsTheLeader(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	liu, wang := e.users["刘洋"], e.users["王建国"]
	has(t, e.next(liu, 1, func() { liu.SendText("/close T01") })[0], "还有未完成的节点")
	e.next(liu, 1, func() { liu.SendText("/report T01 1 done") })
	ack := e.next(liu, 1, func() { liu.SendText("/report T01 2 100% 已签约") })[0]
	if len(ack.Buttons) != 2 || !strings.Contains(ack.Buttons[1][0].Text, "申请销号") {
		t.Fatalf("last milestone's acknowledgement offers no close-out: %+v", ack.Buttons)
	}
	var request telegramtest.Msg
	e.next(liu, 1, func() {
		request = e.next(wang, 1, func() {
			if _, err := liu.Press(ack.ID, ack.Buttons[1][0].CallbackData); err != nil {
				t.Fatal(err)
			}
		})[0]
	})
	has(t, request, "销号申请", "T01", "刘洋")
	ask := e.next(wang, 1, func() {
		if _, err := wang.Press(request.ID, request.Buttons[0][1].CallbackData); err != nil {
			t.Fatal(err)
		}
	})[0]
	var returned telegramtest.Msg
	e.next(wang, 1, func() {
		returned = e.next(liu, 1, func() {
			if _, err := wang.ReplyTo(ask.ID, "请补充验收材料"); err != nil {
				t.Fatal(err)
			}
		})[0]
	})
	has(t, returned, "被 王建国 退回：请补充验收材料")
	var task models.Task
	e.store.DB.Where("code = ?", "T01").Take(&task)
	if task.Done {
		t.Fatal("a returned close-out closed the task")
	}
	second := e.next(wang, 1, func() { e.next(liu, 1, func() { liu.SendText("/close T01") }) })[0]
	approved := e.next(liu, 1, func() {
		if answer := e.press(wang, second.ID, second.Buttons[0][0].CallbackData); answer != "已批准销号" {
			t.Errorf("approve answered %q", answer)
		}
	})[0]
	has(t, approved, "已由 王建国 批准销号")
	e.store.DB.Where("code = ?", "T01").Take(&task)
	if !task.Done || task.ClosedAt == nil {
		t.Fatal("approved task not closed")
	}
	has(t, e.next(liu, 1, func() { liu.SendText("/report T01 1 受阻") })[0], "已销号")
}

func TestSummaryOnDemandWithItsChart(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	wang := e.users["王建国"]
	var more []models.TaskSpec
	for i := range 4 {
		more = append(more, models.TaskSpec{Code: fmt.Sprintf("T1%d", i), Title: "新增任务", Department: "区发改局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "节点", Due: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	}
	if _, err := e.store.ImportTasks(context.Background(), append(sampleTasks(), more...), false); err != nil {
		t.Fatal(err)
	}
	msgs := e.next(wang, 2, func() { wang.SendText("/summary") })
	has(t, msgs[0], "重点任务汇总", "🔴 1", "T01")
	if msgs[1].Photo == nil || !strings.Contains(msgs[1].Caption, "🟢 4") {
		t.Fatalf("no chart after the summary: %+v", msgs[1])
	}
	if _, err := png.Decode(bytes.NewReader(msgs[1].Photo.Data)); err != nil {
		t.Fatalf("chart is not a PNG: %v", err)
	}
	overdue := e.next(wang, 1, func() { wang.SendText("/overdue") })[0]
	has(t, overdue, "逾期节点", "T01", "完成招商对接", "已逾期")
}

// A leader's reply to a summary entry is an instruction on that task.
func TestReplyToSummaryIsAnInstruction(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	wang, liu := e.users["王建国"], e.users["刘洋"]
	extra := models.TaskSpec{Code: "T03", Title: "营商环境", Department: "区政务局",
		Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "孙丽"}},
		Milestones: []models.MilestoneSpec{{Seq: 1, Title: "评估", Due: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	if _, err := e.store.ImportTasks(context.Background(), append(sampleTasks(), extra), false); err != nil {
		t.Fatal(err)
	}
	summary := e.next(wang, 1, func() { wang.SendText("/summary") })[0]
	has(t, summary, "T01", "T03")
	has(t, e.next(wang, 1, func() {
		if _, err := wang.ReplyTo(summary.ID, "抓紧"); err != nil {
			t.Fatal(err)
		}
	})[0], "请以任务编号开头回复")
	var instruction telegramtest.Msg
	e.next(wang, 1, func() {
		instruction = e.next(liu, 1, func() {
			if _, err := wang.ReplyTo(summary.ID, "T01 本周内完成签约"); err != nil {
				t.Fatal(err)
			}
		})[0]
	})
	has(t, instruction, "领导批示", "T01", "本周内完成签约")
}

// Each leader's summary comes at their own local time.
func TestSummariesFollowEachLeadersZone(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	e.reminders.Summaries = &bot.Summaries{Handler: e.handler}
	e.reminders.SummaryAt = "18:00"
	wang := e.users["王建国"]
	li := e.srv.NewUser(204, "李明", "en")
	p, _ := models.PersonByKey(e.store.DB, "李明")
	token, err := e.store.CreateInvite(context.Background(), p.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.next(li, 1, func() { li.SendText("/start " + token) })
	has(t, e.next(li, 1, func() { li.SendText("/tz Europe/Berlin") })[0], "Europe/Berlin")
	e.tick() // Monday 00:00 UTC: 08:00 in Shanghai, 01:00 in Berlin
	e.advance(10 * time.Hour)
	e.next(wang, 1, e.tick) // 18:00 Shanghai
	if n := len(li.Messages()); n != 2 {
		t.Fatalf("Berlin leader summarised at 11:00 local: %d messages", n)
	}
	e.advance(7 * time.Hour) // 18:00 Berlin (CET, UTC+1)
	summary := e.next(li, 1, e.tick)[0]
	has(t, summary, "Key tasks summary 2026-11-23", "🟢 1")
}

// Admins get the summary of every task daily; no ranking unless turned on.
func TestAdminsDailySummary(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	admin := e.srv.NewUser(adminID, "督查办", "zh-hans")
	e.reminders.Summaries = &bot.Summaries{Handler: e.handler, Admins: map[int64]bool{adminID: true}}
	e.reminders.SummaryAt = "18:00"
	e.reminders.Admins = []int64{adminID}
	e.tick()
	e.advance(10 * time.Hour)
	msgs := e.next(admin, 1, e.tick)
	has(t, msgs[0], "重点任务汇总", "🔴 1", "T01")
	if strings.Contains(msgs[0].Text, "牵头单位") {
		t.Fatalf("a ranking nobody turned on: %q", msgs[0].Text)
	}
	e.tick()
	if n := len(admin.Messages()); n != 1 {
		t.Fatalf("admin summary sent %d times", n)
	}
}

// A done report by buttons is marked ✅, and its note can be added by the
// acknowledgement's own button: one forced-reply question, whose answer
// completes the acknowledgement in place.
func TestButtonReportDoneAndItsNoteByButton(t *testing.T) {
	e := startE2E(t, storetest.SQLite)
	liu := e.users["刘洋"]
	e.tick()
	e.advance(time.Hour + time.Minute)
	reminder := e.next(liu, 1, e.tick)[0]
	before := len(liu.Messages())

	chosen := e.inPlace(liu, reminder.ID, func() {
		if _, err := liu.Press(reminder.ID, reminder.Buttons[1][0].CallbackData); err != nil {
			t.Fatal(err)
		}
	}, func(m telegramtest.Msg) bool { _, ok := m.Button("节点2 · 已完成"); return ok })
	done, _ := chosen.Button("节点2 · 已完成")
	acked := e.inPlace(liu, reminder.ID, func() {
		if _, err := liu.Press(reminder.ID, done.CallbackData); err != nil {
			t.Fatal(err)
		}
	}, func(m telegramtest.Msg) bool { return strings.Contains(m.Text, "已记录") })
	has(t, acked, "✅ 已记录", "节点2", "已完成")
	add, ok := acked.Button("➕ 百分比/说明")
	if !ok {
		t.Fatalf("acknowledgement offers no note: %+v", acked.Buttons)
	}
	ask := e.next(liu, 1, func() {
		if _, err := liu.Press(reminder.ID, add.CallbackData); err != nil {
			t.Fatal(err)
		}
	})[0]
	if !ask.ForceReply || strings.Contains(ask.Text, "已记录") {
		t.Fatalf("the question for the note: %+v", ask)
	}
	completed := e.inPlace(liu, reminder.ID, func() {
		if _, err := liu.ReplyTo(ask.ID, "已签约两家"); err != nil {
			t.Fatal(err)
		}
	}, func(m telegramtest.Msg) bool { return strings.Contains(m.Text, "已签约两家") })
	has(t, completed, "✅ 已记录", "状态：已完成", "说明：已签约两家")
	// The report took one message of the bot's own, and one question asked
	// for on purpose.
	if n := len(liu.Messages()) - before; n != 1 {
		t.Fatalf("%d new messages for one button report and its note", n)
	}
	if m := e.milestone("T01", 2); m.State != models.StateDone {
		t.Fatalf("milestone after its note: %+v", m)
	}
	// Once the report can no longer be changed, a reply to its
	// acknowledgement is a report of its own.
	e.advance(31 * time.Minute)
	later := e.next(liu, 1, func() {
		if _, err := liu.ReplyTo(reminder.ID, "60% 已对接三家企业"); err != nil {
			t.Fatal(err)
		}
	})[0]
	has(t, later, "📝 已记录", "节点1", "正常推进 · 60%")
	if m := e.milestone("T01", 2); m.State != models.StateDone {
		t.Fatalf("a late reply changed the done milestone: %+v", m)
	}
}
