package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
)

// purposeCloseBack marks the question for the reason of a returned
// close-out; the reply is the reason.
const purposeCloseBack = "closeback:"

// closeCommand handles "/close T07".
func (t *turn) closeCommand(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	code := strings.ToUpper(strings.TrimSpace(args))
	if code == "" {
		return t.reply(m.Chat.ID, c.T(who.lang, "close_usage", nil))
	}
	d, err := t.reportableTask(who, code)
	if err != nil {
		return err
	}
	if d == nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "task_not_found", map[string]any{"Code": E(code)}))
	}
	return t.requestClose(m.Chat.ID, who, d)
}

func (t *turn) requestClose(chatID int64, who speaker, d *models.TaskDetail) error {
	c := t.h.Catalog
	data := map[string]any{"Code": E(d.Task.Code)}
	req, err := models.RequestCloseWith(t.tx, who.person.ID, d.Task.ID, models.CloseRules{Deputies: t.h.DeputyCloseOut}, t.now)
	var open *models.CloseOpenError
	switch {
	case errors.Is(err, models.ErrNotReporter):
		return t.reply(chatID, c.T(who.lang, "close_not_allowed", data))
	case errors.Is(err, models.ErrMilestonesOpen):
		return t.reply(chatID, c.T(who.lang, "close_milestones_open", data))
	case errors.Is(err, models.ErrCoordinationOpen):
		return t.reply(chatID, c.T(who.lang, "close_coordination_open", data))
	case errors.Is(err, models.ErrTaskClosed):
		return t.reply(chatID, c.T(who.lang, "report_task_closed", data))
	case errors.As(err, &open):
		var by models.Person
		if err := t.tx.Take(&by, open.Request.RequestedBy).Error; err != nil {
			return fmt.Errorf("requester of close request %d: %w", open.Request.ID, err)
		}
		data["Who"], data["When"] = E(by.Key), open.Request.CreatedAt.In(t.location(who.person)).Format("01-02 15:04")
		return t.reply(chatID, c.T(who.lang, "close_already_requested", data))
	case err != nil:
		return err
	}
	for _, leader := range d.Leaders {
		if !reachable(&leader) {
			continue
		}
		lang := personLang(&leader)
		text := c.T(lang, "close_request", map[string]any{"Code": E(d.Task.Code), "Title": E(d.Task.Title), "Who": E(who.person.Key)})
		buttons := [][]models.Button{{
			{Text: c.T(lang, "button_approve_close", nil), Data: fmt.Sprintf("co:%d", req.ID)},
			{Text: c.T(lang, "button_return_close", nil), Data: fmt.Sprintf("cb:%d", req.ID)},
		}}
		if err := models.Enqueue(t.tx, fmt.Sprintf("close:%d:%d", req.ID, leader.ID), *leader.TelegramID, models.OutSendMessage,
			models.Outgoing{Text: text, Buttons: buttons}); err != nil {
			return err
		}
	}
	return t.reply(chatID, c.T(who.lang, "close_requested", map[string]any{"Code": E(d.Task.Code)}))
}

// closeCallback handles "cl:<task>" (ask to close), "co:<request>"
// (approve) and "cb:<request>" (send back).
func (t *turn) closeCallback(q *tgmodels.CallbackQuery, who speaker, kind string, id uint) error {
	c := t.h.Catalog
	switch kind {
	case "cl":
		// Someone else's task reads like an expired button: the answer
		// names nothing.
		d, err := t.taskByID(id)
		if err != nil || !d.HasPerson(who.person.ID) {
			return t.answer(q, c.T(who.lang, "callback_expired", nil))
		}
		if err := t.answer(q, ""); err != nil {
			return err
		}
		return t.requestClose(q.From.ID, who, d)
	case "cb":
		var req models.CloseRequest
		if err := t.tx.Take(&req, id).Error; err != nil {
			return t.answer(q, c.T(who.lang, "callback_expired", nil))
		}
		if ok, err := models.IsLeader(t.tx, who.person.ID, req.TaskID); err != nil || !ok {
			if err != nil {
				return err
			}
			return t.answer(q, c.T(who.lang, "leaders_only", nil))
		}
		if req.Decision != "" {
			return t.answer(q, c.T(who.lang, "close_already_decided", nil))
		}
		if err := t.answer(q, ""); err != nil {
			return err
		}
		taskID := req.TaskID
		return models.EnqueueRef(t.tx, t.nextKey(), q.From.ID, models.OutSendMessage,
			models.Outgoing{Text: c.T(who.lang, "ask_close_reason", nil), ForceReply: true},
			models.MessageRef{Purpose: fmt.Sprintf("%s%d", purposeCloseBack, id), TaskID: &taskID})
	}
	return t.decideClose(q.From.ID, who, id, models.CloseApproved, "", q)
}

// decideClose records a leader's decision and tells the team.
func (t *turn) decideClose(chatID int64, who speaker, id uint, decision, reason string, q *tgmodels.CallbackQuery) error {
	c := t.h.Catalog
	out, err := models.DecideClose(t.tx, who.person.ID, id, decision, reason, t.now)
	refuse := func(key string) error {
		if q != nil {
			return t.answer(q, c.T(who.lang, key, nil))
		}
		return t.reply(chatID, c.T(who.lang, key, nil))
	}
	switch {
	case errors.Is(err, models.ErrNotLeader):
		return refuse("leaders_only")
	case errors.Is(err, models.ErrAlreadyDecided):
		return refuse("close_already_decided")
	case errors.Is(err, models.ErrMilestonesOpen):
		return refuse("close_refused_milestones")
	case errors.Is(err, models.ErrCoordinationOpen):
		return refuse("close_refused_coordination")
	case errors.Is(err, models.ErrCloseBasisChanged):
		return refuse("close_refused_changed")
	case models.IsNotFound(err):
		return refuse("callback_expired")
	case err != nil:
		return err
	}
	req := out.Request
	if out.Superseded != nil {
		return t.closeSuperseded(chatID, who, req, out.Superseded, q)
	}
	if q != nil {
		if err := t.answer(q, c.T(who.lang, "close_"+decision+"_short", nil)); err != nil {
			return err
		}
	}
	if decision == models.CloseApproved {
		// A closed task's topic closes with it.
		if err := t.h.syncTaskTopic(t.tx, req.TaskID); err != nil {
			return err
		}
	}
	d, err := t.taskByID(req.TaskID)
	if err != nil {
		return err
	}
	err = t.tellTeam(d, fmt.Sprintf("close-%s:%d", decision, req.ID), func(lang string) string {
		return c.T(lang, "close_"+decision, map[string]any{"Code": E(d.Task.Code), "Title": E(d.Task.Title), "Leader": E(who.person.Key), "Reason": E(reason)})
	}, nil)
	if err != nil || q != nil {
		return err
	}
	return t.reply(chatID, c.T(who.lang, "close_"+decision+"_short", nil))
}

// closeSuperseded tells the leader why the approval was refused and that
// the request ended, and the task's reporters that they may ask again.
func (t *turn) closeSuperseded(chatID int64, who speaker, req *models.CloseRequest, why error, q *tgmodels.CallbackQuery) error {
	c := t.h.Catalog
	key := "close_refused_changed"
	if errors.Is(why, models.ErrMilestonesOpen) {
		key = "close_refused_milestones"
	}
	var err error
	if q != nil {
		err = t.answer(q, c.T(who.lang, key, nil))
	} else {
		err = t.reply(chatID, c.T(who.lang, key, nil))
	}
	if err != nil {
		return err
	}
	d, err := t.taskByID(req.TaskID)
	if err != nil {
		return err
	}
	return t.tellTeam(d, fmt.Sprintf("close-superseded:%d", req.ID), func(lang string) string {
		return c.T(lang, "close_superseded", map[string]any{"Code": E(d.Task.Code), "Leader": E(who.person.Key)})
	}, nil)
}

// closeBackReason takes the reply with the reason of a returned close-out.
func (t *turn) closeBackReason(rc replyContext, purpose, text string) error {
	id, err := strconv.ParseUint(strings.TrimPrefix(purpose, purposeCloseBack), 10, 64)
	if err != nil {
		return fmt.Errorf("close-out purpose %q: %w", purpose, err)
	}
	if strings.TrimSpace(text) == "" {
		return t.reply(rc.chatID, t.h.Catalog.T(rc.who.lang, "answer_needs_text", nil))
	}
	return t.decideClose(rc.chatID, rc.who, uint(id), models.CloseReturned, truncateRunes(text, 1000), nil)
}
