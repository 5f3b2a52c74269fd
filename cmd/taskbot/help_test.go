package main

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"taskbot/models"
	"taskbot/telegramtest"
	"taskbot/web"
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

// board-link signs a bound person in as Telegram would: the board accepts
// the link with the same token, and refuses it with another.
func TestBoardLinkSignsInABoundPerson(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if _, err := run(t, "import", "--db", db, filepath.Join("..", "..", "examples", "tasks.csv")); err != nil {
		t.Fatal(err)
	}
	const token = "123456:TEST-TOKEN"
	if _, err := run(t, "board-link", "--db", db, "--token", token, "--person", "王建国"); err == nil || !strings.Contains(err.Error(), "has not accepted their invitation") {
		t.Fatalf("unbound person: %v", err)
	}
	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.DB.Model(&models.Person{}).Where("key = ?", "王建国").Update("telegram_id", 4242).Error; err != nil {
		t.Fatal(err)
	}
	_ = store.Close()
	if _, err := run(t, "board-link", "--db", db, "--person", "王建国"); err == nil || !strings.Contains(err.Error(), "--token") {
		t.Fatalf("no token: %v", err)
	}
	out, err := run(t, "board-link", "--db", db, "--token", token, "--person", "王建国", "--web-url", "http://127.0.0.1:8090/")
	if err != nil {
		t.Fatal(err)
	}
	link, _, _ := strings.Cut(out, "\n")
	raw, ok := strings.CutPrefix(link, "http://127.0.0.1:8090/#tgWebAppData=")
	if !ok {
		t.Fatalf("link %q", link)
	}
	initData, err := url.QueryUnescape(raw)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := web.CheckInitData(initData, token, time.Now(), web.DefaultAuthMaxAge)
	if err != nil || signed.User.ID != 4242 {
		t.Fatalf("the board refuses the link: %+v %v", signed, err)
	}
	if _, err := web.CheckInitData(initData, "654321:OTHER", time.Now(), web.DefaultAuthMaxAge); err == nil {
		t.Fatal("the link signs in with another bot's token")
	}
}

// Errors a newcomer meets say what to type next.
func TestErrorsSayWhatToDo(t *testing.T) {
	srv, err := telegramtest.New(telegramtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "t.db")
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"missing argument", []string{"import", "--db", db}, []string{"accepts 1 arg(s), received 0", "usage: taskbot import", "taskbot import --help"}},
		{"unknown flag", []string{"tasks", "--frobnicate"}, []string{"unknown flag: --frobnicate", "taskbot tasks --help"}},
		{"wrong token", []string{"invite", "--db", db, "--all", "--token", "123456:WRONG", "--api-url", srv.URL()}, []string{"the bot token was refused by Telegram", "@BotFather"}},
		{"bad postgres url", []string{"tasks", "--db", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"}, []string{"check --db or TASKBOT_DB: postgres://USER:PASSWORD@HOST:5432/DATABASE"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, c.args...)
			if err == nil {
				t.Fatalf("%v succeeded", c.args)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
