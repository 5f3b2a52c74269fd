package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/bot/reply"
	"taskbot/models"
)

// stateCodes keep callback data short: "s:<milestone id>:<code>".
var stateCodes = map[string]models.MilestoneState{
	"d": models.StateDone, "o": models.StateOnTrack, "r": models.StateAtRisk, "b": models.StateBlocked,
}

func stateCode(s models.MilestoneState) string {
	for code, st := range stateCodes {
		if st == s {
			return code
		}
	}
	return ""
}

// reportStates are offered as buttons, in this order.
var reportStates = []models.MilestoneState{models.StateDone, models.StateOnTrack, models.StateAtRisk, models.StateBlocked}

// replyContext is a status reply about to be recorded: whose, on which
// task, from which message.
type replyContext struct {
	who         speaker
	chatID      int64
	messageID   int
	task        *models.TaskDetail
	source      string
	attachments []models.Attachment
	// correcting is the report a correction replaces; the reply is then
	// about that report's milestone and no other.
	correcting *models.Report
	// reopen is the done milestone the reporter confirmed reopening.
	reopen int
	// group is set for a report made in a work group.
	group *groupCtx
	// edit is the bot's message the acknowledgement replaces: the
	// reminder or question whose button made the report, or the
	// acknowledgement a percent and note complete.
	edit int
}

func parseContext(d *models.TaskDetail, correcting *models.Report) reply.Context {
	var ctx reply.Context
	for _, m := range d.Milestones {
		ctx.AllMilestones = append(ctx.AllMilestones, m.Seq)
		if m.State != models.StateDone {
			ctx.OpenMilestones = append(ctx.OpenMilestones, m.Seq)
		}
		if correcting != nil && m.ID == correcting.MilestoneID {
			ctx.Correcting = m.Seq
		}
	}
	return ctx
}

func milestoneBySeq(d *models.TaskDetail, seq int) *models.Milestone {
	for i := range d.Milestones {
		if d.Milestones[i].Seq == seq {
			return &d.Milestones[i]
		}
	}
	return nil
}

func milestoneByID(d *models.TaskDetail, id uint) *models.Milestone {
	for i := range d.Milestones {
		if d.Milestones[i].ID == id {
			return &d.Milestones[i]
		}
	}
	return nil
}

// reportCommand handles "/report T07 2 blocked 等待用地审批".
func (t *turn) reportCommand(m *tgmodels.Message, who speaker, args string) error {
	code, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	if code == "" {
		return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "report_usage", nil))
	}
	d, err := t.reportableTask(who, strings.ToUpper(code))
	if err != nil || d == nil {
		if err == nil {
			err = t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "task_not_found", map[string]any{"Code": E(strings.ToUpper(code))}))
		}
		return err
	}
	return t.statusReply(replyContext{who: who, chatID: m.Chat.ID, messageID: m.ID, task: d, source: "command"}, rest)
}

// reportableTask loads a task the speaker may report on, or nil (after
// which the caller says the task was not found: someone else's task looks
// like one that does not exist).
func (t *turn) reportableTask(who speaker, code string) (*models.TaskDetail, error) {
	if who.person == nil {
		return nil, nil
	}
	d, err := models.TaskByCode(t.tx, code)
	if models.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !d.HasPerson(who.person.ID) {
		// A deputy of someone away reports on a task not their own.
		ok, err := models.CanReport(t.tx, who.person.ID, d.Task.ID)
		if err != nil || !ok {
			return nil, err
		}
	}
	return d, nil
}

// statusReply parses a free-text reply and records it, or asks back.
func (t *turn) statusReply(rc replyContext, text string) error {
	c := t.h.Catalog
	lang := rc.who.lang
	// The task's reporters are loaded with it; only someone else, who may
	// be a deputy, costs a query.
	ok := rc.task.CanReport(rc.who.person.ID)
	if !ok {
		var err error
		if ok, err = models.CanReport(t.tx, rc.who.person.ID, rc.task.Task.ID); err != nil {
			return err
		}
	}
	if !ok {
		return t.rcReply(rc, c.T(lang, "report_not_allowed", map[string]any{"Code": E(rc.task.Task.Code)}))
	}
	if rc.task.Task.Done {
		return t.rcReply(rc, c.T(lang, "report_task_closed", map[string]any{"Code": E(rc.task.Task.Code)}))
	}
	res := reply.Parse(text, parseContext(rc.task, rc.correcting))
	if res.Problem == nil {
		_, err := t.record(rc, res.Items)
		return err
	}
	return t.askBack(rc, text, res)
}

// pendingState is what a question about a reply keeps until answered.
type pendingState struct {
	Items  []reply.Item        `json:"items,omitempty"`
	Item   *reply.Item         `json:"item,omitempty"`
	Kind   reply.ProblemKind   `json:"kind"`
	Number int                 `json:"number,omitempty"`
	Source string              `json:"source"`
	Files  []models.Attachment `json:"files,omitempty"`
	// Corrects is the report the reply was correcting.
	Corrects *uint `json:"corrects,omitempty"`
}

// askBack explains what could not be read; where buttons can settle it, it
// keeps the reply and offers them.
func (t *turn) askBack(rc replyContext, text string, res reply.Result) error {
	c := t.h.Catalog
	lang := rc.who.lang
	p := res.Problem
	data := map[string]any{"Code": E(rc.task.Task.Code), "Seq": p.Milestone, "Number": p.Number, "Text": E(p.Text)}
	// A new report on a done milestone may reopen it, but only when the
	// reporter says so.
	reopenable := p.Kind == reply.MilestoneDone && rc.correcting == nil && p.Item != nil &&
		p.Item.State != reply.Done && p.Item.State != reply.Pending
	answerable := (p.Kind == reply.NeedMilestone || p.Kind == reply.AmbiguousNumber || p.Kind == reply.NeedState || reopenable) &&
		p.Item != nil && p.Others == 0
	if !answerable {
		return t.rcReply(rc, c.T(lang, "problem_"+string(p.Kind), data)+"\n"+c.T(lang, "report_example", nil))
	}
	state := pendingState{Items: res.Items, Item: p.Item, Kind: p.Kind, Number: p.Number, Source: rc.source, Files: rc.attachments}
	if rc.correcting != nil {
		state.Corrects = &rc.correcting.ID
	}
	raw, err := json.Marshal(state)
	if err != nil {
		return err
	}
	pending := &models.PendingReply{PersonID: rc.who.person.ID, TaskID: rc.task.Task.ID, ChatID: rc.chatID,
		MessageID: rc.messageID, UpdateID: t.upd.ID, Text: string(raw)}
	if err := models.SavePendingReply(t.tx, pending); err != nil {
		return err
	}
	var rows [][]models.Button
	switch p.Kind {
	case reply.MilestoneDone:
		rows = append(rows, []models.Button{{Text: c.T(lang, "button_reopen", data), Data: fmt.Sprintf("pr:%d:%d", pending.ID, p.Milestone)}})
	case reply.NeedState:
		for _, s := range reportStates {
			rows = append(rows, []models.Button{{Text: t.h.Render.State(lang, s), Data: fmt.Sprintf("ps:%d:%s", pending.ID, stateCode(s))}})
		}
	default:
		for _, seq := range p.Candidates {
			m := milestoneBySeq(rc.task, seq)
			if m == nil {
				continue
			}
			label := c.T(lang, "button_milestone", map[string]any{"Seq": seq, "Title": truncateRunes(m.Title, 20)})
			if p.Kind == reply.AmbiguousNumber && p.Number != seq {
				label += fmt.Sprintf(" · %d%%", p.Number)
			}
			rows = append(rows, []models.Button{{Text: label, Data: fmt.Sprintf("pm:%d:%d", pending.ID, seq)}})
		}
	}
	return t.send(rc.chatID, models.OutSendMessage, t.rcOut(rc, models.Outgoing{
		Text:    c.T(lang, "ask_"+string(p.Kind), data),
		Buttons: rows,
	}))
}

// answerPending completes a reply the bot asked about with the pressed
// button's choice.
func (t *turn) answerPending(q *tgmodels.CallbackQuery, who speaker, kind string, id uint, value string) error {
	c := t.h.Catalog
	p, err := models.TakePendingReply(t.tx, id, who.person.ID)
	if models.IsNotFound(err) {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	if err != nil {
		return err
	}
	var state pendingState
	if err := json.Unmarshal([]byte(p.Text), &state); err != nil || state.Item == nil {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	item := *state.Item
	reopen := 0
	switch kind {
	case "pr":
		seq, err := strconv.Atoi(value)
		if err != nil || state.Kind != reply.MilestoneDone {
			return t.answer(q, c.T(who.lang, "callback_expired", nil))
		}
		item.Milestone, reopen = seq, seq
	case "pm":
		seq, err := strconv.Atoi(value)
		if err != nil {
			return t.answer(q, c.T(who.lang, "callback_expired", nil))
		}
		if state.Kind == reply.AmbiguousNumber && state.Number != seq {
			n := state.Number
			item.Percent = &n
		}
		item.Milestone = seq
	case "ps":
		s, ok := stateCodes[value]
		if !ok {
			return t.answer(q, c.T(who.lang, "callback_expired", nil))
		}
		item.State = reply.State(s)
	}
	if item.State == "" {
		item.State = reply.OnTrack
		if item.Percent != nil && *item.Percent == 100 {
			item.State = reply.Done
		}
	}
	d, err := t.taskByID(p.TaskID)
	if err != nil {
		return err
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	rc := replyContext{who: who, chatID: p.ChatID, messageID: p.MessageID, task: d, source: state.Source, attachments: state.Files, reopen: reopen}
	if p.ChatID < 0 && q.Message.Message != nil {
		// Asked in a work group: answered there, in the question's topic.
		if rc.group, err = t.groupCtxFor(p.ChatID, topicOf(q.Message.Message)); err != nil {
			return err
		}
	}
	if state.Corrects != nil {
		var old models.Report
		if err := t.tx.Take(&old, *state.Corrects).Error; err != nil {
			return fmt.Errorf("corrected report %d: %w", *state.Corrects, err)
		}
		rc.correcting = &old
	}
	_, err = t.record(rc, append(state.Items, item))
	return err
}

func (t *turn) taskByID(id uint) (*models.TaskDetail, error) {
	return models.TaskByID(t.tx, id)
}

// record stores each item as a report and acknowledges exactly what was
// stored. A refusal of any item stores none of them and is answered; the
// reports stored are returned.
func (t *turn) record(rc replyContext, items []reply.Item) ([]*models.Report, error) {
	// A refusal of any item undoes the ones stored before it: the reply
	// is taken whole or not at all. One item needs no savepoint: a refused
	// operation writes nothing. Nothing is queued before the rollback: a
	// message the group's batch holds back (models.DeferOutbox) would
	// outlive it.
	t.savepoint = len(items) > 1
	if t.savepoint {
		if err := t.tx.SavePoint("report").Error; err != nil {
			return nil, fmt.Errorf("savepoint: %w", err)
		}
	}
	if rc.correcting != nil && len(items) != 1 {
		return nil, t.refuseReport(rc, "correction_one_milestone", 0)
	}
	var (
		stored    []*models.Report
		withdrawn []models.CoordinationRequest
		// carried are corrections still blocked that took over the open
		// request of the report they correct: none is opened again.
		carried = map[uint]bool{}
	)
	for i, it := range items {
		m := milestoneBySeq(rc.task, it.Milestone)
		if m == nil {
			return nil, t.refuseReport(rc, "problem_unknown_milestone", it.Milestone)
		}
		var files []models.Attachment
		if i == 0 {
			files = rc.attachments
		}
		var (
			r   *models.Report
			err error
		)
		if rc.correcting != nil {
			var ch *models.ReportChange
			ch, err = models.CorrectReport(t.tx, rc.who.person.ID, rc.correcting.ID, models.Change{
				MilestoneID: m.ID, State: models.MilestoneState(it.State), Percent: it.Percent, Note: it.Note,
				ChatID: rc.chatID, MessageID: rc.messageID, UpdateID: t.upd.ID, Source: rc.source, Attachments: files,
			}, t.now, t.h.correctionWindow())
			if err == nil {
				r, withdrawn = ch.Report, append(withdrawn, ch.Withdrawn...)
				carried[r.ID] = len(ch.Carried) > 0
			}
		} else {
			r, err = models.RecordReport(t.tx, rc.who.person.ID, models.ReportInput{
				TaskID: rc.task.Task.ID, Task: rc.task, MilestoneID: m.ID, State: models.MilestoneState(it.State), Percent: it.Percent,
				Note: it.Note, ChatID: rc.chatID, MessageID: rc.messageID, UpdateID: t.upd.ID, Source: rc.source,
				Attachments: files, Reopen: rc.reopen == m.Seq,
			}, t.now)
		}
		if refusal := reportRefusal(err); refusal != "" {
			return nil, t.refuseReport(rc, refusal, m.Seq)
		}
		if err != nil {
			return nil, err
		}
		stored = append(stored, r)
	}
	for _, r := range stored {
		if err := t.acknowledge(rc, r); err != nil {
			return nil, err
		}
	}
	if err := t.coordinateBlocked(rc, stored, carried); err != nil {
		return nil, err
	}
	var correctedTo models.MilestoneState
	if len(stored) > 0 {
		correctedTo = stored[0].State
	}
	if err := t.notifyCoordinationWithdrawn(rc.task, withdrawn, rc.who.person, correctedTo); err != nil {
		return nil, err
	}
	if len(stored) > 0 {
		if err := t.h.refreshGroupReminder(t.tx, rc.task.Task.ID, t.inboxID); err != nil {
			return nil, err
		}
	}
	return stored, nil
}

// refuseReport undoes what the reply stored so far and says why.
func (t *turn) refuseReport(rc replyContext, refusal string, seq int) error {
	if t.savepoint {
		if err := t.tx.RollbackTo("report").Error; err != nil {
			return fmt.Errorf("roll back refused report: %w", err)
		}
	}
	data := map[string]any{"Seq": seq, "Code": E(rc.task.Task.Code)}
	if rc.correcting != nil {
		if m := milestoneByID(rc.task, rc.correcting.MilestoneID); m != nil {
			data["Corrected"] = m.Seq
		}
	}
	text := t.h.Catalog.T(rc.who.lang, refusal, data)
	return t.rcReply(rc, text)
}

// reportRefusal names the message for a report the rules refuse.
func reportRefusal(err error) string {
	switch {
	case errors.Is(err, models.ErrNotReporter):
		return "report_not_allowed"
	case errors.Is(err, models.ErrMilestoneDone):
		return "problem_milestone_done"
	case errors.Is(err, models.ErrBadPercent):
		return "problem_bad_percent"
	case errors.Is(err, models.ErrMilestoneUnknown):
		return "problem_unknown_milestone"
	case errors.Is(err, models.ErrTaskClosed):
		return "report_task_closed"
	case errors.Is(err, models.ErrReportNotYours):
		return "report_not_yours"
	case errors.Is(err, models.ErrBadState):
		return "problem_need_state"
	case errors.Is(err, models.ErrCorrectionMoves):
		return "correction_moves"
	case errors.Is(err, models.ErrCorrectionClosed):
		return "correction_closed"
	case errors.Is(err, models.ErrReportChanged):
		return "report_already_changed"
	case errors.Is(err, models.ErrReopenToDone):
		return "problem_milestone_done"
	}
	return ""
}

// acknowledge tells the reporter exactly what was stored, with buttons to
// correct or withdraw it.
func (t *turn) acknowledge(rc replyContext, r *models.Report) error {
	c := t.h.Catalog
	lang := rc.who.lang
	m := milestoneByID(rc.task, r.MilestoneID)
	if m == nil {
		return fmt.Errorf("milestone %d of report %d not in task", r.MilestoneID, r.ID)
	}
	text := t.h.Render.Ack(lang, rc.task.Task, *m, r)
	buttons := [][]models.Button{{
		{Text: c.T(lang, "button_correct", nil), Data: fmt.Sprintf("c:%d", r.ID)},
		{Text: c.T(lang, "button_withdraw", nil), Data: fmt.Sprintf("w:%d", r.ID)},
	}}
	if rc.source == models.SourceButton {
		// A state alone is a whole report; the percent and note are
		// asked for here rather than in a second message.
		text += "\n" + c.T(lang, "ack_ask_detail", nil)
		buttons = append(buttons, []models.Button{{Text: c.T(lang, "button_add_detail", nil), Data: fmt.Sprintf("dt:%d", r.ID)}})
	}
	if r.State == models.StateDone {
		// The task can be closed now: offer to ask the leader.
		err := models.CloseReady(t.tx, rc.task.Task.ID)
		if err != nil && !errors.Is(err, models.ErrMilestonesOpen) && !errors.Is(err, models.ErrCoordinationOpen) {
			return err
		}
		if err == nil {
			buttons = append(buttons, []models.Button{{Text: c.T(lang, "button_request_close", nil), Data: fmt.Sprintf("cl:%d", rc.task.Task.ID)}})
		}
	}
	taskID, reportID := rc.task.Task.ID, r.ID
	key := t.nextKey()
	if rc.group != nil && rc.group.ack == models.AckReaction && rc.messageID != 0 {
		// The group asked for no words: a 👌 on the report, and the
		// reminder edited to say who reported (refreshGroupReminder).
		return models.Enqueue(t.tx, key, rc.chatID, models.OutReaction, models.Outgoing{Reaction: "👌", ReactTo: rc.messageID})
	}
	ref := models.MessageRef{Purpose: models.PurposeAck, TaskID: &taskID, ReportID: &reportID}
	if rc.edit != 0 {
		// One report, one message: the acknowledgement takes the place
		// of the message that asked for the report or that it completes.
		err := models.EnqueueRef(t.tx, key, rc.chatID, models.OutEditText, models.Outgoing{Text: text, Buttons: buttons, EditMessageID: rc.edit}, ref)
		if err != nil || rc.source != models.SourceDetail || rc.messageID == 0 {
			return err
		}
		// The person's answer is taken: a 👌 on it says so without a
		// message repeating the acknowledgement above.
		return models.Enqueue(t.tx, t.nextKey(), rc.chatID, models.OutReaction, models.Outgoing{Reaction: "👌", ReactTo: rc.messageID})
	}
	return models.EnqueueRef(t.tx, key, rc.chatID, models.OutSendMessage, t.rcOut(rc, models.Outgoing{Text: text, Buttons: buttons, ReplyTo: rc.messageID}), ref)
}

func (t *turn) answer(q *tgmodels.CallbackQuery, text string) error {
	return t.send(q.From.ID, models.OutAnswerCallback, models.Outgoing{CallbackQueryID: q.ID, Text: text})
}
