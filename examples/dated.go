package examples

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"taskbot/importer"
)

// Anchor is the day the example list reads as written: on it, each of the
// contracting leader 王建国's tasks shows a different light. Moving every
// due date by the days between Anchor and another day makes the list read
// the same on that day.
var Anchor = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// Headers are the example list's columns, as a district keeps them.
var Headers = []string{"任务编号", "任务名称", "类别", "包抓领导", "牵头单位", "责任人", "专班联络员", "节点序号", "节点内容", "完成时限", "提醒计划"}

// taskCols are the columns (1-based) that describe the task rather than a
// milestone: the workbook merges them over the task's rows.
var taskCols = []int{1, 2, 3, 4, 5, 6, 7, 11}

// List reads the example list with every due date moved so that today
// reads as Anchor does.
func List(today time.Time) (*importer.TaskList, error) {
	list, err := importer.ReadCSV(bytes.NewReader(TasksCSV), importer.Options{Today: Anchor})
	if err != nil {
		return nil, fmt.Errorf("example list: %w", err)
	}
	days := DaysFromAnchor(today)
	for i := range list.Tasks {
		for j := range list.Tasks[i].Milestones {
			m := &list.Tasks[i].Milestones[j]
			m.Due = importer.DateOf(m.Due.Time().AddDate(0, 0, days))
		}
	}
	return list, nil
}

// DaysFromAnchor is how many calendar days today (a date at midnight UTC,
// or any instant whose calendar date counts) lies after Anchor.
func DaysFromAnchor(today time.Time) int {
	y, m, d := today.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return int(day.Sub(Anchor).Hours() / 24)
}

// rows lays a task list out as the sheet's rows below the header: a task's
// columns on its first row only, one row per milestone.
func rows(list *importer.TaskList) [][]string {
	var out [][]string
	for _, t := range list.Tasks {
		for i, m := range t.Milestones {
			row := make([]string, len(Headers))
			if i == 0 {
				row[0], row[1], row[2], row[3], row[4] = t.Code, t.Title, t.Category, keys(t.Leaders), t.Department
				row[5], row[6], row[10] = keys(t.Owners), keys(t.Attendants), t.Schedule
			}
			row[7], row[8], row[9] = strconv.Itoa(m.Seq), m.Title, m.Due.String()
			out = append(out, row)
		}
	}
	return out
}

// CSV writes a task list as a CSV file the importer reads back unchanged.
func CSV(list *importer.TaskList) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF") // Excel opens UTF-8 CSV as UTF-8 only with a BOM
	w := csv.NewWriter(&buf)
	if err := w.Write(Headers); err != nil {
		return nil, fmt.Errorf("example csv: %w", err)
	}
	if err := w.WriteAll(rows(list)); err != nil {
		return nil, fmt.Errorf("example csv: %w", err)
	}
	return buf.Bytes(), nil
}

// Workbook writes a task list as an admin keeps it in Excel: the task
// columns merged over each task's milestone rows and the due dates as real
// date cells.
func Workbook(list *importer.TaskList) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	if err := fillWorkbook(x, list); err != nil {
		return nil, fmt.Errorf("example workbook: %w", err)
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("example workbook: %w", err)
	}
	return buf.Bytes(), nil
}

func fillWorkbook(x *excelize.File, list *importer.TaskList) error {
	const sheet = "重点任务"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	headStyle, err := x.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	if err != nil {
		return err
	}
	textStyle, err := x.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	if err != nil {
		return err
	}
	dateFmt := "yyyy-mm-dd"
	dateStyle, err := x.NewStyle(&excelize.Style{
		CustomNumFmt: &dateFmt,
		Alignment:    &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	})
	if err != nil {
		return err
	}
	for i, h := range Headers {
		if err := x.SetCellValue(sheet, cellName(i+1, 1), h); err != nil {
			return err
		}
	}
	if err := x.SetCellStyle(sheet, "A1", cellName(len(Headers), 1), headStyle); err != nil {
		return err
	}
	row := 2
	for _, t := range list.Tasks {
		first := row
		taskVals := map[int]any{
			1: t.Code, 2: t.Title, 3: t.Category, 4: keys(t.Leaders), 5: t.Department,
			6: keys(t.Owners), 7: keys(t.Attendants), 11: t.Schedule,
		}
		for col, v := range taskVals {
			if err := x.SetCellValue(sheet, cellName(col, row), v); err != nil {
				return err
			}
		}
		for _, m := range t.Milestones {
			if err := x.SetCellValue(sheet, cellName(8, row), m.Seq); err != nil {
				return err
			}
			if err := x.SetCellValue(sheet, cellName(9, row), m.Title); err != nil {
				return err
			}
			if err := x.SetCellValue(sheet, cellName(10, row), m.Due.Time()); err != nil {
				return err
			}
			if err := x.SetCellStyle(sheet, cellName(10, row), cellName(10, row), dateStyle); err != nil {
				return err
			}
			row++
		}
		if last := row - 1; last > first {
			for _, col := range taskCols {
				if err := x.MergeCell(sheet, cellName(col, first), cellName(col, last)); err != nil {
					return err
				}
			}
		}
	}
	if err := x.SetCellStyle(sheet, "A2", cellName(9, row-1), textStyle); err != nil {
		return err
	}
	if err := x.SetCellStyle(sheet, "K2", cellName(11, row-1), textStyle); err != nil {
		return err
	}
	widths := map[string]float64{"A": 10, "B": 28, "C": 10, "D": 10, "E": 18, "F": 10, "G": 24, "H": 9, "I": 40, "J": 13, "K": 16}
	for col, w := range widths {
		if err := x.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	return x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

func keys(people []importer.PersonRef) string {
	k := make([]string, len(people))
	for i, p := range people {
		k[i] = p.Key()
	}
	return strings.Join(k, "、")
}

func cellName(col, row int) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		panic(err) // col and row come from the loops above, always ≥ 1
	}
	return name
}
