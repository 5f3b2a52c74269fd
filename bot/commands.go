package bot

import (
	"context"
	"fmt"

	tg "github.com/go-telegram/bot"
	tgmodels "github.com/go-telegram/bot/models"
)

// MenuCommands are the commands listed in Telegram's command menu, in order.
var MenuCommands = []string{"mytasks", "summary", "overdue", "report", "task", "coordinate", "instruct", "close", "extend", "visit", "leave", "back", "group", "remind", "summaryat", "export", "commit", "tz", "lang", "help", "start"}

// CommandMenu is the menu in one language.
func (c *Catalog) CommandMenu(lang string) []tgmodels.BotCommand {
	out := make([]tgmodels.BotCommand, len(MenuCommands))
	for i, name := range MenuCommands {
		out[i] = tgmodels.BotCommand{Command: name, Description: c.T(lang, "cmd_"+name, nil)}
	}
	return out
}

// RegisterCommands sets the command menu: Chinese by default and for
// Chinese clients, English for English ones.
func RegisterCommands(ctx context.Context, api *tg.Bot, c *Catalog) error {
	for _, v := range []struct{ code, lang string }{{"", LangZH}, {LangZH, LangZH}, {LangEN, LangEN}} {
		_, err := api.SetMyCommands(ctx, &tg.SetMyCommandsParams{
			Commands:     c.CommandMenu(v.lang),
			LanguageCode: v.code,
		})
		if err != nil {
			return fmt.Errorf("set %q command menu: %w", v.code, err)
		}
	}
	return nil
}
