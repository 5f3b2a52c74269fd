package bot

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/url"
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

// SummaryPageTasks is how many tasks a page of a summary lists: what a
// phone shows without scrolling far, the worst first.
const SummaryPageTasks = 5

// summaryMaxMilestones bounds the milestone lines of one task; the rest
// are counted.
const summaryMaxMilestones = 4

// summaryMaxNames bounds a list of names in a summary line; the rest are
// counted.
const summaryMaxNames = 5

// summaryMaxDepartments bounds the ranking of the admins' summary: the
// best and the worst halves, the middle counted (the board ranks them
// all).
const summaryMaxDepartments = 8

// SummaryView is who reads a summary, for the buttons it offers.
type SummaryView struct {
	// PersonID is the reader, 0 for an admin on no task.
	PersonID uint
	Admin    bool
	// BoardURL is the board's address; "" offers no board button.
	BoardURL string
	// Unbound counts the people on open tasks who never opened their
	// invitation, in the admins' summary (0: no line).
	Unbound int
}

// SummaryPages counts the pages of a summary.
func SummaryPages(s *report.Summary) int {
	return max(1, (len(s.Entries)+SummaryPageTasks-1)/SummaryPageTasks)
}

// Summary renders the first page of a summary, the one that is sent.
func (r *Renderer) Summary(lang string, s *report.Summary, loc *time.Location, v SummaryView) models.Outgoing {
	return r.SummaryPage(lang, s, loc, v, 0)
}

// SummaryPage renders one page of a summary as one message: the counts,
// then the page's tasks worst first, each with its buttons, then a button
// to the next page. The first page also carries what concerns the whole
// summary (the admins' unbound people and ranking).
func (r *Renderer) SummaryPage(lang string, s *report.Summary, loc *time.Location, v SummaryView, page int) models.Outgoing {
	c := r.Catalog
	pages := SummaryPages(s)
	page = min(max(page, 0), pages-1)
	var b strings.Builder
	b.WriteString(c.T(lang, "summary_title", map[string]any{"Day": s.Day.Format("2006-01-02")}))
	if pages > 1 {
		b.WriteString(" · ")
		b.WriteString(c.T(lang, "summary_page", map[string]any{"Page": page + 1, "Pages": pages}))
	}
	b.WriteString("\n")
	b.WriteString(r.summaryCounts(lang, s.Counts))
	if s.Period != nil {
		b.WriteString("\n")
		b.WriteString(r.PeriodLine(lang, s.Period))
	}
	var buttons [][]models.Button
	if page == 0 && v.Unbound > 0 {
		b.WriteString("\n")
		b.WriteString(c.T(lang, "summary_unbound_people", map[string]any{"Count": v.Unbound}))
		buttons = append(buttons, []models.Button{{Text: c.T(lang, "button_resend_invites", map[string]any{"Count": v.Unbound}), Data: "ri:0"}})
	}
	from := page * SummaryPageTasks
	to := min(from+SummaryPageTasks, len(s.Entries))
	for _, e := range s.Entries[from:to] {
		b.WriteString("\n\n")
		b.WriteString(r.summaryEntry(lang, e, s.Day, loc))
		if row := r.taskButtons(lang, e, v); len(row) > 0 {
			buttons = append(buttons, row)
		}
	}
	if len(s.Entries) == 0 {
		b.WriteString("\n\n")
		b.WriteString(c.T(lang, "summary_all_well", nil))
	}
	if page == 0 && len(s.Departments) > 0 {
		b.WriteString("\n\n")
		b.WriteString(r.departments(lang, s.Departments))
	}
	var nav []models.Button
	if page > 0 {
		nav = append(nav, models.Button{Text: c.T(lang, "button_summary_back", nil), Data: fmt.Sprintf("sp:%d", page-1)})
	}
	if rest := len(s.Entries) - to; rest > 0 {
		nav = append(nav, models.Button{Text: c.T(lang, "button_summary_more", map[string]any{"Count": rest}), Data: fmt.Sprintf("sp:%d", page+1)})
	}
	if len(nav) > 0 {
		buttons = append(buttons, nav)
	}
	return models.Outgoing{Text: b.String(), Buttons: buttons}
}

// summaryCounts is the line of counts by light, each light named once so
// that its mark needs no legend.
func (r *Renderer) summaryCounts(lang string, counts map[models.Light]int) string {
	parts := make([]string, len(lightOrder))
	for i, l := range lightOrder {
		parts[i] = fmt.Sprintf("%s%d %s", LightEmoji(l), counts[l], r.Catalog.T(lang, "summary_count_"+string(l), nil))
	}
	return strings.Join(parts, " · ")
}

// departments is the ranking of lead departments, its middle counted when
// it is long.
func (r *Renderer) departments(lang string, deps []report.Department) string {
	c := r.Catalog
	var b strings.Builder
	b.WriteString(c.T(lang, "summary_departments", nil))
	for i, d := range deps {
		if len(deps) > summaryMaxDepartments && i == summaryMaxDepartments/2 {
			skipped := len(deps) - summaryMaxDepartments
			b.WriteString("\n" + c.T(lang, "summary_departments_more", map[string]any{"Count": skipped}))
		}
		if len(deps) > summaryMaxDepartments && i >= summaryMaxDepartments/2 && i < len(deps)-summaryMaxDepartments/2 {
			continue
		}
		fmt.Fprintf(&b, "\n%d. %s · %s", i+1, E(d.Name), c.T(lang, "summary_department_line",
			map[string]any{"Overdue": d.Overdue, "Tasks": d.Tasks, "Done": d.Done, "Milestones": d.Milestones}))
	}
	return b.String()
}

// taskButtons are the buttons under a listed task, those the reader may
// use: 催办 for its leaders and admins, 批示 for its leaders, and the board.
func (r *Renderer) taskButtons(lang string, e report.Entry, v SummaryView) []models.Button {
	c := r.Catalog
	code := e.Task.Task.Code
	leads := v.PersonID != 0 && e.Task.HasRole(v.PersonID, models.RoleLeader)
	var row []models.Button
	if leads || v.Admin {
		row = append(row, models.Button{Text: c.T(lang, "button_summary_remind", map[string]any{"Code": code}), Data: fmt.Sprintf("sr:%d", e.Task.Task.ID)})
	}
	if leads {
		row = append(row, models.Button{Text: c.T(lang, "button_summary_instruct", map[string]any{"Code": code}), Data: fmt.Sprintf("si:%d", e.Task.Task.ID)})
	}
	if v.BoardURL != "" {
		row = append(row, models.Button{Text: c.T(lang, "button_summary_board", map[string]any{"Code": code}), WebApp: BoardTaskURL(v.BoardURL, code)})
	}
	return row
}

// BoardTaskURL is the board's page of one task: the board's shell opens
// the page its p parameter names once Telegram has signed the reader in.
func BoardTaskURL(board, code string) string {
	u, err := url.Parse(board)
	if err != nil {
		return board
	}
	q := u.Query()
	q.Set("p", "/app/task/"+url.PathEscape(code))
	u.RawQuery = q.Encode()
	return u.String()
}

// someNames joins at most summaryMaxNames names, counting the rest.
func (r *Renderer) someNames(lang string, names []string) string {
	c := r.Catalog
	shown := names
	if len(names) > summaryMaxNames {
		shown = names[:summaryMaxNames]
	}
	out := E(strings.Join(shown, c.T(lang, "list_sep", nil)))
	if len(names) > len(shown) {
		out += c.T(lang, "summary_more_names", map[string]any{"Count": len(names) - len(shown)})
	}
	return out
}

// reasons says why a task is listed: 逾期 N 天, 受阻, 待协调, 脱幅, 剩 N 天.
func (r *Renderer) reasons(lang string, why []report.Reason) string {
	parts := make([]string, len(why))
	for i, w := range why {
		parts[i] = r.Catalog.T(lang, "why_"+string(w.Kind), map[string]any{"Days": w.Days})
	}
	return strings.Join(parts, " · ")
}

// flaggedLine is one milestone of a listed task, with all that is wrong
// with it.
func (r *Renderer) flaggedLine(lang string, f report.Flagged) string {
	c := r.Catalog
	var what []string
	if f.OverdueDays > 0 {
		what = append(what, c.T(lang, "why_overdue", map[string]any{"Days": f.OverdueDays}))
	}
	if f.DueSoon {
		what = append(what, c.T(lang, "why_due_soon", map[string]any{"Days": f.DueInDays}))
	}
	if f.Blocked {
		what = append(what, c.T(lang, "why_blocked", nil))
	}
	m := f.Milestone
	return fmt.Sprintf("%d. %s（%s） · %s", m.Seq, E(truncateRunes(m.Title, 30)), DueDate(m.DueDate), strings.Join(what, " · "))
}

func (r *Renderer) summaryEntry(lang string, e report.Entry, day time.Time, loc *time.Location) string {
	c := r.Catalog
	sep := c.T(lang, "label_sep", nil)
	var b strings.Builder
	fmt.Fprintf(&b, "%s<b>%s %s</b>", LightEmoji(e.Light), E(e.Task.Task.Code), E(truncateRunes(e.Task.Task.Title, 30)))
	// A change of light since the reader's last summary says what it was;
	// a task new to the reader carries no unexplained mark.
	if e.Changed && e.Before != "" {
		fmt.Fprintf(&b, " %s", c.T(lang, "summary_changed", map[string]any{"Before": strings.TrimSpace(LightEmoji(e.Before))}))
	}
	if len(e.Why) > 0 {
		fmt.Fprintf(&b, " · %s", r.reasons(lang, e.Why))
	}
	for i, f := range e.Flagged {
		if i == summaryMaxMilestones {
			fmt.Fprintf(&b, "\n%s", c.T(lang, "summary_more_milestones", map[string]any{"Count": len(e.Flagged) - i}))
			break
		}
		fmt.Fprintf(&b, "\n%s", r.flaggedLine(lang, f))
	}
	line := func(key, value string) {
		fmt.Fprintf(&b, "\n%s%s%s", c.T(lang, key, nil), sep, value)
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
			what += " · " + E(truncateRunes(l.Note, 40))
		}
		line("summary_latest", what)
	} else {
		line("summary_latest", c.T(lang, "summary_no_report", nil))
	}
	if len(e.Silent) > 0 {
		line("summary_silent", r.someNames(lang, e.Silent))
	}
	if len(e.Unbound) > 0 {
		line("summary_unbound", r.someNames(lang, e.Unbound))
	}
	for _, a := range e.Away {
		what := c.T(lang, "summary_away_until", map[string]any{"Name": E(a.Person.Key), "Until": awayUntil(lang, a.Until, day)})
		if a.StandIn != nil {
			what += " · " + c.T(lang, "leave_deputy", map[string]any{"Name": E(a.StandIn.Key)})
		}
		if a.Kind != "" {
			what += " · " + c.T(lang, "leave_kind_"+string(a.Kind), nil)
			if a.Reason != "" {
				what += " " + E(truncateRunes(a.Reason, 40))
			}
		}
		line("summary_away", what)
	}
	for _, req := range e.Coordination {
		line("summary_coordination", E(truncateRunes(req.Text, 60)))
	}
	for _, in := range e.Instructions {
		line("summary_unconfirmed", fmt.Sprintf("%s — %s", E(truncateRunes(in.Text, 30)), r.someNames(lang, in.Unconfirmed)))
	}
	return b.String()
}

// summaryView is the reader of a summary as its buttons need them; an
// admin's also counts the people not bound.
func (h *Handler) summaryView(tx *gorm.DB, p *models.Person, admin bool) (SummaryView, error) {
	v := SummaryView{Admin: admin, BoardURL: h.BoardURL}
	if p != nil {
		v.PersonID = p.ID
	}
	if admin {
		unbound, err := models.UnboundPeople(tx)
		if err != nil {
			return v, err
		}
		v.Unbound = len(unbound)
	}
	return v, nil
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
	opt := report.Options{Today: models.Today(now, loc), Rules: h.LightRules.OrDefault(), Departments: admin && h.Rankings, Location: loc, Admin: admin}
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

// ownSummary is the speaker's summary as it stands now, not remembered,
// with what its buttons need, and the zone it is written in.
func (t *turn) ownSummary(who speaker) (*report.Summary, SummaryView, *time.Location, error) {
	loc := t.location(who.person)
	s, err := t.h.BuildSummary(t.tx, who.person, who.admin, t.now, loc, false)
	if err != nil {
		return nil, SummaryView{}, nil, err
	}
	v, err := t.h.summaryView(t.tx, who.person, who.admin)
	return s, v, loc, err
}

// summary answers /summary.
func (t *turn) summary(m *tgmodels.Message, who speaker) error {
	s, v, loc, err := t.ownSummary(who)
	if err != nil {
		return err
	}
	if err := models.EnqueueRef(t.tx, t.nextKey(), m.Chat.ID, models.OutSendMessage, t.h.Render.Summary(who.lang, s, loc, v),
		models.MessageRef{Purpose: models.PurposeSummary}); err != nil {
		return err
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
	out      models.Outgoing
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
		v := SummaryView{PersonID: p.ID, BoardURL: h.BoardURL}
		r.ready[p.ID] = &readySummary{out: h.Render.Summary(w.lang, w.sum, h.PersonLocation(p), v),
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
	// One insert for the whole batch: queued one by one, the statements
	// of a round of thousands were most of its time on PostgreSQL.
	var queue models.OutboxBatch
	blobs := map[string]uint{} // picture → its blob
	for i := range people {
		p := &people[i]
		ready := r.ready[p.ID]
		if ready == nil || !r.s.reads(p) {
			continue
		}
		if err := queue.Add(keys[i]+".0", *p.TelegramID, models.OutSendMessage, ready.out,
			models.MessageRef{Purpose: models.PurposeSummary, Bulk: true}); err != nil {
			return nil, err
		}
		if ready.hasChart {
			// Many readers share a picture: it is stored once.
			blob, ok := blobs[string(ready.chart.File)]
			if !ok {
				var err error
				if blob, err = models.PutBlob(tx, ready.chart.File); err != nil {
					return nil, err
				}
				blobs[string(ready.chart.File)] = blob
			}
			if err := queue.AddStored(keys[i]+".chart", *p.TelegramID, models.OutSendPhoto, ready.chart, models.MessageRef{Bulk: true}, blob); err != nil {
				return nil, err
			}
		}
		sent[i] = true
		lights[p.ID] = ready.lights
	}
	if _, err := queue.Flush(tx); err != nil {
		return nil, err
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
	v, err := h.summaryView(tx, p, true)
	if err != nil {
		return false, err
	}
	if err := models.EnqueueRef(tx, key+".0", chatID, models.OutSendMessage, h.Render.Summary(lang, sum, h.Location, v),
		models.MessageRef{Purpose: models.PurposeSummary, Bulk: true}); err != nil {
		return false, err
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
