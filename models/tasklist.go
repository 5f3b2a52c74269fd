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
	// Site is where the project is, when the list gives it; a list that
	// does not leaves the stored site alone.
	Site *Site
}

// Site is a project's place.
type Site struct{ Lat, Lon float64 }

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
	// PeopleRenamed, as "old → new", are people the file names with a
	// department added or dropped; they keep their binding and history.
	PeopleRenamed []string
	// BoundWithoutTasks are people bound to Telegram whom this import left
	// on no task (a name written differently, or someone replaced).
	BoundWithoutTasks []string
	// DueDatesMoved are the milestones whose due date the file moved: it
	// gives another date than the list gave before. The due date follows
	// the file; the baseline does not, since only an approved extension
	// moves it. A file that still gives the date it gave before leaves an
	// extended due date alone.
	DueDatesMoved []DueDateMove
	// Warnings are the reader's remarks (ignored columns and the like).
	Warnings []string
	// DelegationsEnded are the deputies of people on leave whom this
	// import took off the task they stood in on.
	DelegationsEnded []DelegationEnd
}

// DueDateMove is a due date a task list moved, with the milestone's
// baseline, which stayed.
type DueDateMove struct {
	Milestone          string // T07#2
	From, To, Baseline time.Time
}

func (m DueDateMove) String() string {
	return fmt.Sprintf("%s %s → %s (baseline %s)", m.Milestone, m.From.UTC().Format(time.DateOnly), m.To.UTC().Format(time.DateOnly),
		m.Baseline.UTC().Format(time.DateOnly))
}

// Changed tells whether the import changed anything.
func (r ImportResult) Changed() bool {
	return r.TasksCreated+r.TasksUpdated+r.MilestonesCreated+r.MilestonesUpdated+
		r.PeopleCreated+len(r.PeopleRenamed)+r.AssignmentsAdded+r.AssignmentsRemoved > 0
}

var errDryRun = errors.New("dry run")

// ImportTasks applies a validated task list in one transaction: tasks and
// milestones are matched by code and number, people by key (or by name
// when only the department was added or dropped, see renamedPeople); titles,
// dates and people are updated; nothing is ever deleted but the assignments the
// file no longer lists. With dryRun the result is computed and rolled back.
func (s *Store) ImportTasks(ctx context.Context, specs []TaskSpec, dryRun bool) (ImportResult, error) {
	return s.ImportTasksThen(ctx, specs, dryRun, nil)
}

// ImportTasksThen is ImportTasks followed, in its transaction, by then
// (e.g. to queue word of the delegations it ended); not on a dry run.
func (s *Store) ImportTasksThen(ctx context.Context, specs []TaskSpec, dryRun bool, then func(tx *gorm.DB, res ImportResult) error) (ImportResult, error) {
	var res ImportResult
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		res = ImportResult{}
		ended, err := DelegationsEndedBy(tx, tx.NowFunc(), func() error { return importTasks(tx, specs, &res) })
		if err != nil {
			return err
		}
		res.DelegationsEnded = ended
		if dryRun {
			return errDryRun
		}
		if !res.Changed() {
			return nil
		}
		if then != nil {
			if err := then(tx, res); err != nil {
				return err
			}
		}
		return Audit(tx, nil, nil, "import", fmt.Sprintf("%+v", res))
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return res, fmt.Errorf("import tasks: %w", err)
	}
	return res, nil
}

func importTasks(tx *gorm.DB, specs []TaskSpec, res *ImportResult) error {
	busyBefore, err := boundPeopleOnTasks(tx)
	if err != nil {
		return err
	}
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
	busyAfter, err := boundPeopleOnTasks(tx)
	if err != nil {
		return err
	}
	for id, key := range busyBefore {
		if _, ok := busyAfter[id]; !ok {
			res.BoundWithoutTasks = append(res.BoundWithoutTasks, key)
		}
	}
	sort.Strings(res.BoundWithoutTasks)
	return nil
}

// boundPeopleOnTasks maps the bound people who hold an assignment to their
// keys.
func boundPeopleOnTasks(tx *gorm.DB) (map[uint]string, error) {
	var rows []Person
	err := tx.Where("telegram_id IS NOT NULL AND id IN (?)", tx.Model(&Assignment{}).Select("person_id")).
		Select("id", "key").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bound people on tasks: %w", err)
	}
	out := make(map[uint]string, len(rows))
	for _, p := range rows {
		out[p.ID] = p.Key
	}
	return out, nil
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
	named := map[string]PersonSpec{} // every key the file uses
	for _, spec := range specs {
		for _, group := range [][]PersonSpec{spec.Leaders, spec.Owners, spec.Attendants} {
			for _, ps := range group {
				named[ps.Key()] = ps
			}
		}
	}
	renames := renamedPeople(existing, named, ids)
	for _, spec := range specs {
		for _, group := range [][]PersonSpec{spec.Leaders, spec.Owners, spec.Attendants} {
			for _, ps := range group {
				if _, ok := ids[ps.Key()]; ok {
					continue
				}
				if old, ok := renames[ps.Key()]; ok {
					err := tx.Model(&Person{}).Where("id = ?", old.ID).
						Updates(map[string]any{"key": ps.Key(), "department": ps.Department}).Error
					if err != nil {
						return nil, fmt.Errorf("rename person %s to %s: %w", old.Key, ps.Key(), err)
					}
					ids[ps.Key()] = old.ID
					res.PeopleRenamed = append(res.PeopleRenamed, old.Key+" → "+ps.Key())
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
	sort.Strings(res.PeopleRenamed)
	return ids, nil
}

// renamedPeople finds the new keys that are an existing person with a
// department added (张伟 → 张伟(区住建局)) or dropped: the file no longer
// names that person by their old key, and the name is unambiguous on both
// sides. Such a person keeps their id, so their binding, reports and
// settings. Any other change of name cannot be told from a replacement and
// makes a new person.
func renamedPeople(existing []Person, named map[string]PersonSpec, ids map[string]uint) map[string]Person {
	oldByName := map[string][]Person{}
	for _, p := range existing {
		oldByName[p.Name] = append(oldByName[p.Name], p)
	}
	newByName := map[string][]PersonSpec{}
	for key, ps := range named {
		if _, ok := ids[key]; !ok {
			newByName[ps.Name] = append(newByName[ps.Name], ps)
		}
	}
	out := map[string]Person{}
	for name, fresh := range newByName {
		olds := oldByName[name]
		if len(fresh) != 1 || len(olds) != 1 {
			continue
		}
		old, ps := olds[0], fresh[0]
		if _, still := named[old.Key]; still || (old.Department == "") == (ps.Department == "") {
			continue
		}
		out[ps.Key()] = old
	}
	return out
}

func upsertTask(tx *gorm.DB, spec TaskSpec, byCode map[string]Task, res *ImportResult) (Task, error) {
	t, ok := byCode[spec.Code]
	if !ok {
		t = Task{Code: spec.Code, Title: spec.Title, Department: spec.Department, Category: spec.Category, Schedule: spec.Schedule}
		if spec.Site != nil {
			t.SiteLat, t.SiteLon = &spec.Site.Lat, &spec.Site.Lon
		}
		if err := tx.Create(&t).Error; err != nil {
			return t, fmt.Errorf("create task %s: %w", spec.Code, err)
		}
		res.TasksCreated++
		return t, nil
	}
	sameSite := spec.Site == nil || t.SiteLat != nil && t.SiteLon != nil && *t.SiteLat == spec.Site.Lat && *t.SiteLon == spec.Site.Lon
	if t.Title == spec.Title && t.Department == spec.Department && t.Category == spec.Category && t.Schedule == spec.Schedule && sameSite {
		return t, nil
	}
	// A map, not a struct: Updates(struct) would skip emptied fields.
	change := map[string]any{
		"title": spec.Title, "department": spec.Department, "category": spec.Category, "schedule": spec.Schedule,
	}
	if spec.Site != nil {
		change["site_lat"], change["site_lon"] = spec.Site.Lat, spec.Site.Lon
	}
	err := tx.Model(&t).Updates(change).Error
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
			m = Milestone{TaskID: task.ID, Seq: ms.Seq, Title: ms.Title, DueDate: due, OriginalDue: due, BaselineDue: due, ListedDue: due,
				State: StatePending}
			if err := tx.Create(&m).Error; err != nil {
				return fmt.Errorf("create milestone %s#%d: %w", task.Code, ms.Seq, err)
			}
			res.MilestonesCreated++
			continue
		}
		// A list that gives the date it gave before was not edited there:
		// the due date stays, whatever an approved extension made it.
		// One that gives another date moves the due date, and the import
		// says so; the baseline stays, since only an extension moves it.
		edited := !due.Equal(m.Listed())
		moved := edited && !due.Equal(m.DueDate.UTC())
		if m.Title == ms.Title && !edited {
			continue
		}
		update := map[string]any{"title": ms.Title}
		if edited {
			update["due_date"], update["listed_due"] = due, due
		}
		if err := tx.Model(&Milestone{}).Where("id = ?", m.ID).Updates(update).Error; err != nil {
			return fmt.Errorf("update milestone %s#%d: %w", task.Code, ms.Seq, err)
		}
		if m.Title == ms.Title && !moved {
			// The list caught up with an extension: nothing anyone sees
			// changed.
			continue
		}
		res.MilestonesUpdated++
		if moved {
			res.DueDatesMoved = append(res.DueDatesMoved, DueDateMove{
				Milestone: fmt.Sprintf("%s#%d", task.Code, ms.Seq), From: m.DueDate.UTC(), To: due, Baseline: m.Baseline(),
			})
		}
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
