package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// pflag reads a `quoted` word in a flag's usage as the name of its value
// and prints "--workdays taskbot calendar import  reminders follow …": no
// usage may hold a backquote.
func TestFlagHelpHasNoBackquotes(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.Contains(f.Usage, "`") {
				t.Errorf("%s --%s: usage %q holds a backquote", c.CommandPath(), f.Name, f.Usage)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCommand())
}

// Commands that only read never create a database: a wrong --db is an
// error naming it, and no empty file is left for the next command to use.
func TestReadOnlyCommandsNeverCreateADatabase(t *testing.T) {
	for _, args := range [][]string{
		{"tasks"}, {"people"}, {"summary"}, {"export", "--out", "x.csv"}, {"inbox"}, {"leave", "list"}, {"calendar"},
		{"import", "--dry-run", filepath.Join("..", "..", "examples", "tasks.csv")},
	} {
		t.Run(strings.Join(args[:1], " "), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "missing.db")
			_, err := run(t, append(args, "--db", db)...)
			if err == nil || !strings.Contains(err.Error(), "no database at "+db) {
				t.Fatalf("%v on a missing database: %v", args, err)
			}
			if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("%v created %s (%v)", args, db, err)
			}
		})
	}
}

// The summary's chart is a PNG: another name is refused, nothing written.
func TestSummaryChartMustBeAPNG(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	if _, err := run(t, "import", "--db", db, filepath.Join("..", "..", "examples", "tasks.csv")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{filepath.Join(dir, "summary.xlsx"), filepath.Join(dir, "chart"), db} {
		_, err := run(t, "summary", "--db", db, "--chart", name)
		if err == nil || !strings.Contains(err.Error(), "ending in .png") {
			t.Fatalf("--chart %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.xlsx")); err == nil {
		t.Fatal("a refused chart was written")
	}
	png := filepath.Join(dir, "chart.PNG")
	if _, err := run(t, "summary", "--db", db, "--chart", png); err != nil {
		t.Fatalf("--chart %s: %v", png, err)
	}
}
