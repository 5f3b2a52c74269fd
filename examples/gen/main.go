//go:build ignore

// Command gen writes examples/tasks.xlsx from examples/tasks.csv: the same
// task list laid out as an admin would keep it in Excel, with the task
// columns merged over each task's milestone rows and the due dates as real
// date cells. Run it from the module root:
//
//	go run examples/gen/main.go
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"taskbot/importer"
)

func main() {
	in := flag.String("in", "examples/tasks.csv", "task list to read")
	out := flag.String("out", "examples/tasks.xlsx", "workbook to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		log.Fatal(err)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	// Only dates without a year depend on Today; the example has none.
	list, err := importer.ReadCSV(f, importer.Options{Today: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	return writeWorkbook(list, out)
}

var headers = []string{"任务编号", "任务名称", "类别", "包抓领导", "牵头单位", "责任人", "专班联络员", "节点序号", "节点内容", "完成时限", "提醒计划"}

// taskCols are the columns (1-based) merged over a task's rows.
var taskCols = []int{1, 2, 3, 4, 5, 6, 7, 11}

func writeWorkbook(list *importer.TaskList, out string) error {
	x := excelize.NewFile()
	defer x.Close()
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
	textStyle, err := x.NewStyle(&excelize.Style{
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
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
	for i, h := range headers {
		if err := x.SetCellValue(sheet, cellName(i+1, 1), h); err != nil {
			return err
		}
	}
	if err := x.SetCellStyle(sheet, "A1", cellName(len(headers), 1), headStyle); err != nil {
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
		last := row - 1
		if last > first {
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
	if err := x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := x.SaveAs(out); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d tasks, %d rows\n", out, len(list.Tasks), row-2)
	return nil
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
		panic(err)
	}
	return name
}
