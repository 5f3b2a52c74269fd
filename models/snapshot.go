package models

import (
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Period is the period the snapshot froze.
func (s PeriodSnapshot) Period() Period {
	return Period{Name: s.PeriodKey, FirstDay: s.FirstDay.UTC(), LastDay: s.LastDay.UTC()}
}

// DoneTimes is when each done milestone of the tasks was done, by
// milestone id: when its standing report said so, or, for one done
// without a report (an import), its last change.
func DoneTimes(tx *gorm.DB, taskIDs []uint) (map[uint]time.Time, error) {
	out := map[uint]time.Time{}
	for _, chunk := range chunks(taskIDs, maxIDsPerQuery) {
		rows, err := tx.Raw(`SELECT m.id, r.created_at, m.updated_at FROM milestones m
LEFT JOIN reports r ON r.id = m.last_report_id WHERE ? AND m.state = ?`, IDsIn("m.task_id", chunk), StateDone).Rows()
		if err != nil {
			return nil, fmt.Errorf("done milestones: %w", err)
		}
		for rows.Next() {
			var id uint
			var reported, updated sql.NullTime
			if err := rows.Scan(&id, &reported, &updated); err != nil {
				rows.Close()
				return nil, fmt.Errorf("done milestones: %w", err)
			}
			if reported.Valid {
				out[id] = reported.Time.UTC()
			} else {
				out[id] = updated.Time.UTC()
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("done milestones: %w", err)
		}
	}
	return out, nil
}

// AssessmentBasis is what the figures of any period are counted from:
// every task, and each milestone's baseline and day done in the zone of
// the district (Location).
type AssessmentBasis struct {
	Tasks    []TaskDetail
	Outcomes []TaskOutcomes
	Location *time.Location
}

// LoadAssessmentBasis reads every task and when its milestones were done,
// in a fixed number of queries per few thousand tasks.
func LoadAssessmentBasis(tx *gorm.DB, loc *time.Location) (*AssessmentBasis, error) {
	tasks, err := AllTasks(tx)
	if err != nil {
		return nil, err
	}
	return AssessmentBasisOf(tx, tasks, loc)
}

// AssessmentBasisOf is LoadAssessmentBasis for every task, loaded already
// (AllTasks).
func AssessmentBasisOf(tx *gorm.DB, tasks []TaskDetail, loc *time.Location) (*AssessmentBasis, error) {
	ids := make([]uint, len(tasks))
	for i, d := range tasks {
		ids[i] = d.Task.ID
	}
	doneAt, err := DoneTimes(tx, ids)
	if err != nil {
		return nil, err
	}
	return &AssessmentBasis{Tasks: tasks, Outcomes: OutcomesOf(tasks, doneAt, loc), Location: loc}, nil
}

// Assessment is a period's figures per scope on a day: counted from the
// ledger while the period runs, read from its snapshot once it ended.
type Assessment struct {
	Period Period
	Day    time.Time
	// Frozen is the period's snapshot once it ended; nil while it runs.
	Frozen *PeriodSnapshot
	Rows   []ScopeFigures
}

// District is the row of the whole district.
func (a *Assessment) District() ScopeFigures {
	for _, r := range a.Rows {
		if r.Kind == ScopeDistrict {
			return r
		}
	}
	return ScopeFigures{Kind: ScopeDistrict}
}

// Of keeps the rows of the kinds given, in order.
func (a *Assessment) Of(kinds ...ScopeKind) []ScopeFigures {
	var out []ScopeFigures
	for _, r := range a.Rows {
		for _, k := range kinds {
			if r.Kind == k {
				out = append(out, r)
			}
		}
	}
	return out
}

// AssessPeriod gives period p's figures per scope on the calendar day
// today (in basis's zone). A period that has ended is read from its
// snapshot, frozen now if nobody froze it before (the first reader to see
// it ended does); a row whose figures the ledger no longer gives is marked
// Changed, and a scope the snapshot lacks but that now has something due
// shows with no frozen figures, marked Changed.
func AssessPeriod(tx *gorm.DB, basis *AssessmentBasis, p Period, today, now time.Time) (*Assessment, error) {
	live := AssessScopes(basis.Outcomes, func(ms []Outcome) Figures { return CountPeriod(p, ms, today) })
	if !p.Ended(today) {
		return &Assessment{Period: p, Day: today, Rows: live}, nil
	}
	snap, _, err := FreezePeriod(tx, basis, p, now)
	if err != nil {
		return nil, err
	}
	frozen, err := SnapshotFigures(tx, snap.ID)
	if err != nil {
		return nil, err
	}
	type key struct {
		kind ScopeKind
		key  string
	}
	current := map[key]ScopeFigures{}
	for _, r := range live {
		current[key{r.Kind, r.Key}] = r
	}
	seen := map[key]bool{}
	for i, r := range frozen {
		k := key{r.Kind, r.Key}
		seen[k] = true
		frozen[i].Changed = current[k].Figures != r.Figures
	}
	for _, r := range live {
		if !seen[key{r.Kind, r.Key}] && !r.Empty() {
			frozen = append(frozen, ScopeFigures{Kind: r.Kind, Key: r.Key, Name: r.Name, Title: r.Title, Changed: true})
		}
	}
	SortScopes(frozen)
	return &Assessment{Period: snap.Period(), Day: today, Frozen: snap, Rows: frozen}, nil
}

// FreezePeriod stores the figures of p, which has ended, as they stood at
// its close (CountAtClose), per scope, once: it returns the snapshot and
// whether this call took it. A second call, or one racing it on another
// instance, finds the first one's and changes nothing.
func FreezePeriod(tx *gorm.DB, basis *AssessmentBasis, p Period, now time.Time) (*PeriodSnapshot, bool, error) {
	var snap *PeriodSnapshot
	took := false
	err := tx.Transaction(func(tx *gorm.DB) error {
		s := PeriodSnapshot{PeriodKey: p.Name, FirstDay: p.FirstDay.UTC(), LastDay: p.LastDay.UTC(), FrozenAt: now.UTC()}
		// The unique key settles two readers freezing at once.
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "period_key"}}, DoNothing: true}).Create(&s)
		if res.Error != nil {
			return fmt.Errorf("freeze period %q: %w", p.Name, res.Error)
		}
		if res.RowsAffected == 0 {
			existing, err := SnapshotOf(tx, p.Name)
			if err != nil {
				return err
			}
			if existing == nil {
				return fmt.Errorf("freeze period %q: lost to another freeze, whose snapshot is not there", p.Name)
			}
			snap = existing
			return nil
		}
		rows := AssessScopes(basis.Outcomes, func(ms []Outcome) Figures { return CountAtClose(p, ms) })
		figures := make([]PeriodFigure, len(rows))
		for i, r := range rows {
			figures[i] = PeriodFigure{SnapshotID: s.ID, Scope: r.Kind, ScopeKey: truncate(r.Key, 200), Name: truncate(r.Name, 200),
				Title: truncate(r.Title, 800), Figures: r.Figures}
		}
		if err := tx.CreateInBatches(figures, 500).Error; err != nil {
			return fmt.Errorf("freeze period %q: %w", p.Name, err)
		}
		snap, took = &s, true
		d := Total(basis.Outcomes, func(ms []Outcome) Figures { return CountAtClose(p, ms) })
		return Audit(tx, nil, nil, "period_frozen", fmt.Sprintf("%s (%s to %s): due %d, done %d, on time %d, late %d, tasks behind %d",
			p.Name, day(p.FirstDay), day(p.LastDay), d.Due, d.Done, d.OnTime, d.Late, d.BehindTasks))
	})
	if err != nil {
		return nil, false, err
	}
	return snap, took, nil
}

// FreezeEnded freezes every period over by today (the district's calendar
// day) that is not frozen yet — each quarter since the first due date and
// each named period — and returns the snapshots it took. It reads the
// ledger only when there is one to take.
func FreezeEnded(tx *gorm.DB, today time.Time, loc *time.Location, now time.Time) ([]PeriodSnapshot, error) {
	ended, err := periodsEnded(tx, today)
	if err != nil || len(ended) == 0 {
		return nil, err
	}
	basis, err := LoadAssessmentBasis(tx, loc)
	if err != nil {
		return nil, err
	}
	var took []PeriodSnapshot
	for _, p := range ended {
		snap, ok, err := FreezePeriod(tx, basis, p, now)
		if err != nil {
			return nil, err
		}
		if ok {
			took = append(took, *snap)
		}
	}
	return took, nil
}

// SnapshotOf is the snapshot of the period of that name, nil when it has
// none.
func SnapshotOf(tx *gorm.DB, key string) (*PeriodSnapshot, error) {
	var found []PeriodSnapshot
	if err := tx.Where("period_key = ?", key).Limit(1).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("snapshot of period %q: %w", key, err)
	}
	if len(found) == 0 {
		return nil, nil
	}
	return &found[0], nil
}

// SnapshotFigures are a snapshot's figures per scope, in scope order.
func SnapshotFigures(tx *gorm.DB, snapshotID uint) ([]ScopeFigures, error) {
	var rows []PeriodFigure
	if err := tx.Where("snapshot_id = ?", snapshotID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("figures of snapshot %d: %w", snapshotID, err)
	}
	out := make([]ScopeFigures, len(rows))
	for i, r := range rows {
		out[i] = ScopeFigures{Kind: r.Scope, Key: r.ScopeKey, Name: r.Name, Title: r.Title, Figures: r.Figures}
	}
	SortScopes(out)
	return out, nil
}

// UnannouncedSnapshots are the snapshots whose cards have not been queued
// yet, oldest first.
func UnannouncedSnapshots(tx *gorm.DB) ([]PeriodSnapshot, error) {
	var out []PeriodSnapshot
	if err := tx.Where("announced_at IS NULL").Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("snapshots to announce: %w", err)
	}
	return out, nil
}

// MarkAnnounced records that a snapshot's cards were queued, and says
// whether this call did (another instance may have).
func MarkAnnounced(tx *gorm.DB, snapshotID uint, now time.Time) (bool, error) {
	res := tx.Model(&PeriodSnapshot{}).Where("id = ? AND announced_at IS NULL", snapshotID).Update("announced_at", now.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("announce snapshot %d: %w", snapshotID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// LedTaskCodes are the codes of the tasks each person contracts as a
// leader, by person id, by code.
func LedTaskCodes(tx *gorm.DB, personIDs []uint) (map[uint][]string, error) {
	out := map[uint][]string{}
	for _, chunk := range chunks(personIDs, maxIDsPerQuery) {
		var rows []struct {
			PersonID uint
			Code     string
		}
		err := tx.Table("assignments a").Select("a.person_id, t.code").Joins("JOIN tasks t ON t.id = a.task_id").
			Where("a.role = ? AND a.person_id IN ?", RoleLeader, chunk).Order("t.code").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("tasks led by %d people: %w", len(chunk), err)
		}
		for _, r := range rows {
			out[r.PersonID] = append(out[r.PersonID], r.Code)
		}
	}
	return out, nil
}
