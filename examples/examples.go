// Package examples ships the example task list, so that `taskbot demo`
// runs from any directory.
package examples

import _ "embed"

// TasksCSV is examples/tasks.csv: a dozen district key tasks in Chinese.
//
//go:embed tasks.csv
var TasksCSV []byte

// TasksXLSX is the same list as examples/tasks.xlsx, with merged cells and
// Excel date cells, as people keep it.
//
//go:embed tasks.xlsx
var TasksXLSX []byte
