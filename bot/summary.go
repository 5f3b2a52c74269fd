package bot

import (
	"bytes"
	"context"
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
// someone unreachable, or an admin (whose summary covers every task). It
// builds and draws them inside tx; the scheduler's round does that before
// its transaction (PrepareRound).
func (s *Summaries) SummaryRound(tx *gorm.DB, people []models.Person, keys []string) ([]bool, error) {
	r, err := s.prepare(tx.Statement.Context, tx, people, newChartBook(s.Handler))
	if err != nil {
		return nil, err
	}
	return r.Queue(tx, people, keys)
}

// StartRound starts a daily round, whose batches share the charts they
// draw; they are let go with the round.
func (s *Summaries) StartRound() scheduler.SummaryRound {
	return &summaryRound{s: s, book: newChartBook(s.Handler)}
}

type summaryRound struct {
	s    *Summaries
	book *chartBook
}

// Prepare makes the daily summaries of people ready to queue, reading db
// outside any transaction: the summaries of the people who share a zone
// are built together by report.BuildAll, and their charts drawn on every
// core, each distinct picture once in the round. The transaction that
// then queues them (Queue) holds the database for its writes alone.
func (r *summaryRound) Prepare(ctx context.Context, db *gorm.DB, people []models.Person) (scheduler.PreparedSummaries, error) {
	return r.s.prepare(ctx, db, people, r.book)
}

// reads says whether p gets a daily summary of their own.
func (s *Summaries) reads(p *models.Person) bool {
	return reachable(p) && !s.Admins[*p.TelegramID]
}

// preparedRound is a round's summaries, written and drawn, by person id.
type preparedRound struct {
	s     *Summaries
	ready map[uint]*readySummary
}

type readySummary struct {
	texts    []string
	chart    models.Outgoing
	hasChart bool
	// lights are what the reader's next summary compares with.
	lights map[uint]models.Light
}

func (s *Summaries) prepare(ctx context.Context, db *gorm.DB, people []models.Person, book *chartBook) (*preparedRound, error) {
	h := s.Handler
	var readers []models.Person
	for i := range people {
		if s.reads(&people[i]) {
			readers = append(readers, people[i])
		}
	}
	sums, err := h.BuildSummaries(db, readers, db.NowFunc())
	if err != nil {
		return nil, err
	}
	wanted := make([]chartWanted, len(readers))
	for j := range readers {
		wanted[j] = chartWanted{lang: personLang(&readers[j]), sum: sums[readers[j].ID]}
	}
	pictures, drawn, err := book.drawAll(ctx, wanted)
	if err != nil {
		return nil, err
	}
	r := &preparedRound{s: s, ready: make(map[uint]*readySummary, len(readers))}
	for j := range readers {
		p, w := &readers[j], wanted[j]
		r.ready[p.ID] = &readySummary{texts: h.Render.Summary(w.lang, w.sum, h.PersonLocation(p)),
			chart: pictures[j], hasChart: drawn[j], lights: w.sum.Lights}
	}
	return r, nil
}

// Queue queues the prepared summaries of people, that of people[i] under
// keys[i], inside tx, remembers the lights they showed, and says which it
// queued: nothing for someone unreachable, an admin, or someone it was
// not prepared for.
func (r *preparedRound) Queue(tx *gorm.DB, people []models.Person, keys []string) ([]bool, error) {
	sent := make([]bool, len(people))
	lights := make(map[uint]map[uint]models.Light, len(people))
	for i := range people {
		p := &people[i]
		ready := r.ready[p.ID]
		if ready == nil || !r.s.reads(p) {
			continue
		}
		for k, text := range ready.texts {
			if err := models.EnqueueRef(tx, fmt.Sprintf("%s.%d", keys[i], k), *p.TelegramID, models.OutSendMessage, models.Outgoing{Text: text},
				models.MessageRef{Purpose: models.PurposeSummary, Bulk: true}); err != nil {
				return nil, err
			}
		}
		if ready.hasChart {
			if err := models.EnqueueBulk(tx, keys[i]+".chart", *p.TelegramID, models.OutSendPhoto, ready.chart); err != nil {
				return nil, err
			}
		}
		sent[i] = true
		lights[p.ID] = ready.lights
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

// adminReader is the person an admin's chat belongs to, if the admin is
// on the list, and the language to write in; false when that person
// blocked the bot.
func adminReader(tx *gorm.DB, chatID int64) (*models.Person, string, bool, error) {
	p, err := models.PersonByTelegramID(tx, chatID)
	switch {
	case models.IsNotFound(err):
		return nil, LangZH, true, nil
	case err != nil:
		return nil, "", false, err
	case p.Unreachable:
		return nil, "", false, nil
	}
	return p, personLang(p), true, nil
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
