package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"taskbot/bot"
	"taskbot/models"
)

func newPeopleCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "people",
		Short: "List people, their roles, and who is bound or unreachable",
		Args:  cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			people, err := models.People(store.DB.WithContext(cmd.Context()))
			if err != nil {
				return err
			}
			var tb table
			tb.row("NAME", "TELEGRAM", "STATUS", "ROLES")
			for _, p := range people {
				tg, status := "-", "not bound"
				if p.Person.TelegramID != nil {
					tg, status = fmt.Sprint(*p.Person.TelegramID), "bound"
				}
				if p.Person.Unreachable {
					status = "unreachable"
				}
				var roles []string
				for _, r := range p.RoleNames() {
					roles = append(roles, fmt.Sprintf("%s %s", r, strings.Join(p.Roles[r], ",")))
				}
				tb.row(p.Person.Key, tg, status, strings.Join(roles, "; "))
			}
			return tb.write(cmd.OutOrStdout())
		}),
	}
}

func newTasksCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "tasks",
		Short: "List tasks with their milestones and people",
		Args:  cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			tasks, err := models.AllTasks(store.DB.WithContext(cmd.Context()))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			keys := func(ps []models.Person) string {
				var s []string
				for _, p := range ps {
					s = append(s, p.Key)
				}
				return strings.Join(s, "、")
			}
			for _, d := range tasks {
				fmt.Fprintf(out, "%s %s [%s] leaders: %s; attendants: %s\n", d.Task.Code, d.Task.Title, d.Task.Department, keys(d.Leaders), keys(d.Attendants))
				for _, m := range d.Milestones {
					fmt.Fprintf(out, "    %d. %s  due %s  %s %d%%\n", m.Seq, m.Title, bot.DueDate(m.DueDate), m.State, m.Percent)
				}
			}
			if len(tasks) == 0 {
				fmt.Fprintln(out, "no tasks: load a task list with `taskbot import FILE`")
			}
			return nil
		}),
	}
}
