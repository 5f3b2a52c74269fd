package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/bot"
	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/scheduler"
)

const adminID = 900

// harness feeds updates straight into the store and the processor and
// reads back what the bot queued, without Telegram in between.
type harness struct {
	t        *testing.T
	store    *models.Store
	proc     *bot.Processor
	nextID   int64
	seenRows map[uint]bool
}

func newHarness(t *testing.T, store *models.Store) *harness {
	t.Helper()
	catalog, err := bot.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	h := &bot.Handler{
		Catalog: catalog, Render: &bot.Renderer{Catalog: catalog},
		Admins: map[int64]bool{adminID: true}, BotUsername: "taskbot_demo_bot",
		Location: loc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if _, err := store.ImportTasks(context.Background(), sampleTasks(), false); err != nil {
		t.Fatal(err)
	}
	reminders := &scheduler.Reminders{Store: store, Writer: &bot.Reminders{Catalog: catalog, Render: h.Render, Location: loc},
		DefaultSpec: "0 9 * * 1-5", DefaultZone: loc, FollowUp: 4 * time.Hour, Logger: h.Logger}
	h.RemindTask = reminders.RemindTask
	return &harness{t: t, store: store, nextID: 1000, seenRows: map[uint]bool{},
		proc: &bot.Processor{Store: store, Handler: h, Catalog: catalog, Logger: h.Logger, PollInterval: time.Second}}
}

func sampleTasks() []models.TaskSpec {
	due := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	return []models.TaskSpec{
		{Code: "T01", Title: "招商引资 <重点> & 签约", Department: "区发改局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "完成招商对接", Due: due(3, 31)}, {Seq: 2, Title: "签约落地", Due: due(12, 31)}}},
		{Code: "T02", Title: "河道综合治理", Department: "区水利局",
			Leaders: []models.PersonSpec{{Name: "李明"}}, Attendants: []models.PersonSpec{{Name: "孙丽"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: "清淤", Due: due(12, 31)}}},
	}
}

type userRef struct {
	id   int64
	lang string
}

func (h *harness) update(fill func(u *tgmodels.Update)) int64 {
	h.nextID += 3
	u := &tgmodels.Update{ID: h.nextID}
	fill(u)
	raw, err := json.Marshal(u)
	if err != nil {
		h.t.Fatal(err)
	}
	row, err := bot.InboxRow(raw)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.store.SaveUpdates(context.Background(), []models.InboxUpdate{row}); err != nil {
		h.t.Fatal(err)
	}
	return u.ID
}

func message(from userRef, chat tgmodels.Chat, text string) func(u *tgmodels.Update) {
	return func(u *tgmodels.Update) {
		m := &tgmodels.Message{ID: 1, Date: 1, Chat: chat, Text: text,
			From: &tgmodels.User{ID: from.id, FirstName: "U", LanguageCode: from.lang}}
		if strings.HasPrefix(text, "/") {
			cmdLen := len(strings.SplitN(text, " ", 2)[0])
			m.Entities = []tgmodels.MessageEntity{{Type: tgmodels.MessageEntityTypeBotCommand, Offset: 0, Length: cmdLen}}
		}
		u.Message = m
	}
}

func private(id int64) tgmodels.Chat { return tgmodels.Chat{ID: id, Type: tgmodels.ChatTypePrivate} }

// say sends text from a user in their private chat, processes it, and
// returns the texts the bot queued for that chat.
func (h *harness) say(from userRef, text string) []string {
	h.t.Helper()
	h.update(message(from, private(from.id), text))
	return h.drain(from.id)
}

func (h *harness) drain(chat int64) []string {
	h.t.Helper()
	if _, err := h.proc.Drain(context.Background(), nil); err != nil {
		h.t.Fatal(err)
	}
	return h.newTexts(chat)
}

func (h *harness) newTexts(chat int64) []string {
	h.t.Helper()
	var rows []models.OutboxMessage
	if err := h.store.DB.Where("chat_id = ?", chat).Order("id").Find(&rows).Error; err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if h.seenRows[r.ID] {
			continue
		}
		h.seenRows[r.ID] = true
		if r.Kind == models.OutSetCommands {
			continue // the chat's command menu, not an answer
		}
		o, err := r.Outgoing()
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, o.Text)
	}
	return out
}

func (h *harness) invite(key string) string {
	h.t.Helper()
	p, err := models.PersonByKey(h.store.DB, key)
	if err != nil {
		h.t.Fatal(err)
	}
	token, err := h.store.CreateInvite(context.Background(), p.ID, time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	return token
}

func one(t *testing.T, texts []string) string {
	t.Helper()
	if len(texts) != 1 {
		t.Fatalf("want one answer, got %d: %q", len(texts), texts)
	}
	return texts[0]
}

func mustContain(t *testing.T, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("answer %q lacks %q", text, p)
		}
	}
}

func mustNotContain(t *testing.T, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(text, p) {
			t.Errorf("answer %q reveals %q", text, p)
		}
	}
}

func TestStrangerIsRefusedWithNoData(t *testing.T) {
	// A fixed clock: refusals are counted per hour, and a real one could
	// cross the hour between two messages.
	fixed := func() time.Time { return time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC) }
	storetest.Each(t, models.Options{Clock: fixed}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		stranger := userRef{id: 5555, lang: "zh-hans"}
		for i, text := range []string{"/mytasks", "/task T01", "hello", "/start", "/help"} {
			got := h.say(stranger, text)
			if i == 0 {
				mustContain(t, one(t, got), "邀请链接")
			} else if len(got) != 0 {
				t.Fatalf("%q: a second refusal within the hour: %q", text, got)
			}
			for _, g := range got {
				mustNotContain(t, g, "T01", "招商", "王建国", "T02")
			}
		}
		var people int64
		s.DB.Model(&models.Person{}).Where("telegram_id = ?", stranger.id).Count(&people)
		if people != 0 {
			t.Fatal("stranger bound")
		}
	})
}

func TestStartBindsAndGreets(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu := userRef{id: 101, lang: "zh"}
		tests := []struct {
			name  string
			token string
			want  string
		}{
			{"wrong token", "AAAAAAAAAAAAAAAAAAAAAA", "邀请链接无效"},
			{"valid", h.invite("刘洋"), "刘洋，您好"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				mustContain(t, one(t, h.say(liu, "/start "+tc.token)), tc.want)
			})
		}
		used := tests[1].token
		mustContain(t, one(t, h.say(userRef{id: 102}, "/start "+used)), "已被使用")
		mustContain(t, one(t, h.say(liu, "/start")), "已经绑定")

		sun := h.invite("孙丽")
		newer := h.invite("孙丽")
		mustContain(t, one(t, h.say(userRef{id: 103}, "/start "+sun)), "取代")
		mustContain(t, one(t, h.say(userRef{id: 103, lang: "en"}, "/start "+newer)), "Hello 孙丽", "T02", "special attendant")
	})
}

func TestTaskIsShownOnlyToItsPeopleAndAdmins(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu := userRef{id: 101}
		h.say(liu, "/start "+h.invite("刘洋"))

		own := one(t, h.say(liu, "/task t01"))
		mustContain(t, own, "🔴 <b>T01 招商引资 &lt;重点&gt; &amp; 签约", "完成招商对接", "专班联络员")
		mustNotContain(t, own, "<重点>")

		other := one(t, h.say(liu, "/task T02"))
		missing := one(t, h.say(liu, "/task T99"))
		if strings.ReplaceAll(other, "T02", "X") != strings.ReplaceAll(missing, "T99", "X") {
			t.Fatalf("someone else's task answers differently from a missing one:\n%s\n%s", other, missing)
		}
		mustNotContain(t, other, "河道", "李明")

		admin := userRef{id: adminID}
		mustContain(t, one(t, h.say(admin, "/task T02")), "河道综合治理", "李明")
		mustContain(t, one(t, h.say(liu, "/task")), "/task T07")

		mine := one(t, h.say(liu, "/mytasks"))
		mustContain(t, mine, "T01")
		mustNotContain(t, mine, "T02")
	})
}

func TestCommandsAndLanguage(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	h := newHarness(t, s)
	liu := userRef{id: 101}
	h.say(liu, "/start "+h.invite("刘洋"))
	tests := []struct {
		text string
		want []string
	}{
		{"/help", []string{"/mytasks", "/task", "/lang"}},
		{"/frobnicate", []string{"无法识别的命令 /frobnicate"}},
		{"/lang fr", []string{"/lang zh"}},
		{"/lang en", []string{"Language set to English"}},
		{"/help", []string{"Commands", "/mytasks"}},
		{"/mytasks", []string{"Your roles", "special attendant", "due 2026-03-31", "overdue"}},
		{"some text", []string{"/report T07"}},
		{"/lang zh", []string{"已切换为中文"}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			mustContain(t, one(t, h.say(liu, tc.text)), tc.want...)
		})
	}
}

func TestGroupMessagesAreIgnoredUnlessAddressed(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	h := newHarness(t, s)
	group := tgmodels.Chat{ID: -100200, Type: tgmodels.ChatTypeSupergroup, Title: "专班群"}
	liu := userRef{id: 101}
	h.say(liu, "/start "+h.invite("刘洋"))
	for _, text := range []string{"大家好", "/mytasks@other_bot", "2 80% 完成"} {
		h.update(message(liu, group, text))
		if got := h.drain(group.ID); len(got) != 0 {
			t.Fatalf("%q in a group answered: %q", text, got)
		}
	}
	h.update(message(liu, group, "/mytasks@taskbot_demo_bot"))
	got := one(t, h.drain(group.ID))
	mustContain(t, got, "私聊", "@taskbot_demo_bot")
	mustNotContain(t, got, "T01", "招商")
}

func TestRedeliveredUpdateAppliesOnce(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu := userRef{id: 101}
		token := h.invite("刘洋")
		id := h.update(message(liu, private(liu.id), "/start "+token))
		// Telegram sends the same update again (our confirmation was lost).
		raw, _ := json.Marshal(&tgmodels.Update{ID: id, Message: &tgmodels.Message{ID: 1, Chat: private(liu.id),
			From: &tgmodels.User{ID: liu.id}, Text: "/start " + token}})
		row, _ := bot.InboxRow(raw)
		if err := s.SaveUpdates(context.Background(), []models.InboxUpdate{row}); err != nil {
			t.Fatal(err)
		}
		got := h.drain(liu.id)
		mustContain(t, one(t, got), "刘洋，您好")
		// And a processor that crashed after committing finds nothing left.
		for _, r := range []models.InboxUpdate{row, row} {
			h.proc.Process(context.Background(), r)
		}
		if again := h.newTexts(liu.id); len(again) != 0 {
			t.Fatalf("redelivery answered again: %q", again)
		}
		var audits int64
		s.DB.Model(&models.AuditEvent{}).Where("kind = ?", "person_bound").Count(&audits)
		if audits != 1 {
			t.Fatalf("bound %d times", audits)
		}
	})
}

// A process killed mid-update leaves no trace; the update is handled again
// and applied once.
func TestCrashMidUpdateRollsBackAndRetries(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu := userRef{id: 101}
		h.update(message(liu, private(liu.id), "/start "+h.invite("刘洋")))
		pending, _ := s.PendingUpdates(context.Background(), 10)
		func() {
			defer func() { _ = recover() }()
			_ = s.Tx(context.Background(), func(tx *gorm.DB) error {
				if _, err := models.FinishUpdate(tx, pending[0].ID); err != nil {
					return err
				}
				if err := h.proc.Handler.Handle(context.Background(), tx, pending[0].ID, decode(t, pending[0])); err != nil {
					return err
				}
				panic("process killed before commit")
			})
		}()
		var bound int64
		s.DB.Model(&models.Person{}).Where("telegram_id = ?", liu.id).Count(&bound)
		if bound != 0 {
			t.Fatal("effects of an uncommitted update survived")
		}
		mustContain(t, one(t, h.drain(liu.id)), "刘洋，您好")
	})
}

// panicky panics on one chat's updates and hands the others on.
type panicky struct {
	inner bot.UpdateHandler
	chat  int64
	calls int
}

func (p *panicky) Handle(ctx context.Context, tx *gorm.DB, inboxID uint, u *tgmodels.Update) error {
	if u.Message != nil && u.Message.Chat.ID == p.chat {
		p.calls++
		panic("handler bug")
	}
	return p.inner.Handle(ctx, tx, inboxID, u)
}

func TestPanicIsContainedToItsUpdate(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	h := newHarness(t, s)
	bad := &panicky{inner: h.proc.Handler, chat: 666}
	h.proc.Handler = bad
	h.update(message(userRef{id: 666}, private(666), "/help"))
	h.update(message(userRef{id: adminID}, private(adminID), "/help"))
	mustContain(t, one(t, h.drain(adminID)), "/mytasks")
	if bad.calls != 1 {
		t.Fatalf("poisoned update tried %d times at once, want 1 before its retry", bad.calls)
	}
	mustContain(t, one(t, h.newTexts(666)), "自动重试")
	var poisoned models.InboxUpdate
	if err := s.DB.Where("chat_id = ?", 666).Take(&poisoned).Error; err != nil {
		t.Fatal(err)
	}
	if poisoned.State != models.InboxPending || poisoned.NextAttemptAt == nil || !contains(poisoned.LastError, "panic") {
		t.Fatalf("poisoned update %+v", poisoned)
	}
	counts, _ := s.InboxCounts(context.Background())
	if counts[models.InboxPending] != 1 || counts[models.InboxDone] != 1 {
		t.Fatalf("inbox %v", counts)
	}
}

func decode(t *testing.T, row models.InboxUpdate) *tgmodels.Update {
	t.Helper()
	var u tgmodels.Update
	if err := json.Unmarshal([]byte(row.Payload), &u); err != nil {
		t.Fatal(err)
	}
	return &u
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func asAPIError(err error, target **bot.APIError) bool { return errors.As(err, target) }

func TestRemindIsForLeadersAndAdmins(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		liu, wang, li := userRef{id: 101}, userRef{id: 102}, userRef{id: 103}
		h.say(liu, "/start "+h.invite("刘洋"))
		h.say(wang, "/start "+h.invite("王建国"))
		h.say(li, "/start "+h.invite("李明"))
		tests := []struct {
			name      string
			who       userRef
			text      string
			want      string
			reminders int
		}{
			{"attendant may not", liu, "/remind T01", "只有任务 T01 的包抓领导和管理员可以催办", 0},
			{"another task's leader may not", li, "/remind T01", "找不到任务 T01", 0},
			{"no code", wang, "/remind", "用法：/remind", 0},
			{"the leader may", wang, "/remind t01", "已向 T01 的 1 位专班联络员发送催办提醒", 1},
			{"an admin may", userRef{id: adminID}, "/remind T02", "已向 T02 的 0 位专班联络员发送催办提醒", 0},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				mustContain(t, one(t, h.say(tc.who, tc.text)), tc.want)
				got := h.newTexts(liu.id)
				if len(got) != tc.reminders {
					t.Fatalf("%d reminders to the attendant, want %d: %q", len(got), tc.reminders, got)
				}
				if tc.reminders > 0 {
					mustContain(t, got[0], "⏰ 王建国 催办", "T01", "完成招商对接")
				}
			})
		}
	})
}

func TestTimeZoneCommand(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	h := newHarness(t, s)
	liu := userRef{id: 101}
	h.say(liu, "/start "+h.invite("刘洋"))
	tests := []struct{ text, want string }{
		{"/tz", "当前时区：Asia/Shanghai"},
		{"/tz Mars/Olympus", "无法识别时区"},
		{"/tz Local", "无法识别时区"},
		{"/tz Europe/Berlin", "时区已设为 Europe/Berlin"},
		{"/tz", "当前时区：Europe/Berlin"},
	}
	for _, tc := range tests {
		mustContain(t, one(t, h.say(liu, tc.text)), tc.want)
	}
	p, _ := models.PersonByKey(s.DB, "刘洋")
	if p.TimeZone != "Europe/Berlin" {
		t.Fatalf("stored zone %q", p.TimeZone)
	}
}

// Telegram only sends callback data from buttons the bot showed that
// person, but the data is checked anyway: a forged "resolve" from someone
// who is not the task's leader changes nothing.
func TestForgedLeaderButtonsAreRefused(t *testing.T) {
	s := storetest.SQLite(t, models.Options{})
	h := newHarness(t, s)
	liu := userRef{id: 101}
	h.say(liu, "/start "+h.invite("刘洋"))
	d, _ := models.TaskByCode(s.DB, "T01")
	var closeReq *models.CloseRequest
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		for _, m := range d.Milestones {
			if _, err := models.RecordReport(tx, d.Attendants[0].ID, models.ReportInput{TaskID: d.Task.ID, MilestoneID: m.ID,
				State: models.StateDone}, s.Now()); err != nil {
				return err
			}
		}
		var err error
		closeReq, err = models.RequestClose(tx, d.Attendants[0].ID, d.Task.ID, s.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	req := models.CoordinationRequest{TaskID: d.Task.ID, RaisedByID: d.Attendants[0].ID, Text: "用地"}
	if err := s.DB.Create(&req).Error; err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{fmt.Sprintf("cr:%d", req.ID), fmt.Sprintf("ca:%d", req.ID), fmt.Sprintf("co:%d", closeReq.ID), fmt.Sprintf("cb:%d", closeReq.ID)} {
		h.update(func(u *tgmodels.Update) {
			u.CallbackQuery = &tgmodels.CallbackQuery{ID: "q" + data, From: tgmodels.User{ID: liu.id, FirstName: "L"}, Data: data}
		})
		if _, err := h.proc.Drain(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	var answers []string
	var rows []models.OutboxMessage
	s.DB.Where("kind = ?", models.OutAnswerCallback).Order("id").Find(&rows)
	for _, r := range rows {
		o, _ := r.Outgoing()
		answers = append(answers, o.Text)
	}
	if len(answers) != 4 {
		t.Fatalf("answers %q", answers)
	}
	for _, a := range answers {
		if !strings.Contains(a, "只有该任务的包抓领导") {
			t.Fatalf("a forged leader press answered %q (all: %q)", a, answers)
		}
	}
	var task models.Task
	s.DB.Take(&task, d.Task.ID)
	if task.Done {
		t.Fatal("a forged approval closed the task")
	}
	var after models.CoordinationRequest
	s.DB.Take(&after, req.ID)
	if after.ResolvedAt != nil {
		t.Fatal("a forged press resolved the request")
	}
}

// Guessing invite tokens gets nowhere: past a few wrong ones an account is
// answered like any stranger, at most once an hour, and even a valid token
// is not looked at until the hour has passed.
func TestWrongStartTokensAreThrottled(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		h := newHarness(t, s)
		guesser := userRef{id: 7777, lang: "zh-hans"}
		valid := h.invite("刘洋")
		for i := 0; i < models.MaxInviteFailures; i++ {
			mustContain(t, one(t, h.say(guesser, fmt.Sprintf("/start AAAAAAAAAAAAAAAAAAAA%02d", i))), "邀请链接无效")
			clock.Advance(time.Minute)
		}
		refusal := one(t, h.say(guesser, "/start AAAAAAAAAAAAAAAAAAAAzz"))
		mustContain(t, refusal, "需凭邀请链接开通")
		if got := h.say(guesser, "/start "+valid); len(got) != 0 {
			t.Fatalf("a valid token past the limit answered %q", got)
		}
		if got := h.say(guesser, "/start AAAAAAAAAAAAAAAAAAAAyy"); len(got) != 0 {
			t.Fatalf("a wrong token past the limit answered %q", got)
		}
		var bound int64
		s.DB.Model(&models.Person{}).Where("telegram_id = ?", guesser.id).Count(&bound)
		if bound != 0 {
			t.Fatal("a token was accepted past the limit")
		}
		clock.Advance(time.Hour)
		mustContain(t, one(t, h.say(guesser, "/start "+h.invite("刘洋"))), "刘洋，您好")
	})
}

// Telegram restarts update ids after a week without updates: an update
// that reuses an old id is answered like any other, not taken for the old
// one whose answers are still in the outbox.
func TestRestartedUpdateIDIsAnswered(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC))
	s := storetest.SQLite(t, models.Options{Clock: clock.Now})
	h := newHarness(t, s)
	liu := userRef{id: 101}
	h.say(liu, "/start "+h.invite("刘洋"))
	send := func(text string) []string {
		t.Helper()
		u := &tgmodels.Update{ID: 777}
		message(liu, private(liu.id), text)(u)
		raw, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		row, err := bot.InboxRow(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveUpdates(context.Background(), []models.InboxUpdate{row}); err != nil {
			t.Fatal(err)
		}
		return h.drain(liu.id)
	}
	mustContain(t, one(t, send("/mytasks")), "T01")
	clock.Advance(8 * 24 * time.Hour)
	mustContain(t, one(t, send("/help")), "/report")
}
