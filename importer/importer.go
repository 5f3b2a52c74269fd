// Package importer reads the district's key-task list from a spreadsheet
// (.csv or .xlsx) and validates it. It does not touch the database: the
// result, a TaskList, is applied to the store elsewhere.
//
// # File layout
//
// One row per milestone. The header row is the first non-empty row that
// contains at least two known column headers (rows above it, such as a sheet
// title, are skipped with a warning); if none of the first ten non-empty rows
// qualifies, the first non-empty row is taken as the header. Headers are
// matched case-insensitively, ignoring white space (including full-width and
// wrapped spaces) and full-width letters:
//
//	task code          任务编号, 编号, code                  required
//	task title         任务名称, 重点任务, task, title         required
//	leaders            包抓领导, 牵头领导, leader              required
//	lead department    牵头单位, 责任单位, department          required
//	owners             责任人, owner                         optional
//	attendants         专班联络员, 专人, 联络员, attendants     required
//	milestone number   节点序号, 序号, milestone_no           required (cells may be blank)
//	milestone          节点内容, 节点, milestone              required
//	due date           完成时限, 时限, due                    required
//	reminder schedule  提醒计划, schedule                    optional
//	category           类别, 分类, category                  optional
//
// Task columns may be left blank on later rows of a task (merged cells): a
// row with a blank code continues the task of the row above, and rows with
// the same code are merged wherever they are. A task column repeated with a
// different value is an error (people cells are compared as sets, so
// 王建国、李明 equals 李明，王建国). In .xlsx files a merged range counts as if
// its top-left value were typed in each of its cells.
//
// # Cells
//
// In a .csv file, a cell written as '=… (a quote before = + - @, tab or
// CR, as taskbot's export protects such text from spreadsheets) loses that
// one quote first; a quote before anything else is kept.
//
// Every cell is cleaned: control and invisible formatting characters are
// removed, a NUL character is an error, runs of white space become one
// space and spaces between two Chinese characters are dropped (王  刚 is
// 王刚). Rows whose known columns are all blank are skipped.
//
//   - Task code: at most 32 characters, no spaces; full-width letters and
//     digits are folded and the code is upper-cased (ｔ０７ → T07).
//   - Names: separated by 、，,;； or line breaks (not inside parentheses);
//     姓名(单位) or 姓名（单位） names a namesake; duplicates in a cell are
//     dropped. At most 50 characters for a name, 100 for its department.
//   - Milestone number: a whole number 1–9999, optionally written M2 or as
//     the number cell 2.0. If every row of a task leaves it blank, the
//     milestones are numbered 1, 2, 3… in row order.
//   - Due date: 2026-03-31, 2026-3-31, 2026/3/31, 2026.3.31, 2026年3月31日,
//     3月31日 (year of Options.Today), 2026年3月底 or 3月底 (end of month),
//     optionally followed by 前; full-width digits allowed; a time of day
//     after the date is ignored; in .xlsx, a number cell (a date cell) is an
//     Excel serial date. Years must be 2000–2099. Dates are returned as Date,
//     a plain calendar date.
//   - Reminder schedule: see ParseSchedule.
//   - Lengths: title 200, milestone 500, department 100, category 50
//     characters; any cell 32767.
//
// Every row is validated; all problems are returned together in a
// *ValidationError, sorted by row. Row numbers are the spreadsheet's own
// 1-based numbers, header and blank rows included.
package importer

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// Limits on the input. They protect the process from hostile or broken
// files; a real task list is far below each of them.
const (
	// MaxFileSize is the largest file accepted, in bytes: a CSV of the
	// ledger of 100,000 milestones is about 27 MiB.
	MaxFileSize = 64 << 20
	// MaxRows is the largest spreadsheet row number that may hold data:
	// twice the 100,000 milestones of a province-wide list.
	MaxRows = 200_000
	// MaxCellRunes is the longest cell accepted (Excel's own limit).
	MaxCellRunes = 32_767
	// MaxProblems caps the problems listed in one ValidationError.
	MaxProblems = 1000

	maxCodeRunes       = 32
	maxTitleRunes      = 200
	maxMilestoneRunes  = 500
	maxDepartmentRunes = 100
	maxCategoryRunes   = 50
	maxScheduleRunes   = 100
	maxNameRunes       = 50
	maxNameDeptRunes   = 100
	maxSeq             = 9999
	minYear, maxYear   = 2000, 2099
)

// Errors for files that cannot be read at all. They are wrapped with
// details; test with errors.Is.
var (
	// ErrUnsupportedFormat: the file is neither .csv nor .xlsx.
	ErrUnsupportedFormat = errors.New("unsupported file format")
	// ErrFileTooLarge: the file, or the data it unpacks to, is over the limits.
	ErrFileTooLarge = errors.New("file too large")
	// ErrTooManyRows: data beyond row MaxRows.
	ErrTooManyRows = errors.New("too many rows")
	// ErrMalformed: the file is damaged or not what its name says.
	ErrMalformed = errors.New("malformed file")
)

// Options adjust reading.
type Options struct {
	// Sheet names the worksheet of an .xlsx file to read (exact name, or
	// else matched case-insensitively). Empty reads the first sheet.
	Sheet string
	// Today is the reference date: a due date written without a year
	// (3月31日) falls in Today's year. If Today is zero such dates are
	// reported as problems. The parser never reads the clock itself.
	Today time.Time
}

// TaskList is a validated task list.
type TaskList struct {
	// Tasks in the order they first appear in the file.
	Tasks []Task
	// Warnings are remarks that do not stop the import (ignored columns,
	// skipped rows).
	Warnings []string
}

// Task is one key task with its milestones.
type Task struct {
	// Code is the task code, upper-cased (t07 → T07).
	Code       string
	Title      string
	Department string // lead department (牵头单位)
	Category   string // optional
	// Schedule is the reminder cron spec, already validated with
	// ParseSchedule; empty means the default schedule.
	Schedule   string
	Leaders    []PersonRef // at least one
	Owners     []PersonRef // may be empty
	Attendants []PersonRef // at least one
	// Milestones sorted by Seq; at least one; Seq values are unique.
	Milestones []Milestone
	// Row is the spreadsheet row where the task first appears.
	Row int
	// Site is where the project is (经度, 纬度), nil when not given.
	Site *Site
}

// Site is a project's place in decimal degrees.
type Site struct{ Lat, Lon float64 }

// Milestone is one dated step of a task.
type Milestone struct {
	Seq   int // 1-based number within the task
	Title string
	Due   Date
	Row   int // spreadsheet row
}

// PersonRef names a person as written in the file. Department is the part
// in parentheses of 姓名(单位), which tells namesakes apart; "" if none.
type PersonRef struct {
	Name       string
	Department string
}

// Key is the person as written: Name, or Name(Department).
func (p PersonRef) Key() string {
	if p.Department == "" {
		return p.Name
	}
	return p.Name + "(" + p.Department + ")"
}

// Date is a calendar date without time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats the date as 2006-01-02.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Time returns the date at midnight UTC, the form the store keeps.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Problem is one thing wrong with the file.
type Problem struct {
	// Row is the spreadsheet row (1-based); 0 means the whole file.
	Row int
	// Column is the header as written in the file; "" if the problem is
	// not about one column.
	Column  string
	Message string
}

func (p Problem) String() string {
	switch {
	case p.Row == 0 && p.Column == "":
		return p.Message
	case p.Row == 0:
		return "column " + p.Column + ": " + p.Message
	case p.Column == "":
		return fmt.Sprintf("row %d: %s", p.Row, p.Message)
	default:
		return fmt.Sprintf("row %d, %s: %s", p.Row, p.Column, p.Message)
	}
}

// ValidationError lists every problem found in a file, sorted by row.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, one per line, such as
// "row 7, 完成时限: "2026-02-30" is not a valid date (2026-02 has 28 days)".
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Read reads a task list, choosing the format by the file name's extension
// (.csv or .xlsx, any case).
func Read(r io.Reader, fileName string, opt Options) (*TaskList, error) {
	switch ext := strings.ToLower(filepath.Ext(fileName)); ext {
	case ".csv":
		return ReadCSV(r, opt)
	case ".xlsx":
		return ReadXLSX(r, opt)
	case ".xls", ".et", ".wps":
		return nil, fmt.Errorf("%w: %q is an old-style workbook; save it as .xlsx or .csv", ErrUnsupportedFormat, filepath.Base(fileName))
	default:
		return nil, fmt.Errorf("%w: %q: use a .csv or .xlsx file", ErrUnsupportedFormat, filepath.Base(fileName))
	}
}

// readAllLimited reads r up to MaxFileSize bytes.
func readAllLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read task list: %w", err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%w: over %d MiB", ErrFileTooLarge, MaxFileSize>>20)
	}
	return b, nil
}
