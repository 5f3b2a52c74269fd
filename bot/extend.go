package bot

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/bot/extension"
	"taskbot/models"
)

// Purposes of the questions an extension asks with a forced reply.
const (
	// purposeExtensionAsk (+ milestone id): the reply is the new due date
	// and the reason, after the reminder's "request extension" button.
	purposeExtensionAsk = "xask:"
	// purposeExtensionRefuse (+ request id): the reply is the leader's
	// reason for refusing.
	purposeExtensionRefuse = "xrefuse:"
	// purposeExtension marks the leader's copy of a request.
	purposeExtension = "extension"
)

// today is the reader's calendar day.
func (t *turn) today(p *models.Person) time.Time { return models.Today(t.now, t.location(p)) }

// datesNote says a milestone's original and baseline due dates where they
// differ from its due date, e.g. "（原定 2026-12-15）"; empty otherwise.
func (r *Renderer) datesNote(lang string, m models.Milestone) string {
	c := r.Catalog
	due, original, baseline := m.DueDate.UTC(), m.Original(), m.Baseline()
	var parts []string
	if !original.Equal(due) {
		parts = append(parts, c.T(lang, "milestone_original", map[string]any{"Date": DueDate(original)}))
	}
	if !baseline.Equal(due) && !baseline.Equal(original) {
		parts = append(parts, c.T(lang, "milestone_baseline", map[string]any{"Date": DueDate(baseline)}))
	}
	if len(parts) == 0 {
		return ""
	}
	return c.T(lang, "milestone_dates", map[string]any{"Dates": strings.Join(parts, c.T(lang, "list_sep", nil))})
}

// extensionProblem explains text the parser could not read; nothing was
// asked.
func (t *turn) extensionProblem(lang string, p *extension.Problem, command bool) string {
	c := t.h.Catalog
	example := "extend_usage"
	if !command {
		example = "extend_answer_example"
	}
	return c.T(lang, "extend_problem_"+string(p.Kind), map[string]any{"Text": E(truncateRunes(p.Text, 40))}) + "\n" + c.T(lang, example, nil)
}

// extendCommand handles "/extend T07 2 2027-04-15 原因".
func (t *turn) extendCommand(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	cmd, problem := extension.ParseCommand(args, t.today(who.person))
	if problem != nil {
		return t.reply(m.Chat.ID, t.extensionProblem(who.lang, problem, true))
	}
	d, err := t.reportableTask(who, cmd.Code)
	if err != nil {
		return err
	}
	if d == nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "task_not_found", map[string]any{"Code": E(truncateRunes(cmd.Code, 32))}))
	}
	ms := milestoneBySeq(d, cmd.Seq)
	if ms == nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "extend_unknown_milestone", map[string]any{"Code": E(d.Task.Code), "Seq": cmd.Seq}))
	}
	return t.requestExtension(m.Chat.ID, who, d, ms, cmd.Date, cmd.Reason)
}

// extensionRefusal names the message for a request the rules refuse.
func extensionRefusal(err error) string {
	switch {
	case errors.Is(err, models.ErrNotReporter):
		return "extend_not_allowed"
	case errors.Is(err, models.ErrMilestoneUnknown):
		return "extend_unknown_milestone"
	case errors.Is(err, models.ErrTaskClosed):
		return "report_task_closed"
	case errors.Is(err, models.ErrMilestoneDone):
		return "extend_milestone_done"
	case errors.Is(err, models.ErrExtensionTooLate):
		return "extend_too_late"
	case errors.Is(err, models.ErrExtensionOpen):
		return "extend_already_requested"
	case errors.Is(err, models.ErrExtensionNotLater):
		return "extend_not_later"
	case errors.Is(err, models.ErrExtensionNeedsReason):
		return "extend_problem_need_reason"
	}
	return ""
}

// refusalData fills a refusal's message about milestone ms of d.
func (t *turn) refusalData(err error, who speaker, d *models.TaskDetail, ms *models.Milestone) (map[string]any, error) {
	data := map[string]any{"Code": E(d.Task.Code), "Seq": ms.Seq, "Due": DueDate(ms.DueDate)}
	var open *models.ExtensionOpenError
	if errors.As(err, &open) {
		var by models.Person
		if err := t.tx.Take(&by, open.Request.RequestedBy).Error; err != nil {
			return nil, fmt.Errorf("requester of extension request %d: %w", open.Request.ID, err)
		}
		data["Who"], data["NewDue"] = E(by.Key), DueDate(open.Request.NewDue)
		data["When"] = open.Request.CreatedAt.In(t.location(who.person)).Format("01-02 15:04")
	}
	return data, nil
}

// requestExtension asks for the extension and puts it before the leaders.
func (t *turn) requestExtension(chatID int64, who speaker, d *models.TaskDetail, ms *models.Milestone, date time.Time, reason string) error {
	c := t.h.Catalog
	ask := models.ExtensionAsk{MilestoneID: ms.ID, NewDue: date, Reason: truncateRunes(reason, 1000)}
	req, err := models.RequestExtension(t.tx, who.person.ID, ask, t.h.Location, t.now)
	if refusal := extensionRefusal(err); refusal != "" {
		data, derr := t.refusalData(err, who, d, ms)
		if derr != nil {
			return derr
		}
		return t.reply(chatID, c.T(who.lang, refusal, data))
	}
	if err != nil {
		return err
	}
	leaders, admins, err := t.notifyExtension(d, ms, req, who.person)
	if err != nil {
		return err
	}
	data := map[string]any{"Code": E(d.Task.Code), "Seq": ms.Seq, "Due": DueDate(ms.DueDate), "NewDue": DueDate(req.NewDue)}
	switch {
	case leaders > 0:
		return t.reply(chatID, c.T(who.lang, "extend_requested", data))
	case admins > 0:
		return t.reply(chatID, c.T(who.lang, "extend_requested_admins", data))
	}
	return t.reply(chatID, c.T(who.lang, "extend_nobody", data))
}

// notifyExtension puts a request before the task's contracting leaders at
// once, with buttons to approve or refuse it; when none of them can be
// reached, before the admins, so that no request waits unseen. It returns
// how many of each were told.
func (t *turn) notifyExtension(d *models.TaskDetail, ms *models.Milestone, req *models.ExtensionRequest, by *models.Person) (leaders, admins int, err error) {
	c := t.h.Catalog
	taskID := d.Task.ID
	out := func(lang string) models.Outgoing {
		text := c.T(lang, "extension_request", map[string]any{
			"Code": E(d.Task.Code), "Title": E(d.Task.Title), "Seq": ms.Seq, "Milestone": E(ms.Title),
			"Due": DueDate(ms.DueDate), "Dates": t.h.Render.datesNote(lang, *ms), "NewDue": DueDate(req.NewDue),
			"Reason": E(req.Reason), "Who": E(by.Key),
		})
		return models.Outgoing{Text: text, Buttons: [][]models.Button{{
			{Text: c.T(lang, "button_approve_extension", nil), Data: fmt.Sprintf("xa:%d", req.ID)},
			{Text: c.T(lang, "button_refuse_extension", nil), Data: fmt.Sprintf("xr:%d", req.ID)},
		}}}
	}
	ref := models.MessageRef{Purpose: purposeExtension, TaskID: &taskID}
	for _, leader := range d.Leaders {
		if !reachable(&leader) {
			continue
		}
		key := fmt.Sprintf("ext:%d:%d", req.ID, leader.ID)
		if err := models.EnqueueRef(t.tx, key, *leader.TelegramID, models.OutSendMessage, out(personLang(&leader)), ref); err != nil {
			return 0, 0, err
		}
		leaders++
	}
	if leaders > 0 {
		return leaders, 0, nil
	}
	ids := make([]int64, 0, len(t.h.Admins))
	for id := range t.h.Admins {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, admin := range ids {
		lang, err := adminLang(t.tx, admin)
		if err != nil {
			return 0, 0, err
		}
		key := fmt.Sprintf("ext:%d:admin:%d", req.ID, admin)
		if err := models.EnqueueRef(t.tx, key, admin, models.OutSendMessage, out(lang), ref); err != nil {
			return 0, 0, err
		}
		admins++
	}
	return 0, admins, nil
}

// extensionButton answers the reminder's "request extension" button with
// the question for the new date and the reason.
func (t *turn) extensionButton(q *tgmodels.CallbackQuery, who speaker, milestoneID uint) error {
	c := t.h.Catalog
	ms, err := models.CheckExtendable(t.tx, who.person.ID, milestoneID, t.h.Location, t.now)
	switch refusal := extensionRefusal(err); {
	case refusal == "extend_not_allowed" || refusal == "extend_unknown_milestone":
		// Someone else's milestone reads like an expired button.
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	case refusal != "":
		// The requester is on the task: the refusal may name it.
		var m models.Milestone
		if err := t.tx.Take(&m, milestoneID).Error; err != nil {
			return fmt.Errorf("milestone %d: %w", milestoneID, err)
		}
		d, derr := t.taskByID(m.TaskID)
		if derr != nil {
			return derr
		}
		data, derr := t.refusalData(err, who, d, &m)
		if derr != nil {
			return derr
		}
		if err := t.answer(q, ""); err != nil {
			return err
		}
		return t.reply(q.From.ID, c.T(who.lang, refusal, data))
	case err != nil:
		return err
	}
	d, err := t.taskByID(ms.TaskID)
	if err != nil {
		return err
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	taskID := d.Task.ID
	text := c.T(who.lang, "ask_extension", map[string]any{"Code": E(d.Task.Code), "Seq": ms.Seq, "Title": E(ms.Title),
		"Due": DueDate(ms.DueDate) + t.h.Render.datesNote(who.lang, *ms)})
	return models.EnqueueRef(t.tx, t.nextKey(), q.From.ID, models.OutSendMessage,
		models.Outgoing{Text: text, ForceReply: true, Placeholder: c.T(who.lang, "ask_extension_placeholder", nil)},
		models.MessageRef{Purpose: fmt.Sprintf("%s%d", purposeExtensionAsk, ms.ID), TaskID: &taskID})
}

// extensionAnswer takes the reply with the new date and the reason.
func (t *turn) extensionAnswer(rc replyContext, purpose, text string) error {
	id, err := strconv.ParseUint(strings.TrimPrefix(purpose, purposeExtensionAsk), 10, 64)
	if err != nil {
		return fmt.Errorf("extension purpose %q: %w", purpose, err)
	}
	date, reason, problem := extension.ParseAnswer(text, t.today(rc.who.person))
	if problem != nil {
		return t.reply(rc.chatID, t.extensionProblem(rc.who.lang, problem, false))
	}
	ms := milestoneByID(rc.task, uint(id))
	if ms == nil {
		return fmt.Errorf("milestone %d not in task %s", id, rc.task.Task.Code)
	}
	return t.requestExtension(rc.chatID, rc.who, rc.task, ms, date, reason)
}

// isExtensionDecision tells the buttons of a leader's copy of a request.
func isExtensionDecision(data string) bool {
	return strings.HasPrefix(data, "xa:") || strings.HasPrefix(data, "xr:")
}

// decider is the speaker as the extension rules know them.
func decider(who speaker) models.Decider {
	var d models.Decider
	if who.person != nil {
		d.PersonID = &who.person.ID
	}
	if who.admin {
		d.AdminID = who.telegramID
	}
	return d
}

// extensionDecisionCallback handles "xa:<request>" (approve) and
// "xr:<request>" (refuse: asks for the reason).
func (t *turn) extensionDecisionCallback(q *tgmodels.CallbackQuery, who speaker, kind string, id uint) error {
	c := t.h.Catalog
	if kind == "xa" {
		return t.decideExtension(q.From.ID, who, id, models.ExtensionApproved, "", q)
	}
	req, err := models.CheckDecidable(t.tx, decider(who), id)
	var decided *models.ExtensionDecidedError
	switch {
	case models.IsNotFound(err), errors.Is(err, models.ErrNotLeader):
		// A forged or foreign button learns nothing, not even that the
		// request exists.
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	case errors.As(err, &decided):
		return t.answer(q, c.T(who.lang, "extend_already_"+decided.Request.Decision, nil))
	case err != nil:
		return err
	}
	d, err := t.taskByID(req.TaskID)
	if err != nil {
		return err
	}
	seq := 0
	if ms := milestoneByID(d, req.MilestoneID); ms != nil {
		seq = ms.Seq
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	taskID := req.TaskID
	return models.EnqueueRef(t.tx, t.nextKey(), q.From.ID, models.OutSendMessage,
		models.Outgoing{Text: c.T(who.lang, "ask_extension_refusal", map[string]any{"Code": E(d.Task.Code), "Seq": seq}), ForceReply: true},
		models.MessageRef{Purpose: fmt.Sprintf("%s%d", purposeExtensionRefuse, id), TaskID: &taskID})
}

// extensionRefusalReason takes the reply with the reason of a refusal.
func (t *turn) extensionRefusalReason(chatID int64, who speaker, purpose, text string) error {
	id, err := strconv.ParseUint(strings.TrimPrefix(purpose, purposeExtensionRefuse), 10, 64)
	if err != nil {
		return fmt.Errorf("extension purpose %q: %w", purpose, err)
	}
	return t.decideExtension(chatID, who, uint(id), models.ExtensionRefused, truncateRunes(text, 1000), nil)
}

// decideExtension records a decision and tells the requester. A press is
// answered on the button (q), a reply in the chat.
func (t *turn) decideExtension(chatID int64, who speaker, id uint, decision, answer string, q *tgmodels.CallbackQuery) error {
	c := t.h.Catalog
	req, err := models.DecideExtension(t.tx, decider(who), id, decision, answer, t.now)
	refuse := func(key string, data map[string]any) error {
		if q != nil {
			return t.answer(q, c.T(who.lang, key, data))
		}
		return t.reply(chatID, c.T(who.lang, key, data))
	}
	var decided *models.ExtensionDecidedError
	switch {
	case models.IsNotFound(err), errors.Is(err, models.ErrNotLeader):
		return refuse("callback_expired", nil)
	case errors.As(err, &decided):
		return refuse("extend_already_"+decided.Request.Decision, nil)
	case errors.Is(err, models.ErrExtensionNotLater):
		r, err := models.ExtensionByID(t.tx, id)
		if err != nil {
			return err
		}
		var m models.Milestone
		if err := t.tx.Take(&m, r.MilestoneID).Error; err != nil {
			return fmt.Errorf("milestone %d: %w", r.MilestoneID, err)
		}
		return refuse("extend_approve_moot", map[string]any{"Due": DueDate(m.DueDate), "NewDue": DueDate(r.NewDue)})
	case errors.Is(err, models.ErrTaskClosed):
		return refuse("extend_task_closed", nil)
	case errors.Is(err, models.ErrExtensionNeedsReason):
		return refuse("answer_needs_text", nil)
	case err != nil:
		return err
	}
	if q != nil {
		if err := t.answer(q, c.T(who.lang, "extend_"+decision+"_short", nil)); err != nil {
			return err
		}
	}
	d, err := t.taskByID(req.TaskID)
	if err != nil {
		return err
	}
	ms := milestoneByID(d, req.MilestoneID)
	if ms == nil {
		return fmt.Errorf("milestone %d not in task %s", req.MilestoneID, d.Task.Code)
	}
	var requester models.Person
	if err := t.tx.Take(&requester, req.RequestedBy).Error; err != nil {
		return fmt.Errorf("requester of extension request %d: %w", req.ID, err)
	}
	if reachable(&requester) {
		lang := personLang(&requester)
		leader := c.T(lang, "admin_name", nil)
		if who.person != nil {
			leader = who.person.Key
		}
		text := c.T(lang, "extend_"+decision, map[string]any{
			"Code": E(d.Task.Code), "Seq": ms.Seq, "Title": E(ms.Title), "From": DueDate(req.FromDue), "NewDue": DueDate(req.NewDue),
			"Due": DueDate(ms.DueDate), "Dates": t.h.Render.datesNote(lang, *ms), "Leader": E(leader), "Reason": E(req.Answer),
		})
		taskID := d.Task.ID
		if err := models.EnqueueRef(t.tx, fmt.Sprintf("ext-%s:%d", decision, req.ID), *requester.TelegramID, models.OutSendMessage,
			models.Outgoing{Text: text}, models.MessageRef{Purpose: "team", TaskID: &taskID}); err != nil {
			return err
		}
	}
	if q != nil {
		return nil
	}
	return t.reply(chatID, c.T(who.lang, "extend_"+decision+"_short", nil))
}
