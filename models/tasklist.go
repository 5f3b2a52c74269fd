package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// TaskSpec is one task as a task list states it.
type TaskSpec struct {
	Code, Title, Department, Category, Schedule string
	Leaders, Owners, Attendants                 []PersonSpec
	Milestones                                  []MilestoneSpec
}

// PersonSpec names a person; Department tells namesakes apart.
type PersonSpec struct{ Name, Department string }

// Key is how the person is written: 姓名 or 姓名(单位).
func (p PersonSpec) Key() string {
	if p.Department == "" {
		return p.Name
	}
	return p.Name + "(" + p.Department + ")"
}

// MilestoneSpec is one milestone as a task list states it. Due is a
// calendar date at midnight UTC.
type MilestoneSpec struct {
	Seq   int
	Title string
	Due   time.Time
}

// ImportResult says what an import changed.
type ImportResult struct {
	TasksCreated, TasksUpdated           int
	MilestonesCreated, MilestonesUpdated int
	PeopleCreated                        int
	AssignmentsAdded, AssignmentsRemoved int
	// Missing lists tasks and milestones the database has and the file
	// does not; they are left alone, with their reports.
	MissingTasks      []string
	MissingMilestones []string
	// Warnings are the reader's remarks (ignored columns and the like).
	Warnings []string
}

// Changed tells whether the import changed anything.
func (r ImportResult) Changed() bool {
	return r.TasksCreated+r.TasksUpdated+r.MilestonesCreated+r.MilestonesUpdated+
		r.PeopleCreated+r.AssignmentsAdded+r.AssignmentsRemoved > 0
}

var errDryRun = errors.New("dry run")

// ImportTasks applies a validated task list in one transaction: tasks and
// milestones are matched by code and number, people by key; titles, dates
// and people are updated; nothing is ever deleted but the assignments the
// file no longer lists. With dryRun the result is computed and rolled back.
func (s *Store) ImportTasks(ctx context.Context, specs []TaskSpec, dryRun bool) (ImportResult, error) {
	var res ImportResult
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		res = ImportResult{}
		if err := importTasks(tx, specs, &res); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		if !res.Changed() {
			return nil
		}
		return Audit(tx, nil, nil, "import", fmt.Sprintf("%+v", res))
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return res, fmt.Errorf("import tasks: %w", err)
	}
	return res, nil
}

func importTasks(tx *gorm.DB, specs []TaskSpec, res *ImportResult) error {
	people, err := upsertPeople(tx, specs, res)
	if err != nil {
		return err
	}
	var existing []Task
	if err := tx.Find(&existing).Error; err != nil {
		return fmt.Errorf("load tasks: %w", err)
	}
	byCode := make(map[string]Task, len(existing))
	for _, t := range existing {
		byCode[t.Code] = t
	}
	seen := map[string]bool{}
	for _, spec := range specs {
		seen[spec.Code] = true
		task, err := upsertTask(tx, spec, byCode, res)
		if err != nil {
			return err
		}
		if err := upsertMilestones(tx, task, spec, res); err != nil {
			return err
		}
		if err := syncAssignments(tx, task, spec, people, res); err != nil {
			return err
		}
	}
	for code := range byCode {
		if !seen[code] {
			res.MissingTasks = append(res.MissingTasks, code)
		}
	}
	sort.Strings(res.MissingTasks)
	sort.Strings(res.MissingMilestones)
	return nil
}

func upsertPeople(tx *gorm.DB, specs []TaskSpec, res *ImportResult) (map[string]uint, error) {
	var existing []Person
	if err := tx.Find(&existing).Error; err != nil {
		return nil, fmt.Errorf("load people: %w", err)
	}
	ids := make(map[string]uint, len(existing))
	for _, p := range existing {
		ids[p.Key] = p.ID
	}
	for _, spec := range specs {
		for _, group := range [][]PersonSpec{spec.Leaders, spec.Owners, spec.Attendants} {
			for _, ps := range group {
				if _, ok := ids[ps.Key()]; ok {
					continue
				}
				p := Person{Key: ps.Key(), Name: ps.Name, Department: ps.Department}
				if err := tx.Create(&p).Error; err != nil {
					return nil, fmt.Errorf("create person %s: %w", p.Key, err)
				}
				ids[p.Key] = p.ID
				res.PeopleCreated++
			}
		}
	}
	return ids, nil
}

func upsertTask(tx *gorm.DB, spec TaskSpec, byCode map[string]Task, res *ImportResult) (Task, error) {
	t, ok := byCode[spec.Code]
	if !ok {
		t = Task{Code: spec.Code, Title: spec.Title, Department: spec.Department, Category: spec.Category, Schedule: spec.Schedule}
		if err := tx.Create(&t).Error; err != nil {
			return t, fmt.Errorf("create task %s: %w", spec.Code, err)
		}
		res.TasksCreated++
		return t, nil
	}
	if t.Title == spec.Title && t.Department == spec.Department && t.Category == spec.Category && t.Schedule == spec.Schedule {
		return t, nil
	}
	// A map, not a struct: Updates(struct) would skip emptied fields.
	err := tx.Model(&t).Updates(map[string]any{
		"title": spec.Title, "department": spec.Department, "category": spec.Category, "schedule": spec.Schedule,
	}).Error
	if err != nil {
		return t, fmt.Errorf("update task %s: %w", spec.Code, err)
	}
	res.TasksUpdated++
	return t, nil
}

func upsertMilestones(tx *gorm.DB, task Task, spec TaskSpec, res *ImportResult) error {
	var existing []Milestone
	if err := tx.Where("task_id = ?", task.ID).Find(&existing).Error; err != nil {
		return fmt.Errorf("load milestones of %s: %w", task.Code, err)
	}
	bySeq := make(map[int]Milestone, len(existing))
	for _, m := range existing {
		bySeq[m.Seq] = m
	}
	for _, ms := range spec.Milestones {
		due := ms.Due.UTC()
		m, ok := bySeq[ms.Seq]
		delete(bySeq, ms.Seq)
		if !ok {
			m = Milestone{TaskID: task.ID, Seq: ms.Seq, Title: ms.Title, DueDate: due, State: StatePending}
			if err := tx.Create(&m).Error; err != nil {
				return fmt.Errorf("create milestone %s#%d: %w", task.Code, ms.Seq, err)
			}
			res.MilestonesCreated++
			continue
		}
		if m.Title == ms.Title && m.DueDate.Equal(due) {
			continue
		}
		if err := tx.Model(&m).Updates(map[string]any{"title": ms.Title, "due_date": due}).Error; err != nil {
			return fmt.Errorf("update milestone %s#%d: %w", task.Code, ms.Seq, err)
		}
		res.MilestonesUpdated++
	}
	for seq := range bySeq {
		res.MissingMilestones = append(res.MissingMilestones, fmt.Sprintf("%s#%d", task.Code, seq))
	}
	return nil
}

func syncAssignments(tx *gorm.DB, task Task, spec TaskSpec, people map[string]uint, res *ImportResult) error {
	type slot struct {
		person uint
		role   Role
	}
	want := map[slot]bool{}
	for _, g := range []struct {
		role   Role
		people []PersonSpec
	}{{RoleLeader, spec.Leaders}, {RoleOwner, spec.Owners}, {RoleAttendant, spec.Attendants}} {
		for _, p := range g.people {
			want[slot{people[p.Key()], g.role}] = true
		}
	}
	var existing []Assignment
	if err := tx.Where("task_id = ?", task.ID).Find(&existing).Error; err != nil {
		return fmt.Errorf("load assignments of %s: %w", task.Code, err)
	}
	for _, a := range existing {
		k := slot{a.PersonID, a.Role}
		if want[k] {
			delete(want, k)
			continue
		}
		if err := tx.Delete(&Assignment{}, a.ID).Error; err != nil {
			return fmt.Errorf("remove assignment on %s: %w", task.Code, err)
		}
		res.AssignmentsRemoved++
	}
	// Sorted so that ids, and so listings, follow the file's order.
	var add []slot
	for k := range want {
		add = append(add, k)
	}
	sort.Slice(add, func(i, j int) bool {
		if add[i].role != add[j].role {
			return add[i].role < add[j].role
		}
		return add[i].person < add[j].person
	})
	for _, k := range add {
		if err := tx.Create(&Assignment{PersonID: k.person, TaskID: task.ID, Role: k.role}).Error; err != nil {
			return fmt.Errorf("assign person %d to %s: %w", k.person, task.Code, err)
		}
		res.AssignmentsAdded++
	}
	return nil
}
