package bot

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/report"
)

// weeklySectionLines bounds a section of the digest, so that a
// province-wide list still gives a digest one reads.
const weeklySectionLines = 20

// Weekly renders a weekly digest as messages that each fit Telegram's
// limit; a section is never split between two.
func (r *Renderer) Weekly(lang string, w *report.Week, loc *time.Location) []string {
	c := r.Catalog
	var head strings.Builder
	head.WriteString(c.T(lang, "weekly_title", map[string]any{
		"From": w.Since.In(loc).Format("2006-01-02"), "To": w.Until.In(loc).Format("2006-01-02")}))
	head.WriteString("\n")
	var counts []string
	for _, l := range lightOrder {
		counts = append(counts, fmt.Sprintf("%s%d", LightEmoji(l), w.Counts[l]))
	}
	head.WriteString(strings.Join(counts, "  "))
	if v := w.Visits; v.Visits > 0 {
		// A week without visits says nothing: there is no count to reach.
		head.WriteString("\n" + c.T(lang, "weekly_visits", map[string]any{"Visits": v.Visits, "Found": v.Found, "Solved": v.Solved}))
	}
	entries := []string{head.String()}
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<b>%s</b>", title)
		for i, l := range lines {
			if i == weeklySectionLines {
				fmt.Fprintf(&b, "\n%s", c.T(lang, "weekly_more", map[string]any{"N": len(lines) - i}))
				break
			}
			b.WriteString("\n")
			b.WriteString(l)
		}
		entries = append(entries, b.String())
	}
	task := func(t report.WeekTask) string {
		return fmt.Sprintf("%s %s %s%s", E(t.Code), E(truncateRunes(t.Title, 40)), strings.TrimSpace(LightEmoji(t.Before)), "→"+strings.TrimSpace(LightEmoji(t.Light)))
	}
	milestone := func(m report.WeekMilestone) string {
		return fmt.Sprintf("%s · %d. %s（%s）", E(m.Code), m.Seq, E(truncateRunes(m.Title, 40)), DueDate(m.Due))
	}
	var red, green, done, overdue, opened, answered, unconfirmed, silent []string
	for _, t := range w.TurnedRed {
		red = append(red, task(t))
	}
	for _, t := range w.TurnedGreen {
		green = append(green, task(t))
	}
	for _, m := range w.Completed {
		done = append(done, milestone(m))
	}
	for _, m := range w.NewlyOverdue {
		overdue = append(overdue, milestone(m))
	}
	for _, q := range w.Opened {
		opened = append(opened, fmt.Sprintf("%s · %s", E(q.Code), E(truncateRunes(q.Text, 80))))
	}
	for _, q := range w.Answered {
		line := fmt.Sprintf("%s · %s", E(q.Code), E(truncateRunes(q.Text, 60)))
		if q.Answer != "" {
			line += " — " + E(truncateRunes(q.Answer, 60))
		}
		answered = append(answered, line)
	}
	sep := c.T(lang, "list_sep", nil)
	for _, in := range w.Unconfirmed {
		unconfirmed = append(unconfirmed, fmt.Sprintf("%s · %s — %s", E(in.Code), E(truncateRunes(in.Text, 60)), E(strings.Join(in.Unconfirmed, sep))))
	}
	for _, s := range w.Silent {
		silent = append(silent, fmt.Sprintf("%s · %s", E(s.Code), E(strings.Join(s.People, sep))))
	}
	before := len(entries)
	section(c.T(lang, "weekly_turned_red", nil), red)
	section(c.T(lang, "weekly_turned_green", nil), green)
	section(c.T(lang, "weekly_completed", nil), done)
	section(c.T(lang, "weekly_newly_overdue", nil), overdue)
	section(c.T(lang, "weekly_opened", nil), opened)
	section(c.T(lang, "weekly_answered", nil), answered)
	section(c.T(lang, "weekly_unconfirmed", nil), unconfirmed)
	section(c.T(lang, "weekly_silent", nil), silent)
	if len(entries) == before {
		entries = append(entries, c.T(lang, "weekly_quiet", nil))
	}
	if w.Period != nil {
		title, lines := r.periodSection(lang, w.Period)
		section(title, lines)
	}
	return SplitEntries(entries, "\n\n", MaxMessageRunes)
}

// weekLength is how far back a first digest looks.
const weekLength = 7 * 24 * time.Hour

// BuildWeek makes the weekly digest of chat (a person's, or an admin's of
// every task) since its last one. It writes nothing.
func (h *Handler) BuildWeek(tx *gorm.DB, p *models.Person, chatID int64, admin bool, now time.Time, loc *time.Location) (*report.Week, []models.TaskDetail, error) {
	tasks, err := summaryTasks(tx, p, admin)
	if err != nil {
		return nil, nil, err
	}
	opt := report.WeekOptions{
		Options: report.Options{Today: models.Today(now, loc), Rules: h.LightRules.OrDefault(), Location: loc},
		Since:   now.Add(-weekLength), Until: now,
	}
	if admin {
		opt.GroupBy = report.ByLeader
	} else if p != nil {
		opt.Reader = p.ID
	}
	if last, ok, err := models.LastWeekly(tx, chatID); err != nil {
		return nil, nil, err
	} else if ok && last.SentAt.Before(now) {
		opt.Since = last.SentAt
	}
	if opt.Before, err = models.WeeklyMarks(tx, chatID); err != nil {
		return nil, nil, err
	}
	w, err := report.BuildWeek(tx, tasks, opt)
	return w, tasks, err
}

// Weekly queues a person's weekly digest of week under key, once per
// week; nothing for someone unreachable or whose digest of that week went
// out already.
func (s *Summaries) Weekly(tx *gorm.DB, p *models.Person, week, key string) (bool, error) {
	if !reachable(p) || s.Admins[*p.TelegramID] {
		return false, nil // an admin's digest covers every task already
	}
	return s.weekly(tx, p, *p.TelegramID, false, s.Handler.PersonLocation(p), personLang(p), week, key)
}

// AdminWeekly queues the weekly digest of every task to an admin's chat.
func (s *Summaries) AdminWeekly(tx *gorm.DB, chatID int64, week, key string) (bool, error) {
	p, lang, ok, err := adminReader(tx, chatID)
	if err != nil || !ok {
		return false, err
	}
	return s.weekly(tx, p, chatID, true, s.Handler.Location, lang, week, key)
}

func (s *Summaries) weekly(tx *gorm.DB, p *models.Person, chatID int64, admin bool, loc *time.Location, lang, week, key string) (bool, error) {
	h := s.Handler
	if last, ok, err := models.LastWeekly(tx, chatID); err != nil || (ok && last.Week == week) {
		return false, err
	}
	now := tx.NowFunc()
	w, tasks, err := h.BuildWeek(tx, p, chatID, admin, now, loc)
	if err != nil {
		return false, err
	}
	for i, text := range h.Render.Weekly(lang, w, loc) {
		if err := models.EnqueueRef(tx, fmt.Sprintf("%s.%d", key, i), chatID, models.OutSendMessage, models.Outgoing{Text: text},
			models.MessageRef{Purpose: models.PurposeSummary, Bulk: true}); err != nil {
			return false, err
		}
	}
	if err := models.SaveWeekly(tx, chatID, week, now, tasks); err != nil {
		return false, err
	}
	picture, ok, err := h.weekChart(lang, w)
	if err != nil || !ok {
		return true, err
	}
	return true, models.EnqueueBulk(tx, key+".chart", chatID, models.OutSendPhoto, picture)
}

// PersonLocation is the zone a person's messages are written in.
func (h *Handler) PersonLocation(p *models.Person) *time.Location {
	if p != nil && p.TimeZone != "" {
		if l, err := time.LoadLocation(p.TimeZone); err == nil {
			return l
		}
	}
	return h.Location
}
