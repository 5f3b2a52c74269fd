package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Light is a task's status light.
type Light string

const (
	LightDone   Light = "done"
	LightRed    Light = "red"
	LightYellow Light = "yellow"
	LightGreen  Light = "green"
)

// LightRules are the thresholds of the status light.
type LightRules struct {
	// WarnDays makes a milestone due within this many days yellow.
	WarnDays int
	// MissedSlots makes a task whose attendants missed this many reminder
	// slots in a row yellow.
	MissedSlots int
}

// DefaultLightRules are PRODUCT.md's: a 7-day warning window, two missed
// slots.
var DefaultLightRules = LightRules{WarnDays: 7, MissedSlots: 2}

// ErrNegativeWarnDays refuses a warning window that would make no
// milestone yellow and read as an error in the settings.
var ErrNegativeWarnDays = errors.New("the warning window (days) must not be negative")

// Validate refuses thresholds that mean nothing.
func (r LightRules) Validate() error {
	if r.WarnDays < 0 {
		return fmt.Errorf("%w, got %d", ErrNegativeWarnDays, r.WarnDays)
	}
	if r.MissedSlots < 0 {
		return fmt.Errorf("missed slots must not be negative, got %d", r.MissedSlots)
	}
	return nil
}

// OrDefault is r, or DefaultLightRules when r was never configured.
func (r LightRules) OrDefault() LightRules {
	if r == (LightRules{}) {
		return DefaultLightRules
	}
	return r
}

// LightFacts are what the light needs beyond the task and its milestones.
type LightFacts struct {
	OpenCoordination int
	// SilentSlots counts reminder slots since the task's last report.
	SilentSlots int
}

// The predicates below are the status light's, exported so that every list
// of overdue, soon-due or blocked milestones says what the light says.
// today is the reader's calendar day as midnight UTC (see Today), the form
// due dates are kept in.

// MilestoneOverdue tells whether m is past due and not done: a milestone
// due on the 31st is overdue from the reader's 1st.
func MilestoneOverdue(m Milestone, today time.Time) bool {
	due := m.DueDate.UTC()
	return m.State != StateDone && !due.IsZero() && due.Before(today)
}

// MilestoneDueSoon tells whether m, not done and not yet overdue, is due
// within the warning window: today up to WarnDays days ahead, both ends
// included.
func MilestoneDueSoon(m Milestone, today time.Time, rules LightRules) bool {
	due := m.DueDate.UTC()
	return m.State != StateDone && !due.IsZero() && !due.Before(today) && !due.After(today.AddDate(0, 0, rules.WarnDays))
}

// MilestoneBlocked tells whether the latest standing report on m (neither
// superseded nor withdrawn) says blocked. A milestone's stored state is
// always that report's state (refreshMilestone keeps it so), so the report
// history need not be read.
func MilestoneBlocked(m Milestone) bool { return m.State == StateBlocked }

// TaskDone tells whether a task is done: closed, or every milestone done.
func TaskDone(task Task, milestones []Milestone) bool {
	return task.Done || DigestOf(milestones).allDone()
}

// StatusLight decides a task's light on the reader's calendar day today:
// done when the task is done; red when a milestone is overdue or blocked,
// or a coordination request is open; yellow when a milestone is due soon,
// or the attendants missed the last MissedSlots slots; else green.
func StatusLight(task Task, milestones []Milestone, facts LightFacts, today time.Time, rules LightRules) Light {
	return DigestLight(task, DigestOf(milestones), facts, today, rules)
}

// MilestoneDigest is all that the light reads of a task's milestones: the
// open milestone due first decides whether any is overdue (the most
// overdue is the first due) and, when none is, whether any is due soon.
// A list of every task reads digests (MilestoneDigests) instead of a
// city's milestones.
type MilestoneDigest struct {
	// Milestones counts them all; Open those not done.
	Milestones, Open int
	// FirstDue is the earliest due date of the open milestones, zero when
	// none has one.
	FirstDue time.Time
	// Blocked tells whether an open milestone is blocked.
	Blocked bool
}

// DigestOf digests milestones.
func DigestOf(milestones []Milestone) MilestoneDigest {
	var d MilestoneDigest
	for _, m := range milestones {
		d.Milestones++
		if m.State == StateDone {
			continue
		}
		d.Open++
		d.Blocked = d.Blocked || MilestoneBlocked(m)
		if due := m.DueDate.UTC(); !due.IsZero() && (d.FirstDue.IsZero() || due.Before(d.FirstDue)) {
			d.FirstDue = due
		}
	}
	return d
}

func (d MilestoneDigest) allDone() bool { return d.Milestones > 0 && d.Open == 0 }

// FirstOpen is the open milestone due first as the light sees it (its due
// date and an open state), for the predicates and DaysOverdue.
func (d MilestoneDigest) FirstOpen() Milestone {
	return Milestone{State: StatePending, DueDate: d.FirstDue}
}

// DigestLight is StatusLight of a task whose milestones are digested.
func DigestLight(task Task, d MilestoneDigest, facts LightFacts, today time.Time, rules LightRules) Light {
	if task.Done || d.allDone() {
		return LightDone
	}
	first := d.FirstOpen()
	red := facts.OpenCoordination > 0 || d.Blocked || MilestoneOverdue(first, today)
	yellow := rules.MissedSlots > 0 && facts.SilentSlots >= rules.MissedSlots || MilestoneDueSoon(first, today, rules)
	switch {
	case red:
		return LightRed
	case yellow:
		return LightYellow
	}
	return LightGreen
}

// Today is the calendar day of now in loc, as midnight UTC, the form due
// dates are kept in.
func Today(now time.Time, loc *time.Location) time.Time {
	local := now.In(loc)
	return time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
}

// LoadLightFacts gathers the light's facts for many tasks in two queries
// per few thousand tasks.
func LoadLightFacts(tx *gorm.DB, taskIDs []uint) (map[uint]LightFacts, error) {
	out := make(map[uint]LightFacts, len(taskIDs))
	for _, chunk := range chunks(taskIDs, maxIDsPerQuery) {
		if err := loadLightFacts(tx, out, IDsIn("task_id", chunk), IDsIn("reminders.task_id", chunk)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LightFactsVisibleTo gathers the light's facts of every task v may see in
// two queries, without listing the tasks: a task with none is left out.
func LightFactsVisibleTo(tx *gorm.DB, v Viewer) (map[uint]LightFacts, error) {
	out := map[uint]LightFacts{}
	if !v.Admin && v.PersonID == 0 {
		return out, nil
	}
	in := func(column string) clause.Expression {
		if v.Admin {
			return clause.Expr{SQL: "1 = 1"}
		}
		return clause.Expr{SQL: column + " IN (SELECT task_id FROM assignments WHERE person_id = ?)", Vars: []any{v.PersonID}}
	}
	if err := loadLightFacts(tx, out, in("task_id"), in("reminders.task_id")); err != nil {
		return nil, err
	}
	return out, nil
}

// loadLightFacts adds to out the facts of the tasks that the conditions on
// task_id and on reminders.task_id keep.
func loadLightFacts(tx *gorm.DB, out map[uint]LightFacts, tasks, reminders clause.Expression) error {
	var open []struct {
		TaskID uint
		N      int
	}
	err := tx.Model(&CoordinationRequest{}).Select("task_id, COUNT(*) AS n").
		Where(tasks).Where("resolved_at IS NULL").Group("task_id").Scan(&open).Error
	if err != nil {
		return fmt.Errorf("open coordination requests: %w", err)
	}
	for _, o := range open {
		f := out[o.TaskID]
		f.OpenCoordination = o.N
		out[o.TaskID] = f
	}
	var silent []struct {
		TaskID uint
		N      int
	}
	err = tx.Raw(`SELECT reminders.task_id, COUNT(DISTINCT reminders.slot_key) AS n FROM reminders
LEFT JOIN (SELECT x.task_id, x.created_at AS last FROM reports x JOIN (
  SELECT task_id, MAX(last_report_id) AS id FROM milestones WHERE ? GROUP BY task_id) l ON l.id = x.id) r ON r.task_id = reminders.task_id
WHERE ? AND reminders.kind = ? AND (r.last IS NULL OR reminders.slot_at > r.last)
  AND `+NotAwayAtSlot+`
GROUP BY reminders.task_id`, tasks, reminders, ReminderSlot).Scan(&silent).Error
	if err != nil {
		return fmt.Errorf("silent slots: %w", err)
	}
	for _, s := range silent {
		f := out[s.TaskID]
		f.SilentSlots = s.N
		out[s.TaskID] = f
	}
	return nil
}

// NotAwayAtSlot keeps the reminders (table reminders, unaliased) of
// people who were not away at their slot: a slot missed on leave, even
// leave recorded after the fact, is no silence.
const NotAwayAtSlot = `NOT EXISTS (SELECT 1 FROM leaves l WHERE l.person_id = reminders.person_id AND ` + leaveInForceL + `
    AND reminders.slot_at >= l.starts_at AND reminders.slot_at < l.ends_at)`

// AttachLights sets the light of each task.
func AttachLights(tx *gorm.DB, details []TaskDetail, today time.Time, rules LightRules) error {
	ids := make([]uint, len(details))
	for i, d := range details {
		ids[i] = d.Task.ID
	}
	facts, err := LoadLightFacts(tx, ids)
	if err != nil {
		return err
	}
	for i := range details {
		d := &details[i]
		d.Light = StatusLight(d.Task, d.Milestones, facts[d.Task.ID], today, rules)
	}
	return nil
}
