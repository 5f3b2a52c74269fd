package models

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// LeaveStep is what a leave being written step by step (/leave with no
// arguments) waits for next.
type LeaveStep string

const (
	StepKind     LeaveStep = "kind"
	StepFirstDay LeaveStep = "first"
	StepLastDay  LeaveStep = "last"
	// StepTasks asks a person with several tasks whether one deputy (or
	// none) stands in on all of them, or which tasks get a deputy each.
	StepTasks LeaveStep = "tasks"
	// StepDeputy takes one deputy for every task; StepTaskDeputy one for
	// each task chosen, in turn.
	StepDeputy     LeaveStep = "deputy"
	StepTaskDeputy LeaveStep = "task_deputy"
	StepConfirm    LeaveStep = "confirm"
)

// LeaveDraft is a person's leave being written with buttons: one at a time
// per person, gone once recorded or cancelled, and forgotten after
// LeaveDraftTTL without a step.
type LeaveDraft struct {
	ID       uint      `gorm:"primaryKey"`
	PersonID uint      `gorm:"not null;uniqueIndex:idx_leave_drafts_person"`
	Step     LeaveStep `gorm:"size:16;not null"`
	Kind     LeaveKind `gorm:"size:16;not null;default:''"`
	FirstDay *time.Time
	LastDay  *time.Time
	// DeputyID is the deputy picked; nil at the confirm step means none
	// named (按默认: the task's other attendants, then its person in
	// charge).
	DeputyID  *uint
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

// LeaveDraftTask is a task chosen for a leave being written, with the
// deputy picked for it (nil until picked). A task not chosen follows the
// leave's rule for a task without a deputy of its own (StandInFor).
type LeaveDraftTask struct {
	ID       uint `gorm:"primaryKey"`
	DraftID  uint `gorm:"not null;uniqueIndex:idx_leave_draft_task,priority:1"`
	TaskID   uint `gorm:"not null;uniqueIndex:idx_leave_draft_task,priority:2"`
	DeputyID *uint
}

// LeaveDraftTTL is how long a draft waits for its next step: a date typed
// a day later is no answer to yesterday's question.
const LeaveDraftTTL = time.Hour

var (
	ErrNoLeaveDraft   = errors.New("no leave being written")
	ErrLeaveDraftStep = errors.New("the leave being written is at another step")
	ErrNoTaskChosen   = errors.New("no task chosen for the leave")
)

// StartLeaveDraft begins writing a leave for the person, replacing any
// draft they left unfinished.
func StartLeaveDraft(tx *gorm.DB, personID uint, now time.Time) (*LeaveDraft, error) {
	if err := tx.Where("draft_id IN (?)", tx.Model(&LeaveDraft{}).Select("id").Where("person_id = ?", personID)).
		Delete(&LeaveDraftTask{}).Error; err != nil {
		return nil, fmt.Errorf("drop tasks of the leave draft of person %d: %w", personID, err)
	}
	if err := tx.Where("person_id = ?", personID).Delete(&LeaveDraft{}).Error; err != nil {
		return nil, fmt.Errorf("drop leave draft of person %d: %w", personID, err)
	}
	d := LeaveDraft{PersonID: personID, Step: StepKind, UpdatedAt: now}
	if err := tx.Create(&d).Error; err != nil {
		return nil, fmt.Errorf("start leave draft of person %d: %w", personID, err)
	}
	return &d, nil
}

// LeaveDraftOf is the person's draft still in time at now; ErrNoLeaveDraft
// when there is none.
func LeaveDraftOf(tx *gorm.DB, personID uint, now time.Time) (*LeaveDraft, error) {
	var ds []LeaveDraft
	if err := tx.Where("person_id = ? AND updated_at > ?", personID, now.Add(-LeaveDraftTTL)).Limit(1).Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("leave draft of person %d: %w", personID, err)
	}
	if len(ds) == 0 {
		return nil, ErrNoLeaveDraft
	}
	return &ds[0], nil
}

// draftAt loads the person's draft draftID when it waits for step.
func draftAt(tx *gorm.DB, personID, draftID uint, step LeaveStep, now time.Time) (*LeaveDraft, error) {
	d, err := LeaveDraftOf(tx, personID, now)
	if err != nil {
		return nil, err
	}
	if draftID != 0 && d.ID != draftID {
		return nil, ErrNoLeaveDraft
	}
	if d.Step != step {
		return nil, ErrLeaveDraftStep
	}
	return d, nil
}

// saveDraft moves the draft to its next step with the changes, only if it
// still is at the step it was read at.
func saveDraft(tx *gorm.DB, d *LeaveDraft, from LeaveStep, changes map[string]any, now time.Time) error {
	changes["updated_at"] = now
	res := tx.Model(&LeaveDraft{}).Where("id = ? AND step = ?", d.ID, from).Updates(changes)
	if res.Error != nil {
		return fmt.Errorf("leave draft %d: %w", d.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrLeaveDraftStep
	}
	return tx.Take(d, d.ID).Error
}

// SetDraftKind takes the kind of leave.
func SetDraftKind(tx *gorm.DB, personID, draftID uint, kind LeaveKind, now time.Time) (*LeaveDraft, error) {
	if !kind.Valid() {
		return nil, ErrLeaveKind
	}
	d, err := draftAt(tx, personID, draftID, StepKind, now)
	if err != nil {
		return nil, err
	}
	return d, saveDraft(tx, d, StepKind, map[string]any{"kind": kind, "step": StepFirstDay}, now)
}

// SetDraftDays takes the first day (and the last, when given with it) at
// the first-day step, or the last day at the last-day step. Days are
// calendar days as midnight UTC; a leave may begin in the past (recorded
// after the fact).
func SetDraftDays(tx *gorm.DB, personID, draftID uint, first, last *time.Time, now time.Time) (*LeaveDraft, error) {
	d, err := LeaveDraftOf(tx, personID, now)
	if err != nil {
		return nil, err
	}
	if draftID != 0 && d.ID != draftID {
		return nil, ErrNoLeaveDraft
	}
	changes := map[string]any{}
	switch {
	case d.Step == StepFirstDay && first != nil:
		f := dayOf(*first)
		changes["first_day"], changes["step"] = f, StepLastDay
		if last != nil {
			l := dayOf(*last)
			if err := checkLeaveDays(f, l); err != nil {
				return nil, err
			}
			changes["last_day"] = l
			if changes["step"], err = deputyStep(tx, personID); err != nil {
				return nil, err
			}
		}
	case d.Step == StepLastDay && last != nil && first == nil:
		l := dayOf(*last)
		if err := checkLeaveDays(*d.FirstDay, l); err != nil {
			return nil, err
		}
		changes["last_day"] = l
		if changes["step"], err = deputyStep(tx, personID); err != nil {
			return nil, err
		}
	default:
		return nil, ErrLeaveDraftStep
	}
	return d, saveDraft(tx, d, d.Step, changes, now)
}

// deputyStep is the step after the days: a person with several tasks
// says which of them get a deputy each; one with a task or none names a
// deputy, or none.
func deputyStep(tx *gorm.DB, personID uint) (LeaveStep, error) {
	tasks, err := reporterTasks(tx, personID)
	if err != nil {
		return "", err
	}
	if len(tasks) > 1 {
		return StepTasks, nil
	}
	return StepDeputy, nil
}

// LeaveTasks lists the tasks a leave of the person covers, by code: those
// they report on, each of which a leave may give a deputy of its own.
func LeaveTasks(tx *gorm.DB, personID uint) ([]Task, error) {
	ids, err := reporterTasks(tx, personID)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var out []Task
	if err := tx.Where("id IN ?", ids).Order("code").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("tasks of person %d: %w", personID, err)
	}
	return out, nil
}

// DraftTasks lists the tasks chosen for the draft, by task id, with the
// deputies picked so far.
func DraftTasks(tx *gorm.DB, draftID uint) ([]LeaveDraftTask, error) {
	var out []LeaveDraftTask
	if err := tx.Where("draft_id = ?", draftID).Order("task_id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("tasks of leave draft %d: %w", draftID, err)
	}
	return out, nil
}

// SetDraftAllTasks says one deputy, or none, stands in on every task: the
// draft goes on to StepDeputy, forgetting any task chosen.
func SetDraftAllTasks(tx *gorm.DB, personID, draftID uint, now time.Time) (*LeaveDraft, error) {
	d, err := draftAt(tx, personID, draftID, StepTasks, now)
	if err != nil {
		return nil, err
	}
	if err := tx.Where("draft_id = ?", d.ID).Delete(&LeaveDraftTask{}).Error; err != nil {
		return nil, fmt.Errorf("tasks of leave draft %d: %w", d.ID, err)
	}
	return d, saveDraft(tx, d, StepTasks, map[string]any{"step": StepDeputy}, now)
}

// ToggleDraftTask chooses one of the person's tasks for a deputy of its
// own, or unchooses it, and returns the tasks chosen now.
func ToggleDraftTask(tx *gorm.DB, personID, draftID, taskID uint, now time.Time) ([]LeaveDraftTask, error) {
	d, err := draftAt(tx, personID, draftID, StepTasks, now)
	if err != nil {
		return nil, err
	}
	tasks, err := reporterTasks(tx, personID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(tasks, taskID) {
		return nil, ErrDeputyNotOnTask
	}
	res := tx.Where("draft_id = ? AND task_id = ?", d.ID, taskID).Delete(&LeaveDraftTask{})
	if res.Error != nil {
		return nil, fmt.Errorf("unchoose task %d of leave draft %d: %w", taskID, d.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		if err := tx.Create(&LeaveDraftTask{DraftID: d.ID, TaskID: taskID}).Error; err != nil {
			return nil, fmt.Errorf("choose task %d of leave draft %d: %w", taskID, d.ID, err)
		}
	}
	if err := saveDraft(tx, d, StepTasks, map[string]any{}, now); err != nil {
		return nil, err
	}
	return DraftTasks(tx, d.ID)
}

// DoneChoosingTasks goes on from the tasks chosen, one at least, to a
// deputy for each.
func DoneChoosingTasks(tx *gorm.DB, personID, draftID uint, now time.Time) (*LeaveDraft, error) {
	d, err := draftAt(tx, personID, draftID, StepTasks, now)
	if err != nil {
		return nil, err
	}
	var n int64
	if err := tx.Model(&LeaveDraftTask{}).Where("draft_id = ?", d.ID).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("tasks of leave draft %d: %w", d.ID, err)
	}
	if n == 0 {
		return nil, ErrNoTaskChosen
	}
	return d, saveDraft(tx, d, StepTasks, map[string]any{"step": StepTaskDeputy}, now)
}

// NextDraftTask is the first task chosen that has no deputy yet; nil
// when every one has.
func NextDraftTask(tx *gorm.DB, draftID uint) (*LeaveDraftTask, error) {
	ts, err := DraftTasks(tx, draftID)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.DeputyID == nil {
			return &t, nil
		}
	}
	return nil, nil
}

// SetDraftTaskDeputy takes the deputy of one task chosen (taskID 0: the
// next without one), who must be one the leave may name for that task:
// bound, and on the task or in the person's department. Once every task
// chosen has its deputy, the draft waits for confirmation.
func SetDraftTaskDeputy(tx *gorm.DB, personID, draftID, taskID, deputyID uint, now time.Time) (*LeaveDraft, error) {
	return setDraftTaskDeputies(tx, personID, draftID, taskID, deputyID, false, now)
}

// SetDraftDeputyForRest names one deputy for every task chosen that has
// none yet, by the same rule; refused for one, it names none.
func SetDraftDeputyForRest(tx *gorm.DB, personID, draftID, deputyID uint, now time.Time) (*LeaveDraft, error) {
	return setDraftTaskDeputies(tx, personID, draftID, 0, deputyID, true, now)
}

func setDraftTaskDeputies(tx *gorm.DB, personID, draftID, taskID, deputyID uint, rest bool, now time.Time) (*LeaveDraft, error) {
	d, err := draftAt(tx, personID, draftID, StepTaskDeputy, now)
	if err != nil {
		return nil, err
	}
	var person Person
	if err := tx.Take(&person, personID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("person %d", personID))
	}
	chosen, err := DraftTasks(tx, d.ID)
	if err != nil {
		return nil, err
	}
	var set []uint
	for _, c := range chosen {
		switch {
		case rest && c.DeputyID == nil, !rest && taskID == c.TaskID:
			set = append(set, c.TaskID)
		case !rest && taskID == 0 && c.DeputyID == nil && len(set) == 0:
			set = append(set, c.TaskID)
		}
	}
	if len(set) == 0 {
		return nil, ErrDeputyNotOnTask
	}
	for _, id := range set {
		if err := checkDeputy(tx, &person, deputyID, []uint{id}); err != nil {
			return nil, err
		}
	}
	if err := tx.Model(&LeaveDraftTask{}).Where("draft_id = ? AND task_id IN ?", d.ID, set).Update("deputy_id", deputyID).Error; err != nil {
		return nil, fmt.Errorf("deputy of leave draft %d: %w", d.ID, err)
	}
	var open int64
	if err := tx.Model(&LeaveDraftTask{}).Where("draft_id = ? AND deputy_id IS NULL", d.ID).Count(&open).Error; err != nil {
		return nil, fmt.Errorf("tasks of leave draft %d: %w", d.ID, err)
	}
	changes := map[string]any{}
	if open == 0 {
		changes["step"] = StepConfirm
	}
	return d, saveDraft(tx, d, StepTaskDeputy, changes, now)
}

// DeputyCandidates lists whom a leave of the person may name as the
// deputy of a task, to offer first: the bound people on the task, then
// those of the person's department, by key, at most limit.
func DeputyCandidates(tx *gorm.DB, personID, taskID uint, limit int) ([]Person, error) {
	var person Person
	if err := tx.Take(&person, personID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("person %d", personID))
	}
	onTask := tx.Model(&Assignment{}).Select("person_id").Where("task_id = ?", taskID)
	var out []Person
	q := tx.Where("id <> ? AND telegram_id IS NOT NULL", personID)
	if person.Department != "" {
		q = q.Where("(id IN (?) OR department = ?)", onTask, person.Department)
	} else {
		q = q.Where("id IN (?)", onTask)
	}
	if err := q.Order("key").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("deputies for person %d on task %d: %w", personID, taskID, err)
	}
	var on []uint
	if err := onTask.Pluck("person_id", &on).Error; err != nil {
		return nil, fmt.Errorf("people of task %d: %w", taskID, err)
	}
	slices.SortStableFunc(out, func(a, b Person) int {
		ai, bi := slices.Contains(on, a.ID), slices.Contains(on, b.ID)
		switch {
		case ai && !bi:
			return -1
		case bi && !ai:
			return 1
		}
		return 0
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// SetDraftDeputy takes the deputy, 0 for none named, who must be one the
// leave may name (see RecordLeave).
func SetDraftDeputy(tx *gorm.DB, personID, draftID, deputyID uint, now time.Time) (*LeaveDraft, error) {
	d, err := draftAt(tx, personID, draftID, StepDeputy, now)
	if err != nil {
		return nil, err
	}
	changes := map[string]any{"step": StepConfirm, "deputy_id": nil}
	if deputyID != 0 {
		var person Person
		if err := tx.Take(&person, personID).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("person %d", personID))
		}
		tasks, err := reporterTasks(tx, personID)
		if err != nil {
			return nil, err
		}
		if err := checkDeputy(tx, &person, deputyID, tasks); err != nil {
			return nil, err
		}
		changes["deputy_id"] = deputyID
	}
	return d, saveDraft(tx, d, StepDeputy, changes, now)
}

// ConfirmLeaveDraft records the leave the draft holds (RecordLeave, with
// its rules and approval as approval says) and drops the draft. Refused,
// the draft stays as it was.
func ConfirmLeaveDraft(tx *gorm.DB, personID, draftID uint, loc *time.Location, approval bool, now time.Time) (*Leave, error) {
	d, err := draftAt(tx, personID, draftID, StepConfirm, now)
	if err != nil {
		return nil, err
	}
	in := LeaveInput{PersonID: personID, Kind: d.Kind, FirstDay: *d.FirstDay, LastDay: *d.LastDay, Location: loc, Approval: approval}
	if d.DeputyID != nil {
		in.DeputyID = *d.DeputyID
	}
	chosen, err := DraftTasks(tx, d.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range chosen {
		if c.DeputyID == nil {
			return nil, ErrLeaveDraftStep
		}
		if in.TaskDeputies == nil {
			in.TaskDeputies = map[uint]uint{}
		}
		in.TaskDeputies[c.TaskID] = *c.DeputyID
	}
	l, err := RecordLeave(tx, personID, false, in, now)
	if err != nil {
		return nil, err
	}
	if err := dropDraft(tx, d.ID); err != nil {
		return nil, err
	}
	return l, nil
}

// dropDraft deletes a draft and the tasks chosen for it.
func dropDraft(tx *gorm.DB, draftID uint) error {
	if err := tx.Where("draft_id = ?", draftID).Delete(&LeaveDraftTask{}).Error; err != nil {
		return fmt.Errorf("drop tasks of leave draft %d: %w", draftID, err)
	}
	if err := tx.Delete(&LeaveDraft{}, draftID).Error; err != nil {
		return fmt.Errorf("drop leave draft %d: %w", draftID, err)
	}
	return nil
}

// CancelLeaveDraft drops the person's draft draftID.
func CancelLeaveDraft(tx *gorm.DB, personID, draftID uint) error {
	res := tx.Where("id = ? AND person_id = ?", draftID, personID).Delete(&LeaveDraft{})
	if res.Error != nil {
		return fmt.Errorf("cancel leave draft %d: %w", draftID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNoLeaveDraft
	}
	if err := tx.Where("draft_id = ?", draftID).Delete(&LeaveDraftTask{}).Error; err != nil {
		return fmt.Errorf("cancel tasks of leave draft %d: %w", draftID, err)
	}
	return nil
}

// UsersRequest replaces the keyboard of a private chat with a button
// asking for one person from the reader's contacts, and a button whose
// text, Default, goes on without one.
type UsersRequest struct {
	RequestID int32  `json:"request_id"`
	Button    string `json:"button"`
	Default   string `json:"default,omitempty"` // "": no such button
}
