// Package report builds the leaders' daily summary: which of their tasks
// need them, and why. It reads the store in a fixed number of queries
// whatever the number of tasks, and leaves the wording to the bot.
package report

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// Latest is a task's latest standing report.
type Latest struct {
	Person    string
	At        time.Time
	Milestone int
	State     models.MilestoneState
	Percent   *int
	Note      string
	// Reopened says the report reopened a done milestone.
	Reopened bool
}

// Instruction is an instruction some have not confirmed yet.
type Instruction struct {
	Text        string
	Unconfirmed []string
}

// Entry is one task in a summary.
type Entry struct {
	Task  models.TaskDetail
	Light models.Light
	// Overdue, DueSoon and Blocked list the milestones that make the light
	// what it is, decided by the light's own predicates.
	Overdue []models.Milestone
	DueSoon []models.Milestone
	Blocked []models.Milestone
	Latest  *Latest
	// Silent are attendants who have not reported since the task's last
	// reminder, leaving out those away.
	Silent []string
	// Unbound are attendants who never opened their invitation: they get
	// no reminders, so they are not silent, but nobody hears from them.
	Unbound []string
	// Away are the task's reporters on leave, with who stands in.
	Away []models.Absence
	// Unattended says everyone who reports on the task is away and nobody
	// stands in: nobody reports this time (本期无人填报).
	Unattended   bool
	Coordination []models.CoordinationRequest
	Instructions []Instruction
	// Changed is set when the light differs from the reader's previous
	// summary; Before is that light ("" for a task new to the reader).
	Changed bool
	Before  models.Light
	// Behind says a milestone due by today in the current period, by its
	// baseline, is not done (脱幅).
	Behind bool
	// Flagged are the milestones of Overdue, DueSoon and Blocked, each
	// once, by sequence number: a milestone both overdue and blocked is
	// one line, not two.
	Flagged []Flagged
	// Why says why the task needs the reader, gravest first.
	Why []Reason
}

// Flagged is a milestone that makes a task's light what it is.
type Flagged struct {
	Milestone models.Milestone
	// OverdueDays counts the days since it was due (overdue when > 0);
	// DueInDays those until it is due, when DueSoon.
	OverdueDays int
	DueSoon     bool
	DueInDays   int
	Blocked     bool
}

// ReasonKind is one kind of reason a task needs its reader.
type ReasonKind string

const (
	// ReasonOverdue: a milestone is past due (Days: the most overdue's).
	ReasonOverdue ReasonKind = "overdue"
	// ReasonBlocked: the latest report on a milestone says blocked.
	ReasonBlocked ReasonKind = "blocked"
	// ReasonCoordination: a coordination request waits for the leader.
	ReasonCoordination ReasonKind = "coordination"
	// ReasonBehind: behind the period's schedule (脱幅) though nothing is
	// overdue, e.g. after an extension.
	ReasonBehind ReasonKind = "behind"
	// ReasonDueSoon: a milestone falls due within the warning window
	// (Days: until the soonest).
	ReasonDueSoon ReasonKind = "due_soon"
	// ReasonSilent: the attendants missed their reminders.
	ReasonSilent ReasonKind = "silent"
	// ReasonUnattended: everyone who reports is away, nobody stands in.
	ReasonUnattended ReasonKind = "unattended"
)

// Reason is why a task needs its reader.
type Reason struct {
	Kind ReasonKind
	Days int
}

// Department is a lead department in the ranking an admin may turn on.
// Under the national rule on government apps a ranking weighs task
// outcomes only — overdue and done milestones — never how often or how
// fast people used the bot.
type Department struct {
	Name string
	// Tasks, Milestones, Done and Overdue count the department's tasks
	// and their milestones, done and overdue (past due, not done).
	Tasks, Milestones, Done, Overdue int
}

// OverduePerTask weighs overdue milestones by the tasks the department
// leads, so that a department leading many tasks is not ranked last for it.
func (d Department) OverduePerTask() float64 {
	if d.Tasks == 0 {
		return 0
	}
	return float64(d.Overdue) / float64(d.Tasks)
}

// DoneShare is the share of the department's milestones done.
func (d Department) DoneShare() float64 {
	if d.Milestones == 0 {
		return 0
	}
	return float64(d.Done) / float64(d.Milestones)
}

// Summary is one reader's picture of their tasks.
type Summary struct {
	Day    time.Time
	Counts map[models.Light]int
	// Entries are the red tasks, then the yellow ones.
	Entries []Entry
	// Quiet counts green and done tasks, shown as one line.
	Quiet       map[models.Light]int
	Departments []Department
	// Groups are the reader's tasks by lead department, or by leader for
	// an admin, worst first: the chart's bars.
	Groups  []Group
	GroupBy GroupBy
	// Months is the milestones due and done per month: the chart's
	// progress against time.
	Months []Month
	// Lights is the light of every task of the summary, by task id: what
	// the reader's next summary compares with.
	Lights map[uint]models.Light
	// Period is the summary's tasks counted over the current period
	// (开门红, 季度考核).
	Period *PeriodLine
}

// PeriodLine is a set of tasks counted over the period holding the day:
// the innermost named period, else the quarter (models.CurrentPeriod).
type PeriodLine struct {
	Period models.Period
	models.Figures
}

// GroupBy says what a summary's bars stand for.
type GroupBy string

const (
	ByDepartment GroupBy = "department"
	ByLeader     GroupBy = "leader"
)

// Group is the lights of the tasks of one lead department or leader.
type Group struct {
	Name   string
	Counts map[models.Light]int
}

// Month is one calendar month of milestone progress.
type Month struct {
	Start time.Time // first day of the month, UTC
	// Due and Done count the milestones due, and those done, in the month.
	Due, Done int
}

// Options shape a summary.
type Options struct {
	Today time.Time // the reader's calendar day, midnight UTC
	Rules models.LightRules
	// Previous lights of the reader's last summary, by task id.
	Previous map[uint]models.Light
	// Departments adds the ranking (the admins' summary).
	Departments bool
	// GroupBy is what the chart's bars stand for; department by default.
	GroupBy GroupBy
	// Location is the reader's zone, which decides the month and the day
	// a milestone was done in; UTC when nil.
	Location *time.Location
	// Admin says the reader is an admin, who alone sees why people are
	// away (models.Absence.ForReader).
	Admin bool

	// period is the current period, read once per build.
	period *models.Period
}

// withPeriod sets the period holding opt.Today, read from the store.
func (opt Options) withPeriod(tx *gorm.DB) (Options, error) {
	p, err := models.CurrentPeriod(tx, opt.Today)
	if err != nil {
		return opt, err
	}
	opt.period = &p
	return opt, nil
}

func (opt Options) location() *time.Location {
	if opt.Location == nil {
		return time.UTC
	}
	return opt.Location
}

// Build makes the summary of tasks.
func Build(tx *gorm.DB, tasks []models.TaskDetail, opt Options) (*Summary, error) {
	opt, err := opt.withPeriod(tx)
	if err != nil {
		return nil, err
	}
	facts, err := load(tx, tasks, opt)
	if err != nil {
		return nil, err
	}
	return assemble(tx, tasks, facts, opt)
}

// BuildAll makes the summary of each reader from one read of the store,
// whatever the number of readers and tasks: a reader's tasks are those
// they hold any role on. previous gives each reader's last lights. The
// bot's daily round and `taskbot summary` build with it; opt.Today is the
// readers' calendar day, so readers are given together by zone.
func BuildAll(tx *gorm.DB, readers []uint, previous map[uint]map[uint]models.Light, opt Options) (map[uint]*Summary, error) {
	opt, err := opt.withPeriod(tx)
	if err != nil {
		return nil, err
	}
	tasks, err := models.TasksOfPeople(tx, readers)
	if err != nil {
		return nil, err
	}
	facts, err := load(tx, tasks, opt)
	if err != nil {
		return nil, err
	}
	wanted := make(map[uint]bool, len(readers))
	for _, r := range readers {
		wanted[r] = true
	}
	byReader := map[uint][]models.TaskDetail{}
	for _, d := range tasks {
		seen := map[uint]bool{}
		for _, group := range [][]models.Person{d.Leaders, d.Owners, d.Attendants} {
			for _, p := range group {
				if wanted[p.ID] && !seen[p.ID] {
					seen[p.ID] = true
					byReader[p.ID] = append(byReader[p.ID], d)
				}
			}
		}
	}
	out := make(map[uint]*Summary, len(readers))
	for _, r := range readers {
		o := opt
		o.Previous = previous[r]
		o.Departments = false
		s, err := assemble(tx, byReader[r], facts, o)
		if err != nil {
			return nil, err
		}
		out[r] = s
	}
	return out, nil
}

// load reads the lights and facts of tasks.
func load(tx *gorm.DB, tasks []models.TaskDetail, opt Options) (map[uint]*taskFacts, error) {
	if err := models.AttachLights(tx, tasks, opt.Today, opt.Rules); err != nil {
		return nil, err
	}
	ids := make([]uint, len(tasks))
	for i, d := range tasks {
		ids[i] = d.Task.ID
	}
	return loadFacts(tx, ids)
}

// assemble makes a summary from tasks whose lights and facts are loaded.
func assemble(tx *gorm.DB, tasks []models.TaskDetail, facts map[uint]*taskFacts, opt Options) (*Summary, error) {
	s := &Summary{Day: opt.Today, Counts: map[models.Light]int{}, Quiet: map[models.Light]int{}}
	s.GroupBy = opt.GroupBy
	if s.GroupBy == "" {
		s.GroupBy = ByDepartment
	}
	s.Groups = groups(tasks, s.GroupBy)
	s.Months = months(tasks, facts, opt)
	behind := map[uint]bool{}
	if p := opt.period; p != nil {
		outcomes := models.OutcomesOf(tasks, doneTimes(tasks, facts), opt.location())
		count := func(ms []models.Outcome) models.Figures { return models.CountPeriod(*p, ms, opt.Today) }
		s.Period = &PeriodLine{Period: *p, Figures: models.Total(outcomes, count)}
		for _, o := range outcomes {
			behind[o.TaskID] = count(o.Milestones).Behind()
		}
	}
	s.Lights = make(map[uint]models.Light, len(tasks))
	for _, d := range tasks {
		s.Counts[d.Light]++
		s.Lights[d.Task.ID] = d.Light
		before, seen := opt.Previous[d.Task.ID]
		f := facts[d.Task.ID]
		unattended := slices.ContainsFunc(f.away, func(a models.Absence) bool { return a.StandIn == nil })
		// A task nobody reports on while its people are away is shown
		// whatever its light: the light cannot turn for lack of reports.
		if (d.Light == models.LightGreen && !unattended) || d.Light == models.LightDone {
			s.Quiet[d.Light]++
			continue
		}
		e := Entry{Task: d, Light: d.Light, Before: before, Changed: !seen || before != d.Light}
		for _, m := range d.Milestones {
			if models.MilestoneOverdue(m, opt.Today) {
				e.Overdue = append(e.Overdue, m)
			}
			if models.MilestoneDueSoon(m, opt.Today, opt.Rules) {
				e.DueSoon = append(e.DueSoon, m)
			}
			if models.MilestoneBlocked(m) {
				e.Blocked = append(e.Blocked, m)
			}
		}
		e.Flagged = flagged(d.Milestones, opt)
		e.Behind = behind[d.Task.ID]
		e.Latest = f.latest
		e.Coordination = f.coordination
		e.Instructions = f.instructions
		e.Away, e.Unattended = models.AbsencesForReader(f.away, opt.Admin), unattended
		away := map[uint]bool{}
		for _, a := range f.away {
			away[a.Person.ID] = true
		}
		for _, a := range d.Attendants {
			if a.TelegramID == nil {
				e.Unbound = append(e.Unbound, a.Key)
			}
		}
		for _, a := range d.Attendants {
			if f.lastSlot.IsZero() {
				break
			}
			if last, ok := f.reported[a.ID]; a.TelegramID != nil && !away[a.ID] && (!ok || last.Before(f.lastSlot)) {
				e.Silent = append(e.Silent, a.Key)
			}
		}
		e.Why = why(e)
		s.Entries = append(s.Entries, e)
	}
	sort.SliceStable(s.Entries, func(i, j int) bool { return graver(s.Entries[i], s.Entries[j]) })
	if opt.Departments {
		var err error
		s.Departments, err = rankDepartments(tx, tasks, opt.Today)
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// flagged merges the milestones that are overdue, due soon or blocked
// into one line each.
func flagged(ms []models.Milestone, opt Options) []Flagged {
	var out []Flagged
	for _, m := range ms {
		f := Flagged{Milestone: m, Blocked: models.MilestoneBlocked(m)}
		due := m.DueDate.UTC()
		if models.MilestoneOverdue(m, opt.Today) {
			f.OverdueDays = days(due, opt.Today)
		}
		if models.MilestoneDueSoon(m, opt.Today, opt.Rules) {
			f.DueSoon, f.DueInDays = true, days(opt.Today, due)
		}
		if f.OverdueDays > 0 || f.DueSoon || f.Blocked {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Milestone.Seq < out[j].Milestone.Seq })
	return out
}

// days counts the calendar days from one midnight UTC to another.
func days(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) }

// why lists the reasons of an entry, gravest first.
func why(e Entry) []Reason {
	var out []Reason
	late, soon := 0, -1
	blocked := false
	for _, f := range e.Flagged {
		late = max(late, f.OverdueDays)
		if f.DueSoon && (soon < 0 || f.DueInDays < soon) {
			soon = f.DueInDays
		}
		blocked = blocked || f.Blocked
	}
	if late > 0 {
		out = append(out, Reason{Kind: ReasonOverdue, Days: late})
	}
	if blocked {
		out = append(out, Reason{Kind: ReasonBlocked})
	}
	if len(e.Coordination) > 0 {
		out = append(out, Reason{Kind: ReasonCoordination})
	}
	if e.Behind && late == 0 {
		out = append(out, Reason{Kind: ReasonBehind})
	}
	if soon >= 0 {
		out = append(out, Reason{Kind: ReasonDueSoon, Days: soon})
	}
	if e.Unattended {
		out = append(out, Reason{Kind: ReasonUnattended})
	} else if e.Light == models.LightYellow && len(out) == 0 {
		// Yellow for no milestone of its own: the reminders went unanswered.
		out = append(out, Reason{Kind: ReasonSilent})
	}
	return out
}

// graver orders the entries of a summary, worst first: red before yellow;
// then the longest overdue, one waiting for its leader's coordination,
// one blocked, one behind the period; then the soonest due; then by code.
func graver(a, b Entry) bool {
	if x, y := lightRank(a.Light), lightRank(b.Light); x != y {
		return x < y
	}
	ka, kb := gravity(a), gravity(b)
	for i := range ka {
		if ka[i] != kb[i] {
			return ka[i] > kb[i]
		}
	}
	return a.Task.Task.Code < b.Task.Task.Code
}

// gravity is what graver compares, larger first.
func gravity(e Entry) [5]int {
	var g [5]int
	g[4] = -1 << 30 // nothing due soon sorts after the soonest due
	for _, r := range e.Why {
		switch r.Kind {
		case ReasonOverdue:
			g[0] = r.Days
		case ReasonCoordination:
			g[1] = 1
		case ReasonBlocked:
			g[2] = 1
		case ReasonBehind:
			g[3] = 1
		case ReasonDueSoon:
			g[4] = -r.Days
		}
	}
	return g
}

// doneTimes is when each done milestone of tasks was done, by milestone
// id: the one map every task's facts share.
func doneTimes(tasks []models.TaskDetail, facts map[uint]*taskFacts) map[uint]time.Time {
	for _, d := range tasks {
		if f := facts[d.Task.ID]; f != nil {
			return f.doneAt
		}
	}
	return nil
}

func lightRank(l models.Light) int {
	switch l {
	case models.LightRed:
		return 0
	case models.LightYellow:
		return 1
	case models.LightGreen:
		return 2
	}
	return 3
}

type taskFacts struct {
	// doneAt is when each done milestone was reported done, by milestone
	// id (models.DoneTimes); it holds other tasks' milestones too.
	doneAt       map[uint]time.Time
	latest       *Latest
	coordination []models.CoordinationRequest
	instructions []Instruction
	lastSlot     time.Time
	reported     map[uint]time.Time
	away         []models.Absence
}

// loadFacts reads what the entries need for all tasks at once.
func loadFacts(tx *gorm.DB, ids []uint) (map[uint]*taskFacts, error) {
	out := make(map[uint]*taskFacts, len(ids))
	for _, id := range ids {
		out[id] = &taskFacts{reported: map[uint]time.Time{}}
	}
	absences, err := models.AbsencesOnTasks(tx, ids, tx.NowFunc())
	if err != nil {
		return nil, err
	}
	for id, a := range absences {
		out[id].away = a
	}
	doneAt, err := models.DoneTimes(tx, ids)
	if err != nil {
		return nil, err
	}
	// Milestone ids are unique: every task reads its own from one map.
	for _, f := range out {
		f.doneAt = doneAt
	}
	for _, chunk := range models.IDChunks(ids) {
		latest, err := latestReports(tx, chunk)
		if err != nil {
			return nil, err
		}
		for id, l := range latest {
			out[id].latest = l
		}
		var open []models.CoordinationRequest
		if err := tx.Where(models.IDsIn("task_id", chunk)).Where("resolved_at IS NULL").Order("id").Find(&open).Error; err != nil {
			return nil, fmt.Errorf("open coordination requests: %w", err)
		}
		for _, c := range open {
			out[c.TaskID].coordination = append(out[c.TaskID].coordination, c)
		}
		var pending []struct {
			ID     uint
			TaskID uint
			Text   string
			Person string
		}
		err = tx.Raw(`SELECT i.id, i.task_id, i.text, p.key AS person FROM instruction_receipts r
JOIN instructions i ON i.id = r.instruction_id JOIN people p ON p.id = r.person_id
WHERE ? AND r.confirmed_at IS NULL ORDER BY i.id, p.key`, models.IDsIn("i.task_id", chunk)).Scan(&pending).Error
		if err != nil {
			return nil, fmt.Errorf("unconfirmed instructions: %w", err)
		}
		for _, p := range pending {
			f := out[p.TaskID]
			if n := len(f.instructions); n == 0 || f.instructions[n-1].Text != p.Text {
				f.instructions = append(f.instructions, Instruction{Text: p.Text})
			}
			last := &f.instructions[len(f.instructions)-1]
			last.Unconfirmed = append(last.Unconfirmed, p.Person)
		}
		var slots []struct {
			TaskID uint
			Last   sqlTime
		}
		if err := tx.Raw(`SELECT task_id, MAX(slot_at) AS last FROM reminders WHERE ? GROUP BY task_id`, models.IDsIn("task_id", chunk)).Scan(&slots).Error; err != nil {
			return nil, fmt.Errorf("last reminders: %w", err)
		}
		for _, s := range slots {
			out[s.TaskID].lastSlot = s.Last.Time
		}
		var reported []struct {
			TaskID   uint
			PersonID uint
			Last     sqlTime
		}
		// Only reports since the task's last reminder matter here.
		err = tx.Raw(`SELECT r.task_id, r.person_id, MAX(r.created_at) AS last FROM reports r
JOIN (SELECT task_id, MAX(slot_at) AS last FROM reminders WHERE ? GROUP BY task_id) s ON s.task_id = r.task_id
WHERE r.created_at >= s.last GROUP BY r.task_id, r.person_id`, models.IDsIn("task_id", chunk)).Scan(&reported).Error
		if err != nil {
			return nil, fmt.Errorf("last reports per person: %w", err)
		}
		for _, r := range reported {
			out[r.TaskID].reported[r.PersonID] = r.Last.Time
		}
	}
	return out, nil
}

// latestReports reads the latest standing report of each task in ids (at
// most maxIDsPerQuery of them) in one query.
func latestReports(tx *gorm.DB, ids []uint) (map[uint]*Latest, error) {
	var rows []struct {
		TaskID    uint
		Person    string
		CreatedAt time.Time
		Seq       int
		State     models.MilestoneState
		Percent   *int
		Note      string
		Reopens   bool
	}
	err := tx.Raw(`SELECT r.task_id, p.key AS person, r.created_at, m.seq, r.state, r.percent, r.note, r.reopens
FROM reports r
JOIN (SELECT task_id, MAX(last_report_id) AS id FROM milestones WHERE ? GROUP BY task_id) l ON l.id = r.id
JOIN people p ON p.id = r.person_id JOIN milestones m ON m.id = r.milestone_id`, models.IDsIn("task_id", ids)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("latest reports: %w", err)
	}
	out := make(map[uint]*Latest, len(rows))
	for _, l := range rows {
		out[l.TaskID] = &Latest{Person: l.Person, At: l.CreatedAt, Milestone: l.Seq, State: l.State, Percent: l.Percent, Note: l.Note, Reopened: l.Reopens}
	}
	return out, nil
}

// RankDepartments is the departments' ranking of the admins' summary, for
// other readers of the same picture (the board).
func RankDepartments(tx *gorm.DB, tasks []models.TaskDetail, today time.Time) ([]Department, error) {
	return rankDepartments(tx, tasks, today)
}

// rankDepartments ranks lead departments by their on-time report rate,
// then by fewest overdue milestones.
func rankDepartments(_ *gorm.DB, tasks []models.TaskDetail, today time.Time) ([]Department, error) {
	byName := map[string]*Department{}
	for _, d := range tasks {
		name := d.Task.Department
		dep := byName[name]
		if dep == nil {
			dep = &Department{Name: name}
			byName[name] = dep
		}
		dep.Tasks++
		for _, m := range d.Milestones {
			dep.Milestones++
			switch {
			case m.State == models.StateDone:
				dep.Done++
			case models.MilestoneOverdue(m, today):
				dep.Overdue++
			}
		}
	}
	out := make([]Department, 0, len(byName))
	for _, dep := range byName {
		out = append(out, *dep)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if x, y := a.OverduePerTask(), b.OverduePerTask(); x != y {
			return x < y
		}
		if x, y := a.DoneShare(), b.DoneShare(); x != y {
			return x > y
		}
		return a.Name < b.Name
	})
	return out, nil
}
