package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/bot/leavecmd"
	"taskbot/models"
	"taskbot/scheduler"
)

// leave handles /leave: record a leave (请假), list them, or cancel one.
// An admin may name someone else with @.
func (t *turn) leave(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	lang := who.lang
	args = strings.TrimSpace(args)
	first, rest, _ := strings.Cut(args, " ")
	switch strings.ToLower(first) {
	case "":
		return t.leaveStart(m, who)
	case "list", "列表":
		return t.leaveList(m, who)
	case "cancel", "取消":
		return t.leaveCancel(m, who, strings.TrimSpace(rest))
	}
	req, err := leavecmd.Parse(args, models.Today(t.now, t.location(who.person)))
	if err != nil {
		return t.reply(m.Chat.ID, c.T(lang, "leave_problem", map[string]any{"Problem": E(leaveProblem(c, lang, err))})+"\n"+c.T(lang, "leave_usage", nil))
	}
	away := who.person
	if req.For != "" {
		if !who.admin {
			return t.reply(m.Chat.ID, c.T(lang, "leave_admins_only", nil))
		}
		if away, err = t.onePersonNamed(m, who, req.For); away == nil || err != nil {
			return err
		}
	}
	if away == nil {
		return t.reply(m.Chat.ID, c.T(lang, "leave_usage", nil))
	}
	in := models.LeaveInput{PersonID: away.ID, Kind: req.Kind, FirstDay: req.First, LastDay: req.Last, Location: t.location(away)}
	var deputy *models.Person
	if req.Deputy != "" {
		if deputy, err = t.onePersonNamed(m, who, req.Deputy); deputy == nil || err != nil {
			return err
		}
		in.DeputyID = deputy.ID
	}
	in.Approval = t.h.LeaveApproval
	by := away.ID
	if who.person != nil {
		by = who.person.ID
	}
	l, err := models.RecordLeave(t.tx, by, who.admin, in, t.now)
	if err != nil {
		if msg := leaveRefusal(c, lang, err); msg != "" {
			return t.reply(m.Chat.ID, msg)
		}
		return err
	}
	return t.leaveDone(m.Chat.ID, who, away, l)
}

// leaveDone answers a leave recorded, typed or by buttons: the deputy is
// told, or, while it awaits approval, those who may approve it are asked.
func (t *turn) leaveDone(chatID int64, who speaker, away *models.Person, l *models.Leave) error {
	c := t.h.Catalog
	lang := who.lang
	days, err := t.h.leaveSpan(t.tx, lang, l.FirstDay, l.LastDay)
	if err != nil {
		return err
	}
	key := "leave_recorded"
	if l.AwaitingApproval {
		key = "leave_awaiting"
	}
	text := c.T(lang, key, map[string]any{"Name": E(away.Key), "Days": days, "Kind": c.T(lang, "leave_kind_"+string(l.Kind), nil)})
	named, err := models.DeputiesNamed(t.tx, l)
	if err != nil {
		return err
	}
	text += "\n" + t.h.deputiesText(lang, named)
	if l.AwaitingApproval {
		if err := t.askLeaveApproval(away, l, named); err != nil {
			return err
		}
	} else if err := t.h.tellDeputies(t.tx, away, l); err != nil {
		return err
	}
	return t.reply(chatID, text)
}

// deputiesText says whom a leave names: one deputy for every task, a
// deputy per task, and who reports on the tasks left without one.
func (h *Handler) deputiesText(lang string, named models.NamedDeputies) string {
	c := h.Catalog
	if len(named.Tasks) == 0 {
		if named.All != nil {
			return c.T(lang, "leave_deputy", map[string]any{"Name": E(named.All.Key)})
		}
		return c.T(lang, "leave_no_deputy", nil)
	}
	pairs := make([]string, len(named.Tasks))
	for i, td := range named.Tasks {
		pairs[i] = E(td.Task.Code) + " " + E(td.Deputy.Key)
	}
	text := c.T(lang, "leave_deputy", map[string]any{"Name": strings.Join(pairs, c.T(lang, "list_sep", nil))})
	switch {
	case named.All != nil:
		text += "\n" + c.T(lang, "leave_deputy_rest", map[string]any{"Name": E(named.All.Key)})
	case named.Uncovered > 0:
		text += "\n" + c.T(lang, "leave_others_default", nil)
	}
	return text
}

// tellDeputies tells each deputy a leave names, once it holds: the one for
// every task, and each task's own with the tasks they stand in on.
func (h *Handler) tellDeputies(tx *gorm.DB, away *models.Person, l *models.Leave) error {
	named, err := models.DeputiesNamed(tx, l)
	if err != nil {
		return err
	}
	if d := named.All; d != nil && d.TelegramID != nil {
		lang := LanguageFor(d.Language, "")
		span, err := h.leaveSpan(tx, lang, l.FirstDay, l.LastDay)
		if err != nil {
			return err
		}
		note := h.Catalog.T(lang, "leave_you_deputise", map[string]any{"Name": E(away.Key), "Days": span})
		if err := models.Enqueue(tx, fmt.Sprintf("leave:%d:deputy:%d", l.ID, d.ID), *d.TelegramID, models.OutSendMessage, models.Outgoing{Text: note}); err != nil {
			return err
		}
	}
	var order []uint
	codes := map[uint][]string{}
	people := map[uint]models.Person{}
	for _, td := range named.Tasks {
		if _, ok := people[td.Deputy.ID]; !ok {
			order = append(order, td.Deputy.ID)
			people[td.Deputy.ID] = td.Deputy
		}
		codes[td.Deputy.ID] = append(codes[td.Deputy.ID], E(td.Task.Code))
	}
	for _, id := range order {
		d := people[id]
		if d.TelegramID == nil {
			continue
		}
		lang := LanguageFor(d.Language, "")
		span, err := h.leaveSpan(tx, lang, l.FirstDay, l.LastDay)
		if err != nil {
			return err
		}
		note := h.Catalog.T(lang, "leave_you_deputise_tasks", map[string]any{"Name": E(away.Key), "Days": span,
			"Tasks": strings.Join(codes[id], h.Catalog.T(lang, "list_sep", nil))})
		if err := models.Enqueue(tx, fmt.Sprintf("leave:%d:task-deputy:%d", l.ID, id), *d.TelegramID, models.OutSendMessage, models.Outgoing{Text: note}); err != nil {
			return err
		}
	}
	return nil
}

// onePersonNamed finds the one person a name means, or answers why not and
// returns nil.
func (t *turn) onePersonNamed(m *tgmodels.Message, who speaker, name string) (*models.Person, error) {
	people, err := models.PeopleNamed(t.tx, name)
	if err != nil {
		return nil, err
	}
	switch len(people) {
	case 0:
		return nil, t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "person_not_found", map[string]any{"Name": E(truncateRunes(name, 40))}))
	case 1:
		return &people[0], nil
	}
	keys := make([]string, len(people))
	for i, p := range people {
		keys[i] = E(p.Key)
	}
	return nil, t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "person_ambiguous", map[string]any{"Name": E(name), "Keys": strings.Join(keys, "、")}))
}

func (t *turn) leaveList(m *tgmodels.Message, who speaker) error {
	c := t.h.Catalog
	if who.person == nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "leave_usage", nil))
	}
	leaves, err := models.LeavesOf(t.tx, who.person.ID, t.now)
	if err != nil {
		return err
	}
	if len(leaves) == 0 {
		return t.reply(m.Chat.ID, c.T(who.lang, "leave_none", nil)+"\n"+c.T(who.lang, "leave_usage", nil))
	}
	var b strings.Builder
	b.WriteString(c.T(who.lang, "leave_list_title", nil))
	for _, l := range leaves {
		span, err := t.h.leaveSpan(t.tx, who.lang, l.FirstDay, l.LastDay)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\n• %s %s", c.T(who.lang, "leave_kind_"+string(l.Kind), nil), span)
		if l.AwaitingApproval {
			b.WriteString(c.T(who.lang, "leave_pending_mark", nil))
		}
		named, err := models.DeputiesNamed(t.tx, &l)
		if err != nil {
			return err
		}
		if named.All != nil || len(named.Tasks) > 0 {
			fmt.Fprintf(&b, " · %s", strings.ReplaceAll(t.h.deputiesText(who.lang, named), "\n", " · "))
		}
	}
	return t.reply(m.Chat.ID, b.String())
}

// leaveCancel withdraws the soonest leave that has not ended: one's own, or
// an admin's for @someone.
func (t *turn) leaveCancel(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	away := who.person
	if name, ok := strings.CutPrefix(strings.TrimPrefix(args, "＠"), "@"); ok || strings.HasPrefix(args, "＠") {
		if !who.admin {
			return t.reply(m.Chat.ID, c.T(who.lang, "leave_admins_only", nil))
		}
		var err error
		if away, err = t.onePersonNamed(m, who, name); away == nil || err != nil {
			return err
		}
	}
	if away == nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "leave_usage", nil))
	}
	leaves, err := models.LeavesOf(t.tx, away.ID, t.now)
	if err != nil {
		return err
	}
	if len(leaves) == 0 {
		return t.reply(m.Chat.ID, c.T(who.lang, "leave_none", nil))
	}
	by := away.ID
	if who.person != nil {
		by = who.person.ID
	}
	l, err := models.CancelLeave(t.tx, by, who.admin, leaves[0].ID, t.now)
	if err != nil {
		if msg := leaveRefusal(c, who.lang, err); msg != "" {
			return t.reply(m.Chat.ID, msg)
		}
		return err
	}
	span, err := t.h.leaveSpan(t.tx, who.lang, l.FirstDay, l.LastDay)
	if err != nil {
		return err
	}
	return t.reply(m.Chat.ID, c.T(who.lang, "leave_cancelled", map[string]any{"Name": E(away.Key), "Days": span}))
}

// back ends the speaker's leave under way (/back) and tells them, in one
// message, what their deputies reported for them.
func (t *turn) back(m *tgmodels.Message, who speaker) error {
	c := t.h.Catalog
	if who.person == nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "leave_none", nil))
	}
	_, reports, err := models.EndLeave(t.tx, who.person.ID, t.now)
	if errors.Is(err, models.ErrNoLeave) {
		return t.reply(m.Chat.ID, c.T(who.lang, "leave_none", nil))
	}
	if err != nil {
		return err
	}
	text, err := t.h.backText(t.tx, who.lang, t.location(who.person), reports)
	if err != nil {
		return err
	}
	return t.reply(m.Chat.ID, text)
}

// backText is the one message a person back from leave gets: what their
// deputies reported for them, whether they came back early (/back) or the
// leave ran to its end.
func (h *Handler) backText(tx *gorm.DB, lang string, loc *time.Location, reports []models.Report) (string, error) {
	c := h.Catalog
	var b strings.Builder
	b.WriteString(c.T(lang, "leave_back", nil))
	if len(reports) == 0 {
		b.WriteString("\n" + c.T(lang, "leave_back_nothing", nil))
	}
	for _, r := range reports {
		var task models.Task
		var ms models.Milestone
		var deputy models.Person
		if err := tx.Take(&task, r.TaskID).Error; err != nil {
			return "", fmt.Errorf("task of report %d: %w", r.ID, err)
		}
		if err := tx.Take(&ms, r.MilestoneID).Error; err != nil {
			return "", fmt.Errorf("milestone of report %d: %w", r.ID, err)
		}
		if err := tx.Take(&deputy, r.PersonID).Error; err != nil {
			return "", fmt.Errorf("reporter of report %d: %w", r.ID, err)
		}
		fmt.Fprintf(&b, "\n• %s %s · %s %s", E(task.Code), c.T(lang, "ack_milestone", map[string]any{"Seq": ms.Seq, "Title": E(truncateRunes(ms.Title, 20))}),
			h.Render.State(lang, r.State), c.T(lang, "leave_back_by", map[string]any{"Name": E(deputy.Key), "At": r.CreatedAt.In(loc).Format("01-02 15:04")}))
	}
	return b.String(), nil
}

// BackFromLeave tells a person whose leave ran to its end what their
// deputies reported for them (scheduler.ReturnWriter). It queues nothing
// for someone the bot cannot reach.
func (h *Handler) BackFromLeave(tx *gorm.DB, l models.Leave, reports []models.Report) (bool, error) {
	var p models.Person
	if err := tx.Take(&p, l.PersonID).Error; err != nil {
		return false, fmt.Errorf("person back from leave %d: %w", l.ID, err)
	}
	if !reachable(&p) {
		return false, nil
	}
	text, err := h.backText(tx, personLang(&p), h.zoneOf(&p), reports)
	if err != nil {
		return false, err
	}
	return true, models.Enqueue(tx, fmt.Sprintf("leave-back:%d", l.ID), *p.TelegramID, models.OutSendMessage, models.Outgoing{Text: text})
}

// leaveSpan words a leave's days with their count of working days by the
// work calendar (Monday to Friday where it says nothing), as /leave
// confirms and lists a leave: 3月2日至3月8日（5个工作日）.
func (h *Handler) leaveSpan(tx *gorm.DB, lang string, first, last time.Time) (string, error) {
	cal, err := scheduler.ReadCalendar(tx)
	if err != nil {
		return "", err
	}
	first, last = first.UTC(), last.UTC()
	withYear := first.Year() != last.Year()
	data := map[string]any{"First": spanDay(lang, first, withYear), "Last": spanDay(lang, last, withYear), "Workdays": cal.WorkingDays(first, last)}
	if first.Equal(last) {
		return h.Catalog.T(lang, "leave_span_day", data), nil
	}
	return h.Catalog.T(lang, "leave_span", data), nil
}

// spanDay writes a day of a leave: 3月2日, 2 Mar; with its year when the
// leave runs into the next.
func spanDay(lang string, d time.Time, withYear bool) string {
	switch {
	case lang == LangEN && withYear:
		return d.Format("2 Jan 2006")
	case lang == LangEN:
		return d.Format("2 Jan")
	case withYear:
		return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
	}
	return fmt.Sprintf("%d月%d日", int(d.Month()), d.Day())
}

// awayUntil writes the last day of a leave as people say it, 3月8日 or
// 8 Mar, with its year only when that is not the year of now.
func awayUntil(lang string, until, now time.Time) string {
	until = until.UTC()
	return spanDay(lang, until, until.Year() != now.Year())
}

func leaveDays(l *models.Leave) string {
	if l.FirstDay.Equal(l.LastDay) {
		return DueDate(l.FirstDay)
	}
	return DueDate(l.FirstDay) + " – " + DueDate(l.LastDay)
}

// leaveProblem words what leavecmd could not read.
func leaveProblem(c *Catalog, lang string, err error) string {
	word := ""
	var we *leavecmd.WordError
	if errors.As(err, &we) {
		word = we.Word
	}
	for _, p := range []struct {
		err error
		key string
	}{
		{leavecmd.ErrNoDays, "leave_err_no_days"}, {leavecmd.ErrBadDay, "leave_err_bad_day"},
		{leavecmd.ErrTooManyDays, "leave_err_too_many_days"}, {leavecmd.ErrNoDeputyName, "leave_err_no_deputy"},
		{leavecmd.ErrUnexpected, "leave_err_unexpected"}, {leavecmd.ErrTooLong, "problem_too_long"},
	} {
		if errors.Is(err, p.err) {
			return c.T(lang, p.key, map[string]any{"Word": truncateRunes(word, 40)})
		}
	}
	return err.Error()
}

// leaveRefusal words a rule of the ledger that refused a leave; "" for an
// error that is no refusal.
func leaveRefusal(c *Catalog, lang string, err error) string {
	var overlap *models.LeaveOverlapError
	if errors.As(err, &overlap) {
		return c.T(lang, "leave_overlap", map[string]any{"Days": leaveDays(&overlap.Leave)})
	}
	for _, r := range []struct {
		err error
		key string
	}{
		{models.ErrNotYourLeave, "leave_admins_only"}, {models.ErrLeaveDays, "leave_err_days"},
		{models.ErrDeputySelf, "leave_err_deputy_self"}, {models.ErrDeputyUnbound, "leave_err_deputy_unbound"},
		{models.ErrDeputyUnrelated, "leave_err_deputy_unrelated"}, {models.ErrLeaveAlreadyOver, "leave_err_over"},
	} {
		if errors.Is(err, r.err) {
			return c.T(lang, r.key, nil)
		}
	}
	return ""
}
