package bot

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/report"
)

// Reminders renders reminders and escalations into the outbox; the
// scheduler decides when they are due.
type Reminders struct {
	Catalog *Catalog
	Render  *Renderer
	// Location is the zone of people who have not chosen one.
	Location *time.Location
	// LightRules decide the light a reminder shows, as everywhere else
	// (DefaultLightRules when zero).
	LightRules models.LightRules
}

func (r *Reminders) personLocation(p *models.Person) *time.Location {
	if p.TimeZone != "" {
		if loc, err := time.LoadLocation(p.TimeZone); err == nil {
			return loc
		}
	}
	return r.Location
}

// Reminder adds to q one reminder about a task to one attendant, keyed by
// key so that the same slot is never queued twice. It queues nothing, and says
// so, when the person cannot be reached or has nothing left to report.
// facts are the task's light facts, read once for a whole round by the
// caller: the light is decided here because it depends on the reader's
// calendar day.
func (r *Reminders) Reminder(tx *gorm.DB, q *models.OutboxBatch, d *models.TaskDetail, facts models.LightFacts, p *models.Person, kind models.ReminderKind, key string, standIn *models.StandIn, by *models.Person) (bool, error) {
	if p.TelegramID == nil || p.Unreachable || d.Task.Done {
		return false, nil
	}
	var open []models.Milestone
	for _, m := range d.Milestones {
		if m.State != models.StateDone {
			open = append(open, m)
		}
	}
	if len(open) == 0 {
		return false, nil
	}
	lang := LanguageFor(p.Language, "")
	now := tx.NowFunc()
	loc := r.personLocation(p)
	today := models.Today(now, loc)
	// Nothing else of the reader goes into the text: a task's attendants
	// of one language and zone read the same reminder, rendered once.
	look := reminderLook{d: d, facts: facts, lang: lang, zone: loc.String(), today: today, kind: kind, standIn: standIn, by: by}
	taskID := d.Task.ID
	err := q.AddShared(look, key, *p.TelegramID, models.OutSendMessage,
		models.MessageRef{Purpose: models.PurposeReminder, TaskID: &taskID, Bulk: true},
		func() (models.Outgoing, error) {
			return r.renderReminder(d, facts, open, lang, now, loc, kind, standIn, by), nil
		})
	if err != nil {
		return false, err
	}
	return true, nil
}

// reminderLook is everything a reminder's text and buttons are rendered
// from. The task, stand-in and asker are taken by identity: they hold
// for the batch being queued.
type reminderLook struct {
	d       *models.TaskDetail
	facts   models.LightFacts
	lang    string
	zone    string
	today   time.Time
	kind    models.ReminderKind
	standIn *models.StandIn
	by      *models.Person
}

func (r *Reminders) renderReminder(d *models.TaskDetail, facts models.LightFacts, open []models.Milestone, lang string, now time.Time, loc *time.Location,
	kind models.ReminderKind, standIn *models.StandIn, by *models.Person) models.Outgoing {
	c := r.Catalog
	today, rules := models.Today(now, loc), r.LightRules.OrDefault()
	light := models.StatusLight(d.Task, d.Milestones, facts, today, rules)
	var b strings.Builder
	title := c.T(lang, "reminder_title", nil)
	switch kind {
	case models.ReminderFollowUp:
		title = c.T(lang, "follow_up_title", nil)
	case models.ReminderManual:
		title = r.urgeTitle(lang, open, today, by)
	}
	fmt.Fprintf(&b, "%s\n%s<b>%s %s</b>\n", title, LightEmoji(light), E(d.Task.Code), E(d.Task.Title))
	if standIn != nil {
		b.WriteString(c.T(lang, "reminder_stand_in", map[string]any{"Name": E(standIn.For.Key), "Until": DueDate(standIn.Until)}))
		b.WriteString("\n")
	}
	for _, m := range open {
		b.WriteString(r.Render.Milestone(lang, m, now, loc))
		b.WriteString("\n")
	}
	buttons := reminderButtons(c, lang, open, today, rules)
	b.WriteString(c.T(lang, "reminder_how", nil))
	return models.Outgoing{Text: b.String(), Buttons: buttons}
}

// urgeTitle heads a reminder someone asked for (催办): it names who asked,
// and how late the task runs, so that it reads as more than the routine
// round.
func (r *Reminders) urgeTitle(lang string, open []models.Milestone, today time.Time, by *models.Person) string {
	c := r.Catalog
	title := c.T(lang, "urge_title", nil)
	if by != nil {
		title = c.T(lang, "urge_title_by", map[string]any{"Name": E(by.Key)})
	}
	days := 0
	for _, m := range open {
		days = max(days, report.DaysOverdue(m, today))
	}
	if days > 0 {
		title += c.T(lang, "urge_overdue", map[string]any{"Days": days})
	}
	return title
}

// reminderButtons are a reminder's buttons: one per open milestone to
// report on it, with one to ask for an extension beside a milestone due
// soon.
func reminderButtons(c *Catalog, lang string, open []models.Milestone, today time.Time, rules models.LightRules) [][]models.Button {
	var buttons [][]models.Button
	for _, m := range open {
		label := c.T(lang, "button_report_milestone", map[string]any{"Seq": m.Seq, "Title": truncateRunes(m.Title, 16)})
		row := []models.Button{{Text: label, Data: fmt.Sprintf("m:%d", m.ID)}}
		if models.MilestoneDueSoon(m, today, rules) {
			// A due date moves only by an extension asked before it:
			// offered while there is still time.
			row = append(row, models.Button{Text: c.T(lang, "button_request_extension", map[string]any{"Seq": m.Seq}), Data: fmt.Sprintf("x:%d", m.ID)})
		}
		buttons = append(buttons, row)
	}
	return buttons
}

// openMilestones are the milestones of a task not done yet.
func openMilestones(d *models.TaskDetail) []models.Milestone {
	var open []models.Milestone
	for _, m := range d.Milestones {
		if m.State != models.StateDone {
			open = append(open, m)
		}
	}
	return open
}

// Escalation tells a leader, or the deputy of a leader away (forLeader),
// who has not reported on what.
func (r *Reminders) Escalation(tx *gorm.DB, d *models.TaskDetail, to, forLeader *models.Person, silent []models.Due, slots int, key string) error {
	if to.TelegramID == nil || to.Unreachable {
		return nil
	}
	lang := LanguageFor(to.Language, "")
	head := ""
	if forLeader != nil {
		head = r.Catalog.T(lang, "team_for_away", map[string]any{"Name": E(forLeader.Key)})
	}
	return r.escalation(tx, d, *to.TelegramID, lang, r.personLocation(to), head, silent, slots, key)
}

// EscalationToAdmins tells the admins what forLeader, away with nobody to
// stand in, would have been told.
func (r *Reminders) EscalationToAdmins(tx *gorm.DB, d *models.TaskDetail, admins []int64, forLeader *models.Person, silent []models.Due, slots int, key string) error {
	for _, chat := range admins {
		lang, err := adminLang(tx, chat)
		if err != nil {
			return err
		}
		head := r.Catalog.T(lang, "escalation_leader_away", map[string]any{"Name": E(forLeader.Key)})
		if err := r.escalation(tx, d, chat, lang, r.Location, head, silent, slots, fmt.Sprintf("%s:admin:%d", key, chat)); err != nil {
			return err
		}
	}
	return nil
}

// escalation queues one escalation to chatID, after head when there is one.
func (r *Reminders) escalation(tx *gorm.DB, d *models.TaskDetail, chatID int64, lang string, loc *time.Location, head string, silent []models.Due, slots int, key string) error {
	c := r.Catalog
	now := tx.NowFunc()
	var b strings.Builder
	if head != "" {
		b.WriteString(head + "\n")
	}
	fmt.Fprintf(&b, "%s\n<b>%s %s</b>\n", c.T(lang, "escalation_title", nil), E(d.Task.Code), E(d.Task.Title))
	names := make([]string, len(silent))
	for i, p := range silent {
		names[i] = E(p.Person.Key)
		if p.StandIn != nil && p.StandIn.For != nil {
			names[i] += c.T(lang, "group_due_for", map[string]any{"Name": E(p.StandIn.For.Key)})
		}
	}
	b.WriteString(c.T(lang, "escalation_who", map[string]any{"Names": strings.Join(names, c.T(lang, "list_sep", nil)), "Slots": slots}))
	b.WriteString("\n")
	for _, m := range d.Milestones {
		if m.State != models.StateDone {
			b.WriteString(r.Render.Milestone(lang, m, now, loc))
			b.WriteString("\n")
		}
	}
	taskID := d.Task.ID
	return models.EnqueueRef(tx, key, chatID, models.OutSendMessage,
		models.Outgoing{Text: strings.TrimRight(b.String(), "\n")}, models.MessageRef{Purpose: "escalation", TaskID: &taskID, Bulk: true})
}
