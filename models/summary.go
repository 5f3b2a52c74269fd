package models

import (
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SummaryMarks are the lights of a person's last summary, by task id.
func SummaryMarks(tx *gorm.DB, personID uint) (map[uint]Light, error) {
	var marks []SummaryMark
	if err := tx.Where("person_id = ?", personID).Find(&marks).Error; err != nil {
		return nil, fmt.Errorf("summary marks of person %d: %w", personID, err)
	}
	out := make(map[uint]Light, len(marks))
	for _, m := range marks {
		out[m.TaskID] = m.Light
	}
	return out, nil
}

// SaveSummaryMarks remembers the lights a summary showed.
func SaveSummaryMarks(tx *gorm.DB, personID uint, tasks []TaskDetail) error {
	if len(tasks) == 0 {
		return nil
	}
	marks := make([]SummaryMark, len(tasks))
	for i, d := range tasks {
		marks[i] = SummaryMark{PersonID: personID, TaskID: d.Task.ID, Light: d.Light}
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "person_id"}, {Name: "task_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"light", "updated_at"}),
	}).CreateInBatches(marks, 200).Error
	if err != nil {
		return fmt.Errorf("save summary marks of person %d: %w", personID, err)
	}
	return nil
}

// SummaryMarksOf is SummaryMarks of many people, read by the set: person
// id → task id → light.
func SummaryMarksOf(tx *gorm.DB, personIDs []uint) (map[uint]map[uint]Light, error) {
	out := make(map[uint]map[uint]Light, len(personIDs))
	for _, chunk := range chunks(personIDs, maxIDsPerQuery) {
		var marks []SummaryMark
		if err := tx.Select("person_id, task_id, light").Where(IDsIn("person_id", chunk)).Find(&marks).Error; err != nil {
			return nil, fmt.Errorf("summary marks of %d people: %w", len(chunk), err)
		}
		for _, m := range marks {
			if out[m.PersonID] == nil {
				out[m.PersonID] = map[uint]Light{}
			}
			out[m.PersonID][m.TaskID] = m.Light
		}
	}
	return out, nil
}

// SaveSummaryMarksOf remembers the lights many people's summaries showed: person id
// → task id → the light their summary showed.
func SaveSummaryMarksOf(tx *gorm.DB, lights map[uint]map[uint]Light) error {
	var marks []SummaryMark
	for person, tasks := range lights {
		for task, light := range tasks {
			marks = append(marks, SummaryMark{PersonID: person, TaskID: task, Light: light})
		}
	}
	if len(marks) == 0 {
		return nil
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "person_id"}, {Name: "task_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"light", "updated_at"}),
	}).CreateInBatches(marks, 500).Error
	if err != nil {
		return fmt.Errorf("save summary marks of %d people: %w", len(lights), err)
	}
	return nil
}
