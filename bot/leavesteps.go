package bot

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
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
	case "lk", "lf", "ll", "lw", "lt", "ln", "lp", "ls", "ly", "lx":
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
			return t.leaveDone(chatID, who, who.person, l)
		}
	case "lw":
		if d, err = models.SetDraftAllTasks(t.tx, who.person.ID, draftID, t.now); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			return t.askLeaveDays(chatID, who, d)
		}
	case "lt":
		taskID, perr := strconv.ParseUint(arg, 10, 64)
		if perr != nil {
			return t.answer(q, c.T(lang, "callback_expired", nil))
		}
		if _, err = models.ToggleDraftTask(t.tx, who.person.ID, draftID, uint(taskID), t.now); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			rows, err := t.leaveTaskRows(lang, who.person.ID, draftID)
			if err != nil {
				return err
			}
			if q.Message.Message == nil {
				return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_tasks", nil), Buttons: rows})
			}
			return t.send(chatID, models.OutEditMarkup, models.Outgoing{EditMessageID: q.Message.Message.ID, Buttons: rows})
		}
	case "ln":
		if d, err = models.DoneChoosingTasks(t.tx, who.person.ID, draftID, t.now); err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			// The contacts button stays under the questions to come.
			if err := t.send(chatID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_pick_hint", nil), RequestUsers: t.taskDeputyRequest(lang)}); err != nil {
				return err
			}
			return t.askLeaveDays(chatID, who, d)
		}
		if errors.Is(err, models.ErrNoTaskChosen) {
			return t.answer(q, c.T(lang, "leave_step_no_task", nil))
		}
	case "lp", "ls":
		var taskID, deputyID uint
		var perr error
		if op == "lp" {
			taskID, deputyID, perr = leavecmd.ParseTaskDeputy(arg)
		} else {
			var id uint64
			id, perr = strconv.ParseUint(arg, 10, 64)
			deputyID = uint(id)
		}
		if perr != nil {
			return t.answer(q, c.T(lang, "callback_expired", nil))
		}
		if op == "lp" {
			d, err = models.SetDraftTaskDeputy(t.tx, who.person.ID, draftID, taskID, deputyID, t.now)
		} else {
			d, err = models.SetDraftDeputyForRest(t.tx, who.person.ID, draftID, deputyID, t.now)
		}
		if err == nil {
			if err := t.answer(q, ""); err != nil {
				return err
			}
			return t.askLeaveDays(chatID, who, d)
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
	case errors.Is(err, models.ErrLeaveKind), errors.Is(err, models.ErrDeputyNotOnTask):
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
	case models.StepTasks:
		rows, err := t.leaveTaskRows(lang, d.PersonID, d.ID)
		if err != nil {
			return err
		}
		return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_tasks", nil), Buttons: rows})
	case models.StepDeputy:
		return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_deputy", nil), RequestUsers: t.deputyRequest(lang)})
	case models.StepTaskDeputy:
		return t.askTaskDeputy(chatID, who, d)
	case models.StepConfirm:
		return t.leaveConfirm(chatID, who, d)
	}
	return nil
}

// leaveTaskRows are the buttons choosing the tasks of a leave: each of the
// person's tasks, marked when chosen, then 全部任务 and 完成.
func (t *turn) leaveTaskRows(lang string, personID, draftID uint) ([][]models.Button, error) {
	c := t.h.Catalog
	tasks, err := models.LeaveTasks(t.tx, personID)
	if err != nil {
		return nil, err
	}
	chosen, err := models.DraftTasks(t.tx, draftID)
	if err != nil {
		return nil, err
	}
	var rows [][]models.Button
	for _, task := range tasks {
		mark := "▫️ "
		if slices.ContainsFunc(chosen, func(x models.LeaveDraftTask) bool { return x.TaskID == task.ID }) {
			mark = "✅ "
		}
		rows = append(rows, []models.Button{{Text: mark + task.Code + " " + truncateRunes(task.Title, 16), Data: fmt.Sprintf("lt:%d:%d", draftID, task.ID)}})
	}
	rows = append(rows, []models.Button{
		{Text: c.T(lang, "leave_step_all_tasks", nil), Data: fmt.Sprintf("lw:%d", draftID)},
		{Text: c.T(lang, "leave_step_tasks_done", nil), Data: fmt.Sprintf("ln:%d", draftID)},
	}, []models.Button{t.leaveCancelButton(lang, draftID)})
	return rows, nil
}

// leaveCandidates bounds the people offered as a task's deputy: the rest
// are picked from one's contacts.
const leaveCandidates = 6

// askTaskDeputy asks for the deputy of the next task chosen without one:
// the people who may stand in there as buttons, and the deputy of the
// task before for all the rest.
func (t *turn) askTaskDeputy(chatID int64, who speaker, d *models.LeaveDraft) error {
	c := t.h.Catalog
	lang := who.lang
	chosen, err := models.DraftTasks(t.tx, d.ID)
	if err != nil {
		return err
	}
	var next *models.LeaveDraftTask
	var before *uint
	for i := range chosen {
		if chosen[i].DeputyID == nil {
			next = &chosen[i]
			break
		}
		before = chosen[i].DeputyID
	}
	if next == nil {
		return t.leaveConfirm(chatID, who, d)
	}
	var task models.Task
	if err := t.tx.Take(&task, next.TaskID).Error; err != nil {
		return fmt.Errorf("task %d of leave draft %d: %w", next.TaskID, d.ID, err)
	}
	people, err := models.DeputyCandidates(t.tx, d.PersonID, task.ID, leaveCandidates)
	if err != nil {
		return err
	}
	var rows [][]models.Button
	for i, p := range people {
		b := models.Button{Text: p.Key, Data: fmt.Sprintf("lp:%d:%d.%d", d.ID, task.ID, p.ID)}
		if i%2 == 0 {
			rows = append(rows, []models.Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	if before != nil {
		var p models.Person
		if err := t.tx.Take(&p, *before).Error; err != nil {
			return fmt.Errorf("deputy %d of leave draft %d: %w", *before, d.ID, err)
		}
		rows = append(rows, []models.Button{{Text: c.T(lang, "leave_step_same_rest", map[string]any{"Name": p.Key}), Data: fmt.Sprintf("ls:%d:%d", d.ID, p.ID)}})
	}
	rows = append(rows, []models.Button{t.leaveCancelButton(lang, d.ID)})
	text := c.T(lang, "leave_step_task_deputy", map[string]any{"Code": E(task.Code), "Title": E(truncateRunes(task.Title, 30))})
	return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: text, Buttons: rows})
}

// taskDeputyRequest is the contacts button of the deputy of a task, with
// no 按默认: a task is chosen to be given a deputy.
func (t *turn) taskDeputyRequest(lang string) *models.UsersRequest {
	return &models.UsersRequest{RequestID: leaveDeputyRequestID, Button: t.h.Catalog.T(lang, "leave_step_deputy_button", nil)}
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
	case models.StepTasks:
		return true, t.reply(m.Chat.ID, c.T(lang, "leave_step_tasks_hint", nil))
	case models.StepTaskDeputy:
		if err := t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_pick_hint", nil), RequestUsers: t.taskDeputyRequest(lang)}); err != nil {
			return true, err
		}
		return true, t.askTaskDeputy(m.Chat.ID, who, d)
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
	if errors.Is(err, models.ErrNoLeaveDraft) || err == nil && d.Step != models.StepDeputy && d.Step != models.StepTaskDeputy {
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_none", nil), RemoveKeyboard: true})
	}
	if err != nil {
		return err
	}
	perTask := d.Step == models.StepTaskDeputy
	request, unboundKey := t.deputyRequest(lang), "leave_user_unbound"
	if perTask {
		request, unboundKey = t.taskDeputyRequest(lang), "leave_user_unbound_task"
	}
	if len(shared.Users) != 1 {
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: c.T(lang, "leave_step_deputy_hint", nil), RequestUsers: request})
	}
	u := shared.Users[0]
	p, err := models.PersonByTelegramID(t.tx, u.UserID)
	if models.IsNotFound(err) {
		name := strings.TrimSpace(u.FirstName + " " + u.LastName)
		if name == "" {
			name = c.T(lang, "leave_user_someone", nil)
		}
		text := c.T(lang, unboundKey, map[string]any{"Name": E(truncateRunes(name, 40))})
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: text, RequestUsers: request})
	}
	if err != nil {
		return err
	}
	if !perTask {
		return t.leaveDeputyChosen(m.Chat.ID, who, d.ID, p)
	}
	d, err = models.SetDraftTaskDeputy(t.tx, who.person.ID, d.ID, 0, p.ID, t.now)
	if msg := leaveRefusal(c, lang, err); msg != "" {
		return t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: msg, RequestUsers: request})
	}
	if err != nil {
		return err
	}
	return t.askLeaveDays(m.Chat.ID, who, d)
}

// leaveDeputyChosen takes the deputy (nil: 按默认) and shows the leave to
// confirm; a deputy the leave may not name is refused, the step open.
func (t *turn) leaveDeputyChosen(chatID int64, who speaker, draftID uint, deputy *models.Person) error {
	c := t.h.Catalog
	lang := who.lang
	var id uint
	if deputy != nil {
		id = deputy.ID
	}
	d, err := models.SetDraftDeputy(t.tx, who.person.ID, draftID, id, t.now)
	if msg := leaveRefusal(c, lang, err); msg != "" {
		return t.send(chatID, models.OutSendMessage, models.Outgoing{Text: msg, RequestUsers: t.deputyRequest(lang)})
	}
	if err != nil {
		return err
	}
	return t.leaveConfirm(chatID, who, d)
}

// leaveConfirm shows the leave written, to confirm: the keyboard of the
// contacts button goes with a line naming the deputies.
func (t *turn) leaveConfirm(chatID int64, who speaker, d *models.LeaveDraft) error {
	c := t.h.Catalog
	lang := who.lang
	chosen, err := models.DraftTasks(t.tx, d.ID)
	if err != nil {
		return err
	}
	var line string
	switch {
	case len(chosen) > 0:
		tasks, err := models.LeaveTasks(t.tx, d.PersonID)
		if err != nil {
			return err
		}
		var pairs []string
		for _, x := range chosen {
			var task models.Task
			var p models.Person
			if err := t.tx.Take(&task, x.TaskID).Error; err != nil {
				return fmt.Errorf("task %d of leave draft %d: %w", x.TaskID, d.ID, err)
			}
			if err := t.tx.Take(&p, *x.DeputyID).Error; err != nil {
				return fmt.Errorf("deputy %d of leave draft %d: %w", *x.DeputyID, d.ID, err)
			}
			pairs = append(pairs, E(task.Code)+" "+E(p.Key))
		}
		line = c.T(lang, "leave_step_deputy_set", map[string]any{"Name": strings.Join(pairs, c.T(lang, "list_sep", nil))})
		if len(tasks) > len(chosen) {
			line += "\n" + c.T(lang, "leave_others_default", nil)
		}
	case d.DeputyID != nil:
		var p models.Person
		if err := t.tx.Take(&p, *d.DeputyID).Error; err != nil {
			return fmt.Errorf("deputy %d of leave draft %d: %w", *d.DeputyID, d.ID, err)
		}
		line = c.T(lang, "leave_step_deputy_set", map[string]any{"Name": E(p.Key)})
	default:
		line = c.T(lang, "leave_step_deputy_default", nil)
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
