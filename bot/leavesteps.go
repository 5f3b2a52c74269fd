package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/bot/leavecmd"
	"taskbot/models"
)

// leaveDeputyRequestID is the request_id of the keyboard button that
// asks for a deputy (/leave by buttons); a users_shared answer carries it
// back.
const leaveDeputyRequestID = 2

// leaveDayFormat writes a day into a button's callback data.
const leaveDayFormat = "20060102"

// leaveKinds are the kinds offered as buttons, in this order.
var leaveKinds = []models.LeaveKind{models.LeavePersonal, models.LeaveSick, models.LeaveTrip, models.LeaveMeeting, models.LeaveOther}

// leaveStart begins /leave by buttons: kind, first and last day, deputy,
// confirm. Each step is kept in the person's draft.
func (t *turn) leaveStart(m *tgmodels.Message, who speaker) error {
	c := t.h.Catalog
	if who.person == nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "leave_usage", nil))
	}
	d, err := models.StartLeaveDraft(t.tx, who.person.ID, t.now)
	if err != nil {
		return err
	}
	var rows [][]models.Button
	for i, k := range leaveKinds {
		label := c.T(who.lang, "leave_kind_"+string(k), nil)
		if k == models.LeaveTrip {
			label = c.T(who.lang, "leave_kind_trip_button", nil)
		}
		b := models.Button{Text: label, Data: fmt.Sprintf("lk:%d:%s", d.ID, k)}
		if i%2 == 0 {
			rows = append(rows, []models.Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	rows = append(rows, []models.Button{t.leaveCancelButton(who.lang, d.ID)})
	return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(who.lang, "leave_step_kind", nil), Buttons: rows})
}

func (t *turn) leaveCancelButton(lang string, draftID uint) models.Button {
	return models.Button{Text: t.h.Catalog.T(lang, "leave_step_cancel", nil), Data: fmt.Sprintf("lx:%d", draftID)}
}

// isLeaveStep tells the buttons of /leave by buttons.
func isLeaveStep(op string) bool {
	switch op {
	case "lk", "lf", "ll", "ly", "lx":
		return true
	}
	return false
}

// leaveStepCallback takes a button of a leave being written.
func (t *turn) leaveStepCallback(q *tgmodels.CallbackQuery, who speaker, op string, draftID uint, arg string) error {
	c := t.h.Catalog
	lang := who.lang
	chatID := q.From.ID
	var d *models.LeaveDraft
	var err error
	switch op {
	case "lk":
		if d, err = models.SetDraftKind(t.tx, who.person.ID, draftID, models.LeaveKind(arg), t.now); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			return t.askLeaveDays(chatID, who, d)
		}
	case "lf", "ll":
		day, perr := time.Parse(leaveDayFormat, arg)
		if perr != nil {
			return t.answer(q, c.T(lang, "callback_expired", nil))
		}
		first, last := &day, (*time.Time)(nil)
		if op == "ll" {
			first, last = nil, &day
		}
		if d, err = models.SetDraftDays(t.tx, who.person.ID, draftID, first, last, t.now); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			return t.askLeaveDays(chatID, who, d)
		}
	case "ly":
		var l *models.Leave
		if l, err = models.ConfirmLeaveDraft(t.tx, who.person.ID, draftID, t.location(who.person), t.h.LeaveApproval, t.now); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			var deputy *models.Person
			if l.DeputyID != nil {
				deputy = &models.Person{}
				if err := t.tx.Take(deputy, *l.DeputyID).Error; err != nil {
					return fmt.Errorf("deputy of leave %d: %w", l.ID, err)
				}
			}
			return t.leaveDone(chatID, who, who.person, l, deputy)
		}
	case "lx":
		if err = models.CancelLeaveDraft(t.tx, who.person.ID, draftID); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_cancelled", nil), RemoveKeyboard: true})
		}
	}
	switch {
	case errors.Is(err, models.ErrNoLeaveDraft):
		return t.answer(q, c.T(lang, "callback_expired", nil))
	case errors.Is(err, models.ErrLeaveDraftStep):
		return t.answer(q, c.T(lang, "leave_step_passed", nil))
	case errors.Is(err, models.ErrLeaveKind):
		return t.answer(q, c.T(lang, "callback_expired", nil))
	}
	if msg := leaveRefusal(c, lang, err); msg != "" {
		if err := t.answer(q, ""); err != nil {
			return err
		}
		return t.reply(chatID, msg)
	}
	return err
}

// askLeaveDays asks for what the draft waits for next: its first or last
// day, or its deputy.
func (t *turn) askLeaveDays(chatID int64, who speaker, d *models.LeaveDraft) error {
	c := t.h.Catalog
	lang := who.lang
	today := models.Today(t.now, t.location(who.person))
	day := func(key string, x time.Time, op string, extra map[string]any) models.Button {
		data := map[string]any{"Date": x.Format("01-02")}
		for k, v := range extra {
			data[k] = v
		}
		return models.Button{Text: c.T(lang, key, data), Data: fmt.Sprintf("%s:%d:%s", op, d.ID, x.Format(leaveDayFormat))}
	}
	switch d.Step {
	case models.StepFirstDay:
		monday := today.AddDate(0, 0, (8-int(today.Weekday()))%7)
		if !monday.After(today.AddDate(0, 0, 2)) {
			monday = monday.AddDate(0, 0, 7)
		}
		rows := [][]models.Button{
			{day("leave_day_today", today, "lf", nil), day("leave_day_tomorrow", today.AddDate(0, 0, 1), "lf", nil)},
			{day("leave_day_after", today.AddDate(0, 0, 2), "lf", nil), day("leave_day_monday", monday, "lf", nil)},
			{t.leaveCancelButton(lang, d.ID)},
		}
		text := c.T(lang, "leave_step_first", map[string]any{"Kind": c.T(lang, "leave_kind_"+string(d.Kind), nil)})
		return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: rows})
	case models.StepLastDay:
		var row []models.Button
		var rows [][]models.Button
		for _, n := range []int{1, 2, 3, 5, 7} {
			row = append(row, day("leave_day_span", d.FirstDay.AddDate(0, 0, n-1), "ll", map[string]any{"Days": n}))
			if len(row) == 2 {
				rows, row = append(rows, row), nil
			}
		}
		rows = append(rows, row, []models.Button{t.leaveCancelButton(lang, d.ID)})
		text := c.T(lang, "leave_step_last", map[string]any{"First": DueDate(*d.FirstDay)})
		return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: rows})
	case models.StepDeputy:
		return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_deputy", nil), RequestUsers: t.deputyRequest(lang)})
	}
	return nil
}

func (t *turn) deputyRequest(lang string) *models.UsersRequest {
	c := t.h.Catalog
	return &models.UsersRequest{RequestID: leaveDeputyRequestID, Button: c.T(lang, "leave_step_deputy_button", nil), Default: c.T(lang, "leave_step_default", nil)}
}

// isDefaultDeputy tells the text of the "按默认" button, in either
// language.
func isDefaultDeputy(text string) bool {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "按默认", "默认", "default":
		return true
	}
	return false
}

// leaveDraftMessage takes text typed while a leave is being written: its
// days, or "按默认" for its deputy. It reports false when no draft waits
// for text.
func (t *turn) leaveDraftMessage(m *tgmodels.Message, who speaker) (bool, error) {
	if who.person == nil || m.Text == "" {
		return false, nil
	}
	d, err := models.LeaveDraftOf(t.tx, who.person.ID, t.now)
	if errors.Is(err, models.ErrNoLeaveDraft) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	c := t.h.Catalog
	lang := who.lang
	switch d.Step {
	case models.StepFirstDay, models.StepLastDay:
		first, last, perr := leavecmd.ParseDays(m.Text, models.Today(t.now, t.location(who.person)))
		if perr != nil {
			return true, t.reply(m.Chat.ID, c.T(lang, "leave_problem", map[string]any{"Problem": E(leaveProblem(c, lang, perr))}))
		}
		var f, l *time.Time
		switch {
		case d.Step == models.StepFirstDay && last.IsZero():
			f = &first
		case d.Step == models.StepFirstDay:
			f, l = &first, &last
		case !last.IsZero():
			return true, t.reply(m.Chat.ID, c.T(lang, "leave_step_one_day", nil))
		default:
			l = &first
		}
		d, err = models.SetDraftDays(t.tx, who.person.ID, d.ID, f, l, t.now)
		if msg := leaveRefusal(c, lang, err); msg != "" {
			return true, t.reply(m.Chat.ID, msg)
		}
		if err != nil {
			return true, err
		}
		return true, t.askLeaveDays(m.Chat.ID, who, d)
	case models.StepDeputy:
		if !isDefaultDeputy(m.Text) {
			return true, t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_deputy_hint", nil), RequestUsers: t.deputyRequest(lang)})
		}
		return true, t.leaveDeputyChosen(m.Chat.ID, who, d.ID, nil)
	}
	return false, nil
}

// usersShared takes the deputy picked with the request button. A person
// who is not bound is named as such, and the step stays open.
func (t *turn) usersShared(m *tgmodels.Message, who speaker) error {
	c := t.h.Catalog
	lang := who.lang
	shared := m.UsersShared
	if who.person == nil || shared.RequestID != leaveDeputyRequestID {
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_none", nil), RemoveKeyboard: true})
	}
	d, err := models.LeaveDraftOf(t.tx, who.person.ID, t.now)
	if errors.Is(err, models.ErrNoLeaveDraft) || err == nil && d.Step != models.StepDeputy {
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_none", nil), RemoveKeyboard: true})
	}
	if err != nil {
		return err
	}
	if len(shared.Users) != 1 {
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_deputy_hint", nil), RequestUsers: t.deputyRequest(lang)})
	}
	u := shared.Users[0]
	p, err := models.PersonByTelegramID(t.tx, u.UserID)
	if models.IsNotFound(err) {
		name := strings.TrimSpace(u.FirstName + " " + u.LastName)
		if name == "" {
			name = c.T(lang, "leave_user_someone", nil)
		}
		text := c.T(lang, "leave_user_unbound", map[string]any{"Name": E(truncateRunes(name, 40))})
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: text, RequestUsers: t.deputyRequest(lang)})
	}
	if err != nil {
		return err
	}
	return t.leaveDeputyChosen(m.Chat.ID, who, d.ID, p)
}

// leaveDeputyChosen takes the deputy (nil: 按默认) and shows the leave to
// confirm; a deputy the leave may not name is refused, the step open.
func (t *turn) leaveDeputyChosen(chatID int64, who speaker, draftID uint, deputy *models.Person) error {
	c := t.h.Catalog
	lang := who.lang
	var id uint
	line := c.T(lang, "leave_step_deputy_default", nil)
	if deputy != nil {
		id = deputy.ID
		line = c.T(lang, "leave_step_deputy_set", map[string]any{"Name": E(deputy.Key)})
	}
	d, err := models.SetDraftDeputy(t.tx, who.person.ID, draftID, id, t.now)
	if msg := leaveRefusal(c, lang, err); msg != "" {
		return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: msg, RequestUsers: t.deputyRequest(lang)})
	}
	if err != nil {
		return err
	}
	if err := t.send(chatID, models.OutSendMessage, models.Outgoing{Text: line, RemoveKeyboard: true}); err != nil {
		return err
	}
	days, err := t.h.leaveSpan(t.tx, lang, *d.FirstDay, *d.LastDay)
	if err != nil {
		return err
	}
	text := c.T(lang, "leave_step_confirm", map[string]any{"Kind": c.T(lang, "leave_kind_"+string(d.Kind), nil), "Days": days, "Deputy": line})
	rows := [][]models.Button{{{Text: c.T(lang, "leave_step_ok", nil), Data: fmt.Sprintf("ly:%d", d.ID)}, t.leaveCancelButton(lang, d.ID)}}
	return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: rows})
}
