package models

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// VisitKind is what a front-line visit (走一线) was for.
type VisitKind string

const (
	VisitSupervise  VisitKind = "supervise"  // 现场督导
	VisitInvestment VisitKind = "investment" // 走访企业 / 招商
	VisitMeeting    VisitKind = "meeting"    // 现场办公会
	VisitOther      VisitKind = "other"      // 其他
)

// VisitKinds lists the kinds in the order they are offered.
var VisitKinds = []VisitKind{VisitSupervise, VisitInvestment, VisitMeeting, VisitOther}

// Valid tells a known kind.
func (k VisitKind) Valid() bool { return slices.Contains(VisitKinds, k) }

// Where a visit stands: a draft being written in chat, then saved or
// cancelled.
const (
	VisitDraft     = "draft"
	VisitSaved     = "saved"
	VisitCancelled = "cancelled"
)

// Where a visit's location came from. A visit may have none: location is
// optional evidence, never a check-in.
const (
	LocationNone  = ""
	LocationLive  = "live"  // a shared live location: its first point and how long it was shared
	LocationPoint = "point" // a point sent once
)

var (
	ErrNotVisitor        = errors.New("front-line visits are recorded by the leaders of tasks and by admins")
	ErrVisitKind         = errors.New("unknown kind of visit")
	ErrNoVisitDraft      = errors.New("no visit being written")
	ErrForwardedLocation = errors.New("a forwarded location is not evidence of this visit")
	ErrVisitLocation     = errors.New("latitude or longitude out of range")
	ErrVisitFiles        = errors.New("a visit keeps at most 10 photos or documents")
	ErrVisitNoKind       = errors.New("the visit's kind is not chosen yet")
	// ErrVisitCoordinateTask refuses a finding that needs coordination
	// when it cannot tell on which task: the visit has none, or several
	// and the line names none of them.
	ErrVisitCoordinateTask = errors.New("a finding that needs coordination names its task")
)

// VisitTaskError refuses a task the visitor may not record a visit to:
// unknown, or not led by them.
type VisitTaskError struct {
	Code    string
	Unknown bool
}

func (e *VisitTaskError) Error() string {
	if e.Unknown {
		return fmt.Sprintf("no task %s", e.Code)
	}
	return fmt.Sprintf("task %s is not led by the visitor", e.Code)
}

// maxVisitFiles bounds a visit's evidence.
const maxVisitFiles = 10

// MayVisit tells whether a person may record visits: a leader of some
// task, or an admin.
func MayVisit(tx *gorm.DB, personID uint, byAdmin bool) (bool, error) {
	if byAdmin {
		return true, nil
	}
	var n int64
	if err := tx.Model(&Assignment{}).Where("person_id = ? AND role = ?", personID, RoleLeader).Count(&n).Error; err != nil {
		return false, fmt.Errorf("leader roles of person %d: %w", personID, err)
	}
	return n > 0, nil
}

// visitTasks resolves the codes of a visit's tasks, each led by the
// visitor unless an admin.
func visitTasks(tx *gorm.DB, by uint, byAdmin bool, codes []string) ([]Task, error) {
	var tasks []Task
	for _, code := range codes {
		var task Task
		err := tx.Where("code = ?", strings.ToUpper(strings.TrimSpace(code))).Take(&task).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, &VisitTaskError{Code: code, Unknown: true}
		}
		if err != nil {
			return nil, fmt.Errorf("task %s: %w", code, err)
		}
		if slices.ContainsFunc(tasks, func(t Task) bool { return t.ID == task.ID }) {
			continue
		}
		if !byAdmin {
			ok, err := IsLeader(tx, by, task.ID)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, &VisitTaskError{Code: task.Code}
			}
		}
		tasks = append(tasks, task)
	}
	return tasks, nil
}

// StartVisit opens a visit draft for by on the tasks named by codes (none
// for a visit to no task). A draft by already had is cancelled: one visit
// is written at a time.
func StartVisit(tx *gorm.DB, by uint, byAdmin bool, codes []string, now time.Time) (*Visit, error) {
	ok, err := MayVisit(tx, by, byAdmin)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotVisitor
	}
	tasks, err := visitTasks(tx, by, byAdmin, codes)
	if err != nil {
		return nil, err
	}
	if old, err := VisitDraftOf(tx, by); err == nil {
		if err := CancelVisit(tx, by, old.ID); err != nil {
			return nil, err
		}
	} else if !IsNotFound(err) {
		return nil, err
	}
	v := Visit{PersonID: by, State: VisitDraft, StartedAt: now}
	if err := tx.Omit("Tasks", "Findings", "Files").Create(&v).Error; err != nil {
		return nil, fmt.Errorf("start visit: %w", err)
	}
	for _, task := range tasks {
		vt := VisitTask{VisitID: v.ID, TaskID: task.ID}
		if err := tx.Create(&vt).Error; err != nil {
			return nil, fmt.Errorf("task of visit %d: %w", v.ID, err)
		}
		v.Tasks = append(v.Tasks, vt)
	}
	return &v, nil
}

// VisitDraftOf loads the person's visit draft, with its tasks, findings
// and files.
func VisitDraftOf(tx *gorm.DB, personID uint) (*Visit, error) {
	var v Visit
	err := tx.Where("person_id = ? AND state = ?", personID, VisitDraft).Take(&v).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("visit draft of person %d", personID))
	}
	return &v, loadVisit(tx, &v)
}

// VisitByID loads a visit with its tasks, findings and files.
func VisitByID(tx *gorm.DB, id uint) (*Visit, error) {
	var v Visit
	if err := tx.Take(&v, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("visit %d", id))
	}
	return &v, loadVisit(tx, &v)
}

func loadVisit(tx *gorm.DB, v *Visit) error {
	if err := tx.Where("visit_id = ?", v.ID).Order("id").Find(&v.Tasks).Error; err != nil {
		return fmt.Errorf("tasks of visit %d: %w", v.ID, err)
	}
	if err := tx.Where("visit_id = ?", v.ID).Order("seq").Find(&v.Findings).Error; err != nil {
		return fmt.Errorf("findings of visit %d: %w", v.ID, err)
	}
	if err := tx.Where("visit_id = ?", v.ID).Order("id").Find(&v.Files).Error; err != nil {
		return fmt.Errorf("files of visit %d: %w", v.ID, err)
	}
	return nil
}

// draftOf loads by's draft visitID: another person's, or one no longer a
// draft, is not there.
func draftOf(tx *gorm.DB, by, visitID uint) (*Visit, error) {
	v, err := VisitDraftOf(tx, by)
	if err != nil {
		return nil, err
	}
	if visitID != 0 && v.ID != visitID {
		return nil, fmt.Errorf("visit %d: %w", visitID, ErrNoVisitDraft)
	}
	return v, nil
}

// SetVisitKind chooses the draft's kind.
func SetVisitKind(tx *gorm.DB, by, visitID uint, kind VisitKind) (*Visit, error) {
	if !kind.Valid() {
		return nil, ErrVisitKind
	}
	v, err := draftOf(tx, by, visitID)
	if err != nil {
		return nil, err
	}
	if err := tx.Model(&Visit{}).Where("id = ?", v.ID).Update("kind", kind).Error; err != nil {
		return nil, fmt.Errorf("kind of visit %d: %w", v.ID, err)
	}
	v.Kind = kind
	return v, nil
}

// SetVisitFindings replaces the draft's findings with those of text
// (ParseFindings). A finding naming a task names one of the visit's; one
// that needs coordination goes to the task it names, or to the visit's
// only task (ErrVisitCoordinateTask otherwise).
func SetVisitFindings(tx *gorm.DB, by, visitID uint, text string) (*Visit, error) {
	found, err := ParseFindings(text)
	if err != nil {
		return nil, err
	}
	v, err := draftOf(tx, by, visitID)
	if err != nil {
		return nil, err
	}
	codes := map[string]uint{}
	if len(v.Tasks) > 0 {
		var tasks []Task
		if err := tx.Where("id IN ?", visitTaskIDs(v)).Find(&tasks).Error; err != nil {
			return nil, fmt.Errorf("tasks of visit %d: %w", v.ID, err)
		}
		for _, t := range tasks {
			codes[t.Code] = t.ID
		}
	}
	rows := make([]VisitFinding, len(found))
	for i, f := range found {
		rows[i] = VisitFinding{VisitID: v.ID, Seq: i + 1, Kind: f.Kind, Text: f.Text}
		switch id, ok := codes[f.Code]; {
		case f.Code != "" && !ok:
			return nil, &VisitTaskError{Code: f.Code}
		case ok:
			rows[i].TaskID = &id
		case len(v.Tasks) == 1:
			rows[i].TaskID = &v.Tasks[0].TaskID
		case f.Kind == FindingCoordinate:
			return nil, ErrVisitCoordinateTask
		}
	}
	if err := tx.Where("visit_id = ?", v.ID).Delete(&VisitFinding{}).Error; err != nil {
		return nil, fmt.Errorf("findings of visit %d: %w", v.ID, err)
	}
	for i := range rows {
		if err := tx.Create(&rows[i]).Error; err != nil {
			return nil, fmt.Errorf("finding of visit %d: %w", v.ID, err)
		}
	}
	if err := tx.Model(&Visit{}).Where("id = ?", v.ID).Update("text", truncate(strings.TrimSpace(text), 4000)).Error; err != nil {
		return nil, fmt.Errorf("findings of visit %d: %w", v.ID, err)
	}
	v.Findings, v.Text = rows, strings.TrimSpace(text)
	return v, nil
}

func visitTaskIDs(v *Visit) []uint {
	ids := make([]uint, len(v.Tasks))
	for i, t := range v.Tasks {
		ids[i] = t.TaskID
	}
	return ids
}

// VisitLocation is a location sent for a visit: a point, or the first
// point of a live location shared for Live. Forwarded says it came from a
// forwarded message: someone else's place, or another day's.
type VisitLocation struct {
	Lat, Lon  float64
	Live      time.Duration
	Forwarded bool
}

// SetVisitLocation keeps a location on the draft; a later one replaces it.
// A live location keeps its first point and how long it is shared, not a
// track: the edits Telegram sends as it moves are not read.
func SetVisitLocation(tx *gorm.DB, by, visitID uint, loc VisitLocation) (*Visit, error) {
	if loc.Forwarded {
		return nil, ErrForwardedLocation
	}
	if math.IsNaN(loc.Lat) || math.IsNaN(loc.Lon) || math.Abs(loc.Lat) > 90 || math.Abs(loc.Lon) > 180 {
		return nil, ErrVisitLocation
	}
	v, err := draftOf(tx, by, visitID)
	if err != nil {
		return nil, err
	}
	source, live := LocationPoint, 0
	if loc.Live > 0 {
		source, live = LocationLive, int(loc.Live/time.Second)
	}
	err = tx.Model(&Visit{}).Where("id = ?", v.ID).
		Updates(map[string]any{"lat": loc.Lat, "lon": loc.Lon, "location_source": source, "live_seconds": live}).Error
	if err != nil {
		return nil, fmt.Errorf("location of visit %d: %w", v.ID, err)
	}
	v.Lat, v.Lon, v.LocationSource, v.LiveSeconds = &loc.Lat, &loc.Lon, source, live
	return v, nil
}

// AddVisitFile keeps a photo or document on the draft.
func AddVisitFile(tx *gorm.DB, by, visitID uint, f Attachment) (*Visit, error) {
	v, err := draftOf(tx, by, visitID)
	if err != nil {
		return nil, err
	}
	if len(v.Files) >= maxVisitFiles {
		return nil, ErrVisitFiles
	}
	row := VisitFile{VisitID: v.ID, Kind: f.Kind, FileID: truncate(f.FileID, 200), FileName: truncate(f.FileName, 200)}
	if err := tx.Create(&row).Error; err != nil {
		return nil, fmt.Errorf("file of visit %d: %w", v.ID, err)
	}
	v.Files = append(v.Files, row)
	return v, nil
}

// CancelVisit drops by's draft; nothing of it is kept.
func CancelVisit(tx *gorm.DB, by, visitID uint) error {
	res := tx.Model(&Visit{}).Where("id = ? AND person_id = ? AND state = ?", visitID, by, VisitDraft).Update("state", VisitCancelled)
	if res.Error != nil {
		return fmt.Errorf("cancel visit %d: %w", visitID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("visit %d: %w", visitID, ErrNoVisitDraft)
	}
	return nil
}

// SaveVisit records by's draft. The rules are checked again on the
// present state (by may have stopped leading a task since the draft
// began); each finding that needs coordination opens a coordination
// request on its task, raised by the visitor as its leader.
func SaveVisit(tx *gorm.DB, by uint, byAdmin bool, visitID uint, now time.Time) (*Visit, []CoordinationRequest, error) {
	v, err := draftOf(tx, by, visitID)
	if err != nil {
		return nil, nil, err
	}
	if v.Kind == "" {
		return nil, nil, ErrVisitNoKind
	}
	ok, err := MayVisit(tx, by, byAdmin)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, ErrNotVisitor
	}
	var tasks []Task
	if len(v.Tasks) > 0 {
		if err := tx.Where("id IN ?", visitTaskIDs(v)).Order("code").Find(&tasks).Error; err != nil {
			return nil, nil, fmt.Errorf("tasks of visit %d: %w", v.ID, err)
		}
	}
	codes := make([]string, len(tasks))
	for i, t := range tasks {
		codes[i] = t.Code
	}
	if _, err := visitTasks(tx, by, byAdmin, codes); err != nil {
		return nil, nil, err
	}
	res := tx.Model(&Visit{}).Where("id = ? AND state = ?", v.ID, VisitDraft).Updates(map[string]any{"state": VisitSaved, "saved_at": now})
	if res.Error != nil {
		return nil, nil, fmt.Errorf("save visit %d: %w", v.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil, fmt.Errorf("visit %d: %w", v.ID, ErrNoVisitDraft)
	}
	v.State, v.SavedAt = VisitSaved, &now
	var opened []CoordinationRequest
	for i := range v.Findings {
		f := &v.Findings[i]
		if f.Kind != FindingCoordinate || f.TaskID == nil {
			continue
		}
		c := CoordinationRequest{TaskID: *f.TaskID, RaisedByID: by, State: CoordinationOpen, Text: truncate(f.Text, 4000), CreatedAt: now}
		if err := tx.Create(&c).Error; err != nil {
			return nil, nil, fmt.Errorf("coordination from visit %d: %w", v.ID, err)
		}
		if err := tx.Model(f).Update("coordination_id", c.ID).Error; err != nil {
			return nil, nil, fmt.Errorf("finding %d of visit %d: %w", f.Seq, v.ID, err)
		}
		f.CoordinationID = &c.ID
		detail := fmt.Sprintf("request %d from visit %d: %s", c.ID, v.ID, truncate(c.Text, 500))
		if err := Audit(tx, &by, &c.TaskID, "coordination_opened", detail); err != nil {
			return nil, nil, err
		}
		opened = append(opened, c)
	}
	tally := v.Tally()
	detail := fmt.Sprintf("visit %d (%s) to %s: found %d, solved %d, coordination %d; location %s; %d files",
		v.ID, v.Kind, strings.Join(codes, ","), tally.Found, tally.Solved, tally.Coordinate, orNone(v.LocationSource), len(v.Files))
	var first *uint
	if len(tasks) > 0 {
		first = &tasks[0].ID
	}
	if err := Audit(tx, &by, first, "visit_saved", detail); err != nil {
		return nil, nil, err
	}
	return v, opened, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// VisitTally counts findings by kind.
type VisitTally struct {
	Visits, Found, Solved, Coordinate int
}

// Tally counts the visit's findings.
func (v *Visit) Tally() VisitTally {
	t := VisitTally{Visits: 1}
	for _, f := range v.Findings {
		switch f.Kind {
		case FindingFound:
			t.Found++
		case FindingSolved:
			t.Solved++
		case FindingCoordinate:
			t.Coordinate++
		}
	}
	return t
}

// VisitsOfTask lists the saved visits to a task, newest first.
func VisitsOfTask(tx *gorm.DB, taskID uint) ([]Visit, error) {
	var vs []Visit
	err := tx.Where("state = ? AND id IN (?)", VisitSaved, tx.Model(&VisitTask{}).Select("visit_id").Where("task_id = ?", taskID)).
		Order("saved_at DESC, id DESC").Find(&vs).Error
	if err != nil {
		return nil, fmt.Errorf("visits to task %d: %w", taskID, err)
	}
	for i := range vs {
		if err := loadVisit(tx, &vs[i]); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// VisitWeek counts a person's saved visits in [from, to): how many, and
// what they found and solved. It is told to the person about their own
// week only: visits are never ranked or given a target.
func VisitWeek(tx *gorm.DB, personID uint, from, to time.Time) (VisitTally, error) {
	var vs []Visit
	err := tx.Where("person_id = ? AND state = ? AND saved_at >= ? AND saved_at < ?", personID, VisitSaved, from, to).Find(&vs).Error
	if err != nil {
		return VisitTally{}, fmt.Errorf("visits of person %d: %w", personID, err)
	}
	var total VisitTally
	for i := range vs {
		if err := tx.Where("visit_id = ?", vs[i].ID).Find(&vs[i].Findings).Error; err != nil {
			return VisitTally{}, fmt.Errorf("findings of visit %d: %w", vs[i].ID, err)
		}
		t := vs[i].Tally()
		total.Visits++
		total.Found += t.Found
		total.Solved += t.Solved
		total.Coordinate += t.Coordinate
	}
	return total, nil
}

// DistanceMeters is the great-circle distance between two points, for
// telling how far a visit's location was from a task's site. It is
// information for the reader, never a check: nothing is refused for it.
func DistanceMeters(lat1, lon1, lat2, lon2 float64) float64 {
	const earth = 6371000.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earth * math.Asin(math.Min(1, math.Sqrt(a)))
}
