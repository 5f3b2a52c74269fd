package bot

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/models"
)

// groupRequestID is the request_id of the keyboard button that asks for a
// work group (/group); a chat_shared answer carries it back.
const groupRequestID = 1

// purposeBindGroup marks the private message whose buttons bind tasks to
// a group shared with the request button; the group's id follows.
const purposeBindGroup = "bindgroup:"

// maxBindButtons bounds the tasks offered as buttons after a group is
// shared; the others are bound with /bind in the group.
const maxBindButtons = 20

// GroupCommands are the commands of a work group's own menu
// (BotCommandScopeChat), set when a group is first bound.
var GroupCommands = []string{"report", "bind", "unbind", "delivery", "ack"}

// binder is the speaker as the binding rules know them.
func (s speaker) binder() models.Binder {
	b := models.Binder{TelegramID: s.telegramID, Admin: s.admin}
	if s.person != nil {
		b.PersonID = &s.person.ID
	}
	return b
}

// displayName names the speaker in notices: the person, or "admin".
func (t *turn) displayName(lang string, s speaker) string {
	if s.person != nil {
		return E(s.person.Key)
	}
	return t.h.Catalog.T(lang, "who_admin", map[string]any{"ID": s.telegramID})
}

// groupMessage handles a message in a group: the bot's own commands
// there, and, in a work group, reports (see groupReport). Everything else
// people say in the group is neither answered, stored as a report, nor
// logged.
func (t *turn) groupMessage(m *tgmodels.Message) error {
	switch {
	case m.MigrateToChatID != 0:
		return t.migrated(m.Chat.ID, m.MigrateToChatID)
	case m.MigrateFromChatID != 0:
		return t.migrated(m.MigrateFromChatID, m.Chat.ID)
	}
	cmd, args, addressed := parseCommand(textOf(m), t.h.BotUsername)
	command := cmd != "" && addressed
	toBot := m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.IsBot &&
		strings.EqualFold(m.ReplyToMessage.From.Username, t.h.BotUsername)
	if m.SenderChat != nil {
		// An anonymous administrator, or a channel, writes as the chat:
		// nobody to bind a task or a report to.
		if command || (toBot && !isTopicRoot(m)) {
			return t.groupReply(m, t.h.Catalog.T(LangZH, "group_anonymous", nil))
		}
		return t.forget()
	}
	if m.From == nil || m.From.IsBot {
		return t.forget()
	}
	if !command {
		handled, err := t.groupReport(m, toBot)
		if err != nil || handled {
			return err
		}
		return t.forget()
	}
	who, err := t.speaker(m.From)
	if err != nil {
		return err
	}
	switch cmd {
	case "bind":
		return t.bindHere(m, who, args)
	case "unbind":
		return t.unbindHere(m, who, args)
	case "delivery":
		return t.delivery(m, who, args)
	case "ack":
		return t.ackMode(m, who, args)
	case "report":
		if handled, err := t.groupReportCommand(m, who, args); handled || err != nil {
			return err
		}
	}
	// In groups the bot answers nothing else, and never with task data:
	// everyone in the group would read it.
	return t.groupReply(m, t.h.Catalog.T(who.lang, "group_private_only", map[string]any{"Bot": E(t.h.BotUsername)}))
}

// forget drops what the update said: group chatter the bot received (as
// an administrator, or in its topics) is not the bot's to keep.
func (t *turn) forget() error { return models.ForgetUpdate(t.tx, t.inboxID) }

// isTopicRoot tells a message whose only reply is the implicit one of
// every forum topic message to the topic's first message.
func isTopicRoot(m *tgmodels.Message) bool {
	return m.IsTopicMessage && m.ReplyToMessage != nil && m.ReplyToMessage.ID == m.MessageThreadID
}

// groupReply answers a message in a group, in its topic, quietly.
func (t *turn) groupReply(m *tgmodels.Message, text string) error {
	return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: text, ReplyTo: m.ID, MessageThreadID: topicOf(m), Silent: true})
}

// topicOf is the forum topic a message was posted in, 0 outside topics:
// message_thread_id means a topic only with is_topic_message.
func topicOf(m *tgmodels.Message) int {
	if m.IsTopicMessage {
		return m.MessageThreadID
	}
	return 0
}

// taskCodes splits "T07 T08,T09" into upper-case codes.
func taskCodes(args string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(args, func(r rune) bool { return r == ' ' || r == ',' || r == '，' || r == '、' || r == '\n' }) {
		code := strings.ToUpper(f)
		if utf8.RuneCountInString(code) <= 32 && !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out
}

// bindableTasks resolves codes to tasks for a binding by who: a code the
// speaker may not know of (on none of its roles, not an admin) reads as
// unknown. It returns the first unknown code, if any.
func (t *turn) bindableTasks(who speaker, codes []string) ([]*models.TaskDetail, string, error) {
	var out []*models.TaskDetail
	for _, code := range codes {
		d, roles, err := t.visibleTask(who, code)
		if err != nil {
			return nil, "", err
		}
		if d == nil || (!who.admin && len(roles) == 0) {
			return nil, code, nil
		}
		out = append(out, d)
	}
	return out, "", nil
}

// bindHere handles "/bind@bot T07 [T08…]" in a group.
func (t *turn) bindHere(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	if !who.known() {
		return t.groupReply(m, c.T(who.lang, "bind_not_allowed_any", nil))
	}
	codes := taskCodes(args)
	if len(codes) == 0 {
		return t.groupReply(m, c.T(who.lang, "bind_usage", map[string]any{"Bot": E(t.h.BotUsername)}))
	}
	tasks, unknown, err := t.bindableTasks(who, codes)
	if err != nil {
		return err
	}
	if unknown != "" {
		return t.groupReply(m, c.T(who.lang, "task_not_found", map[string]any{"Code": E(unknown)}))
	}
	f, ok := factsFor(t.ctx, m.Chat.ID)
	if !ok || f.gone {
		return t.groupReply(m, c.T(who.lang, "group_check_failed", nil))
	}
	refusal, lines, err := t.bind(who, f.chat, tasks)
	if err != nil {
		return err
	}
	if refusal != "" {
		return t.groupReply(m, refusal)
	}
	return t.groupReply(m, c.T(who.lang, "bind_done", map[string]any{"Tasks": lines, "Bot": E(t.h.BotUsername)}))
}

// bind binds the tasks to the group and queues what follows (topics, the
// group's command menu, a word to the admins). It returns why the binding
// was refused, or the lines saying what each task is bound with.
func (t *turn) bind(who speaker, chat models.GroupChat, tasks []*models.TaskDetail) (refusal, lines string, err error) {
	c := t.h.Catalog
	ids := make([]uint, len(tasks))
	for i, d := range tasks {
		ids[i] = d.Task.ID
	}
	res, err := models.BindWorkGroup(t.tx, who.binder(), chat, ids, t.now)
	var (
		missing *models.MissingRightsError
		closed  *models.TaskClosedError
		refused *models.NotBinderError
	)
	switch {
	case errors.As(err, &missing):
		return c.T(who.lang, "bind_missing_rights", map[string]any{"Missing": t.missingRights(who.lang, missing.Missing)}), "", nil
	case errors.As(err, &closed):
		return c.T(who.lang, "bind_task_closed", map[string]any{"Code": E(closed.Code)}), "", nil
	case errors.As(err, &refused):
		return c.T(who.lang, "bind_not_allowed", map[string]any{"Code": E(refused.Code)}), "", nil
	case err != nil:
		return "", "", err
	}
	for _, task := range res.CreateTopics {
		if err := t.h.createTopic(t.tx, task, chat.ChatID); err != nil {
			return "", "", err
		}
	}
	for i := range res.ReopenTopics {
		if err := t.h.setTopicClosed(t.tx, &res.ReopenTopics[i], false); err != nil {
			return "", "", err
		}
	}
	if res.NewGroup {
		if err := t.h.groupMenu(t.tx, chat.ChatID, true); err != nil {
			return "", "", err
		}
	}
	deliveries, err := models.GroupDeliveries(t.tx, ids)
	if err != nil {
		return "", "", err
	}
	var out []string
	for _, d := range tasks {
		out = append(out, c.T(who.lang, "bind_task_line", map[string]any{"Code": E(d.Task.Code), "Title": E(d.Task.Title),
			"Delivery": c.T(who.lang, "delivery_"+string(deliveries[d.Task.ID].Binding.Delivery), nil)}))
	}
	if len(res.Bound) > 0 {
		err := t.h.tellAdmins(t.tx, fmt.Sprintf("group-bound:%d:%d", chat.ChatID, t.inboxID), func(lang string) string {
			return c.T(lang, "admin_group_bound", map[string]any{"Title": E(chat.Title), "Codes": E(taskList(res.Bound)), "Who": t.displayName(lang, who)})
		})
		if err != nil {
			return "", "", err
		}
	}
	return "", strings.Join(out, "\n"), nil
}

// missingRights says what the bot lacks, as one instruction.
func (t *turn) missingRights(lang string, missing []models.Right) string {
	key := "right_member"
	switch {
	case slices.Contains(missing, models.RightMember):
	case slices.Contains(missing, models.RightAdmin):
		key = "right_admin_topics"
	case slices.Contains(missing, models.RightManageTopics):
		key = "right_topics"
	}
	return t.h.Catalog.T(lang, key, nil)
}

func taskList(tasks []models.Task) string {
	codes := make([]string, len(tasks))
	for i, task := range tasks {
		codes[i] = task.Code
	}
	return strings.Join(codes, ", ")
}

// unbindHere handles "/unbind@bot [T07…]" in a group.
func (t *turn) unbindHere(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	if !who.known() {
		return t.groupReply(m, c.T(who.lang, "bind_not_allowed_any", nil))
	}
	var ids []uint
	if codes := taskCodes(args); len(codes) > 0 {
		tasks, unknown, err := t.bindableTasks(who, codes)
		if err != nil {
			return err
		}
		if unknown != "" {
			return t.groupReply(m, c.T(who.lang, "task_not_found", map[string]any{"Code": E(unknown)}))
		}
		for _, d := range tasks {
			ids = append(ids, d.Task.ID)
		}
	}
	res, err := models.UnbindWorkGroup(t.tx, who.binder(), m.Chat.ID, ids, t.now)
	var (
		refused  *models.NotBinderError
		notBound *models.NotBoundError
	)
	switch {
	case models.IsNotFound(err):
		return t.groupReply(m, c.T(who.lang, "group_not_bound", nil))
	case errors.As(err, &notBound):
		return t.groupReply(m, c.T(who.lang, "unbind_not_bound", map[string]any{"Code": E(notBound.Code)}))
	case errors.As(err, &refused) && refused.Code != "":
		return t.groupReply(m, c.T(who.lang, "bind_not_allowed", map[string]any{"Code": E(refused.Code)}))
	case errors.As(err, &refused):
		return t.groupReply(m, c.T(who.lang, "bind_not_allowed_any", nil))
	case err != nil:
		return err
	}
	if err := t.unbound(res, func(lang string) string { return t.displayName(lang, who) }); err != nil {
		return err
	}
	return t.groupReply(m, c.T(who.lang, "unbind_done", map[string]any{"Codes": E(taskList(res.Tasks))}))
}

// unbound follows an unbinding: the group loses its menu when it has no
// task left, and the admins are told.
func (t *turn) unbound(res *models.UnbindResult, who func(lang string) string) error {
	if res.Emptied {
		if err := t.h.groupMenu(t.tx, res.Group.ChatID, false); err != nil {
			return err
		}
	}
	return t.h.tellAdmins(t.tx, fmt.Sprintf("group-unbound:%d:%d", res.Group.ChatID, t.inboxID), func(lang string) string {
		return t.h.Catalog.T(lang, "admin_group_unbound", map[string]any{"Title": E(res.Group.Title), "Codes": E(taskList(res.Tasks)), "Who": who(lang)})
	})
}

// groupMember follows the bot's membership of a group: removed (left or
// kicked), it unbinds the group and tells the admins; promoted or
// demoted, it keeps its rights as seen.
func (t *turn) groupMember(u *tgmodels.ChatMemberUpdated) error {
	r := botRightsOf(u.NewChatMember)
	if r.Member() {
		_, err := models.RecordBotRights(t.tx, u.Chat.ID, r, t.now)
		return err
	}
	by := strings.TrimSpace(u.From.FirstName + " " + u.From.LastName)
	res, err := models.WorkGroupGone(t.tx, u.Chat.ID, fmt.Sprintf("bot %s by %s (%d)", r.Status, by, u.From.ID))
	if err != nil || res == nil {
		return err
	}
	// The group takes nothing from the bot any more: its menu goes with it.
	return t.h.tellAdmins(t.tx, fmt.Sprintf("group-removed:%d:%d", u.Chat.ID, t.inboxID), func(lang string) string {
		return t.h.Catalog.T(lang, "admin_group_removed", map[string]any{"Title": E(res.Group.Title), "Codes": E(taskList(res.Tasks)), "Who": E(by)})
	})
}

// migrated follows a group that became a supergroup, announced in both
// chats: the work group and its queue move (models.MigrateChat, which a
// send to the old id may have done already), and the new chat, a work
// group, gets its menu, once.
func (t *turn) migrated(from, to int64) error {
	if _, err := models.MigrateChat(t.tx, from, to); err != nil {
		return err
	}
	if _, err := models.WorkGroupByChat(t.tx, to); err != nil {
		if models.IsNotFound(err) {
			return nil
		}
		return err
	}
	return t.h.groupMenuOnce(t.tx, to, fmt.Sprintf("menu-migrated:%d:%d", from, to))
}

// groupCommand starts the private way of binding: a keyboard button that
// asks for the group (Telegram adds or promotes the bot as it is picked).
func (t *turn) groupCommand(m *tgmodels.Message, who speaker) error {
	c := t.h.Catalog
	ok, err := t.mayBindSome(who)
	if err != nil {
		return err
	}
	if !ok {
		return t.reply(m.Chat.ID, c.T(who.lang, "bind_not_allowed_any", nil))
	}
	return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{
		Text:        c.T(who.lang, "group_pick", nil),
		RequestChat: &models.ChatRequest{RequestID: groupRequestID, Button: c.T(who.lang, "group_pick_button", nil)},
	})
}

// mayBindSome tells whether the speaker may bind any task: an admin, or
// a contracting leader.
func (t *turn) mayBindSome(who speaker) (bool, error) {
	if who.admin {
		return true, nil
	}
	if who.person == nil {
		return false, nil
	}
	return models.LeadsAnyTask(t.tx, who.person.ID)
}

// chatShared answers the group picked with the request button: which task
// to bind there, as buttons.
func (t *turn) chatShared(m *tgmodels.Message, who speaker) error {
	c := t.h.Catalog
	shared := m.ChatShared
	ok, err := t.mayBindSome(who)
	if err != nil {
		return err
	}
	if !ok || shared.RequestID != groupRequestID {
		return t.reply(m.Chat.ID, c.T(who.lang, "bind_not_allowed_any", nil))
	}
	f, ok := factsFor(t.ctx, shared.ChatID)
	if !ok {
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(who.lang, "group_check_failed", nil), RemoveKeyboard: true})
	}
	if f.gone {
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(who.lang, "group_gone", nil), RemoveKeyboard: true})
	}
	title := f.chat.Title
	if err := t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{
		Text: c.T(who.lang, "group_picked", map[string]any{"Title": E(title)}), RemoveKeyboard: true,
	}); err != nil {
		return err
	}
	if missing := models.MissingRights(f.chat); len(missing) > 0 {
		return t.reply(m.Chat.ID, c.T(who.lang, "bind_missing_rights", map[string]any{"Missing": t.missingRights(who.lang, missing)}))
	}
	var tasks []models.TaskDetail
	if who.person != nil {
		if tasks, err = models.TasksOfPerson(t.tx, who.person.ID); err != nil {
			return err
		}
		if !who.admin {
			tasks = slices.DeleteFunc(tasks, func(d models.TaskDetail) bool { return !d.HasRole(who.person.ID, models.RoleLeader) })
		}
	}
	if who.admin && len(tasks) == 0 {
		if tasks, err = models.AllTasks(t.tx); err != nil {
			return err
		}
	}
	tasks = slices.DeleteFunc(tasks, func(d models.TaskDetail) bool { return d.Task.Done })
	if len(tasks) == 0 {
		return t.reply(m.Chat.ID, c.T(who.lang, "group_no_tasks", nil))
	}
	text := c.T(who.lang, "group_choose_task", map[string]any{"Title": E(title)})
	if len(tasks) > maxBindButtons {
		tasks = tasks[:maxBindButtons]
		text += "\n" + c.T(who.lang, "group_choose_more", map[string]any{"Count": maxBindButtons, "Bot": E(t.h.BotUsername)})
	}
	var rows [][]models.Button
	for _, d := range tasks {
		rows = append(rows, []models.Button{{Text: truncateRunes(d.Task.Code+" "+d.Task.Title, 40), Data: bindButton(shared.ChatID, d.Task.ID)}})
	}
	return models.EnqueueRef(t.tx, t.nextKey(), m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: rows},
		models.MessageRef{Purpose: fmt.Sprintf("%s%d", purposeBindGroup, shared.ChatID)})
}

// bindButtonPressed binds the task of a button offered after a group was
// shared; the button must be on the message that offered that group.
func (t *turn) bindButtonPressed(q *tgmodels.CallbackQuery, who speaker) error {
	c := t.h.Catalog
	chatID, taskID, _ := parseBindButton(q.Data)
	if q.Message.Message == nil || q.Message.Message.Chat.Type != tgmodels.ChatTypePrivate {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	sent, err := models.SentMessage(t.tx, q.Message.Message.Chat.ID, q.Message.Message.ID)
	if models.IsNotFound(err) || (err == nil && sent.Purpose != fmt.Sprintf("%s%d", purposeBindGroup, chatID)) {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	if err != nil {
		return err
	}
	d, err := models.TaskByID(t.tx, taskID)
	if models.IsNotFound(err) {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	if err != nil {
		return err
	}
	f, ok := factsFor(t.ctx, chatID)
	if !ok || f.gone {
		return t.answerAlert(q, c.T(who.lang, "group_check_failed", nil))
	}
	refusal, lines, err := t.bind(who, f.chat, []*models.TaskDetail{d})
	if err != nil {
		return err
	}
	if refusal != "" {
		return t.answerAlert(q, refusal)
	}
	if err := t.answer(q, c.T(who.lang, "bind_done_short", map[string]any{"Code": E(d.Task.Code)})); err != nil {
		return err
	}
	// The group hears it too: its people learn what it is for now.
	groupText := c.T(LangZH, "bind_done", map[string]any{"Tasks": lines, "Bot": E(t.h.BotUsername)})
	if err := t.send(chatID, models.OutSendMessage, models.Outgoing{Text: groupText, Silent: true}); err != nil {
		return err
	}
	return t.reply(q.From.ID, c.T(who.lang, "bind_done_private", map[string]any{"Title": E(f.chat.Title), "Tasks": lines}))
}

// answerAlert answers a button press with an alert only the presser sees.
func (t *turn) answerAlert(q *tgmodels.CallbackQuery, text string) error {
	return t.send(q.From.ID, models.OutAnswerCallback, models.Outgoing{CallbackQueryID: q.ID, Text: text, Alert: true})
}

// delivery handles "/delivery T07 group|private|both", in the group or
// privately.
func (t *turn) delivery(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	answer := t.reply
	if m.Chat.Type != tgmodels.ChatTypePrivate {
		answer = func(_ int64, text string) error { return t.groupReply(m, text) }
	}
	usage := c.T(who.lang, "delivery_usage", map[string]any{"Bot": E(t.h.BotUsername)})
	fields := strings.Fields(args)
	if len(fields) != 2 || !who.known() {
		return answer(m.Chat.ID, usage)
	}
	d := parseDelivery(fields[1])
	if d == "" {
		return answer(m.Chat.ID, usage)
	}
	tasks, unknown, err := t.bindableTasks(who, []string{strings.ToUpper(fields[0])})
	if err != nil {
		return err
	}
	if unknown != "" {
		return answer(m.Chat.ID, c.T(who.lang, "task_not_found", map[string]any{"Code": E(unknown)}))
	}
	task := tasks[0].Task
	_, err = models.SetDelivery(t.tx, who.binder(), task.ID, d)
	switch {
	case errors.Is(err, models.ErrNotBinder):
		return answer(m.Chat.ID, c.T(who.lang, "bind_not_allowed", map[string]any{"Code": E(task.Code)}))
	case errors.Is(err, models.ErrNotBound):
		return answer(m.Chat.ID, c.T(who.lang, "delivery_not_bound", map[string]any{"Code": E(task.Code), "Bot": E(t.h.BotUsername)}))
	case err != nil:
		return err
	}
	return answer(m.Chat.ID, c.T(who.lang, "delivery_set", map[string]any{"Code": E(task.Code), "Delivery": c.T(who.lang, "delivery_"+string(d), nil)}))
}

func parseDelivery(s string) models.Delivery {
	switch strings.ToLower(s) {
	case "private", "私聊":
		return models.DeliveryPrivate
	case "group", "群", "群内":
		return models.DeliveryGroup
	case "both", "都", "两者":
		return models.DeliveryBoth
	}
	return ""
}

// ackMode handles "/ack quiet|reaction" in a work group.
func (t *turn) ackMode(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	var mode models.AckMode
	switch strings.ToLower(strings.TrimSpace(args)) {
	case "quiet", "静默", "回复":
		mode = models.AckQuiet
	case "reaction", "表情", "👌":
		mode = models.AckReaction
	default:
		return t.groupReply(m, c.T(who.lang, "ack_usage", map[string]any{"Bot": E(t.h.BotUsername)}))
	}
	_, err := models.SetAckMode(t.tx, who.binder(), m.Chat.ID, mode)
	switch {
	case models.IsNotFound(err):
		return t.groupReply(m, c.T(who.lang, "group_not_bound", nil))
	case errors.Is(err, models.ErrNotBinder):
		return t.groupReply(m, c.T(who.lang, "bind_not_allowed_any", nil))
	case err != nil:
		return err
	}
	return t.groupReply(m, c.T(who.lang, "ack_set", map[string]any{"Mode": c.T(who.lang, "ack_"+string(mode), nil)}))
}

// tellAdmins writes to every admin, each in their language, under keys
// starting with key.
func (h *Handler) tellAdmins(tx *gorm.DB, key string, text func(lang string) string) error {
	for admin := range h.Admins {
		lang, err := adminLang(tx, admin)
		if err != nil {
			return err
		}
		if err := models.Enqueue(tx, fmt.Sprintf("%s:%d", key, admin), admin, models.OutSendMessage, models.Outgoing{Text: text(lang)}); err != nil {
			return err
		}
	}
	return nil
}

// groupMenu sets a work group's command menu (BotCommandScopeChat), in
// Chinese by default and English for English clients, or deletes it.
func (h *Handler) groupMenu(tx *gorm.DB, chatID int64, set bool) error {
	return h.queueMenu(tx, chatID, set, fmt.Sprintf("menu:%d:%t:%d", chatID, set, tx.NowFunc().UnixNano()))
}

// groupMenuOnce sets a work group's menu under key, so that the same event
// handled twice sets it once.
func (h *Handler) groupMenuOnce(tx *gorm.DB, chatID int64, key string) error {
	return h.queueMenu(tx, chatID, true, key)
}

func (h *Handler) queueMenu(tx *gorm.DB, chatID int64, set bool, key string) error {
	for _, v := range []struct{ code, lang string }{{"", LangZH}, {LangEN, LangEN}} {
		out := models.Outgoing{Language: v.code}
		if set {
			for _, name := range GroupCommands {
				out.Commands = append(out.Commands, models.Command{Command: name, Description: h.Catalog.T(v.lang, "gcmd_"+name, nil)})
			}
		}
		if err := models.Enqueue(tx, key+":"+v.lang, chatID, models.OutSetCommands, out); err != nil {
			return err
		}
	}
	return nil
}
