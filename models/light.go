package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
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

// LightFacts are what the light needs beyond the task and its milestones.
type LightFacts struct {
	OpenCoordination    int
	LatestReportBlocked bool
	// SilentSlots counts reminder slots since the task's last report.
	SilentSlots int
}

// StatusLight decides a task's light on the calendar day today (midnight
// UTC of the reader's local date; due dates are kept the same way):
// done when closed or every milestone is done; red when a milestone is past
// due and not done, a coordination request is open, or the latest report
// says blocked; yellow when a milestone not done is due within the warning
// window, or the attendants missed the last slots; else green.
func StatusLight(task Task, milestones []Milestone, facts LightFacts, today time.Time, rules LightRules) Light {
	if task.Done {
		return LightDone
	}
	allDone := len(milestones) > 0
	overdue, soon := false, false
	warnUntil := today.AddDate(0, 0, rules.WarnDays)
	for _, m := range milestones {
		if m.State == StateDone {
			continue
		}
		allDone = false
		due := m.DueDate.UTC()
		switch {
		case due.IsZero():
		case due.Before(today):
			overdue = true
		case !due.After(warnUntil):
			soon = true
		}
	}
	switch {
	case allDone:
		return LightDone
	case overdue || facts.OpenCoordination > 0 || facts.LatestReportBlocked:
		return LightRed
	case soon || (rules.MissedSlots > 0 && facts.SilentSlots >= rules.MissedSlots):
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

// LoadLightFacts gathers the light's facts for many tasks in three queries
// whatever their number.
func LoadLightFacts(tx *gorm.DB, taskIDs []uint) (map[uint]LightFacts, error) {
	out := make(map[uint]LightFacts, len(taskIDs))
	for _, chunk := range chunks(taskIDs, maxIDsPerQuery) {
		var open []struct {
			TaskID uint
			N      int
		}
		err := tx.Model(&CoordinationRequest{}).Select("task_id, COUNT(*) AS n").
			Where("task_id IN ? AND resolved_at IS NULL", chunk).Group("task_id").Scan(&open).Error
		if err != nil {
			return nil, fmt.Errorf("open coordination requests: %w", err)
		}
		for _, o := range open {
			f := out[o.TaskID]
			f.OpenCoordination = o.N
			out[o.TaskID] = f
		}
		var latest []struct {
			TaskID uint
			State  MilestoneState
		}
		// Each milestone knows its latest standing report; the task's is
		// the newest of those, found without reading the report history.
		err = tx.Raw(`SELECT r.task_id, r.state FROM reports r JOIN (
  SELECT task_id, MAX(last_report_id) AS id FROM milestones WHERE task_id IN ? GROUP BY task_id) l ON l.id = r.id`, chunk).
			Scan(&latest).Error
		if err != nil {
			return nil, fmt.Errorf("latest reports: %w", err)
		}
		for _, l := range latest {
			f := out[l.TaskID]
			f.LatestReportBlocked = l.State == StateBlocked
			out[l.TaskID] = f
		}
		var silent []struct {
			TaskID uint
			N      int
		}
		err = tx.Raw(`SELECT m.task_id, COUNT(DISTINCT m.slot_key) AS n FROM reminders m
LEFT JOIN (SELECT x.task_id, x.created_at AS last FROM reports x JOIN (
  SELECT task_id, MAX(last_report_id) AS id FROM milestones WHERE task_id IN ? GROUP BY task_id) l ON l.id = x.id) r ON r.task_id = m.task_id
WHERE m.task_id IN ? AND m.kind = ? AND (r.last IS NULL OR m.slot_at > r.last)
GROUP BY m.task_id`, chunk, chunk, ReminderSlot).Scan(&silent).Error
		if err != nil {
			return nil, fmt.Errorf("silent slots: %w", err)
		}
		for _, s := range silent {
			f := out[s.TaskID]
			f.SilentSlots = s.N
			out[s.TaskID] = f
		}
	}
	return out, nil
}

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
