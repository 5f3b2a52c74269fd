package models

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LeaveKind is why a person is away.
type LeaveKind string

const (
	LeavePersonal LeaveKind = "personal" // 事假
	LeaveSick     LeaveKind = "sick"     // 病假
	LeaveTrip     LeaveKind = "trip"     // 出差 / 外出招商
	LeaveMeeting  LeaveKind = "meeting"  // 会议
	LeaveOther    LeaveKind = "other"    // 其他
)

// Valid tells a known kind.
func (k LeaveKind) Valid() bool {
	switch k {
	case LeavePersonal, LeaveSick, LeaveTrip, LeaveMeeting, LeaveOther:
		return true
	}
	return false
}

// Leave is a person's absence (请假) from FirstDay to LastDay inclusive,
// calendar days in the person's time zone kept as midnight UTC like due
// dates. StartsAt and EndsAt are the same days as instants (the person's
// local midnights), fixed when the leave is recorded, so that the store can
// tell by the set whether a reminder fell within it.
type Leave struct {
	ID       uint      `gorm:"primaryKey"`
	PersonID uint      `gorm:"not null;index:idx_leaves_person,priority:1"`
	Kind     LeaveKind `gorm:"size:16;not null"`
	FirstDay time.Time `gorm:"not null"`
	LastDay  time.Time `gorm:"not null"`
	StartsAt time.Time `gorm:"not null"`
	EndsAt   time.Time `gorm:"not null;index:idx_leaves_person,priority:2"`
	// DeputyID reports for the person on every task without a deputy of
	// its own (LeaveDeputy).
	DeputyID *uint `gorm:"index:idx_leaves_deputy"`
	// Reason is shown to admins only.
	Reason      string `gorm:"size:500;not null;default:''"`
	CreatedBy   uint   `gorm:"not null"`
	CreatedAt   time.Time
	CancelledAt *time.Time
	// ReturnedAt is when the person was told what was reported for them.
	ReturnedAt *time.Time
	// AwaitingApproval holds a leave that needs approval and has none
	// yet: until then it stops nothing. DecidedBy (nil for an admin on no
	// task) and DecidedAt record the approval, or the refusal, which
	// cancels the leave.
	AwaitingApproval bool `gorm:"not null;default:false"`
	DecidedBy        *uint
	DecidedAt        *time.Time
	Deputies         []LeaveDeputy
}

// leaveInForce keeps the leaves (table leaves, or its alias l with
// leaveInForceL) that hold: neither cancelled nor awaiting approval.
const (
	leaveInForce  = "cancelled_at IS NULL AND NOT awaiting_approval"
	leaveInForceL = "l.cancelled_at IS NULL AND NOT l.awaiting_approval"
)

// LeaveDeputy names the deputy (代报人) of one task during a leave.
type LeaveDeputy struct {
	ID       uint `gorm:"primaryKey"`
	LeaveID  uint `gorm:"not null;uniqueIndex:idx_leave_deputy"`
	TaskID   uint `gorm:"not null;uniqueIndex:idx_leave_deputy"`
	DeputyID uint `gorm:"not null;index"`
}

// DeputyOn is the deputy the leave names for a task, 0 when none.
func (l *Leave) DeputyOn(taskID uint) uint {
	for _, d := range l.Deputies {
		if d.TaskID == taskID {
			return d.DeputyID
		}
	}
	if l.DeputyID != nil {
		return *l.DeputyID
	}
	return 0
}

// Covers tells whether the leave holds at the instant at.
func (l *Leave) Covers(at time.Time) bool {
	return l.CancelledAt == nil && !l.AwaitingApproval && !at.Before(l.StartsAt) && at.Before(l.EndsAt)
}

// LeaveInput is a leave to record.
type LeaveInput struct {
	PersonID uint
	Kind     LeaveKind
	// FirstDay and LastDay are calendar days (any time of day; only the
	// date counts) in the person's time zone, Location.
	FirstDay, LastDay time.Time
	Location          *time.Location
	// DeputyID reports on every task of the person; TaskDeputies on one
	// task each, before it.
	DeputyID     uint
	TaskDeputies map[uint]uint
	Reason       string
	// Approval says leave needs approval (an option of the deployment):
	// one the person records for themself then waits for it. An admin's
	// record is approval enough.
	Approval bool
}

var (
	ErrNotYourLeave     = errors.New("only the person or an admin may record or end a leave")
	ErrLeaveDays        = errors.New("a leave ends on or after the day it begins, within a year")
	ErrLeaveKind        = errors.New("unknown kind of leave")
	ErrDeputySelf       = errors.New("a person cannot be their own deputy")
	ErrDeputyUnbound    = errors.New("the deputy has not bound their Telegram account yet")
	ErrDeputyUnrelated  = errors.New("a deputy works on one of the person's tasks or in their department")
	ErrDeputyNotOnTask  = errors.New("a task deputy is for one of the person's tasks")
	ErrNoLeave          = errors.New("no current or coming leave")
	ErrLeaveAlreadyOver = errors.New("the leave is already over")
)

// LeaveOverlapError refuses a leave that overlaps one already recorded.
type LeaveOverlapError struct{ Leave Leave }

func (e *LeaveOverlapError) Error() string {
	return fmt.Sprintf("overlaps leave %d (%s to %s)", e.Leave.ID, e.Leave.FirstDay.Format(time.DateOnly), e.Leave.LastDay.Format(time.DateOnly))
}

// maxLeaveDays bounds one leave.
const maxLeaveDays = 366

// dayOf is the calendar day of t's date, as midnight UTC.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// localMidnight is the instant day begins in loc.
func localMidnight(day time.Time, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).UTC()
}

// RecordLeave records a leave for in.PersonID, asked by the person or an
// admin. It may lie in the past (recorded after the fact): the reminders
// the person was sent on its days then no longer count as silence. It is
// refused when it overlaps another of the person's leaves, naming it.
func RecordLeave(tx *gorm.DB, by uint, byAdmin bool, in LeaveInput, now time.Time) (*Leave, error) {
	if by != in.PersonID && !byAdmin {
		return nil, ErrNotYourLeave
	}
	if !in.Kind.Valid() {
		return nil, ErrLeaveKind
	}
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	first, last := dayOf(in.FirstDay), dayOf(in.LastDay)
	if err := checkLeaveDays(first, last); err != nil {
		return nil, err
	}
	var person Person
	if err := tx.Take(&person, in.PersonID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("person %d", in.PersonID))
	}
	l := Leave{
		PersonID: in.PersonID, Kind: in.Kind, FirstDay: first, LastDay: last,
		StartsAt: localMidnight(first, loc), EndsAt: localMidnight(last.AddDate(0, 0, 1), loc),
		Reason: truncate(in.Reason, 500), CreatedBy: by, CreatedAt: now,
		AwaitingApproval: in.Approval && !byAdmin,
	}
	// A leave ended early (/back) lasts until then: a new one the same day
	// begins where it ended.
	var ended Leave
	err := tx.Where("person_id = ? AND cancelled_at IS NULL AND returned_at IS NOT NULL AND starts_at < ? AND ends_at > ? AND ends_at < ?",
		in.PersonID, l.EndsAt, l.StartsAt, l.EndsAt).Order("ends_at DESC").Take(&ended).Error
	switch {
	case err == nil:
		l.StartsAt = ended.EndsAt
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return nil, fmt.Errorf("leave of person %d ended early: %w", in.PersonID, err)
	}
	var overlap Leave
	err = tx.Where("person_id = ? AND cancelled_at IS NULL AND starts_at < ? AND ends_at > ?", in.PersonID, l.EndsAt, l.StartsAt).
		Order("starts_at").Take(&overlap).Error
	switch {
	case err == nil:
		return nil, &LeaveOverlapError{Leave: overlap}
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return nil, fmt.Errorf("overlapping leave of person %d: %w", in.PersonID, err)
	}
	tasks, err := reporterTasks(tx, in.PersonID)
	if err != nil {
		return nil, err
	}
	if in.DeputyID != 0 {
		if err := checkDeputy(tx, &person, in.DeputyID, tasks); err != nil {
			return nil, err
		}
		l.DeputyID = &in.DeputyID
	}
	for taskID, deputy := range in.TaskDeputies {
		if !slices.Contains(tasks, taskID) {
			return nil, ErrDeputyNotOnTask
		}
		// A task's deputy stands in there only if on it or in the
		// department (mayStandIn): one on another task would never act.
		if err := checkDeputy(tx, &person, deputy, []uint{taskID}); err != nil {
			return nil, err
		}
		l.Deputies = append(l.Deputies, LeaveDeputy{TaskID: taskID, DeputyID: deputy})
	}
	slices.SortFunc(l.Deputies, func(a, b LeaveDeputy) int { return int(a.TaskID) - int(b.TaskID) })
	if err := tx.Create(&l).Error; err != nil {
		return nil, fmt.Errorf("record leave of person %d: %w", in.PersonID, err)
	}
	detail := fmt.Sprintf("leave %d of person %d: %s, %s to %s", l.ID, l.PersonID, l.Kind,
		first.Format(time.DateOnly), last.Format(time.DateOnly))
	if l.DeputyID != nil {
		detail += fmt.Sprintf(", deputy %d", *l.DeputyID)
	}
	for _, d := range l.Deputies {
		detail += fmt.Sprintf(", task %d deputy %d", d.TaskID, d.DeputyID)
	}
	if l.StartsAt.Before(now) {
		detail += ", recorded after it began"
	}
	if l.AwaitingApproval {
		detail += ", awaiting approval"
	}
	if err := Audit(tx, &by, nil, "leave_recorded", detail); err != nil {
		return nil, err
	}
	return &l, nil
}

// checkLeaveDays accepts a last day on or after the first, within a
// year of it.
func checkLeaveDays(first, last time.Time) error {
	if last.Before(first) || last.Sub(first) > maxLeaveDays*24*time.Hour {
		return ErrLeaveDays
	}
	return nil
}

// reporterTasks lists the open tasks the person reports on.
func reporterTasks(tx *gorm.DB, personID uint) ([]uint, error) {
	var ids []uint
	err := tx.Model(&Assignment{}).Where("person_id = ? AND role IN ?", personID, reporterRoles).
		Distinct("task_id").Order("task_id").Pluck("task_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("tasks of person %d: %w", personID, err)
	}
	return ids, nil
}

// checkDeputy accepts a bound person other than the absent one who works
// on one of the same tasks (any role) or in the same department.
func checkDeputy(tx *gorm.DB, absent *Person, deputyID uint, tasks []uint) error {
	if deputyID == absent.ID {
		return ErrDeputySelf
	}
	var d Person
	if err := tx.Take(&d, deputyID).Error; err != nil {
		return notFound(err, fmt.Sprintf("deputy %d", deputyID))
	}
	if d.TelegramID == nil {
		return ErrDeputyUnbound
	}
	if absent.Department != "" && d.Department == absent.Department {
		return nil
	}
	var n int64
	if len(tasks) > 0 {
		if err := tx.Model(&Assignment{}).Where("person_id = ? AND task_id IN ?", deputyID, tasks).Count(&n).Error; err != nil {
			return fmt.Errorf("tasks of deputy %d: %w", deputyID, err)
		}
	}
	if n == 0 {
		return ErrDeputyUnrelated
	}
	return nil
}

// CancelLeave withdraws a leave that has not ended yet.
func CancelLeave(tx *gorm.DB, by uint, byAdmin bool, leaveID uint, now time.Time) (*Leave, error) {
	var l Leave
	if err := tx.Take(&l, leaveID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("leave %d", leaveID))
	}
	if l.PersonID != by && !byAdmin {
		return nil, ErrNotYourLeave
	}
	if l.CancelledAt != nil || !now.Before(l.EndsAt) {
		return nil, ErrLeaveAlreadyOver
	}
	if err := tx.Model(&l).Update("cancelled_at", now).Error; err != nil {
		return nil, fmt.Errorf("cancel leave %d: %w", leaveID, err)
	}
	l.CancelledAt = &now
	if err := Audit(tx, &by, nil, "leave_cancelled", fmt.Sprintf("leave %d of person %d", l.ID, l.PersonID)); err != nil {
		return nil, err
	}
	return &l, nil
}

// EndLeave brings the person back (/back): their leave under way ends now
// (one not begun is cancelled). It returns the leave and the reports their
// deputies made for them during it, for the one message they get.
func EndLeave(tx *gorm.DB, personID uint, now time.Time) (*Leave, []Report, error) {
	var l Leave
	err := tx.Where("person_id = ? AND cancelled_at IS NULL AND ends_at > ?", personID, now).Order("starts_at").Take(&l).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrNoLeave
	}
	if err != nil {
		return nil, nil, fmt.Errorf("leave of person %d: %w", personID, err)
	}
	if now.Before(l.StartsAt) || l.AwaitingApproval {
		// Not begun, or never approved: nothing to come back from.
		cancelled, err := CancelLeave(tx, personID, false, l.ID, now)
		return cancelled, nil, err
	}
	if err := tx.Model(&l).Updates(map[string]any{"ends_at": now, "returned_at": now}).Error; err != nil {
		return nil, nil, fmt.Errorf("end leave %d: %w", l.ID, err)
	}
	l.EndsAt, l.ReturnedAt = now, &now
	if err := Audit(tx, &personID, nil, "leave_ended", fmt.Sprintf("leave %d of person %d, back early", l.ID, personID)); err != nil {
		return nil, nil, err
	}
	reports, err := ReportsOnBehalf(tx, l)
	return &l, reports, err
}

// EndedLeaves lists the leaves in force that ran to their end by now,
// within the last `within`, and whose person has not been told what was
// reported for them (/back tells them when they come back early). A leave
// that ended longer ago is left untold: a bot that was down for a week
// owes nobody a stale list.
func EndedLeaves(tx *gorm.DB, now time.Time, within time.Duration) ([]Leave, error) {
	var out []Leave
	err := tx.Where(leaveInForce+" AND returned_at IS NULL AND ends_at <= ? AND ends_at > ?", now, now.Add(-within)).
		Order("ends_at, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("leaves ended by %s: %w", now.Format(time.RFC3339), err)
	}
	return out, nil
}

// ReturnFromLeave marks that the person of a leave that ran to its end is
// told what was reported for them, once across instances: it reports
// whether this call won, and the reports to tell of.
func ReturnFromLeave(tx *gorm.DB, l Leave, now time.Time) (bool, []Report, error) {
	res := tx.Model(&Leave{}).Where("id = ? AND returned_at IS NULL", l.ID).Update("returned_at", now)
	if res.Error != nil {
		return false, nil, fmt.Errorf("return from leave %d: %w", l.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil, nil
	}
	if err := Audit(tx, &l.PersonID, nil, "leave_ended", fmt.Sprintf("leave %d of person %d, ran to its end", l.ID, l.PersonID)); err != nil {
		return false, nil, err
	}
	reports, err := ReportsOnBehalf(tx, l)
	return true, reports, err
}

// ReportsOnBehalf lists the standing reports deputies made for the person
// during the leave, oldest first.
func ReportsOnBehalf(tx *gorm.DB, l Leave) ([]Report, error) {
	var out []Report
	err := tx.Where("on_behalf_of_id = ? AND created_at >= ? AND created_at <= ? AND superseded_by IS NULL AND NOT withdrawn",
		l.PersonID, l.StartsAt, l.EndsAt).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("reports for person %d during leave %d: %w", l.PersonID, l.ID, err)
	}
	return out, nil
}

// LeavesOf lists the person's leaves that have not ended by now, soonest
// first.
func LeavesOf(tx *gorm.DB, personID uint, now time.Time) ([]Leave, error) {
	var out []Leave
	err := tx.Preload("Deputies").Where("person_id = ? AND cancelled_at IS NULL AND ends_at > ?", personID, now).
		Order("starts_at").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("leaves of person %d: %w", personID, err)
	}
	return out, nil
}

// LeavesAt maps each of the people away at the instant at to their leave,
// in two queries whatever their number.
func LeavesAt(tx *gorm.DB, personIDs []uint, at time.Time) (map[uint]Leave, error) {
	out := map[uint]Leave{}
	for _, chunk := range chunks(personIDs, maxIDsPerQuery) {
		var ls []Leave
		err := tx.Preload("Deputies").Where("person_id IN ? AND "+leaveInForce+" AND starts_at <= ? AND ends_at > ?", chunk, at, at).
			Find(&ls).Error
		if err != nil {
			return nil, fmt.Errorf("leaves at %s: %w", at.Format(time.RFC3339), err)
		}
		for _, l := range ls {
			out[l.PersonID] = l
		}
	}
	return out, nil
}

// Stand-in is who acts for a person away on one task: the deputy the
// leave names, followed along the deputies of deputies who are away too;
// failing that (no deputy, a deputy no longer bound or on the task, a
// cycle), the task's other attendants, then its person in charge, who are
// not away. Nil when nobody is left.
type StandIn struct {
	Person *Person
	// Named says the leave named them; otherwise they stand in by role.
	Named bool
	// For is the person away, Until the last day of their leave.
	For   *Person
	Until time.Time
	// Kind and Reason are the leave's, for admins only (Absence.ForReader).
	Kind   LeaveKind
	Reason string
}

// StandInFor finds who acts for absentID on taskID at the instant at; nil
// when absentID is not away then.
func StandInFor(tx *gorm.DB, taskID, absentID uint, at time.Time) (*StandIn, error) {
	leaves, err := LeavesAt(tx, []uint{absentID}, at)
	if err != nil {
		return nil, err
	}
	first, ok := leaves[absentID]
	if !ok {
		return nil, nil
	}
	var absent Person
	if err := tx.Take(&absent, absentID).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("person %d", absentID))
	}
	in := &StandIn{For: &absent, Until: first.LastDay, Kind: first.Kind, Reason: first.Reason}
	roles, err := taskRoles(tx, taskID)
	if err != nil {
		return nil, err
	}
	seen := map[uint]bool{absentID: true}
	l := first
	for {
		next := l.DeputyOn(taskID)
		if next == 0 || seen[next] {
			break
		}
		seen[next] = true
		away, err := LeavesAt(tx, []uint{next}, at)
		if err != nil {
			return nil, err
		}
		if nl, ok := away[next]; ok {
			l = nl
			continue
		}
		ok, err := mayStandIn(tx, &absent, next, taskID)
		if err != nil {
			return nil, err
		}
		if ok {
			var p Person
			if err := tx.Take(&p, next).Error; err != nil {
				return nil, notFound(err, fmt.Sprintf("deputy %d", next))
			}
			in.Person, in.Named = &p, true
			return in, nil
		}
		break
	}
	// By role: the other attendants, then the person in charge.
	for _, role := range []Role{RoleAttendant, RoleOwner} {
		var ids []uint
		for id, r := range roles {
			if r == role && !seen[id] {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		away, err := LeavesAt(tx, ids, at)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if _, gone := away[id]; gone {
				continue
			}
			var p Person
			if err := tx.Take(&p, id).Error; err != nil {
				return nil, notFound(err, fmt.Sprintf("person %d", id))
			}
			if p.TelegramID != nil {
				in.Person = &p
				return in, nil
			}
		}
	}
	return in, nil
}

// taskRoles maps the people of a task to their reporting role (attendant
// before owner), and leaders to leader.
func taskRoles(tx *gorm.DB, taskID uint) (map[uint]Role, error) {
	var as []Assignment
	if err := tx.Where("task_id = ?", taskID).Find(&as).Error; err != nil {
		return nil, fmt.Errorf("people of task %d: %w", taskID, err)
	}
	out := map[uint]Role{}
	for _, a := range as {
		if cur := out[a.PersonID]; cur == "" || a.Role == RoleAttendant || (a.Role == RoleOwner && cur == RoleLeader) {
			out[a.PersonID] = a.Role
		}
	}
	return out, nil
}

// ActingFor tells for whom deputyID reports on taskID at the instant at:
// the people of the task away then whose named deputy (along the chain)
// deputyID is. A deputy reports as themself; the report keeps both names.
func ActingFor(tx *gorm.DB, deputyID, taskID uint, at time.Time) ([]uint, error) {
	var candidates []uint
	err := eachRow(tx, func(rows *sql.Rows) error {
		var id uint
		err := rows.Scan(&id)
		candidates = append(candidates, id)
		return err
	}, `SELECT person_id FROM leaves WHERE `+leaveInForce+` AND starts_at <= ? AND ends_at > ?
AND person_id IN (SELECT person_id FROM assignments WHERE task_id = ? AND role IN ?)`, at, at, taskID, reporterRoles)
	if err != nil {
		return nil, fmt.Errorf("people away on task %d: %w", taskID, err)
	}
	slices.Sort(candidates)
	var out []uint
	for _, absent := range slices.Compact(candidates) {
		in, err := StandInFor(tx, taskID, absent, at)
		if err != nil {
			return nil, err
		}
		if in != nil && in.Named && in.Person.ID == deputyID {
			out = append(out, absent)
		}
	}
	return out, nil
}

// StandingInAs is for whom deputyID stands in on taskID at the instant
// at: the stand-in of the first person away whose named deputy (along the
// chain) they are, nil for nobody.
func StandingInAs(tx *gorm.DB, deputyID, taskID uint, at time.Time) (*StandIn, error) {
	acting, err := ActingFor(tx, deputyID, taskID, at)
	if err != nil || len(acting) == 0 {
		return nil, err
	}
	return StandInFor(tx, taskID, acting[0], at)
}

// Absence is a reporter of a task who is away, and who stands in.
type Absence struct {
	Person Person
	Until  time.Time
	// StandIn reports for them; nil when nobody is left to. Named says
	// the leave named them as deputy.
	StandIn *Person
	Named   bool
	// Kind and Reason say why they are away: admins see them, leaders
	// and everyone else do not (ForReader).
	Kind   LeaveKind
	Reason string
}

// ForReader is the absence as a reader sees it: the kind and the reason
// of a leave are the person's own business, shown to admins only.
func (a Absence) ForReader(admin bool) Absence {
	if !admin {
		a.Kind, a.Reason = "", ""
	}
	return a
}

// AbsencesForReader applies ForReader to each absence, in a new slice.
func AbsencesForReader(as []Absence, admin bool) []Absence {
	if as == nil {
		return nil
	}
	out := make([]Absence, len(as))
	for i, a := range as {
		out[i] = a.ForReader(admin)
	}
	return out
}

// AbsencesOnTasks lists, per task, its reporters away at the instant at
// with their stand-ins: one query for the set, then a few per person away.
func AbsencesOnTasks(tx *gorm.DB, taskIDs []uint, at time.Time) (map[uint][]Absence, error) {
	out := map[uint][]Absence{}
	for _, chunk := range chunks(taskIDs, maxIDsPerQuery) {
		var pairs []struct {
			TaskID   uint
			PersonID uint
		}
		err := tx.Raw(`SELECT DISTINCT a.task_id, a.person_id FROM assignments a JOIN leaves l ON l.person_id = a.person_id
WHERE ? AND a.role IN ? AND `+leaveInForceL+` AND l.starts_at <= ? AND l.ends_at > ?
ORDER BY a.task_id, a.person_id`, IDsIn("a.task_id", chunk), reporterRoles, at, at).Scan(&pairs).Error
		if err != nil {
			return nil, fmt.Errorf("people away on tasks: %w", err)
		}
		for _, p := range pairs {
			in, err := StandInFor(tx, p.TaskID, p.PersonID, at)
			if err != nil {
				return nil, err
			}
			if in == nil {
				continue
			}
			out[p.TaskID] = append(out[p.TaskID], Absence{Person: *in.For, Until: in.Until, StandIn: in.Person, Named: in.Named,
				Kind: in.Kind, Reason: in.Reason})
		}
	}
	return out, nil
}

// LeaderAway tells, for a leader of a task, whether they are away at the
// instant at, and who stands in for them there: the deputy their leave
// names for the task, if bound and not away too (nil otherwise, when the
// admins are to step in).
func LeaderAway(tx *gorm.DB, taskID, leaderID uint, at time.Time) (away bool, deputy *Person, err error) {
	leaves, err := LeavesAt(tx, []uint{leaderID}, at)
	if err != nil {
		return false, nil, err
	}
	l, ok := leaves[leaderID]
	if !ok {
		return false, nil, nil
	}
	id := l.DeputyOn(taskID)
	if id == 0 || id == leaderID {
		return true, nil, nil
	}
	if gone, err := LeavesAt(tx, []uint{id}, at); err != nil || len(gone) > 0 {
		return true, nil, err
	}
	var p Person
	if err := tx.Take(&p, id).Error; err != nil {
		return true, nil, notFound(err, fmt.Sprintf("deputy %d", id))
	}
	if p.TelegramID == nil {
		return true, nil, nil
	}
	return true, &p, nil
}

// MayAnswerCoordination tells whether the person may answer and resolve
// the task's coordination requests at the instant at: one of its
// contracting leaders, or the deputy a leader on leave named for it (代行).
func MayAnswerCoordination(tx *gorm.DB, personID, taskID uint, at time.Time) (bool, error) {
	ok, err := IsLeader(tx, personID, taskID)
	if err != nil || ok {
		return ok, err
	}
	var leaders []uint
	if err := tx.Model(&Assignment{}).Where("task_id = ? AND role = ?", taskID, RoleLeader).Pluck("person_id", &leaders).Error; err != nil {
		return false, fmt.Errorf("leaders of task %d: %w", taskID, err)
	}
	for _, l := range leaders {
		away, deputy, err := LeaderAway(tx, taskID, l, at)
		if err != nil {
			return false, err
		}
		if away && deputy != nil && deputy.ID == personID {
			return true, nil
		}
	}
	return false, nil
}

// TaskDeputy is the deputy a leave names for one task.
type TaskDeputy struct {
	Task   Task
	Deputy Person
}

// NamedDeputies is whom a leave names to report for the person away.
type NamedDeputies struct {
	// All stands in on every task without a deputy of its own; nil when
	// the leave names none.
	All *Person
	// Tasks are the deputies of single tasks, by task code.
	Tasks []TaskDeputy
	// Uncovered counts the person's tasks with no deputy named, where the
	// task's other attendants, then its person in charge, report.
	Uncovered int
}

// DeputiesNamed reads whom the leave names, for what it says to people.
func DeputiesNamed(tx *gorm.DB, l *Leave) (NamedDeputies, error) {
	var out NamedDeputies
	if l.DeputyID != nil {
		var p Person
		if err := tx.Take(&p, *l.DeputyID).Error; err != nil {
			return out, notFound(err, fmt.Sprintf("deputy %d", *l.DeputyID))
		}
		out.All = &p
	}
	var rows []LeaveDeputy
	if err := tx.Where("leave_id = ?", l.ID).Find(&rows).Error; err != nil {
		return out, fmt.Errorf("deputies of leave %d: %w", l.ID, err)
	}
	covered := map[uint]bool{}
	for _, r := range rows {
		var td TaskDeputy
		if err := tx.Take(&td.Task, r.TaskID).Error; err != nil {
			return out, notFound(err, fmt.Sprintf("task %d", r.TaskID))
		}
		if err := tx.Take(&td.Deputy, r.DeputyID).Error; err != nil {
			return out, notFound(err, fmt.Sprintf("deputy %d", r.DeputyID))
		}
		covered[r.TaskID] = true
		out.Tasks = append(out.Tasks, td)
	}
	slices.SortFunc(out.Tasks, func(a, b TaskDeputy) int { return strings.Compare(a.Task.Code, b.Task.Code) })
	if out.All == nil {
		tasks, err := reporterTasks(tx, l.PersonID)
		if err != nil {
			return out, err
		}
		for _, id := range tasks {
			if !covered[id] {
				out.Uncovered++
			}
		}
	}
	return out, nil
}
