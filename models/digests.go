package models

import (
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// TaskFilter narrows a viewer's tasks as the board's filters do: by lead
// department, by one of the contracting leaders (their key) and by
// category. An empty field does not narrow.
type TaskFilter struct {
	Department, Leader, Category string
}

// TaskDigest is a task with the digest of its milestones: what a list of
// every task needs to light, count and order the tasks before it loads
// any of their milestones or people.
type TaskDigest struct {
	// Task holds the task's id, code, title, department, category and
	// whether it is closed.
	Task       Task
	Milestones MilestoneDigest
}

// visibleTasks narrows tx to the rows whose task, named by column, v may
// see (Viewer.MaySee), or to none.
func visibleTasks(tx *gorm.DB, v Viewer, column string) *gorm.DB {
	switch {
	case v.Admin:
		return tx
	case v.PersonID == 0:
		return tx.Where("1 = 0")
	}
	return tx.Where(column+" IN (SELECT task_id FROM assignments WHERE person_id = ?)", v.PersonID)
}

// TaskDigests reads the tasks v may see that f keeps, in no order, each with
// its milestones' digest, in one query whatever their number: the
// milestones are aggregated by the database, not carried to the program.
func TaskDigests(tx *gorm.DB, v Viewer, f TaskFilter) ([]TaskDigest, error) {
	// The milestones are grouped before they meet their tasks: grouping
	// the joined rows, each carrying its task's title, cost half as much
	// again on PostgreSQL. A milestone without a due date is kept as the
	// zero time (or NULL): it is never the first due.
	digests := visibleTasks(tx.Table("milestones"), v, "task_id").Select(`task_id, COUNT(*) AS n,
  COUNT(CASE WHEN state <> ? THEN 1 END) AS open, MIN(CASE WHEN state <> ? AND due_date > ? THEN due_date END) AS first_due,
  COUNT(CASE WHEN state = ? THEN 1 END) AS blocked`, StateDone, StateDone, time.Time{}, StateBlocked).Group("task_id")
	q := visibleTasks(tx.Table("tasks t"), v, "t.id")
	if f.Department != "" {
		q = q.Where("t.department = ?", f.Department)
	}
	if f.Category != "" {
		q = q.Where("t.category = ?", f.Category)
	}
	if f.Leader != "" {
		q = q.Where("t.id IN (SELECT a.task_id FROM assignments a JOIN people p ON p.id = a.person_id WHERE a.role = ? AND p.key = ?)",
			RoleLeader, f.Leader)
	}
	rows, err := q.Select(`t.id, t.code, t.title, t.department, t.category, t.done,
  COALESCE(m.n, 0), COALESCE(m.open, 0), m.first_due, COALESCE(m.blocked, 0)`).
		Joins("LEFT JOIN (?) m ON m.task_id = t.id", digests).Rows()
	if err != nil {
		return nil, fmt.Errorf("task digests: %w", err)
	}
	defer rows.Close()
	var out []TaskDigest
	for rows.Next() {
		var d TaskDigest
		var first SQLTime
		var blocked int
		if err := rows.Scan(&d.Task.ID, &d.Task.Code, &d.Task.Title, &d.Task.Department, &d.Task.Category, &d.Task.Done,
			&d.Milestones.Milestones, &d.Milestones.Open, &first, &blocked); err != nil {
			return nil, fmt.Errorf("task digests: %w", err)
		}
		d.Milestones.FirstDue, d.Milestones.Blocked = first.UTC(), blocked > 0
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("task digests: %w", err)
	}
	return out, nil
}

// TaskChoices are the values the board's filters offer a viewer: what
// the tasks they may see hold, each sorted.
type TaskChoices struct {
	Departments, Leaders, Categories []string
}

// TaskChoicesOf reads the departments, contracting leaders and categories
// of the tasks v may see, empty values left out, in byte order.
func TaskChoicesOf(tx *gorm.DB, v Viewer) (TaskChoices, error) {
	var c TaskChoices
	for _, q := range []struct {
		into  *[]string
		query *gorm.DB
	}{
		{&c.Departments, visibleTasks(tx.Table("tasks t"), v, "t.id").Distinct("t.department").Where("t.department <> ''")},
		{&c.Categories, visibleTasks(tx.Table("tasks t"), v, "t.id").Distinct("t.category").Where("t.category <> ''")},
		{&c.Leaders, visibleTasks(tx.Table("assignments a"), v, "a.task_id").Distinct("p.key").
			Joins("JOIN people p ON p.id = a.person_id").Where("a.role = ? AND p.key <> ''", RoleLeader)},
	} {
		if err := q.query.Scan(q.into).Error; err != nil {
			return TaskChoices{}, fmt.Errorf("board filter choices: %w", err)
		}
		// Sorted here, not by the database's collation, which differs
		// between stores and locales.
		slices.Sort(*q.into)
	}
	return c, nil
}
