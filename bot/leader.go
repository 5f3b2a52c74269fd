package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/models"
)

// purposeCoordination marks the leader's copy of a coordination request;
// a reply to it is the leader's answer.
const purposeCoordination = "coord:"

// lang of someone the bot writes to unprompted.
func personLang(p *models.Person) string { return LanguageFor(p.Language, "") }

// adminLang is the language to write to an admin in, also one who is not
// on the task list: their /lang choice, else their client's language as
// last seen, else Chinese.
func adminLang(tx *gorm.DB, admin int64) (string, error) {
	chosen, client, err := models.AdminLanguageOf(tx, admin)
	if err != nil {
		return "", err
	}
	return LanguageFor(chosen, client), nil
}

func reachable(p *models.Person) bool { return p.TelegramID != nil && !p.Unreachable }

// notifyCoordination puts a coordination request before the task's leaders
// at once, with buttons to answer it or mark it resolved.
func (t *turn) notifyCoordination(d *models.TaskDetail, c *models.CoordinationRequest, raisedBy *models.Person) error {
	cat := t.h.Catalog
	taskID := d.Task.ID
	body := func(lang string) string {
		where := ""
		if c.MilestoneID != nil {
			if m := milestoneByID(d, *c.MilestoneID); m != nil {
				where = cat.T(lang, "ack_milestone", map[string]any{"Seq": m.Seq, "Title": E(m.Title)}) + "\n"
			}
		}
		return cat.T(lang, "coordination_title", nil) + "\n" +
			fmt.Sprintf("%s<b>%s %s</b>\n", LightEmoji(models.LightRed), E(d.Task.Code), E(d.Task.Title)) + where +
			cat.T(lang, "coordination_body", map[string]any{"Who": E(raisedBy.Key), "Text": E(c.Text)})
	}
	send := func(p *models.Person, banner string) error {
		if !reachable(p) {
			return nil
		}
		lang := personLang(p)
		text := body(lang)
		if banner != "" {
			text = banner + "\n" + text
		}
		buttons := [][]models.Button{{
			{Text: cat.T(lang, "button_answer", nil), Data: fmt.Sprintf("ca:%d", c.ID)},
			{Text: cat.T(lang, "button_resolved", nil), Data: fmt.Sprintf("cr:%d", c.ID)},
		}}
		key := fmt.Sprintf("coord:%d:%d", c.ID, p.ID)
		return models.EnqueueRef(t.tx, key, *p.TelegramID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: buttons},
			models.MessageRef{Purpose: fmt.Sprintf("%s%d", purposeCoordination, c.ID), TaskID: &taskID})
	}
	for _, leader := range d.Leaders {
		// A leader on leave: the deputy their leave names acts for them
		// (代行); with none, the admins hear of it.
		away, deputy, err := models.LeaderAway(t.tx, taskID, leader.ID, t.now)
		if err != nil {
			return err
		}
		switch {
		case !away:
			err = send(&leader, "")
		case deputy != nil:
			err = send(deputy, cat.T(personLang(deputy), "coordination_for_away_leader", map[string]any{"Name": E(leader.Key)}))
		default:
			err = t.h.tellAdmins(t.tx, fmt.Sprintf("coord:%d:away:%d", c.ID, leader.ID), func(lang string) string {
				return cat.T(lang, "coordination_leader_away", map[string]any{"Name": E(leader.Key)}) + "\n" + body(lang)
			})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// coordinateBlocked opens a coordination request for each blocked report,
// but for corrections that took over the open request of the report they
// correct.
func (t *turn) coordinateBlocked(rc replyContext, stored []*models.Report, carried map[uint]bool) error {
	for _, r := range stored {
		if r.State != models.StateBlocked || carried[r.ID] {
			continue
		}
		m := milestoneByID(rc.task, r.MilestoneID)
		text := r.Note
		if text == "" && m != nil {
			text = t.h.Catalog.T(rc.who.lang, "coordination_default", map[string]any{"Seq": m.Seq})
		}
		mid, rid := r.MilestoneID, r.ID
		c := &models.CoordinationRequest{TaskID: rc.task.Task.ID, MilestoneID: &mid, ReportID: &rid, Text: text}
		if err := models.OpenCoordination(t.tx, rc.who.person.ID, c); err != nil {
			return err
		}
		if err := t.notifyCoordination(rc.task, c, rc.who.person); err != nil {
			return err
		}
	}
	return nil
}

// notifyCoordinationWithdrawn tells the task's leaders, in one short note
// each, that coordination requests they were asked to solve closed with the
// report that raised them: withdrawn, or (correctedTo not empty) corrected
// to a state that is not blocked.
func (t *turn) notifyCoordinationWithdrawn(d *models.TaskDetail, reqs []models.CoordinationRequest, by *models.Person, correctedTo models.MilestoneState) error {
	for _, c := range reqs {
		for _, leader := range d.Leaders {
			if !reachable(&leader) {
				continue
			}
			lang := personLang(&leader)
			data := map[string]any{"Code": E(d.Task.Code), "Text": E(c.Text), "Who": E(by.Key)}
			key := "coordination_withdrawn"
			if correctedTo != "" {
				key, data["State"] = "coordination_withdrawn_corrected", t.h.Render.State(lang, correctedTo)
			}
			taskID := d.Task.ID
			if err := models.EnqueueRef(t.tx, fmt.Sprintf("coord-withdrawn:%d:%d", c.ID, leader.ID), *leader.TelegramID, models.OutSendMessage,
				models.Outgoing{Text: t.h.Catalog.T(lang, key, data)}, models.MessageRef{Purpose: "team", TaskID: &taskID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// coordinate handles "/coordinate T07 <what is needed>".
func (t *turn) coordinate(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	code, text, _ := strings.Cut(strings.TrimSpace(args), " ")
	text = strings.TrimSpace(text)
	if code == "" || text == "" {
		return t.reply(m.Chat.ID, c.T(who.lang, "coordinate_usage", nil))
	}
	d, err := t.reportableTask(who, strings.ToUpper(code))
	if err != nil {
		return err
	}
	if d == nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "task_not_found", map[string]any{"Code": E(strings.ToUpper(code))}))
	}
	req := &models.CoordinationRequest{TaskID: d.Task.ID, Text: truncateRunes(text, 2000)}
	err = models.OpenCoordination(t.tx, who.person.ID, req)
	if errors.Is(err, models.ErrNotReporter) {
		return t.reply(m.Chat.ID, c.T(who.lang, "coordinate_not_allowed", map[string]any{"Code": E(d.Task.Code)}))
	}
	if err != nil {
		return err
	}
	if err := t.notifyCoordination(d, req, who.person); err != nil {
		return err
	}
	return t.reply(m.Chat.ID, c.T(who.lang, "coordinate_sent", map[string]any{"Code": E(d.Task.Code)}))
}

// leaderOf loads the task of a coordination request for one of its
// leaders, or says why not.
func (t *turn) leaderOf(who speaker, taskID uint) (*models.TaskDetail, bool, error) {
	if who.person == nil {
		return nil, false, nil
	}
	ok, err := models.MayAnswerCoordination(t.tx, who.person.ID, taskID, t.now)
	if err != nil || !ok {
		return nil, false, err
	}
	d, err := t.taskByID(taskID)
	return d, err == nil, err
}

// coordinationCallback handles "ca:<id>" (answer) and "cr:<id>" (resolved).
func (t *turn) coordinationCallback(q *tgmodels.CallbackQuery, who speaker, kind string, id uint) error {
	c := t.h.Catalog
	req, err := models.CoordinationByID(t.tx, id)
	if models.IsNotFound(err) {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	if err != nil {
		return err
	}
	d, ok, err := t.leaderOf(who, req.TaskID)
	if err != nil {
		return err
	}
	if !ok {
		return t.answer(q, c.T(who.lang, "leaders_only", nil))
	}
	if kind == "ca" {
		if err := t.answer(q, ""); err != nil {
			return err
		}
		taskID := d.Task.ID
		key := t.nextKey()
		return models.EnqueueRef(t.tx, key, q.From.ID, models.OutSendMessage, models.Outgoing{
			Text: c.T(who.lang, "ask_answer", map[string]any{"Code": E(d.Task.Code)}), ForceReply: true,
		}, models.MessageRef{Purpose: fmt.Sprintf("%s%d", purposeCoordination, id), TaskID: &taskID})
	}
	_, first, err := models.ResolveCoordination(t.tx, who.person.ID, id, t.now)
	if err != nil {
		return err
	}
	if !first {
		if req.State == models.CoordinationWithdrawn {
			return t.answer(q, c.T(who.lang, "coordination_already_withdrawn", nil))
		}
		return t.answer(q, c.T(who.lang, "coordination_already_resolved", nil))
	}
	if err := t.answer(q, c.T(who.lang, "coordination_resolved_short", nil)); err != nil {
		return err
	}
	return t.tellTeamAndGroup(d, fmt.Sprintf("coord-resolved:%d", id), func(lang string) string {
		return c.T(lang, "coordination_resolved", map[string]any{"Code": E(d.Task.Code), "Leader": E(who.person.Key), "Text": E(req.Text)})
	}, nil)
}

// answerCoordination takes a leader's reply to a coordination request to
// the task's attendants and person in charge.
func (t *turn) answerCoordination(rc replyContext, purpose, text string) error {
	c := t.h.Catalog
	id, err := strconv.ParseUint(strings.TrimPrefix(purpose, purposeCoordination), 10, 64)
	if err != nil {
		return fmt.Errorf("coordination purpose %q: %w", purpose, err)
	}
	d, ok, err := t.leaderOf(rc.who, rc.task.Task.ID)
	if err != nil {
		return err
	}
	if !ok {
		return t.reply(rc.chatID, c.T(rc.who.lang, "leaders_only", nil))
	}
	if strings.TrimSpace(text) == "" {
		return t.reply(rc.chatID, c.T(rc.who.lang, "answer_needs_text", nil))
	}
	req, err := models.AnswerCoordination(t.tx, rc.who.person.ID, uint(id), text)
	if errors.Is(err, models.ErrNotLeader) {
		return t.reply(rc.chatID, c.T(rc.who.lang, "leaders_only", nil))
	}
	if err != nil {
		return err
	}
	err = t.tellTeamAndGroup(d, fmt.Sprintf("coord-answer:%d:%d", req.ID, t.inboxID), func(lang string) string {
		return c.T(lang, "coordination_answer", map[string]any{"Code": E(d.Task.Code), "Leader": E(rc.who.person.Key), "Text": E(req.Text), "Answer": E(text)})
	}, nil)
	if err != nil {
		return err
	}
	return t.reply(rc.chatID, c.T(rc.who.lang, "answer_sent", map[string]any{"Code": E(d.Task.Code)}))
}

// tellTeam writes to the task's attendants and person in charge, each in
// their language, with optional buttons.
func (t *turn) tellTeam(d *models.TaskDetail, key string, text func(lang string) string, buttons func(lang string) [][]models.Button) error {
	// The deputy of someone away gets what was meant for them too, and
	// confirms for them (代确认).
	absences, err := models.AbsencesOnTasks(t.tx, []uint{d.Task.ID}, t.now)
	if err != nil {
		return err
	}
	type recipient struct {
		p      models.Person
		absent *models.Person
	}
	var to []recipient
	seen := map[uint]bool{}
	for _, group := range [][]models.Person{d.Attendants, d.Owners} {
		for _, p := range group {
			if !seen[p.ID] {
				seen[p.ID] = true
				to = append(to, recipient{p: p})
			}
		}
	}
	for _, a := range absences[d.Task.ID] {
		if a.Named && a.StandIn != nil && !seen[a.StandIn.ID] {
			seen[a.StandIn.ID] = true
			to = append(to, recipient{p: *a.StandIn, absent: &a.Person})
		}
	}
	taskID := d.Task.ID
	for _, r := range to {
		if !reachable(&r.p) {
			continue
		}
		lang := personLang(&r.p)
		out := models.Outgoing{Text: text(lang)}
		if r.absent != nil {
			out.Text = t.h.Catalog.T(lang, "team_for_away", map[string]any{"Name": E(r.absent.Key)}) + "\n" + out.Text
		}
		if buttons != nil {
			out.Buttons = buttons(lang)
		}
		if err := models.EnqueueRef(t.tx, fmt.Sprintf("%s:%d", key, r.p.ID), *r.p.TelegramID, models.OutSendMessage, out,
			models.MessageRef{Purpose: "team", TaskID: &taskID}); err != nil {
			return err
		}
	}
	return nil
}

// tellGroup posts to the task's work group, in its topic, what its team
// is told privately too: instructions (批示) and the answers to and
// resolutions of coordination requests. Only for a task whose reminders
// go to the group; leaders' summaries never do.
func (t *turn) tellGroup(d *models.TaskDetail, key string, text func(lang string) string, buttons func(lang string) [][]models.Button) error {
	deliveries, err := models.GroupDeliveries(t.tx, []uint{d.Task.ID})
	if err != nil {
		return err
	}
	g, ok := deliveries[d.Task.ID]
	if !ok || !g.Binding.Delivery.Group() {
		return nil
	}
	out := models.Outgoing{Text: text(groupLang)}
	if buttons != nil {
		out.Buttons = buttons(groupLang)
	}
	if g.Topic != nil {
		if out.MessageThreadID, out.ThreadOutboxID, err = models.TopicThread(t.tx, g.Topic); err != nil {
			return err
		}
	}
	taskID := d.Task.ID
	return models.EnqueueRef(t.tx, key+":group", g.Group.ChatID, models.OutSendMessage, out,
		models.MessageRef{Purpose: "team", TaskID: &taskID})
}

// tellTeamAndGroup is tellTeam, and tellGroup with the same words.
func (t *turn) tellTeamAndGroup(d *models.TaskDetail, key string, text func(lang string) string, buttons func(lang string) [][]models.Button) error {
	if err := t.tellTeam(d, key, text, buttons); err != nil {
		return err
	}
	return t.tellGroup(d, key, text, buttons)
}

// instruct handles "/instruct T07 <text>" from a contracting leader.
func (t *turn) instruct(m *tgmodels.Message, who speaker, args string) error {
	return t.instructIn(m.Chat.ID, who, args)
}

// instructIn is /instruct answered in chatID: the command, a reply to a
// summary, and a leader's text confirmed as an instruction all give one
// the same way.
func (t *turn) instructIn(chatID int64, who speaker, args string) error {
	answer, err := t.giveInstruction(who, args)
	if err != nil {
		return err
	}
	return t.reply(chatID, answer)
}

// giveInstruction gives "T07 <text>" as the speaker's instruction and says
// what became of it: to whom it went, or why it was refused.
func (t *turn) giveInstruction(who speaker, args string) (string, error) {
	c := t.h.Catalog
	code, text, _ := strings.Cut(strings.TrimSpace(args), " ")
	text = strings.TrimSpace(text)
	if code == "" || text == "" || who.person == nil {
		return c.T(who.lang, "instruct_usage", nil), nil
	}
	code = strings.ToUpper(code)
	d, err := models.TaskByCode(t.tx, code)
	if err != nil && !models.IsNotFound(err) {
		return "", err
	}
	if d == nil || !d.HasPerson(who.person.ID) {
		return c.T(who.lang, "task_not_found", map[string]any{"Code": E(code)}), nil
	}
	in, err := models.GiveInstruction(t.tx, who.person.ID, d.Task.ID, truncateRunes(text, 2000))
	if errors.Is(err, models.ErrNotLeader) {
		return c.T(who.lang, "instruct_leaders_only", map[string]any{"Code": E(code)}), nil
	}
	if err != nil {
		return "", err
	}
	err = t.tellTeamAndGroup(d, fmt.Sprintf("instruction:%d", in.ID), func(lang string) string {
		return c.T(lang, "instruction", map[string]any{"Code": E(d.Task.Code), "Title": E(d.Task.Title), "Leader": E(who.person.Key), "Text": E(in.Text)})
	}, func(lang string) [][]models.Button {
		return [][]models.Button{{{Text: c.T(lang, "button_received", nil), Data: fmt.Sprintf("ir:%d", in.ID)}}}
	})
	if err != nil {
		return "", err
	}
	team := append(append([]models.Person(nil), d.Attendants...), d.Owners...)
	missing, err := t.unreached(who.lang, d, team)
	if err != nil {
		return "", err
	}
	return c.T(who.lang, "instruct_sent", map[string]any{"Code": E(code), "Count": reached(team)}) + missing, nil
}

// confirmInstruction handles the "received" button.
func (t *turn) confirmInstruction(q *tgmodels.CallbackQuery, who speaker, id uint) error {
	c := t.h.Catalog
	first, err := models.ConfirmInstruction(t.tx, id, who.person.ID, t.now)
	if errors.Is(err, models.ErrNotFound) {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	if err != nil {
		return err
	}
	if !first {
		return t.answer(q, c.T(who.lang, "instruction_already_confirmed", nil))
	}
	return t.answer(q, c.T(who.lang, "instruction_confirmed", nil))
}
