package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/models"
)

// purposeInstruct marks the question asking a leader for an instruction on
// a task of their summary: "instruct:<task id>".
const purposeInstruct = "instruct:"

// summaryButtonKinds are the buttons of summaries and of the offer to send
// a text as an instruction: a page (sp), 催办 (sr), 批示 (si), resending
// invitations (ri), and sending (ta) or not (tx) a text as an instruction.
var summaryButtonKinds = map[string]bool{"sp": true, "sr": true, "si": true, "ri": true, "ta": true, "tx": true}

// parseSummaryButton reads "<kind>:<number>".
func parseSummaryButton(data string) (kind string, n uint, ok bool) {
	kind, num, found := strings.Cut(data, ":")
	if !found || !summaryButtonKinds[kind] {
		return "", 0, false
	}
	v, err := strconv.ParseUint(num, 10, 32)
	if err != nil {
		return "", 0, false
	}
	return kind, uint(v), true
}

// summaryButton handles the buttons of summaries and instruction offers.
// Each checks the presser anew: what a page shows is what the presser may
// see now, and only leaders and admins get what is theirs to do.
func (t *turn) summaryButton(q *tgmodels.CallbackQuery, who speaker, kind string, n uint) error {
	c := t.h.Catalog
	private := q.Message.Message != nil && q.Message.Message.Chat.ID == q.From.ID
	if !private {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	switch kind {
	case "sp":
		return t.summaryPage(q, who, int(n))
	case "sr":
		d, err := t.visibleTaskByID(who, n)
		if err != nil {
			return err
		}
		if d == nil {
			return t.answer(q, c.T(who.lang, "callback_expired", nil))
		}
		if !mayRemind(who, d) {
			return t.answerAlert(q, c.T(who.lang, "remind_leaders_only", map[string]any{"Code": E(d.Task.Code)}))
		}
		if err := t.answer(q, ""); err != nil {
			return err
		}
		return t.remindIn(q.From.ID, who, d.Task.Code)
	case "si":
		return t.askInstruction(q, who, n)
	case "ri":
		return t.resendInvites(q, who)
	case "ta", "tx":
		return t.instructionOffer(q, who, kind == "ta", n)
	}
	return t.answer(q, c.T(who.lang, "callback_expired", nil))
}

// visibleTaskByID loads a task the speaker may see, or nil: a button
// naming another task says no more than an expired one.
func (t *turn) visibleTaskByID(who speaker, id uint) (*models.TaskDetail, error) {
	d, err := t.taskByID(id)
	if models.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !viewer(who.person, who.admin).MaySee(d) {
		return nil, nil
	}
	return d, nil
}

// summaryPage turns a summary message, in place, to another page of the
// presser's own summary as it stands now.
func (t *turn) summaryPage(q *tgmodels.CallbackQuery, who speaker, page int) error {
	s, v, loc, err := t.ownSummary(who)
	if err != nil {
		return err
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	out := t.h.Render.SummaryPage(who.lang, s, loc, v, page)
	out.EditMessageID = q.Message.Message.ID
	return models.EnqueueRef(t.tx, t.nextKey(), q.From.ID, models.OutEditText, out, models.MessageRef{Purpose: models.PurposeSummary})
}

// askInstruction asks a task's leader for the words of an instruction; the
// reply is given as /instruct would.
func (t *turn) askInstruction(q *tgmodels.CallbackQuery, who speaker, taskID uint) error {
	c := t.h.Catalog
	d, err := t.visibleTaskByID(who, taskID)
	if err != nil {
		return err
	}
	if d == nil {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	if who.person == nil || !d.HasRole(who.person.ID, models.RoleLeader) {
		return t.answerAlert(q, c.T(who.lang, "instruct_leaders_only", map[string]any{"Code": E(d.Task.Code)}))
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	id := d.Task.ID
	return models.EnqueueRef(t.tx, t.nextKey(), q.From.ID, models.OutSendMessage, models.Outgoing{
		Text:        c.T(who.lang, "ask_instruction", map[string]any{"Code": E(d.Task.Code), "Title": E(d.Task.Title)}),
		ForceReply:  true,
		Placeholder: c.T(who.lang, "ask_instruction_placeholder", nil),
	}, models.MessageRef{Purpose: fmt.Sprintf("%s%d", purposeInstruct, id), TaskID: &id})
}

// instructionReply gives a leader's answer to askInstruction.
func (t *turn) instructionReply(chatID int64, who speaker, d *models.TaskDetail, text string) error {
	if strings.TrimSpace(text) == "" {
		return t.reply(chatID, t.h.Catalog.T(who.lang, "instruct_needs_text", nil))
	}
	return t.instructIn(chatID, who, d.Task.Code+" "+text)
}

// resendInvites issues the invitations of everyone not bound again, for an
// admin to pass on; anyone else is refused and nothing changes.
func (t *turn) resendInvites(q *tgmodels.CallbackQuery, who speaker) error {
	c := t.h.Catalog
	if !who.admin {
		return t.answerAlert(q, c.T(who.lang, "resend_invites_admins_only", nil))
	}
	ttl := t.h.InviteTTL
	if ttl <= 0 {
		ttl = models.DefaultInviteTTL
	}
	sent, err := models.ResendInvites(t.tx, q.From.ID, ttl, t.now)
	if err != nil {
		return err
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	if len(sent) == 0 {
		return t.reply(q.From.ID, c.T(who.lang, "resend_invites_none", nil))
	}
	lines := []string{c.T(who.lang, "resend_invites_title", map[string]any{"Count": len(sent), "Days": int(ttl.Hours() / 24)})}
	for _, r := range sent {
		lines = append(lines, fmt.Sprintf("%s\n%s", E(r.Person.Key), E(models.InviteLink(t.h.BotUsername, r.Token))))
	}
	for _, text := range SplitEntries(lines, "\n\n", MaxMessageRunes) {
		if err := t.reply(q.From.ID, text); err != nil {
			return err
		}
	}
	return nil
}

// codeChar tells a character of a task code (see taskCodePattern).
func codeChar(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-')
}

// ledCodeAtStart recognises a text that begins with the code of a task in
// led (upper-case codes) and says something after it, as in
// "T07 请加快土地报批", "t07：请加快" or "T07请加快": the code and the words.
func ledCodeAtStart(text string, led map[string]bool) (code, rest string, ok bool) {
	text = strings.TrimSpace(text)
	end := 0
	for end < len(text) && codeChar(rune(text[end])) {
		end++
	}
	head := text[:end]
	for head != "" {
		if led[strings.ToUpper(head)] {
			rest = strings.TrimLeft(text[len(head):], " \t\n:：,，、.。-—")
			rest = strings.TrimSpace(rest)
			if rest == "" {
				return "", "", false
			}
			return strings.ToUpper(head), rest, true
		}
		// "T07." or "T07-" ends a sentence, not the code.
		trimmed := strings.TrimRight(head, "._-")
		if trimmed == head {
			break
		}
		head = trimmed
	}
	return "", "", false
}

// offerInstruction asks a leader whose plain text begins with the code of
// a task they lead whether to send it as an instruction; false when the
// text is not one.
func (t *turn) offerInstruction(m *tgmodels.Message, who speaker) (bool, error) {
	if who.person == nil || m.Text == "" || utf8.RuneCountInString(m.Text) > 4096 {
		return false, nil
	}
	tasks, err := models.TasksOfPerson(t.tx, who.person.ID)
	if err != nil {
		return false, err
	}
	led := map[string]*models.TaskDetail{}
	codes := map[string]bool{}
	for i := range tasks {
		if tasks[i].HasRole(who.person.ID, models.RoleLeader) {
			code := strings.ToUpper(tasks[i].Task.Code)
			led[code], codes[code] = &tasks[i], true
		}
	}
	code, rest, ok := ledCodeAtStart(m.Text, codes)
	if !ok {
		return false, nil
	}
	d := led[code]
	offer := &models.PendingReply{PersonID: who.person.ID, TaskID: d.Task.ID, ChatID: m.Chat.ID, MessageID: m.ID,
		UpdateID: t.upd.ID, Text: m.Text}
	if err := models.SavePendingReply(t.tx, offer); err != nil {
		return true, err
	}
	c := t.h.Catalog
	return true, t.send(m.Chat.ID, models.OutSendMessage, models.Outgoing{
		Text: c.T(who.lang, "offer_instruction", map[string]any{"Code": E(d.Task.Code), "Title": E(truncateRunes(d.Task.Title, 40)),
			"Text": E(truncateRunes(rest, 200))}),
		ReplyTo: m.ID,
		Buttons: [][]models.Button{{
			{Text: c.T(who.lang, "button_offer_send", nil), Data: fmt.Sprintf("ta:%d", offer.ID)},
			{Text: c.T(who.lang, "button_offer_cancel", nil), Data: fmt.Sprintf("tx:%d", offer.ID)},
		}},
	})
}

// instructionOffer answers 发送 or 取消 under an offer: sending gives the
// text as /instruct would, by the task's leader who wrote it; cancelling
// changes nothing. The offer turns, in place, into what became of it.
func (t *turn) instructionOffer(q *tgmodels.CallbackQuery, who speaker, send bool, id uint) error {
	c := t.h.Catalog
	var offer models.PendingReply
	err := t.tx.Take(&offer, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	if err != nil {
		return fmt.Errorf("instruction offer %d: %w", id, err)
	}
	if who.person == nil || offer.PersonID != who.person.ID {
		return t.answerAlert(q, c.T(who.lang, "offer_not_yours", nil))
	}
	d, err := t.taskByID(offer.TaskID)
	if err != nil {
		return err
	}
	code, rest, ok := ledCodeAtStart(offer.Text, map[string]bool{strings.ToUpper(d.Task.Code): true})
	if !ok {
		// Not an offer: the button names some other pending question.
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	}
	if _, err := models.TakePendingReply(t.tx, id, who.person.ID); models.IsNotFound(err) {
		return t.answer(q, c.T(who.lang, "callback_expired", nil))
	} else if err != nil {
		return err
	}
	if err := t.answer(q, ""); err != nil {
		return err
	}
	answer := c.T(who.lang, "offer_cancelled", nil)
	if send {
		if answer, err = t.giveInstruction(who, code+" "+rest); err != nil {
			return err
		}
	}
	return t.send(q.From.ID, models.OutEditText, models.Outgoing{Text: answer, EditMessageID: q.Message.Message.ID})
}
