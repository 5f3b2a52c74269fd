package models

import (
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Why a report, correction or withdrawal was refused; nothing is stored in
// each case.
var (
	ErrNotReporter      = errors.New("only the task's attendants and person in charge may report on it")
	ErrMilestoneDone    = errors.New("milestone already done")
	ErrMilestoneUnknown = errors.New("no such milestone")
	ErrBadPercent       = errors.New("percent must be between 0 and 100")
	ErrBadState         = errors.New("unknown state")
	ErrTaskClosed       = errors.New("task closed")
	ErrReportNotYours   = errors.New("report made by someone else")
	ErrCorrectionClosed = errors.New("correction window closed")
	ErrReportChanged    = errors.New("report already corrected or withdrawn")
	ErrCorrectionMoves  = errors.New("a correction stays on its own report's task and milestone")
	ErrReopenToDone     = errors.New("a reopened milestone needs a state other than done")
)

// MilestoneDoneError refuses a new report on a done milestone that was not
// asked to reopen it; errors.Is(err, ErrMilestoneDone) holds.
type MilestoneDoneError struct{ Seq int }

func (e *MilestoneDoneError) Error() string {
	return fmt.Sprintf("milestone %d already done", e.Seq)
}

func (e *MilestoneDoneError) Is(target error) bool { return target == ErrMilestoneDone }

// TaskClosedError refuses a report, correction or withdrawal on a closed
// task, naming it; errors.Is(err, ErrTaskClosed) holds.
type TaskClosedError struct{ Code string }

func (e *TaskClosedError) Error() string { return fmt.Sprintf("task %s closed", e.Code) }

func (e *TaskClosedError) Is(target error) bool { return target == ErrTaskClosed }

// DefaultCorrectionWindow is how long a report may be corrected or
// withdrawn after it was made.
const DefaultCorrectionWindow = 30 * time.Minute

// ReportInput is one status reply to record.
type ReportInput struct {
	TaskID uint
	// Task is the task as the caller loaded it inside tx, or nil: its
	// people and whether it is closed are then checked without reading
	// them again. The milestone is read afresh all the same, as an
	// earlier report in the transaction may have moved it.
	Task        *TaskDetail
	MilestoneID uint
	State       MilestoneState
	Percent     *int
	Note        string
	ChatID      int64
	MessageID   int
	UpdateID    int64
	Source      string
	Attachments []Attachment
	// Reopen says the reporter confirmed reopening a done milestone.
	Reopen bool
}

// Change is what a correction puts in place of a report. MilestoneID 0
// keeps the report's milestone; any other milestone is refused.
type Change struct {
	MilestoneID uint
	State       MilestoneState
	Percent     *int
	Note        string
	ChatID      int64
	MessageID   int
	UpdateID    int64
	Source      string
	Attachments []Attachment
}

// Valid tells a known state.
func (s MilestoneState) Valid() bool {
	switch s {
	case StatePending, StateOnTrack, StateAtRisk, StateBlocked, StateDone:
		return true
	}
	return false
}

// reporterRoles may report on a task: its attendants and its person in
// charge.
var reporterRoles = []Role{RoleAttendant, RoleOwner}

// CanReport tells whether the person may report on the task: one of its
// reporters, or the deputy of one who is away (see ActingFor).
func CanReport(tx *gorm.DB, personID, taskID uint) (bool, error) {
	ok, err := isReporter(tx, personID, taskID)
	if err != nil || ok {
		return ok, err
	}
	acting, err := ActingFor(tx, personID, taskID, tx.NowFunc())
	return len(acting) > 0, err
}

// isReporter tells whether the person is an attendant or the person in
// charge of the task: what a deputy is not, e.g. to ask for its close-out.
func isReporter(tx *gorm.DB, personID, taskID uint) (bool, error) {
	var n int64
	err := tx.Model(&Assignment{}).Where("person_id = ? AND task_id = ? AND role IN ?", personID, taskID,
		reporterRoles).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check reporter %d on task %d: %w", personID, taskID, err)
	}
	return n > 0, nil
}

// normalise checks a state and percent pair; a percent of 100 means done.
func normalise(state MilestoneState, percent *int) (MilestoneState, error) {
	if !state.Valid() {
		return "", ErrBadState
	}
	if percent != nil {
		if *percent < 0 || *percent > 100 {
			return "", ErrBadPercent
		}
		if *percent == 100 {
			state = StateDone
		}
	}
	return state, nil
}

// reportableMilestone loads a milestone of an open task that by may report
// on. loaded, when not nil, is the task as read earlier in tx.
func reportableMilestone(tx *gorm.DB, by, taskID, milestoneID uint, loaded *TaskDetail) (*Milestone, error) {
	if loaded != nil && loaded.Task.ID != taskID {
		return nil, fmt.Errorf("report on task %d checked against task %d", taskID, loaded.Task.ID)
	}
	var (
		ok  bool
		err error
	)
	if loaded != nil && loaded.CanReport(by) {
		ok = true
	} else {
		ok, err = CanReport(tx, by, taskID)
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotReporter
	}
	var task Task
	if loaded != nil {
		task = loaded.Task
	} else if err := tx.Take(&task, taskID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("task %d", taskID))
	}
	if task.Done {
		return nil, &TaskClosedError{Code: task.Code}
	}
	m, err := milestoneOfTask(tx, taskID, milestoneID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrMilestoneUnknown
	}
	return m, err
}

// RecordReport stores a new report by a reporter of the task and moves its
// milestone to the state its history now gives. A report on a done
// milestone is refused with a *MilestoneDoneError unless in.Reopen says the
// reporter confirmed reopening it.
func RecordReport(tx *gorm.DB, by uint, in ReportInput, now time.Time) (*Report, error) {
	state, err := normalise(in.State, in.Percent)
	if err != nil {
		return nil, err
	}
	m, err := reportableMilestone(tx, by, in.TaskID, in.MilestoneID, in.Task)
	if err != nil {
		return nil, err
	}
	reopens := m.State == StateDone
	if reopens && !in.Reopen {
		return nil, &MilestoneDoneError{Seq: m.Seq}
	}
	if reopens && state == StateDone {
		return nil, ErrReopenToDone
	}
	r := Report{
		TaskID: in.TaskID, MilestoneID: m.ID, PersonID: by, State: state, Percent: in.Percent,
		Note: truncate(in.Note, 4000), ChatID: in.ChatID, MessageID: in.MessageID, UpdateID: in.UpdateID,
		Source: in.Source, Reopens: reopens, CreatedAt: now,
	}
	acting, err := ActingFor(tx, by, in.TaskID, now)
	if err != nil {
		return nil, err
	}
	if len(acting) > 0 {
		var absent Person
		if err := tx.Take(&absent, acting[0]).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("person %d", acting[0]))
		}
		r.OnBehalfOfID, r.OnBehalfOfName = &absent.ID, absent.Key
	}
	if err := storeReport(tx, &r, in.Attachments); err != nil {
		return nil, err
	}
	after, err := refreshMilestone(tx, *m)
	if err != nil {
		return nil, err
	}
	if err := settleTaskFollowUps(tx, in.TaskID, now); err != nil {
		return nil, err
	}
	kind := "report"
	if reopens {
		kind = "milestone_reopened"
	}
	detail := fmt.Sprintf("report %d on milestone %d: %s → %s", r.ID, m.Seq, stateText(*m), stateText(*after))
	if err := Audit(tx, &by, &in.TaskID, kind, detail); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReportChange is what a correction or withdrawal changed.
type ReportChange struct {
	// Report is the correction, or the report withdrawn.
	Report *Report
	// Withdrawn are the coordination requests the report had opened as
	// blocked, closed because it no longer says so.
	Withdrawn []CoordinationRequest
	// Carried are the open requests a correction that still says blocked
	// took over from the report it corrects.
	Carried []CoordinationRequest
}

// CorrectReport puts a corrected version in place of one of by's own
// reports, within window of its making. The correction keeps the report's
// task, milestone and place in the history; the coordination requests the
// report opened follow it (see followReport). It changes nothing else.
func CorrectReport(tx *gorm.DB, by, reportID uint, ch Change, now time.Time, window time.Duration) (*ReportChange, error) {
	old, err := changeableReport(tx, by, reportID, now, window)
	if err != nil {
		return nil, err
	}
	if ch.MilestoneID != 0 && ch.MilestoneID != old.MilestoneID {
		return nil, ErrCorrectionMoves
	}
	state, err := normalise(ch.State, ch.Percent)
	if err != nil {
		return nil, err
	}
	m, err := reportableMilestone(tx, by, old.TaskID, old.MilestoneID, nil)
	if err != nil {
		return nil, err
	}
	r := Report{
		TaskID: old.TaskID, MilestoneID: old.MilestoneID, PersonID: by, State: state, Percent: ch.Percent,
		Note: truncate(ch.Note, 4000), ChatID: ch.ChatID, MessageID: ch.MessageID, UpdateID: ch.UpdateID,
		Source: ch.Source, OriginID: old.origin(), Reopens: old.Reopens, CreatedAt: now,
	}
	if err := storeReport(tx, &r, ch.Attachments); err != nil {
		return nil, err
	}
	res := tx.Model(&Report{}).Where("id = ? AND superseded_by IS NULL AND withdrawn = ?", old.ID, false).
		Update("superseded_by", r.ID)
	if res.Error != nil {
		return nil, fmt.Errorf("supersede report %d: %w", old.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrReportChanged
	}
	after, err := refreshMilestone(tx, *m)
	if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("report %d corrects report %d on milestone %d: %s %s → %s %s; milestone %s → %s",
		r.ID, old.ID, m.Seq, old.State, percentText(old.Percent), r.State, percentText(r.Percent), stateText(*m), stateText(*after))
	if err := Audit(tx, &by, &old.TaskID, "report_corrected", detail); err != nil {
		return nil, err
	}
	withdrawn, carried, err := followReport(tx, by, old, &r, now)
	if err != nil {
		return nil, err
	}
	return &ReportChange{Report: &r, Withdrawn: withdrawn, Carried: carried}, nil
}

// WithdrawReport takes back one of by's own reports within window of its
// making; its milestone returns to what the remaining reports say, and the
// coordination requests it opened as blocked close as withdrawn.
func WithdrawReport(tx *gorm.DB, by, reportID uint, now time.Time, window time.Duration) (*ReportChange, error) {
	r, err := changeableReport(tx, by, reportID, now, window)
	if err != nil {
		return nil, err
	}
	var task Task
	if err := tx.Take(&task, r.TaskID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("task %d", r.TaskID))
	}
	if task.Done {
		return nil, &TaskClosedError{Code: task.Code}
	}
	var before Milestone
	if err := tx.Take(&before, r.MilestoneID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("milestone %d", r.MilestoneID))
	}
	res := tx.Model(&Report{}).Where("id = ? AND superseded_by IS NULL AND withdrawn = ?", r.ID, false).Update("withdrawn", true)
	if res.Error != nil {
		return nil, fmt.Errorf("withdraw report %d: %w", reportID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrReportChanged
	}
	r.Withdrawn = true
	after, err := refreshMilestone(tx, before)
	if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("report %d on milestone %d withdrawn: %s → %s", r.ID, before.Seq, stateText(before), stateText(*after))
	if err := Audit(tx, &by, &r.TaskID, "report_withdrawn", detail); err != nil {
		return nil, err
	}
	withdrawn, _, err := followReport(tx, by, r, nil, now)
	if err != nil {
		return nil, err
	}
	return &ReportChange{Report: r, Withdrawn: withdrawn}, nil
}

// changeableReport loads a report that by may still correct or withdraw:
// their own, standing, within window of the original report.
func changeableReport(tx *gorm.DB, by, reportID uint, now time.Time, window time.Duration) (*Report, error) {
	var r Report
	if err := tx.Take(&r, reportID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("report %d", reportID))
	}
	switch {
	case r.PersonID != by:
		return nil, ErrReportNotYours
	case r.Withdrawn || r.SupersededBy != nil:
		return nil, ErrReportChanged
	}
	// The window runs from the original report: corrections do not
	// extend it.
	made := r.CreatedAt
	if r.origin() != r.ID {
		var origin Report
		if err := tx.Select("created_at").Take(&origin, r.origin()).Error; err != nil {
			return nil, notFound(err, fmt.Sprintf("original of report %d", r.ID))
		}
		made = origin.CreatedAt
	}
	if now.Sub(made) > window {
		return nil, ErrCorrectionClosed
	}
	return &r, nil
}

// CheckCorrectable tells, without changing anything, whether by may still
// correct or withdraw the report (to refuse before asking for the text).
func CheckCorrectable(tx *gorm.DB, by, reportID uint, now time.Time, window time.Duration) (*Report, error) {
	return changeableReport(tx, by, reportID, now, window)
}

func storeReport(tx *gorm.DB, r *Report, files []Attachment) error {
	err := scanOne(tx, `INSERT INTO reports (task_id, milestone_id, person_id, state, percent, note, chat_id, message_id, source, update_id,
  superseded_by, origin_id, withdrawn, reopens, on_behalf_of_id, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		[]any{r.TaskID, r.MilestoneID, r.PersonID, r.State, r.Percent, r.Note, r.ChatID, r.MessageID, r.Source, r.UpdateID,
			r.SupersededBy, r.OriginID, r.Withdrawn, r.Reopens, r.OnBehalfOfID, r.CreatedAt}, &r.ID)
	if err != nil {
		return fmt.Errorf("store report: %w", err)
	}
	for _, a := range files {
		a.ID, a.ReportID = 0, r.ID
		if err := tx.Create(&a).Error; err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
		r.Attachments = append(r.Attachments, a)
	}
	return nil
}

// origin is the report's place in its milestone's history.
func (r *Report) origin() uint {
	if r.OriginID != 0 {
		return r.OriginID
	}
	return r.ID
}

// Standing tells a report that still counts: neither corrected nor
// withdrawn.
func (r *Report) Standing() bool { return r.SupersededBy == nil && !r.Withdrawn }

// Derived is a milestone's state as its report history gives it.
type Derived struct {
	State        MilestoneState
	Percent      int
	LastReportID *uint
}

// DeriveMilestone computes a milestone's state from its whole report
// history, the one rule behind every stored milestone state: the standing
// report latest in the history (a correction takes its original's place)
// gives the state; the percent is the latest one given, 100 when done, and
// never 100 for a milestone that is not done (a reopened one starts from
// the last percent below 100). No standing report: pending, 0.
func DeriveMilestone(history []Report) Derived {
	standing := make([]Report, 0, len(history))
	for _, r := range history {
		if r.Standing() {
			standing = append(standing, r)
		}
	}
	if len(standing) == 0 {
		return Derived{State: StatePending}
	}
	sort.Slice(standing, func(i, j int) bool {
		a, b := standing[i], standing[j]
		if a.origin() != b.origin() {
			return a.origin() < b.origin()
		}
		return a.ID < b.ID
	})
	last := standing[len(standing)-1]
	d := Derived{State: last.State, LastReportID: &last.ID}
	if d.State == StateDone {
		d.Percent = 100
		return d
	}
	for i := len(standing) - 1; i >= 0; i-- {
		if p := standing[i].Percent; p != nil && *p < 100 {
			d.Percent = *p
			break
		}
	}
	return d
}

// refreshMilestone stores the state the milestone's history gives it and
// returns the milestone as it now is.
func refreshMilestone(tx *gorm.DB, m Milestone) (*Milestone, error) {
	var history []Report
	err := eachRow(tx, func(rows *sql.Rows) error {
		var r Report
		var percent, superseded sql.NullInt64
		if err := rows.Scan(&r.ID, &r.OriginID, &r.State, &percent, &superseded, &r.Withdrawn); err != nil {
			return err
		}
		if percent.Valid {
			p := int(percent.Int64)
			r.Percent = &p
		}
		if superseded.Valid {
			id := uint(superseded.Int64)
			r.SupersededBy = &id
		}
		history = append(history, r)
		return nil
	}, `SELECT id, origin_id, state, percent, superseded_by, withdrawn FROM reports WHERE milestone_id = ?`, m.ID)
	if err != nil {
		return nil, fmt.Errorf("history of milestone %d: %w", m.ID, err)
	}
	d := DeriveMilestone(history)
	_, err = execRaw(tx, `UPDATE milestones SET state = ?, percent = ?, last_report_id = ?, updated_at = ? WHERE id = ?`,
		d.State, d.Percent, d.LastReportID, tx.NowFunc(), m.ID)
	if err != nil {
		return nil, fmt.Errorf("update milestone %d: %w", m.ID, err)
	}
	m.State, m.Percent, m.LastReportID = d.State, d.Percent, d.LastReportID
	return &m, nil
}

func stateText(m Milestone) string { return fmt.Sprintf("%s %d%%", m.State, m.Percent) }

func percentText(p *int) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%d%%", *p)
}

// AddAttachment keeps evidence on one of by's own standing reports.
func AddAttachment(tx *gorm.DB, by, reportID uint, a Attachment) (*Report, error) {
	var r Report
	if err := tx.Take(&r, reportID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("report %d", reportID))
	}
	if r.PersonID != by {
		return nil, ErrReportNotYours
	}
	if !r.Standing() {
		return nil, ErrReportChanged
	}
	a.ID, a.ReportID = 0, reportID
	if err := tx.Create(&a).Error; err != nil {
		return nil, fmt.Errorf("attach to report %d: %w", reportID, err)
	}
	if err := Audit(tx, &by, &r.TaskID, "evidence_added", fmt.Sprintf("report %d: %s %s", r.ID, a.Kind, a.FileID)); err != nil {
		return nil, err
	}
	if err := tx.Preload("Attachments").Take(&r, reportID).Error; err != nil {
		return nil, fmt.Errorf("reload report %d: %w", reportID, err)
	}
	return &r, nil
}

// ReportByMessage finds the standing report made from a chat message (for
// an edited message, which corrects it).
func ReportByMessage(tx *gorm.DB, chatID int64, messageID int) ([]Report, error) {
	var rs []Report
	err := tx.Where("chat_id = ? AND message_id = ? AND superseded_by IS NULL AND withdrawn = ?", chatID, messageID, false).
		Order("id").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("reports of message %d: %w", messageID, err)
	}
	return rs, nil
}
