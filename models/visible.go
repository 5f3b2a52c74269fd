package models

import (
	"fmt"

	"gorm.io/gorm"
)

// Viewer is someone reading tasks, in chat or on the board: the bound
// person, if any (PersonID 0 when none), and whether they are an admin
// (admins are Telegram ids, not necessarily people of the list).
type Viewer struct {
	PersonID uint
	Admin    bool
}

// MaySee tells whether v may see task d: an admin sees every task; anyone
// else the tasks they hold a role on, so a leader or owner sees the tasks
// they answer for and an attendant those they report on.
func (v Viewer) MaySee(d *TaskDetail) bool {
	return v.Admin || (v.PersonID != 0 && d.HasPerson(v.PersonID))
}

// VisibleTasks loads the tasks v may see, by code.
func VisibleTasks(tx *gorm.DB, v Viewer) ([]TaskDetail, error) {
	switch {
	case v.Admin:
		return AllTasks(tx)
	case v.PersonID == 0:
		return []TaskDetail{}, nil
	}
	tasks, err := TasksOfPerson(tx, v.PersonID)
	if err != nil {
		return nil, fmt.Errorf("tasks visible to person %d: %w", v.PersonID, err)
	}
	return tasks, nil
}
