package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/bot/reply"
	"taskbot/models"
)

// attachmentsOf keeps a message's photo (its largest size) or document as
// evidence.
func attachmentsOf(m *tgmodels.Message) []models.Attachment {
	switch {
	case len(m.Photo) > 0:
		best := m.Photo[len(m.Photo)-1]
		return []models.Attachment{{Kind: "photo", FileID: best.FileID}}
	case m.Document != nil:
		return []models.Attachment{{Kind: "document", FileID: m.Document.FileID, FileName: truncateRunes(m.Document.FileName, 200)}}
	}
	return nil
}

// replyToBot handles a message that replies to one of the bot's messages:
// a status reply to a reminder, detail for a report, a correction, or
// evidence. It reports false when the replied-to message has no context.
func (t *turn) replyToBot(m *tgmodels.Message, who speaker) (bool, error) {
	if m.ReplyToMessage == nil || !who.known() {
		return false, nil
	}
	sent, err := models.SentMessage(t.tx, m.Chat.ID, m.ReplyToMessage.ID)
	if models.IsNotFound(err) && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.IsBot && !patienceOver(t.ctx) {
		// The person may be answering a message whose sending is still
		// being recorded; its context is moments away.
		inFlight, ferr := models.SendingTo(t.tx, m.Chat.ID)
		if ferr != nil {
			return false, ferr
		}
		if inFlight {
			return false, ErrNotYet
		}
	}
	if who.person == nil {
		// An admin on no task answers only the question for the reason
		// of refusing an extension.
		if err == nil && strings.HasPrefix(sent.Purpose, purposeExtensionRefuse) {
			return true, t.extensionRefusalReason(m.Chat.ID, who, sent.Purpose, textOf(m))
		}
		if models.IsNotFound(err) {
			err = nil
		}
		return false, err
	}
	if err == nil && sent.Purpose == models.PurposeSummary {
		text := m.Text
		if text == "" {
			text = m.Caption
		}
		return true, t.summaryReply(m, who, text)
	}
	if err == nil && strings.HasPrefix(sent.Purpose, purposeVisit) {
		return true, t.visitFindings(m, who, sent.Purpose)
	}
	if err == nil && strings.HasPrefix(sent.Purpose, purposeCommitObjection) {
		return true, t.commitObjection(m, who, sent.Purpose)
	}
	if models.IsNotFound(err) || (err == nil && sent.TaskID == nil) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	d, err := t.taskByID(*sent.TaskID)
	if err != nil {
		return false, err
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	files := attachmentsOf(m)
	rc := replyContext{who: who, chatID: m.Chat.ID, messageID: m.ID, task: d, source: "reply", attachments: files}
	c := t.h.Catalog
	if strings.HasPrefix(sent.Purpose, purposeInstruct) {
		return true, t.instructionReply(m.Chat.ID, who, d, text)
	}
	switch sent.Purpose {
	case models.PurposeReminder:
		if strings.TrimSpace(text) == "" {
			return true, t.reply(m.Chat.ID, c.T(who.lang, "evidence_needs_report", nil))
		}
		return true, t.statusReply(rc, text)
	case models.PurposeAck:
		if strings.TrimSpace(text) == "" && len(files) > 0 && sent.ReportID != nil {
			return true, t.attachEvidence(m, who, d, *sent.ReportID, files)
		}
		if sent.ReportID != nil {
			adds, err := t.addsTo(who, d, *sent.ReportID, text)
			if err != nil {
				return true, err
			}
			if adds {
				// The percent and note asked for in the acknowledgement:
				// they complete the report, whose acknowledgement shows
				// them in its place.
				rc.edit = m.ReplyToMessage.ID
				return true, t.detail(rc, models.PurposeAskDetail, *sent.ReportID, text)
			}
		}
		return true, t.statusReply(rc, text)
	case models.PurposeAskDetail, models.PurposeCorrect:
		if sent.ReportID == nil {
			return false, nil
		}
		if sent.Purpose == models.PurposeAskDetail {
			// The question replies to the acknowledgement it completes.
			out, err := sent.Outgoing()
			if err != nil {
				return true, err
			}
			rc.edit = out.ReplyTo
		}
		return true, t.detail(rc, sent.Purpose, *sent.ReportID, text)
	}
	if strings.HasPrefix(sent.Purpose, purposeCoordination) {
		return true, t.answerCoordination(rc, sent.Purpose, text)
	}
	if strings.HasPrefix(sent.Purpose, purposeCloseBack) {
		return true, t.closeBackReason(rc, sent.Purpose, text)
	}
	if strings.HasPrefix(sent.Purpose, purposeExtensionAsk) {
		return true, t.extensionAnswer(rc, sent.Purpose, text)
	}
	if strings.HasPrefix(sent.Purpose, purposeExtensionRefuse) {
		return true, t.extensionRefusalReason(rc.chatID, rc.who, sent.Purpose, text)
	}
	return false, nil
}

// addsTo tells whether a reply to the acknowledgement of a button report
// is the percent and note that acknowledgement asks for, rather than a
// report of its own: the report may still be completed, the reply reads as
// detail, and as a status reply it names no other milestone ("2 受阻" on
// the acknowledgement of milestone 1 is a new report on milestone 2).
func (t *turn) addsTo(who speaker, d *models.TaskDetail, reportID uint, text string) (bool, error) {
	r, err := models.CheckCorrectable(t.tx, who.person.ID, reportID, t.now, t.h.correctionWindow())
	if reportRefusal(err) != "" || models.IsNotFound(err) {
		// Too late, or not theirs to complete: a reply of its own.
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if r.Source != models.SourceButton && r.Source != models.SourceDetail {
		return false, nil
	}
	if _, _, problem := reply.ParseDetail(text); problem != nil {
		return false, nil
	}
	m := milestoneByID(d, r.MilestoneID)
	if m == nil {
		return false, nil
	}
	res := reply.Parse(text, parseContext(d, nil))
	if res.Problem == nil {
		for _, it := range res.Items {
			if it.Milestone != m.Seq {
				return false, nil
			}
		}
	}
	return true, nil
}

// textOf is a message's text, or its caption.
func textOf(m *tgmodels.Message) string {
	if m.Text != "" {
		return m.Text
	}
	return m.Caption
}

// attachEvidence keeps a photo or document on the acknowledged report.
func (t *turn) attachEvidence(m *tgmodels.Message, who speaker, d *models.TaskDetail, reportID uint, files []models.Attachment) error {
	var r *models.Report
	for _, f := range files {
		var err error
		r, err = models.AddAttachment(t.tx, who.person.ID, reportID, f)
		switch {
		case errors.Is(err, models.ErrReportNotYours), models.IsNotFound(err):
			return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "report_not_yours", nil))
		case errors.Is(err, models.ErrReportChanged):
			return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "report_already_changed", nil))
		case err != nil:
			return err
		}
	}
	rc := replyContext{who: who, chatID: m.Chat.ID, messageID: m.ID, task: d}
	return t.acknowledge(rc, r)
}

// detail handles the answer to "percent and note?" after a button report,
// and the corrected text after "correct": both correct the report, which
// keeps its milestone.
func (t *turn) detail(rc replyContext, purpose string, reportID uint, text string) error {
	c := t.h.Catalog
	old, err := models.CheckCorrectable(t.tx, rc.who.person.ID, reportID, t.now, t.h.correctionWindow())
	if refusal := reportRefusal(err); refusal != "" || models.IsNotFound(err) {
		if refusal == "" || refusal == "report_not_yours" {
			refusal = "report_not_yours"
		}
		return t.reply(rc.chatID, c.T(rc.who.lang, refusal, nil))
	}
	if err != nil {
		return err
	}
	rc.correcting = old
	if purpose == models.PurposeCorrect {
		rc.source = "correction"
		return t.statusReply(rc, text)
	}
	percent, note, problem := reply.ParseDetail(text)
	if problem != nil {
		return t.reply(rc.chatID, c.T(rc.who.lang, "problem_"+string(problem.Kind), map[string]any{"Number": problem.Number, "Text": E(problem.Text)}))
	}
	if percent == nil && note == "" && len(rc.attachments) == 0 {
		return t.reply(rc.chatID, c.T(rc.who.lang, "detail_skipped", nil))
	}
	m := milestoneByID(rc.task, old.MilestoneID)
	if m == nil {
		return fmt.Errorf("milestone %d not in task", old.MilestoneID)
	}
	state := reply.State(old.State)
	if percent != nil && !state.Allows(*percent) {
		if *percent == 100 {
			state = reply.Done
		} else if state == reply.Done {
			state = reply.OnTrack
		}
	}
	rc.source = models.SourceDetail
	_, err = t.record(rc, []reply.Item{{Milestone: m.Seq, State: state, Percent: percent, Note: note}})
	return err
}

// editedMessage turns an edited status reply into a correction of the
// report it made, which keeps that report's task and milestone.
func (t *turn) editedMessage(m *tgmodels.Message) error {
	if m.From == nil || m.Chat.Type != tgmodels.ChatTypePrivate {
		return nil
	}
	if m.Location != nil {
		// A live location moving: a visit keeps only its first point,
		// never a track, so its edits are not read.
		return nil
	}
	who, err := t.speaker(m.From)
	if err != nil || who.person == nil {
		return err
	}
	reports, err := models.ReportByMessage(t.tx, m.Chat.ID, m.ID)
	if err != nil || len(reports) == 0 {
		return err
	}
	c := t.h.Catalog
	if len(reports) > 1 {
		return t.reply(m.Chat.ID, c.T(who.lang, "edit_several_reports", nil))
	}
	old := reports[0]
	d, err := t.taskByID(old.TaskID)
	if err != nil {
		return err
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	if strings.HasPrefix(text, "/report") {
		_, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
		var code string
		code, text, _ = strings.Cut(strings.TrimSpace(rest), " ")
		if !strings.EqualFold(code, d.Task.Code) {
			return t.reply(m.Chat.ID, c.T(who.lang, "edit_moves_task", map[string]any{"Code": E(d.Task.Code)}))
		}
	}
	rc := replyContext{who: who, chatID: m.Chat.ID, messageID: m.ID, task: d, source: "edit", correcting: &old}
	return t.statusReply(rc, text)
}

// reportCallback routes the buttons of reminders, questions and
// acknowledgements.
func (t *turn) reportCallback(q *tgmodels.CallbackQuery, who speaker) error {
	c := t.h.Catalog
	parts := strings.Split(q.Data, ":")
	if len(parts) < 2 {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	id, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	if isLeaveStep(parts[0]) {
		arg := ""
		if len(parts) == 3 {
			arg = parts[2]
		}
		return t.leaveStepCallback(q, who, parts[0], uint(id), arg)
	}
	switch parts[0] {
	case "m":
		return t.chooseMilestone(q, who, uint(id))
	case "s":
		if len(parts) != 3 {
			break
		}
		return t.chooseState(q, who, uint(id), parts[2])
	case "pm", "ps", "pr":
		if len(parts) != 3 {
			break
		}
		return t.answerPending(q, who, parts[0], uint(id), parts[2])
	case "w":
		return t.withdraw(q, who, uint(id))
	case "ca", "cr":
		return t.coordinationCallback(q, who, parts[0], uint(id))
	case "ir":
		return t.confirmInstruction(q, who, uint(id))
	case "cl", "co", "cb":
		return t.closeCallback(q, who, parts[0], uint(id))
	case "x":
		return t.extensionButton(q, who, uint(id))
	case "xa", "xr":
		return t.extensionDecisionCallback(q, who, parts[0], uint(id))
	case "c":
		return t.askCorrection(q, who, uint(id))
	case "vk":
		if len(parts) != 3 {
			break
		}
		return t.visitCallback(q, who, parts[0], uint(id), parts[2])
	case "vs", "vc":
		return t.visitCallback(q, who, parts[0], uint(id), "")
	case "la", "lr":
		return t.decideLeave(q, who, parts[0], uint(id))
	case "dt":
		return t.askDetail(q, who, uint(id))
	case "rb":
		return t.backToReminder(q, who, uint(id))
	case "ks", "ko":
		return t.commitmentCallback(q, who, parts[0], uint(id), "")
	case "kc":
		if len(parts) != 3 {
			break
		}
		return t.commitmentCallback(q, who, parts[0], uint(id), parts[2])
	}
	return t.answer(q, c.T(who.lang, "callback_expired", nil))
}

// milestoneOfPerson loads a milestone and its task for someone who may
// report on it.
func (t *turn) milestoneOfPerson(who speaker, milestoneID uint) (*models.TaskDetail, *models.Milestone, error) {
	var ms models.Milestone
	if err := t.tx.Take(&ms, milestoneID).Error; err != nil {
		return nil, nil, nil
	}
	ok, err := models.CanReport(t.tx, who.person.ID, ms.TaskID)
	if err != nil || !ok {
		return nil, nil, err
	}
	d, err := t.taskByID(ms.TaskID)
	if err != nil {
		return nil, nil, err
	}
	return d, milestoneByID(d, milestoneID), nil
}

// chooseMilestone answers a milestone button with the state buttons.
func (t *turn) chooseMilestone(q *tgmodels.CallbackQuery, who speaker, milestoneID uint) error {
	c := t.h.Catalog
	d, m, err := t.milestoneOfPerson(who, milestoneID)
	if err != nil {
		return err
	}
	if m == nil {
		return t.answer(q, c.T(who.lang, "report_not_allowed_short", nil))
	}
	if m.State == models.StateDone {
		return t.answer(q, c.T(who.lang, "problem_milestone_done", map[string]any{"Seq": m.Seq}))
	}
	toast := ""
	if inGroup(q) {
		// The steps that follow are one person's: they go on privately.
		toast = c.T(who.lang, "group_continue_private", nil)
	}
	if err := t.answer(q, toast); err != nil {
		return err
	}
	inPlace := toast == "" && q.Message.Message != nil && q.Message.Message.Chat.ID == q.From.ID
	var row []models.Button
	var rows [][]models.Button
	for i, s := range reportStates {
		label := t.h.Render.State(who.lang, s)
		if inPlace {
			// The reminder's text lists every open milestone: the
			// buttons say which one they are about.
			label = c.T(who.lang, "button_milestone_state", map[string]any{"Seq": m.Seq, "State": label})
		}
		row = append(row, models.Button{Text: label, Data: fmt.Sprintf("s:%d:%s", m.ID, stateCode(s))})
		if i%2 == 1 {
			rows, row = append(rows, row), nil
		}
	}
	if inPlace {
		// The reminder's keyboard turns into the states of the chosen
		// milestone: a report stays one message, and 返回 undoes a wrong
		// choice.
		rows = append(rows, []models.Button{{Text: c.T(who.lang, "button_back", nil), Data: fmt.Sprintf("rb:%d", d.Task.ID)}})
		return t.send(q.From.ID, models.OutEditMarkup, models.Outgoing{EditMessageID: q.Message.Message.ID, Buttons: rows})
	}
	text := c.T(who.lang, "ask_state", map[string]any{"Code": E(d.Task.Code), "Seq": m.Seq, "Title": E(m.Title)})
	return t.send(q.From.ID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: rows})
}

// backToReminder gives a reminder its milestone buttons back after a
// milestone was chosen by mistake.
func (t *turn) backToReminder(q *tgmodels.CallbackQuery, who speaker, taskID uint) error {
	c := t.h.Catalog
	ok, err := models.CanReport(t.tx, who.person.ID, taskID)
	if err != nil {
		return err
	}
	if !ok || q.Message.Message == nil {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	d, err := t.taskByID(taskID)
	if err != nil {
		return err
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	buttons := reminderButtons(c, who.lang, openMilestones(d), models.Today(t.now, t.location(who.person)), t.h.LightRules.OrDefault())
	return t.send(q.From.ID, models.OutEditMarkup, models.Outgoing{EditMessageID: q.Message.Message.ID, Buttons: buttons})
}

// chooseState records a button report. Its acknowledgement takes the place
// of the message whose button was pressed, and itself offers to add the
// optional percent and note.
func (t *turn) chooseState(q *tgmodels.CallbackQuery, who speaker, milestoneID uint, code string) error {
	c := t.h.Catalog
	state, ok := stateCodes[code]
	if !ok {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	d, m, err := t.milestoneOfPerson(who, milestoneID)
	if err != nil {
		return err
	}
	if m == nil {
		return t.answer(q, c.T(who.lang, "report_not_allowed_short", nil))
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	messageID := 0
	if q.Message.Message != nil {
		messageID = q.Message.Message.ID
	}
	rc := replyContext{who: who, chatID: q.From.ID, messageID: messageID, task: d, source: models.SourceButton}
	if messageID != 0 && q.Message.Message.Chat.ID == q.From.ID {
		rc.edit = messageID
	}
	_, err = t.record(rc, []reply.Item{{Milestone: m.Seq, State: reply.State(state)}})
	return err // a refusal was the answer
}

// correctableFromButton loads the speaker's report a button on its
// acknowledgement acts on, and answers the press: with the refusal when the
// report may no longer change (nil report), silently otherwise.
func (t *turn) correctableFromButton(q *tgmodels.CallbackQuery, who speaker, reportID uint) (*models.Report, error) {
	r, err := models.CheckCorrectable(t.tx, who.person.ID, reportID, t.now, t.h.correctionWindow())
	if refusal := reportRefusal(err); refusal != "" || models.IsNotFound(err) {
		if refusal == "" {
			refusal = "report_not_yours"
		}
		return nil, t.answer(q, t.h.Catalog.T(who.lang, refusal, nil))
	}
	if err != nil {
		return nil, err
	}
	return r, t.answer(q, "")
}

// askDetail opens the forced reply for the percent and note of a button
// report, from its acknowledgement's button. The question replies to the
// acknowledgement, which the answer then completes in place.
func (t *turn) askDetail(q *tgmodels.CallbackQuery, who speaker, reportID uint) error {
	c := t.h.Catalog
	r, err := t.correctableFromButton(q, who, reportID)
	if r == nil || err != nil {
		return err
	}
	ackID := 0
	if q.Message.Message != nil {
		ackID = q.Message.Message.ID
	}
	taskID := r.TaskID
	return models.EnqueueRef(t.tx, t.nextKey(), q.From.ID, models.OutSendMessage, models.Outgoing{
		Text:        c.T(who.lang, "ask_detail", nil),
		ForceReply:  true,
		Placeholder: c.T(who.lang, "ask_detail_placeholder", nil),
		ReplyTo:     ackID,
	}, models.MessageRef{Purpose: models.PurposeAskDetail, TaskID: &taskID, ReportID: &reportID})
}

func (t *turn) withdraw(q *tgmodels.CallbackQuery, who speaker, reportID uint) error {
	c := t.h.Catalog
	ch, err := models.WithdrawReport(t.tx, who.person.ID, reportID, t.now, t.h.correctionWindow())
	if refusal := reportRefusal(err); refusal != "" || models.IsNotFound(err) {
		if refusal == "" {
			refusal = "report_not_yours"
		}
		data := map[string]any{"Seq": 0, "Code": ""}
		// Only the reporter's own report gets this far: naming its task
		// tells them nothing new.
		var closed *models.TaskClosedError
		if errors.As(err, &closed) {
			data["Code"] = E(closed.Code)
		}
		return t.answer(q, c.T(who.lang, refusal, data))
	}
	if err != nil {
		return err
	}
	if err := t.answer(q, c.T(who.lang, "withdrawn_short", nil)); err != nil {
		return err
	}
	r := ch.Report
	d, err := t.taskByID(r.TaskID)
	if err != nil {
		return err
	}
	if err := t.notifyCoordinationWithdrawn(d, ch.Withdrawn, who.person, ""); err != nil {
		return err
	}
	if err := t.h.refreshGroupReminder(t.tx, d.Task.ID, t.inboxID); err != nil {
		return err
	}
	m := milestoneByID(d, r.MilestoneID)
	return t.reply(q.From.ID, c.T(who.lang, "withdrawn", map[string]any{"Code": E(d.Task.Code), "Seq": m.Seq, "State": t.h.Render.State(who.lang, m.State)}))
}

func (t *turn) askCorrection(q *tgmodels.CallbackQuery, who speaker, reportID uint) error {
	c := t.h.Catalog
	r, err := t.correctableFromButton(q, who, reportID)
	if r == nil || err != nil {
		return err
	}
	taskID := r.TaskID
	key := t.nextKey()
	return models.EnqueueRef(t.tx, key, q.From.ID, models.OutSendMessage, models.Outgoing{
		Text:        c.T(who.lang, "ask_correction", nil),
		ForceReply:  true,
		Placeholder: c.T(who.lang, "ask_correction_placeholder", nil),
	}, models.MessageRef{Purpose: models.PurposeCorrect, TaskID: &taskID, ReportID: &reportID})
}
