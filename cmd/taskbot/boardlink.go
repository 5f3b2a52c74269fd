package main

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"taskbot/models"
	"taskbot/web"
)

// newBoardLinkCommand prints a link that opens the board signed in as one
// person, the way Telegram opens the Mini App, for trying the board in a
// desktop browser outside Telegram. Only a holder of the bot token can make
// one, and it lasts as long as the board accepts a sign-in.
func newBoardLinkCommand(a *app) *cobra.Command {
	var person, token, boardURL string
	cmd := &cobra.Command{
		Use:   "board-link --person NAME",
		Short: "Print a signed link that opens the board as one person, to try it in a browser",
		Args:  cobra.NoArgs,
		RunE: a.withExistingStore(func(cmd *cobra.Command, _ []string, store *models.Store) error {
			if token == "" {
				return fmt.Errorf("--token (or TASKBOT_TOKEN) is required: the board checks the link with the bot's token")
			}
			u, err := url.Parse(boardURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("--web-url %q: give the board's address, e.g. http://127.0.0.1:8090/", boardURL)
			}
			p, err := onePersonNamed(store.DB.WithContext(cmd.Context()), person)
			if err != nil {
				return fmt.Errorf("--person: %w", err)
			}
			if p.TelegramID == nil {
				return fmt.Errorf("%s has not accepted their invitation: the board knows people by their Telegram account (see `taskbot invite --person`)", p.Key)
			}
			lang := p.Language
			if lang == "" {
				lang = "zh"
			}
			initData, err := web.SignInitData(token, web.WebAppUser{ID: *p.TelegramID, FirstName: p.Name, LanguageCode: lang}, time.Now())
			if err != nil {
				return err
			}
			u.Fragment = ""
			fmt.Fprintf(cmd.OutOrStdout(), "%s#tgWebAppData=%s\n(signed in as %s; valid %s)\n",
				strings.TrimSuffix(u.String(), "#"), url.QueryEscape(initData), p.Key, web.DefaultAuthMaxAge)
			return nil
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&person, "person", "", "who the link signs in as, by name or 姓名(单位)")
	fs.StringVar(&token, "token", "", "bot token from BotFather")
	withEnv(fs, "token", "TASKBOT_TOKEN")
	fs.StringVar(&boardURL, "web-url", "http://127.0.0.1:8090/", "the board's address")
	withEnv(fs, "web-url", "TASKBOT_WEB_URL")
	_ = cmd.MarkFlagRequired("person")
	return cmd
}
