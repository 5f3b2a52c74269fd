package bot

import (
	"strconv"
	"strings"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
)

// groupCtx says a report was made in a work group, and how to answer it
// there: in the message's topic, quietly or with a reaction, as the
// group's acknowledgement mode says.
type groupCtx struct {
	thread int
	ack    models.AckMode
}

// groupCtxFor is the answering context of a report made in chatID, in the
// topic thread.
func (t *turn) groupCtxFor(chatID int64, thread int) (*groupCtx, error) {
	wg, err := models.WorkGroupByChat(t.tx, chatID)
	if models.IsNotFound(err) {
		return &groupCtx{thread: thread, ack: models.AckQuiet}, nil
	}
	if err != nil {
		return nil, err
	}
	return &groupCtx{thread: thread, ack: wg.AckMode}, nil
}

// rcOut places an answer to a report: in a work group, in the report's
// topic, replying to it, without a notification.
func (t *turn) rcOut(rc replyContext, out models.Outgoing) models.Outgoing {
	if rc.group == nil {
		return out
	}
	out.MessageThreadID, out.Silent = rc.group.thread, true
	if out.ReplyTo == 0 {
		out.ReplyTo = rc.messageID
	}
	return out
}

// rcReply answers a report with text, where rcOut says.
func (t *turn) rcReply(rc replyContext, text string) error {
	return t.send(rc.chatID, models.OutSendMessage, t.rcOut(rc, models.Outgoing{Text: text}))
}

// groupReport handles a report made in a work group by a reply to one of
// the bot's reminders there, by its text or caption, with a photo or
// document as evidence. A reply to a reminder is a reply to the stored
// id of one: in a forum every topic message replies to the topic's first
// message, which is no reminder. It reports whether the message was a
// report (answered, refused or asked back).
func (t *turn) groupReport(m *tgmodels.Message, toBot bool) (bool, error) {
	if !toBot || isTopicRoot(m) {
		return false, nil
	}
	gr, err := models.GroupReminderByMessage(t.tx, m.Chat.ID, m.ReplyToMessage.ID)
	if models.IsNotFound(err) && !patienceOver(t.ctx) {
		// Its sending may still be being recorded: moments away.
		inFlight, ferr := models.SendingTo(t.tx, m.Chat.ID)
		if ferr != nil {
			return false, ferr
		}
		if inFlight {
			return false, ErrNotYet
		}
	}
	if models.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	who, err := t.speaker(m.From)
	if err != nil {
		return false, err
	}
	d, err := t.taskByID(gr.TaskID)
	if err != nil {
		return false, err
	}
	g, err := t.groupCtxFor(m.Chat.ID, topicOf(m))
	if err != nil {
		return false, err
	}
	rc := replyContext{who: who, chatID: m.Chat.ID, messageID: m.ID, task: d, source: "group", attachments: attachmentsOf(m), group: g}
	if who.person == nil {
		return true, t.rcReply(rc, t.h.Catalog.T(who.lang, "report_not_allowed", map[string]any{"Code": E(d.Task.Code)}))
	}
	text := textOf(m)
	if strings.TrimSpace(text) == "" {
		return true, t.rcReply(rc, t.h.Catalog.T(who.lang, "evidence_needs_report", nil))
	}
	return true, t.statusReply(rc, text)
}

// groupReportCommand handles "/report@bot T07 …" in a work group, as a
// message or a photo's caption, for a task bound to that group. It
// reports whether it answered; a group that is no work group is told to
// write privately.
func (t *turn) groupReportCommand(m *tgmodels.Message, who speaker, args string) (bool, error) {
	c := t.h.Catalog
	if _, err := models.WorkGroupByChat(t.tx, m.Chat.ID); err != nil {
		if models.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	g, err := t.groupCtxFor(m.Chat.ID, topicOf(m))
	if err != nil {
		return false, err
	}
	code, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	code = strings.ToUpper(code)
	base := replyContext{who: who, chatID: m.Chat.ID, messageID: m.ID, source: "group", attachments: attachmentsOf(m), group: g}
	if code == "" {
		return true, t.rcReply(base, c.T(who.lang, "report_usage", nil))
	}
	d, err := models.TaskByCode(t.tx, code)
	if err != nil && !models.IsNotFound(err) {
		return false, err
	}
	if d != nil {
		deliveries, err := models.GroupDeliveries(t.tx, []uint{d.Task.ID})
		if err != nil {
			return false, err
		}
		if dv, ok := deliveries[d.Task.ID]; !ok || dv.Group.ChatID != m.Chat.ID {
			d = nil
		}
	}
	if d == nil {
		return true, t.rcReply(base, c.T(who.lang, "report_not_here", map[string]any{"Code": E(code)}))
	}
	base.task = d
	if who.person == nil {
		return true, t.rcReply(base, c.T(who.lang, "report_not_allowed", map[string]any{"Code": E(d.Task.Code)}))
	}
	return true, t.statusReply(base, rest)
}

// groupGate decides a button pressed on one of the bot's messages in a
// group before anything is done: only someone the button is for may press
// it — the reporters of its task (attendants, the person in charge, a
// deputy of one away) for a reminder's or an instruction's buttons, the
// reporter for an acknowledgement's or a question's. Anyone else is
// answered privately with an alert, and nothing changes. It returns the
// alert's text, or "" to go ahead.
func (t *turn) groupGate(q *tgmodels.CallbackQuery, who speaker) (string, error) {
	c := t.h.Catalog
	refused := c.T(who.lang, "group_button_not_yours", nil)
	if who.person == nil {
		return refused, nil
	}
	parts := strings.Split(q.Data, ":")
	if len(parts) < 2 {
		return c.T(who.lang, "callback_expired", nil), nil
	}
	id, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return c.T(who.lang, "callback_expired", nil), nil
	}
	var taskID uint
	switch parts[0] {
	case "m", "x":
		var ms models.Milestone
		if err := t.tx.Select("task_id").Take(&ms, id).Error; err != nil {
			return c.T(who.lang, "callback_expired", nil), nil
		}
		taskID = ms.TaskID
	case "ir":
		var in models.Instruction
		if err := t.tx.Select("task_id").Take(&in, id).Error; err != nil {
			return c.T(who.lang, "callback_expired", nil), nil
		}
		taskID = in.TaskID
	case "c", "w":
		var r models.Report
		if err := t.tx.Select("person_id").Take(&r, id).Error; err != nil || r.PersonID != who.person.ID {
			return refused, nil
		}
		return "", nil
	case "pm", "ps", "pr":
		var p models.PendingReply
		if err := t.tx.Select("person_id").Take(&p, id).Error; err != nil || p.PersonID != who.person.ID {
			return refused, nil
		}
		return "", nil
	default:
		return c.T(who.lang, "callback_expired", nil), nil
	}
	ok, err := models.CanReport(t.tx, who.person.ID, taskID)
	if err != nil {
		return "", err
	}
	if !ok {
		return refused, nil
	}
	return "", nil
}

// inGroup tells a button pressed on a message in a group.
func inGroup(q *tgmodels.CallbackQuery) bool {
	var chat tgmodels.Chat
	switch {
	case q.Message.Message != nil:
		chat = q.Message.Message.Chat
	case q.Message.InaccessibleMessage != nil:
		chat = q.Message.InaccessibleMessage.Chat
	}
	return chat.Type == tgmodels.ChatTypeGroup || chat.Type == tgmodels.ChatTypeSupergroup
}
