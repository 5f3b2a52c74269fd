package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/report"
	"taskbot/scheduler"
)

var lightOrder = []models.Light{models.LightRed, models.LightYellow, models.LightGreen, models.LightDone}

// Summary renders a summary as messages that each fit Telegram's limit;
// a task's entry is never split between two.
func (r *Renderer) Summary(lang string, s *report.Summary, loc *time.Location) []string {
	c := r.Catalog
	var head strings.Builder
	head.WriteString(c.T(lang, "summary_title", map[string]any{"Day": s.Day.Format("2006-01-02")}))
	head.WriteString("\n")
	var counts []string
	for _, l := range lightOrder {
		counts = append(counts, fmt.Sprintf("%s%d", LightEmoji(l), s.Counts[l]))
	}
	head.WriteString(strings.Join(counts, "  "))
	if s.Period != nil {
		head.WriteString("\n")
		head.WriteString(r.PeriodLine(lang, s.Period))
	}
	entries := []string{head.String()}
	for _, e := range s.Entries {
		entries = append(entries, r.summaryEntry(lang, e, loc))
	}
	if quiet := s.Quiet[models.LightGreen] + s.Quiet[models.LightDone]; quiet > 0 || len(s.Entries) == 0 {
		entries = append(entries, c.T(lang, "summary_quiet", map[string]any{"Green": s.Quiet[models.LightGreen], "Done": s.Quiet[models.LightDone]}))
	}
	if len(s.Departments) > 0 {
		var b strings.Builder
		b.WriteString(c.T(lang, "summary_departments", nil))
		for i, d := range s.Departments {
			fmt.Fprintf(&b, "\n%d. %s · %s", i+1, E(d.Name), c.T(lang, "summary_department_line",
				map[string]any{"Overdue": d.Overdue, "Tasks": d.Tasks, "Done": d.Done, "Milestones": d.Milestones}))
		}
		entries = append(entries, b.String())
	}
	return SplitEntries(entries, "\n\n", MaxMessageRunes)
}

func (r *Renderer) summaryEntry(lang string, e report.Entry, loc *time.Location) string {
	c := r.Catalog
	sep := c.T(lang, "label_sep", nil)
	var b strings.Builder
	fmt.Fprintf(&b, "%s<b>%s %s</b>", LightEmoji(e.Light), E(e.Task.Task.Code), E(e.Task.Task.Title))
	// A change of light since the reader's last summary says what it was;
	// a task new to the reader carries no unexplained mark.
	if e.Changed && e.Before != "" {
		fmt.Fprintf(&b, " %s", c.T(lang, "summary_changed", map[string]any{"Before": strings.TrimSpace(LightEmoji(e.Before))}))
	}
	line := func(key, value string) {
		fmt.Fprintf(&b, "\n%s%s%s", c.T(lang, key, nil), sep, value)
	}
	for _, m := range e.Overdue {
		line("summary_overdue", fmt.Sprintf("%d. %s（%s）", m.Seq, E(m.Title), DueDate(m.DueDate)))
	}
	for _, m := range e.DueSoon {
		line("summary_due_soon", fmt.Sprintf("%d. %s（%s）", m.Seq, E(m.Title), DueDate(m.DueDate)))
	}
	for _, m := range e.Blocked {
		line("summary_blocked", fmt.Sprintf("%d. %s", m.Seq, E(m.Title)))
	}
	if l := e.Latest; l != nil {
		what := fmt.Sprintf("%s %s %s %s", E(l.Person), l.At.In(loc).Format("01-02 15:04"),
			c.T(lang, "summary_milestone", map[string]any{"Seq": l.Milestone}), r.State(lang, l.State))
		if l.Reopened {
			what += c.T(lang, "summary_reopened", nil)
		}
		if l.Percent != nil {
			what += fmt.Sprintf(" · %d%%", *l.Percent)
		}
		if l.Note != "" {
			what += " · " + E(truncateRunes(l.Note, 80))
		}
		line("summary_latest", what)
	} else {
		line("summary_latest", c.T(lang, "summary_no_report", nil))
	}
	if len(e.Silent) > 0 {
		line("summary_silent", E(strings.Join(e.Silent, c.T(lang, "list_sep", nil))))
	}
	if len(e.Unbound) > 0 {
		line("summary_unbound", E(strings.Join(e.Unbound, c.T(lang, "list_sep", nil))))
	}
	for _, a := range e.Away {
		what := c.T(lang, "summary_away_until", map[string]any{"Name": E(a.Person.Key), "Until": DueDate(a.Until)})
		if a.StandIn != nil {
			what += " · " + c.T(lang, "leave_deputy", map[string]any{"Name": E(a.StandIn.Key)})
		}
		line("summary_away", what)
	}
	if e.Unattended {
		line("summary_unattended", c.T(lang, "summary_unattended_what", nil))
	}
	for _, req := range e.Coordination {
		line("summary_coordination", E(truncateRunes(req.Text, 120)))
	}
	for _, in := range e.Instructions {
		line("summary_unconfirmed", fmt.Sprintf("%s — %s", E(truncateRunes(in.Text, 60)), E(strings.Join(in.Unconfirmed, c.T(lang, "list_sep", nil)))))
	}
	return b.String()
}

// chartMinTasks is where a picture starts to say it faster than the line
// of counts.
const chartMinTasks = 4

// ChartText is the words of the summary's chart in lang.
func (c *Catalog) ChartText(lang string) report.ChartText {
	return report.ChartText{
		Lights: map[models.Light]string{
			models.LightRed: c.T(lang, "chart_red", nil), models.LightYellow: c.T(lang, "chart_yellow", nil),
			models.LightGreen: c.T(lang, "chart_green", nil), models.LightDone: c.T(lang, "chart_done", nil),
		},
		ByDepartment: c.T(lang, "chart_by_department", nil),
		ByLeader:     c.T(lang, "chart_by_leader", nil),
		Progress:     c.T(lang, "chart_progress", nil),
		Due:          c.T(lang, "chart_due", nil),
		Done:         c.T(lang, "chart_done_milestones", nil),
		Others:       c.T(lang, "chart_others", nil),
		Nobody:       c.T(lang, "chart_nobody", nil),
		Month: func(m time.Time) string {
			return c.T(lang, "chart_month", map[string]any{"Month": int(m.Month()), "Abbr": m.Format("Jan")})
		},
	}
}

// chart is the summary's picture, when it has enough tasks to need one.
func (h *Handler) chart(lang string, s *report.Summary) (models.Outgoing, bool, error) {
	total := 0
	for _, n := range s.Counts {
		total += n
	}
	if total < chartMinTasks {
		return models.Outgoing{}, false, nil
	}
	png, err := report.SummaryChart(s, h.Catalog.ChartText(lang))
	if errors.Is(err, report.ErrNothingToDraw) {
		return models.Outgoing{}, false, nil
	}
	if err != nil {
		return models.Outgoing{}, false, err
	}
	caption := h.Catalog.T(lang, "chart_caption", map[string]any{"Red": s.Counts[models.LightRed], "Yellow": s.Counts[models.LightYellow],
		"Green": s.Counts[models.LightGreen], "Done": s.Counts[models.LightDone]})
	return models.Outgoing{Text: caption, File: png, FileName: "summary.png"}, true, nil
}

// summaryTasks are the tasks a summary covers: every task for an admin,
// else the reader's own.
func summaryTasks(tx *gorm.DB, p *models.Person, admin bool) ([]models.TaskDetail, error) {
	return models.VisibleTasks(tx, viewer(p, admin))
}

// BuildSummary makes a person's summary and remembers the lights it showed,
// so that the next one marks what changed.
func (h *Handler) BuildSummary(tx *gorm.DB, p *models.Person, admin bool, now time.Time, loc *time.Location, remember bool) (*report.Summary, error) {
	tasks, err := summaryTasks(tx, p, admin)
	if err != nil {
		return nil, err
	}
	opt := report.Options{Today: models.Today(now, loc), Rules: h.LightRules.OrDefault(), Departments: admin && h.Rankings, Location: loc}
	if admin {
		opt.GroupBy = report.ByLeader
	}
	if p != nil {
		opt.Previous, err = models.SummaryMarks(tx, p.ID)
		if err != nil {
			return nil, err
		}
	}
	s, err := report.Build(tx, tasks, opt)
	if err != nil {
		return nil, err
	}
	if remember && p != nil {
		if err := models.SaveSummaryMarks(tx, p.ID, tasks); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// summary answers /summary.
func (t *turn) summary(m *tgmodels.Message, who speaker) error {
	loc := t.location(who.person)
	s, err := t.h.BuildSummary(t.tx, who.person, who.admin, t.now, loc, false)
	if err != nil {
		return err
	}
	for _, text := range t.h.Render.Summary(who.lang, s, loc) {
		key := t.nextKey()
		if err := models.EnqueueRef(t.tx, key, m.Chat.ID, models.OutSendMessage, models.Outgoing{Text: text},
			models.MessageRef{Purpose: models.PurposeSummary}); err != nil {
			return err
		}
	}
	picture, ok, err := t.h.chart(who.lang, s)
	if err != nil || !ok {
		return err
	}
	return t.send(m.Chat.ID, models.OutSendPhoto, picture)
}

// overdue answers /overdue: the milestones of the reader's tasks that are
// overdue, then those due within the warning window, as the light counts
// them.
func (t *turn) overdue(m *tgmodels.Message, who speaker) error {
	c := t.h.Catalog
	tasks, err := summaryTasks(t.tx, who.person, who.admin)
	if err != nil {
		return err
	}
	rules := t.h.LightRules.OrDefault()
	today := models.Today(t.now, t.location(who.person))
	days := func(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) }
	var late, soon []string
	for _, d := range tasks {
		var lateLines, soonLines []string
		for _, ms := range d.Milestones {
			switch {
			case models.MilestoneOverdue(ms, today):
				lateLines = append(lateLines, fmt.Sprintf("%d. %s — %s · %s", ms.Seq, E(ms.Title),
					c.T(who.lang, "overdue_days", map[string]any{"Due": DueDate(ms.DueDate), "Days": days(ms.DueDate.UTC(), today)}),
					t.h.Render.State(who.lang, ms.State)))
			case models.MilestoneDueSoon(ms, today, rules):
				soonLines = append(soonLines, fmt.Sprintf("%d. %s — %s · %s", ms.Seq, E(ms.Title),
					c.T(who.lang, "due_in_days", map[string]any{"Due": DueDate(ms.DueDate), "Days": days(today, ms.DueDate.UTC())}),
					t.h.Render.State(who.lang, ms.State)))
			}
		}
		head := fmt.Sprintf("<b>%s %s</b>\n", E(d.Task.Code), E(d.Task.Title))
		if len(lateLines) > 0 {
			late = append(late, head+strings.Join(lateLines, "\n"))
		}
		if len(soonLines) > 0 {
			soon = append(soon, head+strings.Join(soonLines, "\n"))
		}
	}
	window := map[string]any{"Days": rules.WarnDays}
	if len(late)+len(soon) == 0 {
		return t.reply(m.Chat.ID, c.T(who.lang, "overdue_none", window))
	}
	var entries []string
	if len(late) > 0 {
		entries = append(append(entries, c.T(who.lang, "overdue_title", nil)), late...)
	}
	if len(soon) > 0 {
		entries = append(append(entries, c.T(who.lang, "overdue_soon_title", window)), soon...)
	}
	for _, text := range SplitEntries(entries, "\n\n", MaxMessageRunes) {
		if err := t.reply(m.Chat.ID, text); err != nil {
			return err
		}
	}
	return nil
}

// Summaries sends the daily summaries the scheduler finds due.
type Summaries struct {
	Handler *Handler
	// Admins get the summary of every task through AdminSummary instead.
	Admins map[int64]bool
}

// Summary queues a person's daily summary under key; nothing for someone
// unreachable.
func (s *Summaries) Summary(tx *gorm.DB, p *models.Person, key string) (bool, error) {
	sent, err := s.SummaryRound(tx, []models.Person{*p}, []string{key})
	if err != nil {
		return false, err
	}
	return sent[0], nil
}

// SummaryRound queues the daily summaries of many people at once, the
// summary of people[i] under keys[i], and says which it queued: nothing for
// someone unreachable, or an admin (whose summary covers every task). The
// summaries of the people who share a zone are built together by
// report.BuildAll, and a chart is drawn once for every summary that would
// show the same picture.
func (s *Summaries) SummaryRound(tx *gorm.DB, people []models.Person, keys []string) ([]bool, error) {
	h := s.Handler
	now := tx.NowFunc()
	sent := make([]bool, len(people))
	var readers []models.Person
	var index []int
	for i := range people {
		p := &people[i]
		if reachable(p) && !s.Admins[*p.TelegramID] {
			readers = append(readers, *p)
			index = append(index, i)
		}
	}
	sums, err := h.BuildSummaries(tx, readers, now)
	if err != nil {
		return nil, err
	}
	charts := map[string]chartDrawn{}
	lights := make(map[uint]map[uint]models.Light, len(readers))
	for j := range readers {
		p, i := &readers[j], index[j]
		sum, lang, key, loc := sums[p.ID], personLang(p), keys[i], h.PersonLocation(p)
		lights[p.ID] = sum.Lights
		for k, text := range h.Render.Summary(lang, sum, loc) {
			if err := models.EnqueueRef(tx, fmt.Sprintf("%s.%d", key, k), *p.TelegramID, models.OutSendMessage, models.Outgoing{Text: text},
				models.MessageRef{Purpose: models.PurposeSummary, Bulk: true}); err != nil {
				return nil, err
			}
		}
		sent[i] = true
		picture, ok, err := h.cachedChart(charts, lang, sum)
		if err != nil {
			return nil, err
		}
		if ok {
			if err := models.EnqueueBulk(tx, key+".chart", *p.TelegramID, models.OutSendPhoto, picture); err != nil {
				return nil, err
			}
		}
	}
	if err := models.SaveSummaryMarksOf(tx, lights); err != nil {
		return nil, err
	}
	return sent, nil
}

// BuildSummaries makes the daily summaries of many people, by person id,
// without remembering them: those who share a zone (and so a calendar
// day) are built together by report.BuildAll, in a number of queries that
// does not grow with the people or their tasks.
func (h *Handler) BuildSummaries(tx *gorm.DB, people []models.Person, now time.Time) (map[uint]*report.Summary, error) {
	byZone := map[string][]uint{}
	locs := map[string]*time.Location{}
	var zones []string
	for i := range people {
		loc := h.PersonLocation(&people[i])
		zone := loc.String()
		if _, ok := byZone[zone]; !ok {
			zones = append(zones, zone)
			locs[zone] = loc
		}
		byZone[zone] = append(byZone[zone], people[i].ID)
	}
	out := make(map[uint]*report.Summary, len(people))
	for _, zone := range zones {
		ids, loc := byZone[zone], locs[zone]
		previous, err := models.SummaryMarksOf(tx, ids)
		if err != nil {
			return nil, err
		}
		opt := report.Options{Today: models.Today(now, loc), Rules: h.LightRules.OrDefault(), Location: loc}
		sums, err := report.BuildAll(tx, ids, previous, opt)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, sums)
	}
	return out, nil
}

// chartDrawn is a chart drawn once in a round.
type chartDrawn struct {
	picture models.Outgoing
	ok      bool
}

// cachedChart is chart, drawn once per content in a round: many leaders of
// a department see the same bars and months, and drawing is most of the
// cost of a summary.
func (h *Handler) cachedChart(cache map[string]chartDrawn, lang string, s *report.Summary) (models.Outgoing, bool, error) {
	key := chartKey(lang, s)
	if c, ok := cache[key]; ok {
		return c.picture, c.ok, nil
	}
	picture, ok, err := h.chart(lang, s)
	if err != nil {
		return models.Outgoing{}, false, err
	}
	cache[key] = chartDrawn{picture, ok}
	return picture, ok, nil
}

// chartKey is what a summary's chart and its caption are drawn from.
func chartKey(lang string, s *report.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%v|", lang, s.GroupBy, s.Day.Format(time.DateOnly), s.Counts)
	for _, g := range s.Groups {
		fmt.Fprintf(&b, "%q%v;", g.Name, g.Counts)
	}
	for _, m := range s.Months {
		fmt.Fprintf(&b, "%s:%d/%d;", m.Start.Format(time.DateOnly), m.Due, m.Done)
	}
	return b.String()
}

// adminReader is the person an admin's chat belongs to, if the admin is
// on the list, and the language to write in; false when that person
// blocked the bot.
func adminReader(tx *gorm.DB, chatID int64) (*models.Person, string, bool, error) {
	p, err := models.PersonByTelegramID(tx, chatID)
	switch {
	case models.IsNotFound(err):
		lang, err := adminLang(tx, chatID)
		return nil, lang, err == nil, err
	case err != nil:
		return nil, "", false, err
	case p.Unreachable:
		return nil, "", false, nil
	}
	lang, err := adminLang(tx, chatID)
	return p, lang, err == nil, err
}

// AdminSummary queues the summary of every task, with the departments'
// ranking, to an admin's chat.
func (s *Summaries) AdminSummary(tx *gorm.DB, chatID int64, key string) (bool, error) {
	h := s.Handler
	p, lang, ok, err := adminReader(tx, chatID)
	if err != nil || !ok {
		return false, err
	}
	sum, err := h.BuildSummary(tx, p, true, tx.NowFunc(), h.Location, p != nil)
	if err != nil {
		return false, err
	}
	for i, text := range h.Render.Summary(lang, sum, h.Location) {
		if err := models.EnqueueRef(tx, fmt.Sprintf("%s.%d", key, i), chatID, models.OutSendMessage, models.Outgoing{Text: text},
			models.MessageRef{Purpose: models.PurposeSummary, Bulk: true}); err != nil {
			return false, err
		}
	}
	picture, ok, err := h.chart(lang, sum)
	if err != nil || !ok {
		return true, err
	}
	return true, models.EnqueueBulk(tx, key+".chart", chatID, models.OutSendPhoto, picture)
}

// summaryAt handles "/summaryat 17:30".
func (t *turn) summaryAt(m *tgmodels.Message, who speaker, args string) error {
	c := t.h.Catalog
	at := strings.TrimSpace(args)
	if who.person == nil || at == "" {
		return t.reply(m.Chat.ID, c.T(who.lang, "summaryat_usage", nil))
	}
	if len(at) == 4 && at[1] == ':' {
		at = "0" + at
	}
	if _, err := scheduler.SummarySpec(at); err != nil {
		return t.reply(m.Chat.ID, c.T(who.lang, "summaryat_usage", nil))
	}
	if err := t.tx.Model(who.person).Update("summary_at", at).Error; err != nil {
		return fmt.Errorf("set summary time of person %d: %w", who.person.ID, err)
	}
	if err := models.Audit(t.tx, &who.person.ID, nil, "summary_at", at); err != nil {
		return err
	}
	return t.reply(m.Chat.ID, c.T(who.lang, "summaryat_set", map[string]any{"At": at, "Zone": E(t.location(who.person).String())}))
}

// export sends the ledger as an .xlsx document; admins only. The ledger
// of a city is too large to draw in the update's transaction: the message
// is queued with the file deferred, and DrawDeferred draws it when it goes.
func (t *turn) export(m *tgmodels.Message, who speaker) error {
	if !who.admin {
		return t.reply(m.Chat.ID, t.h.Catalog.T(who.lang, "export_admins_only", nil))
	}
	return t.send(m.Chat.ID, models.OutSendDocument, models.Outgoing{Deferred: &models.DeferredFile{
		Kind: models.DeferredLedger, Lang: who.lang, Location: t.location(who.person).String(),
	}})
}

// DrawDeferred completes a message queued with a deferred file (see
// outbox.Options.Draw), reading db as it stands, outside any transaction.
func (h *Handler) DrawDeferred(ctx context.Context, db *gorm.DB, out models.Outgoing) (models.Outgoing, error) {
	f := out.Deferred
	if f.Kind == models.DeferredCommitment {
		return h.drawCommitment(ctx, db, out)
	}
	if f.Kind != models.DeferredLedger {
		return out, fmt.Errorf("unknown deferred file %q", f.Kind)
	}
	loc, err := time.LoadLocation(f.Location)
	if err != nil {
		return out, fmt.Errorf("ledger time zone: %w", err)
	}
	db = db.WithContext(ctx)
	now := db.NowFunc()
	ledger, err := report.BuildLedger(db, models.Today(now, loc), h.LightRules.OrDefault(), loc, f.Lang)
	if err != nil {
		return out, err
	}
	var buf bytes.Buffer
	if err := ledger.WriteXLSX(&buf, f.Lang); err != nil {
		return out, err
	}
	out.Deferred, out.File = nil, buf.Bytes()
	out.FileName = fmt.Sprintf("taskbot-%s.xlsx", now.In(loc).Format("2006-01-02"))
	out.Text = h.Catalog.T(f.Lang, "export_caption", map[string]any{"Tasks": len(ledger.Rows) - 1})
	return out, nil
}

// taskCodePattern finds task codes in a summary's text.
var taskCodePattern = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9_.-]{0,31}`)

// summaryReply turns a leader's reply to a summary into an instruction on
// the task it names: the code it starts with, or the summary's only task.
func (t *turn) summaryReply(m *tgmodels.Message, who speaker, text string) error {
	c := t.h.Catalog
	tasks, err := models.TasksOfPerson(t.tx, who.person.ID)
	if err != nil {
		return err
	}
	led := map[string]bool{}
	for _, d := range tasks {
		for _, l := range d.Leaders {
			if l.ID == who.person.ID {
				led[d.Task.Code] = true
			}
		}
	}
	inSummary := map[string]bool{}
	for _, code := range taskCodePattern.FindAllString(m.ReplyToMessage.Text, -1) {
		if led[strings.ToUpper(code)] {
			inSummary[strings.ToUpper(code)] = true
		}
	}
	head, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	if inSummary[strings.ToUpper(head)] && strings.TrimSpace(rest) != "" {
		return t.instruct(m, who, strings.ToUpper(head)+" "+rest)
	}
	if len(inSummary) == 1 && strings.TrimSpace(text) != "" {
		for code := range inSummary {
			return t.instruct(m, who, code+" "+text)
		}
	}
	return t.reply(m.Chat.ID, c.T(who.lang, "summary_reply_which", nil))
}
