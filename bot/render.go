package bot

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"taskbot/models"
)

// MaxMessageRunes keeps a rendered message safely under Telegram's 4096
// characters: entities are counted after parsing, and tags do not count,
// so a rune count of the HTML source is an upper bound.
const MaxMessageRunes = 4000

// Renderer turns domain values into the bot's HTML texts.
type Renderer struct {
	Catalog *Catalog
	// CorrectionWindow is said in each acknowledgement
	// (models.DefaultCorrectionWindow when zero).
	CorrectionWindow time.Duration
}

func (r *Renderer) names(lang string, people []models.Person) string {
	parts := make([]string, len(people))
	for i, p := range people {
		parts[i] = E(p.Key)
	}
	return strings.Join(parts, r.Catalog.T(lang, "list_sep", nil))
}

// Roles renders a list of roles.
func (r *Renderer) Roles(lang string, roles []models.Role) string {
	parts := make([]string, len(roles))
	for i, role := range roles {
		parts[i] = r.Catalog.T(lang, "role_"+string(role), nil)
	}
	return strings.Join(parts, r.Catalog.T(lang, "list_sep", nil))
}

// State renders a milestone state.
func (r *Renderer) State(lang string, s models.MilestoneState) string {
	return r.Catalog.T(lang, "state_"+string(s), nil)
}

// DueDate formats a due date (a calendar date kept at midnight UTC).
func DueDate(d time.Time) string { return d.UTC().Format("2006-01-02") }

// LightEmoji shows a status light, followed by a space; nothing when the
// light is not known.
func LightEmoji(l models.Light) string {
	switch l {
	case models.LightRed:
		return "🔴 "
	case models.LightYellow:
		return "🟡 "
	case models.LightGreen:
		return "🟢 "
	case models.LightDone:
		return "✅ "
	}
	return ""
}

// Milestone renders one milestone line.
func (r *Renderer) Milestone(lang string, m models.Milestone, now time.Time, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d. %s — %s%s", m.Seq, E(m.Title), r.Catalog.T(lang, "milestone_due", map[string]any{"Due": DueDate(m.DueDate)}), r.datesNote(lang, m))
	if models.MilestoneOverdue(m, models.Today(now, loc)) {
		fmt.Fprintf(&b, " ⚠️%s", r.Catalog.T(lang, "milestone_overdue", nil))
	}
	fmt.Fprintf(&b, " · %s", r.State(lang, m.State))
	if m.Percent > 0 && m.State != models.StateDone {
		fmt.Fprintf(&b, " %d%%", m.Percent)
	}
	return b.String()
}

// Task renders a task with its people and milestones. roles, when given,
// are the reader's own roles on it.
func (r *Renderer) Task(lang string, d models.TaskDetail, roles []models.Role, now time.Time, loc *time.Location) string {
	var b strings.Builder
	b.WriteString(LightEmoji(d.Light))
	fmt.Fprintf(&b, "<b>%s %s</b>", E(d.Task.Code), E(d.Task.Title))
	if d.Task.Done {
		fmt.Fprintf(&b, " ✅%s", r.Catalog.T(lang, "task_done", nil))
	}
	b.WriteString("\n")
	line := func(key, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%s%s%s\n", r.Catalog.T(lang, key, nil), r.Catalog.T(lang, "label_sep", nil), value)
		}
	}
	if len(roles) > 0 {
		line("your_roles", r.Roles(lang, roles))
	}
	line("task_department", E(d.Task.Department))
	line("task_leaders", r.names(lang, d.Leaders))
	line("task_owners", r.names(lang, d.Owners))
	line("task_attendants", r.names(lang, d.Attendants))
	fmt.Fprintf(&b, "%s%s\n", r.Catalog.T(lang, "task_milestones", nil), strings.TrimSpace(r.Catalog.T(lang, "label_sep", nil)))
	for _, m := range d.Milestones {
		b.WriteString(r.Milestone(lang, m, now, loc))
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// SplitEntries packs entries into as few messages as fit the limit, never
// cutting an entry: a task always arrives whole. An entry too long for any
// message on its own is cut at a line boundary as a last resort.
func SplitEntries(entries []string, sep string, limit int) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, e := range entries {
		for _, piece := range cutLongEntry(e, limit) {
			n := utf8.RuneCountInString(cur.String())
			if n > 0 && n+utf8.RuneCountInString(sep)+utf8.RuneCountInString(piece) > limit {
				flush()
			}
			if cur.Len() > 0 {
				cur.WriteString(sep)
			}
			cur.WriteString(piece)
		}
	}
	flush()
	return out
}

func cutLongEntry(e string, limit int) []string {
	if utf8.RuneCountInString(e) <= limit {
		return []string{e}
	}
	var out []string
	var cur []string
	size := 0
	for _, line := range strings.Split(e, "\n") {
		runes := []rune(line)
		for len(runes) > limit {
			out = append(out, string(runes[:limit]))
			runes = runes[limit:]
		}
		line = string(runes)
		if size+len(runes)+1 > limit && len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur, size = nil, 0
		}
		cur = append(cur, line)
		size += len(runes) + 1
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, "\n"))
	}
	return out
}

// Ack renders exactly what a report stored.
func (r *Renderer) Ack(lang string, task models.Task, m models.Milestone, rep *models.Report) string {
	c := r.Catalog
	var b strings.Builder
	// ✅ means done and only done: any other state is recorded, not
	// finished.
	mark := "📝"
	if rep.State == models.StateDone {
		mark = "✅"
	}
	fmt.Fprintf(&b, "%s %s\n", mark, c.T(lang, "ack_title", nil))
	fmt.Fprintf(&b, "%s %s\n", E(task.Code), E(task.Title))
	if rep.OnBehalfOfName != "" {
		fmt.Fprintf(&b, "%s\n", c.T(lang, "ack_on_behalf", map[string]any{"Name": E(rep.OnBehalfOfName)}))
	}
	fmt.Fprintf(&b, "%s\n", c.T(lang, "ack_milestone", map[string]any{"Seq": m.Seq, "Title": E(m.Title)}))
	fmt.Fprintf(&b, "%s%s%s", c.T(lang, "ack_state", nil), c.T(lang, "label_sep", nil), r.State(lang, rep.State))
	if rep.Percent != nil {
		fmt.Fprintf(&b, " · %d%%", *rep.Percent)
	}
	b.WriteString("\n")
	if rep.Note != "" {
		fmt.Fprintf(&b, "%s%s%s\n", c.T(lang, "ack_note", nil), c.T(lang, "label_sep", nil), E(rep.Note))
	}
	if n := len(rep.Attachments); n > 0 {
		fmt.Fprintf(&b, "%s%s%d\n", c.T(lang, "ack_files", nil), c.T(lang, "label_sep", nil), n)
	}
	if rep.Reopens {
		fmt.Fprintf(&b, "%s\n", c.T(lang, "ack_reopened", nil))
	}
	if rep.SupersededBy == nil && rep.State != "" {
		window := r.CorrectionWindow
		if window <= 0 {
			window = models.DefaultCorrectionWindow
		}
		b.WriteString(c.T(lang, "ack_hint", map[string]any{"Minutes": int(window.Minutes())}))
	}
	return strings.TrimRight(b.String(), "\n")
}
