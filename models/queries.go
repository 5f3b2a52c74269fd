package models

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TaskDetail is a task with its milestones and the people on it.
type TaskDetail struct {
	Task       Task
	Milestones []Milestone
	Leaders    []Person
	Owners     []Person
	Attendants []Person
	// Light is set by AttachLights.
	Light Light
}

// HasPerson tells whether the person holds any role on the task.
func (d *TaskDetail) HasPerson(personID uint) bool {
	return len(d.RolesOf(personID)) > 0
}

// CanReport tells whether the person is one of the task's reporters, as
// loaded; a deputy of one who is away may report too (models.CanReport).
func (d *TaskDetail) CanReport(personID uint) bool {
	for _, r := range d.RolesOf(personID) {
		if slices.Contains(reporterRoles, r) {
			return true
		}
	}
	return false
}

// HasRole tells whether the person holds role on the task.
func (d *TaskDetail) HasRole(personID uint, role Role) bool {
	return slices.Contains(d.RolesOf(personID), role)
}

// RolesOf lists the person's roles on the task.
func (d *TaskDetail) RolesOf(personID uint) []Role {
	var roles []Role
	for _, g := range []struct {
		role   Role
		people []Person
	}{{RoleLeader, d.Leaders}, {RoleOwner, d.Owners}, {RoleAttendant, d.Attendants}} {
		for _, p := range g.people {
			if p.ID == personID {
				roles = append(roles, g.role)
				break
			}
		}
	}
	return roles
}

// PersonByTelegramID finds the person bound to a Telegram account.
func PersonByTelegramID(tx *gorm.DB, telegramID int64) (*Person, error) {
	var found []Person
	err := eachRow(tx, func(rows *sql.Rows) error {
		p, err := scanPerson(rows)
		found = append(found, p)
		return err
	}, `SELECT `+personColumns("people")+` FROM people WHERE telegram_id = ?`, telegramID)
	if err == nil && len(found) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("person with telegram id %d: %w", telegramID, err)
	}
	return &found[0], nil
}

// PersonByKey finds a person by name as written in the task list.
func PersonByKey(tx *gorm.DB, key string) (*Person, error) {
	var p Person
	if err := tx.Where("key = ?", key).Take(&p).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("person %q", key))
	}
	return &p, nil
}

// TaskByCode loads one task with its milestones and people.
func TaskByCode(tx *gorm.DB, code string) (*TaskDetail, error) {
	return oneTask(tx, fmt.Sprintf("task %s", code), "code = ?", code)
}

// TaskByID loads one task with its milestones and people.
func TaskByID(tx *gorm.DB, id uint) (*TaskDetail, error) {
	return oneTask(tx, fmt.Sprintf("task %d", id), "id = ?", id)
}

// TasksOfPerson loads every task the person holds a role on, by code.
func TasksOfPerson(tx *gorm.DB, personID uint) ([]TaskDetail, error) {
	var tasks []Task
	err := tx.Where("id IN (?)", tx.Model(&Assignment{}).Select("task_id").Where("person_id = ?", personID)).
		Order("code").Find(&tasks).Error
	if err != nil {
		return nil, fmt.Errorf("tasks of person %d: %w", personID, err)
	}
	return loadDetails(tx, tasks)
}

// TasksByIDs loads many tasks with their milestones and people in a fixed
// number of queries per few thousand tasks, keyed by task id; an id with
// no task is left out.
func TasksByIDs(tx *gorm.DB, ids []uint) (map[uint]*TaskDetail, error) {
	var tasks []Task
	for _, chunk := range chunks(ids, maxIDsPerQuery) {
		var part []Task
		if err := tx.Where(IDsIn("id", chunk)).Find(&part).Error; err != nil {
			return nil, fmt.Errorf("tasks by id: %w", err)
		}
		tasks = append(tasks, part...)
	}
	details, err := loadDetails(tx, tasks)
	if err != nil {
		return nil, err
	}
	out := make(map[uint]*TaskDetail, len(details))
	for i := range details {
		out[details[i].Task.ID] = &details[i]
	}
	return out, nil
}

// PeopleByIDs loads many people keyed by id; an id with no person is left
// out.
func PeopleByIDs(tx *gorm.DB, ids []uint) (map[uint]*Person, error) {
	out := make(map[uint]*Person, len(ids))
	for _, chunk := range chunks(ids, maxIDsPerQuery) {
		var part []Person
		if err := tx.Where(IDsIn("id", chunk)).Find(&part).Error; err != nil {
			return nil, fmt.Errorf("people by id: %w", err)
		}
		for i := range part {
			out[part[i].ID] = &part[i]
		}
	}
	return out, nil
}

// TasksOfPeople loads every task any of the people holds a role on, by
// code, in a fixed number of queries per few thousand people.
func TasksOfPeople(tx *gorm.DB, personIDs []uint) ([]TaskDetail, error) {
	seen := map[uint]bool{}
	var tasks []Task
	for _, chunk := range chunks(personIDs, maxIDsPerQuery) {
		var part []Task
		err := tx.Where("id IN (?)", tx.Model(&Assignment{}).Select("task_id").Where(IDsIn("person_id", chunk))).
			Find(&part).Error
		if err != nil {
			return nil, fmt.Errorf("tasks of %d people: %w", len(chunk), err)
		}
		for _, t := range part {
			if !seen[t.ID] {
				seen[t.ID] = true
				tasks = append(tasks, t)
			}
		}
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].Code < tasks[j].Code })
	return loadDetails(tx, tasks)
}

// AllTasks loads every task, by code.
func AllTasks(tx *gorm.DB) ([]TaskDetail, error) {
	var tasks []Task
	if err := tx.Order("code").Find(&tasks).Error; err != nil {
		return nil, fmt.Errorf("all tasks: %w", err)
	}
	return loadDetails(tx, tasks)
}

// loadDetails fills milestones and people of tasks in two queries per few
// thousand tasks. Rows are scanned by hand into their columns: GORM's
// reflection over a city's 30,000 milestones and 40,000 assignments was
// most of the time of every summary, export and board.
func loadDetails(tx *gorm.DB, tasks []Task) ([]TaskDetail, error) {
	out := make([]TaskDetail, len(tasks))
	if len(tasks) == 0 {
		return out, nil
	}
	index := make(map[uint]int, len(tasks))
	ids := make([]uint, len(tasks))
	for i, t := range tasks {
		out[i].Task = t
		index[t.ID] = i
		ids[i] = t.ID
	}
	for _, chunk := range chunks(ids, maxIDsPerQuery) {
		if err := loadMilestones(tx, chunk, func(m Milestone) {
			d := &out[index[m.TaskID]]
			d.Milestones = append(d.Milestones, m)
		}); err != nil {
			return nil, err
		}
		if err := loadPeople(tx, chunk, func(taskID uint, role Role, p Person) {
			d := &out[index[taskID]]
			switch role {
			case RoleLeader:
				d.Leaders = append(d.Leaders, p)
			case RoleOwner:
				d.Owners = append(d.Owners, p)
			case RoleAttendant:
				d.Attendants = append(d.Attendants, p)
			}
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// eachRow runs a query inside tx and hands each row to scan. The statements
// read for every update (a status reply runs about twenty) are scanned by
// hand: GORM's reflection over a model cost more than SQLite's work.
func eachRow(tx *gorm.DB, scan func(*sql.Rows) error, query string, args ...any) error {
	rows, err := queryRaw(tx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// personColumns are the columns scanPerson reads, in its order, of the
// table or alias from.
func personColumns(from string) string {
	return strings.ReplaceAll(`X.id, X.key, X.name, X.department, X.telegram_id, X.language, X.time_zone, X.unreachable, X.summary_at,
X.bound_at, X.created_at, X.updated_at`, "X.", from+".")
}

// scanPerson scans the columns of personColumns after those of before.
func scanPerson(rows *sql.Rows, before ...any) (Person, error) {
	var p Person
	var telegram sql.NullInt64
	var bound sql.NullTime
	dest := append(before, &p.ID, &p.Key, &p.Name, &p.Department, &telegram, &p.Language, &p.TimeZone, &p.Unreachable,
		&p.SummaryAt, &bound, &p.CreatedAt, &p.UpdatedAt)
	if err := rows.Scan(dest...); err != nil {
		return p, err
	}
	if telegram.Valid {
		p.TelegramID = &telegram.Int64
	}
	if bound.Valid {
		p.BoundAt = &bound.Time
	}
	return p, nil
}

// taskColumns are the columns scanTask reads, in its order.
const taskColumns = `id, code, title, department, category, schedule, done, site_lat, site_lon, closed_at, created_at, updated_at`

func scanTask(rows *sql.Rows) (Task, error) {
	var t Task
	var lat, lon sql.NullFloat64
	var closed, created, updated sql.NullTime
	if err := rows.Scan(&t.ID, &t.Code, &t.Title, &t.Department, &t.Category, &t.Schedule, &t.Done, &lat, &lon, &closed,
		&created, &updated); err != nil {
		return t, err
	}
	t.CreatedAt, t.UpdatedAt = created.Time, updated.Time
	if lat.Valid {
		t.SiteLat = &lat.Float64
	}
	if lon.Valid {
		t.SiteLon = &lon.Float64
	}
	if closed.Valid {
		t.ClosedAt = &closed.Time
	}
	return t, nil
}

// oneTask reads the task a condition names, or ErrNotFound.
func oneTask(tx *gorm.DB, what, where string, args ...any) (*TaskDetail, error) {
	var tasks []Task
	err := eachRow(tx, func(rows *sql.Rows) error {
		t, err := scanTask(rows)
		tasks = append(tasks, t)
		return err
	}, `SELECT `+taskColumns+` FROM tasks WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(tasks) == 0 {
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	details, err := loadDetails(tx, tasks[:1])
	if err != nil {
		return nil, err
	}
	return &details[0], nil
}

// milestoneColumns are the columns scanMilestone reads, in its order.
const milestoneColumns = `id, task_id, seq, title, due_date, original_due, baseline_due, listed_due, state, percent, last_report_id,
created_at, updated_at`

func scanMilestone(rows *sql.Rows) (Milestone, error) {
	var m Milestone
	var due, original, baseline, listed sql.NullTime
	var last sql.NullInt64
	if err := rows.Scan(&m.ID, &m.TaskID, &m.Seq, &m.Title, &due, &original, &baseline, &listed, &m.State, &m.Percent, &last,
		&m.CreatedAt, &m.UpdatedAt); err != nil {
		return m, err
	}
	m.DueDate, m.OriginalDue, m.BaselineDue, m.ListedDue = due.Time, original.Time, baseline.Time, listed.Time
	if last.Valid {
		id := uint(last.Int64)
		m.LastReportID = &id
	}
	return m, nil
}

func loadMilestones(tx *gorm.DB, taskIDs []uint, each func(Milestone)) error {
	err := eachRow(tx, func(rows *sql.Rows) error {
		m, err := scanMilestone(rows)
		if err == nil {
			each(m)
		}
		return err
	}, `SELECT `+milestoneColumns+` FROM milestones WHERE ? ORDER BY task_id, seq`, IDsIn("task_id", taskIDs))
	if err != nil {
		return fmt.Errorf("load milestones: %w", err)
	}
	return nil
}

// milestoneOfTask reads one milestone of a task, or ErrNotFound.
func milestoneOfTask(tx *gorm.DB, taskID, id uint) (*Milestone, error) {
	var found []Milestone
	err := eachRow(tx, func(rows *sql.Rows) error {
		m, err := scanMilestone(rows)
		found = append(found, m)
		return err
	}, `SELECT `+milestoneColumns+` FROM milestones WHERE id = ? AND task_id = ?`, id, taskID)
	if err == nil && len(found) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("milestone %d of task %d: %w", id, taskID, err)
	}
	return &found[0], nil
}

func loadPeople(tx *gorm.DB, taskIDs []uint, each func(taskID uint, role Role, p Person)) error {
	err := eachRow(tx, func(rows *sql.Rows) error {
		var taskID uint
		var role Role
		p, err := scanPerson(rows, &taskID, &role)
		if err == nil {
			each(taskID, role, p)
		}
		return err
	}, `SELECT a.task_id, a.role, `+personColumns("p")+`
FROM assignments a JOIN people p ON p.id = a.person_id WHERE ? ORDER BY a.task_id, a.id`, IDsIn("a.task_id", taskIDs))
	if err != nil {
		return fmt.Errorf("load people of tasks: %w", err)
	}
	return nil
}

// IDChunks splits ids into lists small enough to bind to one IN clause.
func IDChunks(ids []uint) [][]uint { return chunks(ids, maxIDsPerQuery) }

func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}

// PersonSummary is a line of `taskbot people`.
type PersonSummary struct {
	Person Person
	Roles  map[Role][]string // role → task codes
}

// People lists everyone with their roles, by key.
func People(tx *gorm.DB) ([]PersonSummary, error) {
	var people []Person
	if err := tx.Order("key").Find(&people).Error; err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	var rows []struct {
		PersonID uint
		Role     Role
		Code     string
	}
	err := tx.Table("assignments a").Select("a.person_id, a.role, t.code").
		Joins("JOIN tasks t ON t.id = a.task_id").Order("t.code").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	byPerson := map[uint]map[Role][]string{}
	for _, r := range rows {
		if byPerson[r.PersonID] == nil {
			byPerson[r.PersonID] = map[Role][]string{}
		}
		byPerson[r.PersonID][r.Role] = append(byPerson[r.PersonID][r.Role], r.Code)
	}
	out := make([]PersonSummary, len(people))
	for i, p := range people {
		out[i] = PersonSummary{Person: p, Roles: byPerson[p.ID]}
	}
	return out, nil
}

// RoleNames lists a summary's roles in a stable order.
func (p PersonSummary) RoleNames() []Role {
	var roles []Role
	for r := range p.Roles {
		roles = append(roles, r)
	}
	sort.Slice(roles, func(i, j int) bool { return roleOrder(roles[i]) < roleOrder(roles[j]) })
	return roles
}

func roleOrder(r Role) int {
	switch r {
	case RoleLeader:
		return 0
	case RoleOwner:
		return 1
	default:
		return 2
	}
}

// SetLanguage stores a person's chosen language.
func SetLanguage(tx *gorm.DB, personID uint, lang string) error {
	if err := tx.Model(&Person{}).Where("id = ?", personID).Update("language", lang).Error; err != nil {
		return fmt.Errorf("set language of person %d: %w", personID, err)
	}
	return nil
}

// MarkReachable clears the unreachable flag when a person shows up again.
func MarkReachable(tx *gorm.DB, personID uint) error {
	if err := tx.Model(&Person{}).Where("id = ? AND unreachable = ?", personID, true).Update("unreachable", false).Error; err != nil {
		return fmt.Errorf("mark person %d reachable: %w", personID, err)
	}
	return nil
}

// IsNotFound tells a missing row from a failure.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// maxIDsPerQuery bounds the ids bound to one IN list: well under SQLite's
// 32,766 and PostgreSQL's 65,535 parameters, and large enough that reading
// a province-wide list takes a handful of queries.
const maxIDsPerQuery = 5000

// IDsIn is the condition "column is one of ids" for a query of many ids.
// On PostgreSQL the ids go as one array parameter: a list of thousands of
// parameters cost more to parse and plan than the query took to run. On
// SQLite they stay a list, which its planner seeks by.
func IDsIn(column string, ids []uint) clause.Expression {
	return idsIn[uint]{column, ids}
}

// ChatsIn is IDsIn for chat ids, which may be negative (groups).
func ChatsIn(column string, chats []int64) clause.Expression {
	return idsIn[int64]{column, chats}
}

type idsIn[T uint | int64] struct {
	column string
	ids    []T
}

// inList is an IDsIn or ChatsIn, whatever its type of id, for the
// statements written out by hand (direct).
type inList interface {
	inList() (column string, ids any)
}

func (e idsIn[T]) inList() (string, any) { return e.column, e.ids }

func (e idsIn[T]) Build(b clause.Builder) {
	if stmt, ok := b.(*gorm.Statement); ok && stmt.Dialector.Name() == "postgres" {
		var list strings.Builder
		list.WriteByte('{')
		for i, id := range e.ids {
			if i > 0 {
				list.WriteByte(',')
			}
			list.WriteString(strconv.FormatInt(int64(id), 10))
		}
		list.WriteByte('}')
		// The parameter is the array itself, parsed once as it is bound:
		// cast from text inside the statement, it was parsed again for
		// every row a sequential scan filtered (array_in is not folded).
		b.WriteString(e.column + " = ANY(CAST(")
		b.AddVar(b, list.String())
		b.WriteString(" AS bigint[]))")
		return
	}
	b.WriteString(e.column + " IN ")
	b.AddVar(b, e.ids)
}
