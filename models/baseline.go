package models

import "time"

// Original is the due date the milestone was first given.
func (m Milestone) Original() time.Time {
	if m.OriginalDue.IsZero() {
		return m.Baseline()
	}
	return m.OriginalDue.UTC()
}

// Baseline is the milestone's agreed due date: the original, or the date of
// its latest approved extension.
func (m Milestone) Baseline() time.Time {
	if m.BaselineDue.IsZero() {
		return m.DueDate.UTC()
	}
	return m.BaselineDue.UTC()
}

// Listed is the due date the task list last gave the milestone.
func (m Milestone) Listed() time.Time {
	if m.ListedDue.IsZero() {
		return m.DueDate.UTC()
	}
	return m.ListedDue.UTC()
}
