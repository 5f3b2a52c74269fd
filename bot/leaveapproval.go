package bot

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
)

// askLeaveApproval asks those who may approve a leave: the leaders and
// persons in charge of the person's tasks, and the admins.
func (t *turn) askLeaveApproval(away *models.Person, l *models.Leave, named models.NamedDeputies) error {
	c := t.h.Catalog
	approvers, err := models.LeaveApprovers(t.tx, away.ID)
	if err != nil {
		return err
	}
	type reader struct {
		chat int64
		lang string
	}
	var readers []reader
	asked := map[int64]bool{}
	for _, p := range approvers {
		readers = append(readers, reader{*p.TelegramID, LanguageFor(p.Language, "")})
		asked[*p.TelegramID] = true
	}
	for _, admin := range slices.Sorted(maps.Keys(t.h.Admins)) {
		if asked[admin] || away.TelegramID != nil && *away.TelegramID == admin {
			continue
		}
		lang := LangZH
		if ap, err := models.PersonByTelegramID(t.tx, admin); err == nil {
			lang = LanguageFor(ap.Language, "")
		}
		readers = append(readers, reader{admin, lang})
	}
	for _, r := range readers {
		dep := ""
		if named.All != nil || len(named.Tasks) > 0 {
			dep = "\n" + t.h.deputiesText(r.lang, named)
		}
		span, err := t.h.leaveSpan(t.tx, r.lang, l.FirstDay, l.LastDay)
		if err != nil {
			return err
		}
		text := c.T(r.lang, "leave_approval_ask", map[string]any{"Name": E(away.Key), "Days": span,
			"Kind": c.T(r.lang, "leave_kind_"+string(l.Kind), nil), "Deputy": dep})
		if l.Reason != "" {
			text += "\n" + E(l.Reason)
		}
		rows := [][]models.Button{{
			{Text: c.T(r.lang, "leave_approve", nil), Data: fmt.Sprintf("la:%d", l.ID)},
			{Text: c.T(r.lang, "leave_refuse", nil), Data: fmt.Sprintf("lr:%d", l.ID)},
		}}
		if err := models.Enqueue(t.tx, fmt.Sprintf("leave:%d:ask:%d", l.ID, r.chat), r.chat, models.OutSendMessage, models.Outgoing{Text: text, Buttons: rows}); err != nil {
			return err
		}
	}
	return nil
}

// isLeaveDecision tells the buttons deciding a leave, which an admin on no
// task may press too.
func isLeaveDecision(data string) bool {
	return strings.HasPrefix(data, "la:") || strings.HasPrefix(data, "lr:")
}

// decideLeave takes an approver's button: the person is told, and an
// approved leave's deputy.
func (t *turn) decideLeave(q *tgmodels.CallbackQuery, who speaker, op string, leaveID uint) error {
	c := t.h.Catalog
	var by *uint
	if who.person != nil {
		by = &who.person.ID
	}
	l, err := models.DecideLeave(t.tx, by, who.admin, leaveID, op == "la", t.now)
	switch {
	case errors.Is(err, models.ErrNotLeaveApprover):
		return t.answerAlert(q, c.T(who.lang, "leave_not_approver", nil))
	case errors.Is(err, models.ErrLeaveDecided):
		return t.answer(q, c.T(who.lang, "leave_decided_already", nil))
	case models.IsNotFound(err):
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	case err != nil:
		return err
	}
	var away models.Person
	if err := t.tx.Take(&away, l.PersonID).Error; err != nil {
		return fmt.Errorf("person of leave %d: %w", l.ID, err)
	}
	toast := "leave_decided_refused"
	if op == "la" {
		toast = "leave_decided_approved"
	}
	if err := t.answer(q, c.T(who.lang, toast, map[string]any{"Name": away.Key})); err != nil {
		return err
	}
	if away.TelegramID != nil {
		lang := LanguageFor(away.Language, "")
		key := "leave_refused"
		if op == "la" {
			key = "leave_approved"
		}
		text := c.T(lang, key, map[string]any{"Days": leaveDays(l), "By": t.displayName(lang, who)})
		if err := models.Enqueue(t.tx, fmt.Sprintf("leave:%d:decided", l.ID), *away.TelegramID, models.OutSendMessage, models.Outgoing{Text: text}); err != nil {
			return err
		}
	}
	if op != "la" {
		return nil
	}
	return t.h.tellDeputies(t.tx, &away, l)
}
