// Package bot is taskbot's Telegram adapter: it fetches and stores updates,
// turns each into domain calls inside one transaction, and renders answers
// into the outbox. Nothing outside this package imports go-telegram.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/models"
)

// Handler applies one update to the store. Everything it wants to say is
// written to the outbox in the caller's transaction, so that the update's
// effects and its answers commit or vanish together.
type Handler struct {
	Catalog     *Catalog
	Render      *Renderer
	Admins      map[int64]bool
	BotUsername string
	// Location is the time zone of people who have not chosen one.
	Location *time.Location
	Logger   *slog.Logger
	// LightRules decide the status lights shown (DefaultLightRules when
	// zero).
	LightRules models.LightRules
	// Rankings adds the lead departments' ranking, by task outcomes, to
	// the admins' summary; off unless an admin turns it on.
	Rankings bool
	// RemindTask queues a reminder round for one task inside tx (for
	// /remind); nil turns the command off.
	RemindTask func(tx *gorm.DB, taskID uint, byPerson *uint) (int, error)
	// CorrectionWindow is how long a report may be corrected or withdrawn
	// (models.DefaultCorrectionWindow when zero).
	CorrectionWindow time.Duration
	// Chats reads groups from Telegram for binding them (see Prepare);
	// nil turns binding off.
	Chats ChatReader
	// LeaveApproval makes a leave people record for themselves wait for
	// approval (models.DecideLeave) before it stops anything.
	LeaveApproval bool
	// DeputyCloseOut lets a deputy ask for close-out on the absent
	// person's behalf (models.CloseRules).
	DeputyCloseOut bool
	// BoardURL is the board's address, for the board buttons of
	// summaries; "" offers none (Telegram opens Mini Apps over HTTPS only).
	BoardURL string
	// InviteTTL is how long an invitation resent from a summary stays
	// valid (models.DefaultInviteTTL when zero).
	InviteTTL time.Duration
	// Commitments is the district's template of commitments (责任书); nil
	// uses the embedded one.
	Commitments models.CommitmentTemplate
}

func (h *Handler) correctionWindow() time.Duration {
	if h.CorrectionWindow > 0 {
		return h.CorrectionWindow
	}
	return models.DefaultCorrectionWindow
}

// turn is the handling of one update.
type turn struct {
	ctx     context.Context
	h       *Handler
	tx      *gorm.DB
	inboxID uint
	upd     *tgmodels.Update
	now     time.Time
	replies int
	// savepoint says a reply of several items is being recorded.
	savepoint bool
}

// Handle applies upd inside tx.
func (h *Handler) Handle(ctx context.Context, tx *gorm.DB, inboxID uint, upd *tgmodels.Update) error {
	t := &turn{ctx: ctx, h: h, tx: tx.WithContext(ctx), inboxID: inboxID, upd: upd, now: tx.NowFunc()}
	switch {
	case upd.Message != nil:
		return t.message(upd.Message)
	case upd.EditedMessage != nil:
		return t.editedMessage(upd.EditedMessage)
	case upd.CallbackQuery != nil:
		return t.callback(upd.CallbackQuery)
	case upd.MyChatMember != nil:
		return t.chatMember(upd.MyChatMember)
	}
	return nil
}

// send enqueues an answer.
func (t *turn) send(chatID int64, kind models.OutKind, out models.Outgoing) error {
	return models.Enqueue(t.tx, t.nextKey(), chatID, kind, out)
}

// nextKey is the idempotency key of the turn's next answer: the update's
// inbox row and the answer's place in the turn, so handling the same
// update again enqueues nothing new.
func (t *turn) nextKey() string {
	t.replies++
	return fmt.Sprintf("in%d.%d", t.inboxID, t.replies)
}

func (t *turn) reply(chatID int64, text string) error {
	return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: text})
}

// speaker is who wrote: the bound person if any, and whether an admin.
type speaker struct {
	person     *models.Person
	admin      bool
	lang       string
	telegramID int64
}

func (t *turn) speaker(from *tgmodels.User) (speaker, error) {
	s := speaker{admin: t.h.Admins[from.ID], telegramID: from.ID}
	if s.admin {
		if err := models.RememberAdminLanguage(t.tx, from.ID, from.LanguageCode); err != nil {
			return s, err
		}
	}
	p, err := models.PersonByTelegramID(t.tx, from.ID)
	switch {
	case err == nil:
		s.person = p
		s.lang = LanguageFor(p.Language, from.LanguageCode)
	case models.IsNotFound(err):
		s.lang = LanguageFor("", from.LanguageCode)
	default:
		return s, err
	}
	return s, nil
}

func (s speaker) known() bool { return s.person != nil || s.admin }

func (t *turn) message(m *tgmodels.Message) error {
	if m.Chat.Type != tgmodels.ChatTypePrivate {
		return t.groupMessage(m)
	}
	if m.From == nil || m.From.IsBot {
		// Channel posts carry no sender; the bot's own service messages
		// (a pin of its receipt) are not addressed to it.
		return nil
	}
	cmd, args, _ := t.command(m)
	who, err := t.speaker(m.From)
	if err != nil {
		return err
	}
	if cmd == "start" {
		return t.start(m, who, args)
	}
	if !who.known() {
		return t.refuse(m)
	}
	if who.person != nil && who.person.Unreachable {
		// Writing to the bot proves the chat is open again.
		if err := models.MarkReachable(t.tx, who.person.ID); err != nil {
			return err
		}
	}
	if m.ChatShared != nil {
		return t.chatShared(m, who)
	}
	if m.UsersShared != nil {
		return t.usersShared(m, who)
	}
	if cmd == "" {
		if handled, err := t.replyToBot(m, who); handled || err != nil {
			return err
		}
		if handled, err := t.visitMessage(m, who); handled || err != nil {
			return err
		}
		if handled, err := t.leaveDraftMessage(m, who); handled || err != nil {
			return err
		}
		if handled, err := t.offerInstruction(m, who); handled || err != nil {
			return err
		}
		if m.Text == "" {
			return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "file_not_expected", nil))
		}
		if utf8.RuneCountInString(m.Text) > 4096 {
			return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "problem_too_long", nil))
		}
		return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "text_not_understood", nil))
	}
	switch cmd {
	case "help":
		return t.help(m, who)
	case "mytasks":
		return t.myTasks(m, who)
	case "task":
		return t.task(m, who, args)
	case "lang":
		return t.lang(m, who, args)
	case "report":
		return t.reportCommand(m, who, args)
	case "tz":
		return t.timeZone(m, who, args)
	case "remind":
		return t.remind(m, who, args)
	case "coordinate":
		return t.coordinate(m, who, args)
	case "summary":
		return t.summary(m, who)
	case "overdue":
		return t.overdue(m, who)
	case "summaryat":
		return t.summaryAt(m, who, args)
	case "export":
		return t.export(m, who)
	case "close":
		return t.closeCommand(m, who, args)
	case "instruct":
		return t.instruct(m, who, args)
	case "leave":
		return t.leave(m, who, args)
	case "back":
		return t.back(m, who)
	case "extend":
		return t.extendCommand(m, who, args)
	case "visit":
		return t.visitCommand(m, who, args)
	case "commit":
		return t.commitCommand(m, who, args)
	case "group":
		return t.groupCommand(m, who)
	case "delivery":
		return t.delivery(m, who, args)
	}
	return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "unknown_command", map[string]any{"Command": E(truncateRunes("/"+cmd, 40))}))
}

// command splits "/task@taskbot_bot T07" into ("task", "T07", true).
// addressed is false when the command names another bot.
func (t *turn) command(m *tgmodels.Message) (cmd, args string, addressed bool) {
	return parseCommand(m.Text, t.h.BotUsername)
}

// parseCommand splits a command's text; see turn.command.
func parseCommand(text, botUsername string) (cmd, args string, addressed bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", false
	}
	head, rest, _ := strings.Cut(text, " ")
	if nl := strings.IndexByte(head, '\n'); nl >= 0 {
		rest = head[nl+1:] + " " + rest
		head = head[:nl]
	}
	name, target, hasTarget := strings.Cut(head[1:], "@")
	addressed = !hasTarget || strings.EqualFold(target, botUsername)
	return strings.ToLower(name), strings.TrimSpace(rest), addressed
}

func (t *turn) refuse(m *tgmodels.Message) error {
	lang := LanguageFor("", m.From.LanguageCode)
	// One refusal an hour per chat: a stranger who keeps writing learns
	// nothing more and cannot make the bot spam on their behalf.
	key := fmt.Sprintf("refuse:%d:%s", m.Chat.ID, t.now.UTC().Format("2006010215"))
	// The id is what an operator gives TASKBOT_ADMINS: writing to the bot
	// and reading this line is how one finds one's own.
	t.h.Logger.Info("message from someone not bound refused", "telegram_user", m.From.ID)
	return models.Enqueue(t.tx, key, m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: t.h.Catalog.T(lang, "refuse_unbound", nil)})
}

func (t *turn) start(m *tgmodels.Message, who speaker, token string) error {
	c := t.h.Catalog
	if token == "" {
		switch {
		case who.person != nil:
			return t.reply(m.Chat.ID, c.T(who.lang, "already_bound", map[string]any{"Name": E(who.person.Name)}))
		case who.admin:
			return t.reply(m.Chat.ID, c.T(who.lang, "admin_hello", nil))
		}
		return t.refuse(m)
	}
	var p *models.Person
	// Redeeming may move an account from another person, who then no
	// longer deputises for anyone.
	ended, err := models.DelegationsEndedBy(t.tx, t.now, func() error {
		var err error
		p, err = models.RedeemInvite(t.tx, token, m.From.ID, t.now)
		return err
	})
	if err == nil {
		err = t.h.NotifyDelegationsEnded(t.tx, ended)
	}
	lang := who.lang
	var refusal string
	switch {
	case err == nil:
	case errors.Is(err, models.ErrInviteThrottled):
		// Too many wrong tokens: answered like any stranger, once an hour,
		// so that the answer tells nothing about the token.
		t.h.Logger.Warn("invite tokens throttled", "telegram_user", m.From.ID)
		return t.refuse(m)
	case errors.Is(err, models.ErrInviteUnknown):
		refusal = "invite_unknown"
	case errors.Is(err, models.ErrInviteExpired):
		refusal = "invite_expired"
	case errors.Is(err, models.ErrInviteUsed):
		refusal = "invite_used"
	case errors.Is(err, models.ErrInviteRevoked):
		refusal = "invite_revoked"
	case errors.Is(err, models.ErrInviteAccountInUse):
		refusal = "invite_account_in_use"
	case errors.Is(err, models.ErrInvitePersonBound):
		refusal = "invite_person_bound"
	default:
		return err
	}
	if refusal != "" {
		return t.reply(m.Chat.ID, c.T(lang, refusal, nil))
	}
	lang = LanguageFor(p.Language, m.From.LanguageCode)
	if p.Language == "" {
		// Reminders and summaries come unprompted, with no client language
		// to go by: keep the one the person binds with.
		if err := models.SetLanguage(t.tx, p.ID, lang); err != nil {
			return err
		}
	}
	tasks, err := models.TasksOfPerson(t.tx, p.ID)
	if err != nil {
		return err
	}
	roleSet := map[models.Role]bool{}
	codes := make([]string, len(tasks))
	for i, d := range tasks {
		codes[i] = E(d.Task.Code)
		for _, r := range d.RolesOf(p.ID) {
			roleSet[r] = true
		}
	}
	var roles []models.Role
	for r := range roleSet {
		roles = append(roles, r)
	}
	sort.Slice(roles, func(i, j int) bool { return roleRank(roles[i]) < roleRank(roles[j]) })
	if err := t.h.queuePersonMenu(t.tx, m.Chat.ID, lang, commandsFor(roles, who.admin), fmt.Sprintf("menu:person:%d:%d", p.ID, m.From.ID)); err != nil {
		return err
	}
	taskLine := c.T(lang, "welcome_no_tasks", nil)
	if len(codes) > 0 {
		taskLine = c.T(lang, "welcome_tasks", map[string]any{"Codes": strings.Join(codes, c.T(lang, "list_sep", nil))})
	}
	return t.reply(m.Chat.ID, c.T(lang, "welcome", map[string]any{
		"Name":  E(p.Name),
		"Roles": t.h.Render.Roles(lang, roles),
		"Tasks": taskLine,
	}))
}

func roleRank(r models.Role) int {
	switch r {
	case models.RoleLeader:
		return 0
	case models.RoleOwner:
		return 1
	}
	return 2
}

func (t *turn) help(m *tgmodels.Message, who speaker) error {
	var roles []models.Role
	if who.person != nil {
		var err error
		if roles, err = rolesOf(t.tx, who.person.ID); err != nil {
			return err
		}
	}
	text := t.h.Catalog.roleHelp(who.lang, commandsFor(roles, who.admin))
	if who.admin {
		text += "\n\n" + t.h.Catalog.T(who.lang, "help_admin", nil)
	}
	return t.reply(m.Chat.ID, text)
}

func (t *turn) location(p *models.Person) *time.Location { return t.h.zoneOf(p) }

// zoneOf is the person's own time zone, else the bot's.
func (h *Handler) zoneOf(p *models.Person) *time.Location {
	if p != nil && p.TimeZone != "" {
		if loc, err := time.LoadLocation(p.TimeZone); err == nil {
			return loc
		}
	}
	return h.Location
}

func (t *turn) myTasks(m *tgmodels.Message, who speaker) error {
	if who.person == nil {
		return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "no_tasks", nil))
	}
	tasks, err := models.TasksOfPerson(t.tx, who.person.ID)
	if err != nil {
		return err
	}
	if len(tasks) == 0 {
		return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "no_tasks", nil))
	}
	loc := t.location(who.person)
	if err := t.attachLights(tasks, loc); err != nil {
		return err
	}
	entries := make([]string, len(tasks))
	for i, d := range tasks {
		entries[i] = t.h.Render.Task(who.lang, d, d.RolesOf(who.person.ID), t.now, loc)
	}
	for _, text := range SplitEntries(entries, "\n\n", MaxMessageRunes) {
		if err := t.reply(m.Chat.ID, text); err != nil {
			return err
		}
	}
	return nil
}

func (t *turn) task(m *tgmodels.Message, who speaker, args string) error {
	code := strings.ToUpper(strings.TrimSpace(args))
	if code == "" || strings.ContainsAny(code, " \n") || utf8.RuneCountInString(code) > 32 {
		return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "task_usage", nil))
	}
	d, roles, err := t.visibleTask(who, code)
	if err != nil {
		return err
	}
	if d == nil {
		return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "task_not_found", map[string]any{"Code": E(code)}))
	}
	one := []models.TaskDetail{*d}
	if err := t.attachLights(one, t.location(who.person)); err != nil {
		return err
	}
	text := t.h.Render.Task(who.lang, one[0], roles, t.now, t.location(who.person))
	visits, err := t.taskVisitLines(who.lang, d.Task.ID, t.location(who.person))
	if err != nil {
		return err
	}
	text += visits
	for _, part := range SplitEntries([]string{text}, "\n", MaxMessageRunes) {
		if err := t.reply(m.Chat.ID, part); err != nil {
			return err
		}
	}
	return nil
}

// visibleTask loads a task the reader may see, with their roles on it, or
// nil. A task the reader is not on looks exactly like one that does not
// exist: answers must not reveal which tasks there are.
func (t *turn) visibleTask(who speaker, code string) (*models.TaskDetail, []models.Role, error) {
	d, err := models.TaskByCode(t.tx, code)
	if models.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !viewer(who.person, who.admin).MaySee(d) {
		return nil, nil, nil
	}
	var roles []models.Role
	if who.person != nil {
		roles = d.RolesOf(who.person.ID)
	}
	return d, roles, nil
}

// viewer is the reader as the visibility rule knows them.
func viewer(p *models.Person, admin bool) models.Viewer {
	v := models.Viewer{Admin: admin}
	if p != nil {
		v.PersonID = p.ID
	}
	return v
}

func (t *turn) attachLights(tasks []models.TaskDetail, loc *time.Location) error {
	return models.AttachLights(t.tx, tasks, models.Today(t.now, loc), t.h.LightRules.OrDefault())
}

func (t *turn) lang(m *tgmodels.Message, who speaker, args string) error {
	choice := strings.ToLower(strings.TrimSpace(args))
	if choice != LangZH && choice != LangEN {
		return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "lang_usage", nil))
	}
	if who.person != nil {
		if err := models.SetLanguage(t.tx, who.person.ID, choice); err != nil {
			return err
		}
	}
	return t.reply(m.Chat.ID, t.h.Catalog.T(choice, "lang_set", nil))
}

// timeZone sets the zone reminders follow for the person.
func (t *turn) timeZone(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	name := strings.TrimSpace(args)
	if name == "" || who.person == nil {
		current := t.location(who.person).String()
		return t.reply(m.Chat.ID, c.T(who.lang, "tz_usage", map[string]any{"Zone": E(current)}))
	}
	loc, err := time.LoadLocation(name)
	if err != nil || strings.EqualFold(name, "local") {
		return t.reply(m.Chat.ID, c.T(who.lang, "tz_unknown", map[string]any{"Zone": E(truncateRunes(name, 64))}))
	}
	if err := t.tx.Model(who.person).Update("time_zone", loc.String()).Error; err != nil {
		return fmt.Errorf("set time zone of person %d: %w", who.person.ID, err)
	}
	if err := models.Audit(t.tx, &who.person.ID, nil, "time_zone", loc.String()); err != nil {
		return err
	}
	return t.reply(m.Chat.ID, c.T(who.lang, "tz_set", map[string]any{"Zone": E(loc.String()), "Now": t.now.In(loc).Format("15:04")}))
}

// remind lets a task's leader, or an admin, remind its attendants at once.
func (t *turn) remind(m *tgmodels.Message, who speaker, args string) error {
	return t.remindIn(m.Chat.ID, who, args)
}

// remindIn is /remind answered in chatID, for the command and for the 催办
// button of a summary.
func (t *turn) remindIn(chatID int64, who speaker, args string) error {
	c := t.h.Catalog
	code := strings.ToUpper(strings.TrimSpace(args))
	if code == "" || strings.ContainsAny(code, " \n") || t.h.RemindTask == nil {
		return t.reply(chatID, c.T(who.lang, "remind_usage", nil))
	}
	d, _, err := t.visibleTask(who, code)
	if err != nil {
		return err
	}
	if d == nil {
		return t.reply(chatID, c.T(who.lang, "task_not_found", map[string]any{"Code": E(code)}))
	}
	if !mayRemind(who, d) {
		return t.reply(chatID, c.T(who.lang, "remind_leaders_only", map[string]any{"Code": E(code)}))
	}
	var by *uint
	if who.person != nil {
		by = &who.person.ID
	}
	n, err := t.h.RemindTask(t.tx, d.Task.ID, by)
	if err != nil {
		return err
	}
	got, missing, err := t.reach(who.lang, d, d.Attendants)
	if err != nil {
		return err
	}
	text := c.T(who.lang, "remind_done", map[string]any{"Code": E(code), "Count": n})
	if len(got) > 0 {
		// The leader learns who has it, not only how many: a count hides
		// which attendant the 催办 missed.
		text += "\n" + c.T(who.lang, "remind_reached", map[string]any{"Names": strings.Join(got, c.T(who.lang, "list_sep", nil))})
	}
	return t.reply(chatID, text+missing)
}

// mayRemind tells whether the speaker may remind a task's attendants at
// once (催办): its leaders and admins.
func mayRemind(who speaker, d *models.TaskDetail) bool {
	return who.admin || (who.person != nil && d.HasRole(who.person.ID, models.RoleLeader))
}

func (t *turn) callback(q *tgmodels.CallbackQuery) error {
	who, err := t.speaker(&q.From)
	if err != nil {
		return err
	}
	if inGroup(q) {
		alert, err := t.groupGate(q, who)
		if err != nil {
			return err
		}
		if alert != "" {
			return t.answerAlert(q, alert)
		}
	}
	if who.person == nil && who.admin && (isExtensionDecision(q.Data) || isLeaveDecision(q.Data)) {
		// An admin on no task decides a request no leader could be told
		// of.
		return t.reportCallback(q, who)
	}
	if _, _, ok := parseBindButton(q.Data); ok && who.known() {
		return t.bindButtonPressed(q, who)
	}
	if kind, n, ok := parseSummaryButton(q.Data); ok && who.known() {
		return t.summaryButton(q, who, kind, n)
	}
	if who.person == nil {
		text := t.h.Catalog.T(who.lang, "callback_expired", nil)
		if !who.known() {
			text = t.h.Catalog.T(who.lang, "refuse_unbound", nil)
		}
		return t.answer(q, text)
	}
	return t.reportCallback(q, who)
}

// chatMember follows a person blocking or unblocking the bot, and the
// bot's membership of groups.
func (t *turn) chatMember(u *tgmodels.ChatMemberUpdated) error {
	if u.Chat.Type != tgmodels.ChatTypePrivate {
		return t.groupMember(u)
	}
	p, err := models.PersonByTelegramID(t.tx, u.From.ID)
	if models.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	switch u.NewChatMember.Type {
	case tgmodels.ChatMemberTypeBanned, tgmodels.ChatMemberTypeLeft:
		if p.Unreachable {
			return nil
		}
		if err := t.tx.Model(p).Update("unreachable", true).Error; err != nil {
			return fmt.Errorf("mark person %d unreachable: %w", p.ID, err)
		}
		if err := models.Audit(t.tx, &p.ID, nil, "person_unreachable", "blocked the bot"); err != nil {
			return err
		}
		return t.h.NotifyUnreachable(t.tx, p)
	case tgmodels.ChatMemberTypeMember:
		return models.MarkReachable(t.tx, p.ID)
	}
	return nil
}

// NotifyUnreachable tells every admin that a person can no longer be
// reached. It runs inside the transaction that marked them so.
func (h *Handler) NotifyUnreachable(tx *gorm.DB, p *models.Person) error {
	now := tx.NowFunc()
	for admin := range h.Admins {
		lang, err := adminLang(tx, admin)
		if err != nil {
			return err
		}
		key := fmt.Sprintf("unreachable:%d:%d:%d", p.ID, admin, now.UnixNano())
		text := h.Catalog.T(lang, "admin_unreachable", map[string]any{"Name": E(p.Key)})
		if err := models.Enqueue(tx, key, admin, models.OutSendMessage, models.Outgoing{Text: text}); err != nil {
			return err
		}
	}
	return nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
