package bot

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// Work groups speak Chinese: the group's people are the district's, and
// one message serves them all.
const groupLang = LangZH

// mention links a person by their Telegram id (a text_mention once
// Telegram parses it): the bot knows no usernames, and people without one
// are mentioned only this way.
func mention(p models.Person) string {
	if p.TelegramID == nil {
		return E(p.Key)
	}
	return fmt.Sprintf(`<a href="tg://user?id=%d">%s</a>`, *p.TelegramID, E(p.Key))
}

// GroupReminder posts one reminder about a task in its work group, in the
// task's topic in a forum: its open milestones, the people due (mentioned,
// so that they are notified), and the same buttons as a private reminder.
// It is recorded (models.GroupReminder), to be edited as people report.
func (r *Reminders) GroupReminder(tx *gorm.DB, d *models.TaskDetail, facts models.LightFacts, g models.GroupDelivery, due []models.Due, kind models.ReminderKind, slotKey string, by *models.Person) (bool, error) {
	open := openMilestones(d)
	if d.Task.Done || len(open) == 0 {
		return false, nil
	}
	c := r.Catalog
	now := tx.NowFunc()
	today, rules := models.Today(now, r.Location), r.LightRules.OrDefault()
	light := models.StatusLight(d.Task, d.Milestones, facts, today, rules)
	var names []string
	for _, p := range due {
		name := mention(p.Person)
		if p.StandIn != nil && p.StandIn.For != nil {
			name += c.T(groupLang, "group_due_for", map[string]any{"Name": E(p.StandIn.For.Key)})
		}
		names = append(names, name)
	}
	dueLine := c.T(groupLang, "group_reminder_due", map[string]any{"Names": strings.Join(names, c.T(groupLang, "list_sep", nil))})
	if kind == models.ReminderManual {
		// Who urged it and how late the task ran when they did: kept
		// with the reminder, so that its edits still say so.
		dueLine = r.urgeTitle(groupLang, open, today, by) + "\n" + dueLine
	}
	text := renderGroupReminder(c, r.Render, d, light, kind, dueLine, now, r.Location, nil)
	out := models.Outgoing{Text: text, Buttons: reminderButtons(c, groupLang, open, today, rules)}
	if g.Topic != nil {
		var err error
		if out.MessageThreadID, out.ThreadOutboxID, err = models.TopicThread(tx, g.Topic); err != nil {
			return false, err
		}
	}
	taskID, chatID := d.Task.ID, g.Group.ChatID
	key := fmt.Sprintf("gremind:%s:%d:%d:%s", kind, taskID, chatID, slotKey)
	id, err := models.EnqueueRefID(tx, key, chatID, models.OutSendMessage, out,
		models.MessageRef{Purpose: models.PurposeReminder, TaskID: &taskID, Bulk: true})
	if err != nil {
		return false, err
	}
	// The people due are kept, not the whole text: an edit shows the
	// milestones as they stand then.
	err = models.RecordGroupReminder(tx, &models.GroupReminder{TaskID: taskID, ChatID: chatID, Kind: kind, SlotKey: slotKey,
		ThreadID: out.MessageThreadID, OutboxID: id, Text: dueLine})
	return err == nil, err
}

// renderGroupReminder is a group reminder's text: the task with its light,
// its open milestones, who is due, how to report, and who reported since.
func renderGroupReminder(c *Catalog, render *Renderer, d *models.TaskDetail, light models.Light, kind models.ReminderKind, dueLine string,
	now time.Time, loc *time.Location, reported []string) string {
	var b strings.Builder
	title := c.T(groupLang, "reminder_title", nil)
	switch kind {
	case models.ReminderFollowUp:
		title = c.T(groupLang, "follow_up_title", nil)
	case models.ReminderManual:
		title = c.T(groupLang, "urge_title", nil)
		if head, rest, ok := strings.Cut(dueLine, "\n"); ok {
			title, dueLine = head, rest
		}
	}
	fmt.Fprintf(&b, "%s\n%s<b>%s %s</b>\n", title, LightEmoji(light), E(d.Task.Code), E(d.Task.Title))
	for _, m := range openMilestones(d) {
		b.WriteString(render.Milestone(groupLang, m, now, loc))
		b.WriteString("\n")
	}
	b.WriteString(dueLine)
	b.WriteString("\n")
	b.WriteString(c.T(groupLang, "group_reminder_how", nil))
	if len(reported) > 0 {
		b.WriteString("\n\n")
		b.WriteString(strings.Join(reported, "\n"))
	}
	return b.String()
}

// Topic brings a task's topic in line with its light (in the group's
// time zone) and its state.
func (r *Reminders) Topic(tx *gorm.DB, d *models.TaskDetail, facts models.LightFacts, topic *models.TaskTopic) error {
	light := models.StatusLight(d.Task, d.Milestones, facts, models.Today(tx.NowFunc(), r.Location), r.LightRules.OrDefault())
	return SyncTopic(tx, topic, d.Task, light)
}

// refreshGroupReminder edits the latest reminder about a task in its work
// group to say who has reported since ("已报 张三 10:02 节点2 80%"),
// rather than posting anew: a busy group stays within Telegram's 20
// messages a minute, and an edit still waiting in the queue takes the
// newer text instead of a second call.
func (h *Handler) refreshGroupReminder(tx *gorm.DB, taskID uint, inboxID uint) error {
	deliveries, err := models.GroupDeliveries(tx, []uint{taskID})
	if err != nil {
		return err
	}
	g, ok := deliveries[taskID]
	if !ok || !g.Binding.Delivery.Group() {
		return nil
	}
	gr, err := models.LatestGroupReminder(tx, taskID, g.Group.ChatID)
	if models.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	d, err := models.TaskByID(tx, taskID)
	if err != nil {
		return err
	}
	reports, people, err := models.ReportsSince(tx, taskID, gr.CreatedAt)
	if err != nil {
		return err
	}
	c := h.Catalog
	var lines []string
	for _, r := range reports {
		m := milestoneByID(d, r.MilestoneID)
		if m == nil {
			continue
		}
		what := h.Render.State(groupLang, r.State)
		if r.Percent != nil && r.State != models.StateDone {
			what = fmt.Sprintf("%d%%", *r.Percent)
			if r.State != models.StateOnTrack {
				what = h.Render.State(groupLang, r.State) + " " + what
			}
		}
		lines = append(lines, c.T(groupLang, "group_reported", map[string]any{"Name": E(people[r.PersonID].Key),
			"Time": r.CreatedAt.In(h.Location).Format("15:04"), "Seq": m.Seq, "What": what}))
	}
	now := tx.NowFunc()
	today, rules := models.Today(now, h.Location), h.LightRules.OrDefault()
	facts, err := models.LoadLightFacts(tx, []uint{taskID})
	if err != nil {
		return err
	}
	light := models.StatusLight(d.Task, d.Milestones, facts[taskID], today, rules)
	text := renderGroupReminder(c, h.Render, d, light, gr.Kind, gr.Text, now, h.Location, lines)
	out := models.Outgoing{Text: text, EditOutboxID: gr.OutboxID, Buttons: reminderButtons(c, groupLang, openMilestones(d), today, rules)}
	family := fmt.Sprintf("gedit:%d:", gr.ID)
	return models.EnqueueLatest(tx, family, fmt.Sprintf("%s%d:%d", family, inboxID, now.UnixNano()), g.Group.ChatID, models.OutEditText, out, models.MessageRef{})
}

// syncTaskTopic brings a task's topic, if it has one in its work group,
// in line with the task now (after a close-out).
func (h *Handler) syncTaskTopic(tx *gorm.DB, taskID uint) error {
	deliveries, err := models.GroupDeliveries(tx, []uint{taskID})
	if err != nil {
		return err
	}
	g, ok := deliveries[taskID]
	if !ok || g.Topic == nil {
		return nil
	}
	d, err := models.TaskByID(tx, taskID)
	if err != nil {
		return err
	}
	facts, err := models.LoadLightFacts(tx, []uint{taskID})
	if err != nil {
		return err
	}
	light := models.StatusLight(d.Task, d.Milestones, facts[taskID], models.Today(tx.NowFunc(), h.Location), h.LightRules.OrDefault())
	return SyncTopic(tx, g.Topic, d.Task, light)
}
