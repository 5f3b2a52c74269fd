package report

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// BoardRow is one task on the board.
type BoardRow struct {
	Task models.TaskDetail
	// Next is the open milestone due first (overdue ones included), nil
	// when every milestone is done.
	Next *models.Milestone
	// OverdueDays is how many days the most overdue milestone is late, 0
	// when none is.
	OverdueDays int
	Latest      *Latest
	// Facts are what the light was decided from beyond the milestones, so
	// that the board can say why a task is red or yellow.
	Facts models.LightFacts
	// Away are the task's reporters on leave, with who reports for them.
	Away []models.Absence
}

// BoardQuery is what a board page asks for.
type BoardQuery struct {
	Viewer models.Viewer
	Filter models.TaskFilter
	// Search keeps the tasks whose code or title holds it, in any case.
	Search string
	// Light keeps the tasks of one light; empty keeps every light.
	Light models.Light
	// Offset rows of the ordered list are skipped, and at most Limit
	// listed (every one when Limit is 0).
	Offset, Limit int
}

// BoardPage is one page of the board.
type BoardPage struct {
	// Rows are the page's tasks, worst first: by light, then the longest
	// overdue, then by code.
	Rows []BoardRow
	// Counts are the tasks of each light among all that the filters and
	// the search keep, whatever the light chosen and the page.
	Counts map[models.Light]int
	// Total is how many tasks the list holds over all its pages.
	Total int
}

// Board reads a page of the board in a fixed number of queries, whatever
// the number of tasks: every task the viewer may see is lit, counted and
// ordered from its milestones' digest, and only the page's tasks are
// loaded whole.
func Board(tx *gorm.DB, q BoardQuery, today time.Time, rules models.LightRules) (*BoardPage, error) {
	digests, err := models.TaskDigests(tx, q.Viewer, q.Filter)
	if err != nil {
		return nil, err
	}
	kept := digests[:0]
	for _, d := range digests {
		if SearchMatches(d.Task, q.Search) {
			kept = append(kept, d)
		}
	}
	facts, err := models.LightFactsVisibleTo(tx, q.Viewer)
	if err != nil {
		return nil, err
	}
	type entry struct {
		id            uint
		rank, overdue int
		code          string
		light         models.Light
	}
	page := &BoardPage{Counts: map[models.Light]int{}}
	list := make([]entry, 0, len(kept))
	for _, d := range kept {
		light := models.DigestLight(d.Task, d.Milestones, facts[d.Task.ID], today, rules)
		page.Counts[light]++
		if q.Light != "" && light != q.Light {
			continue
		}
		list = append(list, entry{id: d.Task.ID, rank: lightRank(light), overdue: DaysOverdue(d.Milestones.FirstOpen(), today),
			code: d.Task.Code, light: light})
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.overdue != b.overdue {
			return a.overdue > b.overdue
		}
		return a.code < b.code
	})
	page.Total = len(list)
	list = list[min(max(q.Offset, 0), len(list)):]
	if q.Limit > 0 && len(list) > q.Limit {
		list = list[:q.Limit]
	}
	shown := make([]uint, len(list))
	for i, e := range list {
		shown[i] = e.id
	}
	details, err := models.TasksByIDs(tx, shown)
	if err != nil {
		return nil, err
	}
	latest := make(map[uint]*Latest, len(shown))
	for _, chunk := range models.IDChunks(shown) {
		l, err := latestReports(tx, chunk)
		if err != nil {
			return nil, err
		}
		for id, r := range l {
			latest[id] = r
		}
	}
	away, err := models.AbsencesOnTasks(tx, shown, tx.NowFunc())
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		d, ok := details[e.id]
		if !ok {
			// Deleted since it was counted.
			continue
		}
		// The light the task was counted and ordered by.
		d.Light = e.light
		r := BoardRow{Task: *d, Latest: latest[d.Task.ID], Facts: facts[d.Task.ID], Away: models.AbsencesForReader(away[d.Task.ID], q.Viewer.Admin)}
		for j := range d.Milestones {
			m := &d.Milestones[j]
			if m.State == models.StateDone {
				continue
			}
			if models.MilestoneOverdue(*m, today) {
				r.OverdueDays = max(r.OverdueDays, DaysOverdue(*m, today))
			}
			if !m.DueDate.IsZero() && (r.Next == nil || m.DueDate.Before(r.Next.DueDate)) {
				r.Next = m
			}
		}
		page.Rows = append(page.Rows, r)
	}
	return page, nil
}

// SearchMatches tells whether the board's search s finds task t: its code
// or title holds s, in any case. An empty search finds every task.
func SearchMatches(t models.Task, s string) bool {
	q := strings.ToLower(s)
	return q == "" || strings.Contains(strings.ToLower(t.Code), q) || strings.Contains(strings.ToLower(t.Title), q)
}

// DaysOverdue is how many days m is past due on today, 0 unless
// models.MilestoneOverdue says it is overdue.
func DaysOverdue(m models.Milestone, today time.Time) int {
	if !models.MilestoneOverdue(m, today) {
		return 0
	}
	return int(today.Sub(m.DueDate.UTC()).Hours() / 24)
}

// MilestoneLine is a milestone on a task's page.
type MilestoneLine struct {
	models.Milestone
	Overdue     bool
	DueSoon     bool
	OverdueDays int
}

// HistoryEntry is one report of a task's history, standing or not.
type HistoryEntry struct {
	ID     uint
	At     time.Time
	Person string
	// OnBehalfOf names the absent person a deputy reported for (代报).
	OnBehalfOf string
	Milestone  int
	State      models.MilestoneState
	Percent    *int
	Note       string
	Source     string
	// Corrects is set on a correction of an earlier report; Superseded on
	// a report a later correction replaced; Withdrawn on one taken back.
	Corrects    bool
	Superseded  bool
	Withdrawn   bool
	Reopens     bool
	Attachments []models.Attachment
}

// OpenRequest is an open coordination request.
type OpenRequest struct {
	Person    string
	Milestone int // 0 when the request names none
	Text      string
	At        time.Time
}

// InstructionStatus is an instruction with who confirmed reading it.
type InstructionStatus struct {
	Leader      string
	Text        string
	At          time.Time
	Confirmed   []string
	Unconfirmed []string
}

// TaskPage is everything a task's page shows.
type TaskPage struct {
	Task         models.TaskDetail
	Milestones   []MilestoneLine
	History      []HistoryEntry // newest first
	Coordination []OpenRequest
	Instructions []InstructionStatus // newest first
}

// BuildTaskPage reads a task's page in a fixed number of queries.
func BuildTaskPage(tx *gorm.DB, d models.TaskDetail, today time.Time, rules models.LightRules) (*TaskPage, error) {
	one := []models.TaskDetail{d}
	if err := models.AttachLights(tx, one, today, rules); err != nil {
		return nil, err
	}
	p := &TaskPage{Task: one[0]}
	seqOf := map[uint]int{}
	for _, m := range p.Task.Milestones {
		seqOf[m.ID] = m.Seq
		p.Milestones = append(p.Milestones, MilestoneLine{Milestone: m, Overdue: models.MilestoneOverdue(m, today),
			DueSoon: models.MilestoneDueSoon(m, today, rules), OverdueDays: DaysOverdue(m, today)})
	}
	id := d.Task.ID
	var reports []struct {
		models.Report
		Person     string
		OnBehalfOf string
	}
	err := tx.Table("reports r").Select("r.*, p.key AS person, COALESCE(b.key, '') AS on_behalf_of").Joins("JOIN people p ON p.id = r.person_id").
		Joins("LEFT JOIN people b ON b.id = r.on_behalf_of_id").Where("r.task_id = ?", id).Order("r.id DESC").Scan(&reports).Error
	if err != nil {
		return nil, fmt.Errorf("report history of task %d: %w", id, err)
	}
	var files []models.Attachment
	err = tx.Where("report_id IN (?)", tx.Model(&models.Report{}).Select("id").Where("task_id = ?", id)).Order("id").Find(&files).Error
	if err != nil {
		return nil, fmt.Errorf("evidence of task %d: %w", id, err)
	}
	byReport := map[uint][]models.Attachment{}
	for _, f := range files {
		byReport[f.ReportID] = append(byReport[f.ReportID], f)
	}
	// A percent and note added to a button report complete it: the ledger
	// keeps both rows, the history reads as the one report they make.
	completed := map[uint]bool{}
	for _, r := range reports {
		if r.Source == models.SourceDetail && r.OriginID != 0 {
			completed[r.ID] = true
		}
	}
	for _, r := range reports {
		if r.SupersededBy != nil && completed[*r.SupersededBy] {
			continue
		}
		p.History = append(p.History, HistoryEntry{ID: r.ID, At: r.CreatedAt, Person: r.Person, OnBehalfOf: r.OnBehalfOf, Milestone: seqOf[r.MilestoneID],
			State: r.State, Percent: r.Percent, Note: r.Note, Source: r.Source, Corrects: r.OriginID != 0 && r.OriginID != r.ID && !completed[r.ID],
			Superseded: r.SupersededBy != nil, Withdrawn: r.Withdrawn, Reopens: r.Reopens, Attachments: byReport[r.ID]})
	}
	var open []struct {
		models.CoordinationRequest
		Person string
	}
	err = tx.Table("coordination_requests c").Select("c.*, p.key AS person").Joins("JOIN people p ON p.id = c.raised_by_id").
		Where("c.task_id = ? AND c.resolved_at IS NULL", id).Order("c.id").Scan(&open).Error
	if err != nil {
		return nil, fmt.Errorf("open coordination requests of task %d: %w", id, err)
	}
	for _, c := range open {
		r := OpenRequest{Person: c.Person, Text: c.Text, At: c.CreatedAt}
		if c.MilestoneID != nil {
			r.Milestone = seqOf[*c.MilestoneID]
		}
		p.Coordination = append(p.Coordination, r)
	}
	var receipts []struct {
		InstructionID uint
		Leader        string
		Text          string
		At            time.Time
		Person        *string
		Confirmed     bool
	}
	err = tx.Raw(`SELECT i.id AS instruction_id, l.key AS leader, i.text, i.created_at AS at, p.key AS person,
  (r.confirmed_at IS NOT NULL) AS confirmed
FROM instructions i JOIN people l ON l.id = i.leader_id
LEFT JOIN instruction_receipts r ON r.instruction_id = i.id LEFT JOIN people p ON p.id = r.person_id
WHERE i.task_id = ? ORDER BY i.id DESC, p.key`, id).Scan(&receipts).Error
	if err != nil {
		return nil, fmt.Errorf("instructions of task %d: %w", id, err)
	}
	var last uint
	for _, r := range receipts {
		if len(p.Instructions) == 0 || r.InstructionID != last {
			p.Instructions = append(p.Instructions, InstructionStatus{Leader: r.Leader, Text: r.Text, At: r.At})
			last = r.InstructionID
		}
		in := &p.Instructions[len(p.Instructions)-1]
		switch {
		case r.Person == nil:
		case r.Confirmed:
			in.Confirmed = append(in.Confirmed, *r.Person)
		default:
			in.Unconfirmed = append(in.Unconfirmed, *r.Person)
		}
	}
	return p, nil
}

// EvidenceTask finds the task an attachment is evidence on, so that a
// file is served only to someone who may see that task.
func EvidenceTask(tx *gorm.DB, attachmentID uint) (models.Attachment, string, error) {
	var row struct {
		models.Attachment
		Code string
	}
	err := tx.Table("attachments a").Select("a.*, t.code").Joins("JOIN reports r ON r.id = a.report_id").
		Joins("JOIN tasks t ON t.id = r.task_id").Where("a.id = ?", attachmentID).Take(&row).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return models.Attachment{}, "", fmt.Errorf("attachment %d: %w", attachmentID, models.ErrNotFound)
		}
		return models.Attachment{}, "", fmt.Errorf("attachment %d: %w", attachmentID, err)
	}
	return row.Attachment, row.Code, nil
}
