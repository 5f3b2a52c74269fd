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

	"taskbot/examples"
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
	list, err := importer.ReadCSV(f, importer.Options{Today: examples.Anchor})
	if err != nil {
		return err
	}
	data, err := examples.Workbook(list)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d tasks\n", out, len(list.Tasks))
	return nil
}
