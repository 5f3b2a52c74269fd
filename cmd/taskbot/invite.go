package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/spf13/cobra"

	"taskbot/bot"
	"taskbot/models"
)

type inviteOptions struct {
	All         bool
	Person      string
	Rebind      bool
	BotUsername string
	TTL         time.Duration
	Token       string
	APIURL      string
}

func newInviteCommand(a *app) *cobra.Command {
	var o inviteOptions
	cmd := &cobra.Command{
		Use:   "invite (--all | --person NAME) [--rebind]",
		Short: "Print one-time invitation links that bind people to their Telegram accounts",
		Long: `Print one line per person: name, roles, and a link https://t.me/<bot>?start=<token>.
A token is random (128 bits), stored only as a hash, works once, and expires
after --ttl. A new invite for a person revokes their older ones.

People already bound to a Telegram account are skipped: a new link would let
whoever opens it take the person over. --rebind issues links for them too;
the account that opens such a link replaces their binding.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.All == (o.Person != "") {
				return errors.New("give either --all or --person NAME")
			}
			if o.TTL <= 0 {
				return errors.New("--ttl must be positive")
			}
			ctx := cmd.Context()
			username, err := botUsername(ctx, o.BotUsername, o.Token, o.APIURL)
			if err != nil {
				return err
			}
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			people, err := models.People(store.DB.WithContext(ctx))
			if err != nil {
				return err
			}
			named := map[uint]bool{}
			if !o.All {
				matches, err := models.PeopleNamed(store.DB.WithContext(ctx), o.Person)
				if err != nil {
					return err
				}
				for _, p := range matches {
					named[p.ID] = true
				}
			}
			var chosen []models.PersonSummary
			for _, p := range people {
				if o.All || named[p.Person.ID] {
					chosen = append(chosen, p)
				}
			}
			switch {
			case len(chosen) == 0 && o.Person != "":
				return fmt.Errorf("no person %q: see `taskbot people`", o.Person)
			case len(chosen) > 1 && !o.All:
				var keys []string
				for _, p := range chosen {
					keys = append(keys, p.Person.Key)
				}
				return fmt.Errorf("%q names several people, give one of: %s", o.Person, strings.Join(keys, ", "))
			}
			out := cmd.OutOrStdout()
			var skipped []string
			for _, p := range chosen {
				create := store.CreateInvite
				switch {
				case p.Person.TelegramID == nil:
				case o.Rebind:
					create = store.CreateRebindInvite
				case o.All:
					skipped = append(skipped, p.Person.Key)
					continue
				default:
					return fmt.Errorf("%s is already bound to a Telegram account; give --rebind to issue a link that moves the binding to whoever opens it", p.Person.Key)
				}
				token, err := create(ctx, p.Person.ID, o.TTL)
				if err != nil {
					return err
				}
				var roles []string
				for _, r := range p.RoleNames() {
					roles = append(roles, fmt.Sprintf("%s:%s", r, strings.Join(p.Roles[r], ",")))
				}
				fmt.Fprintf(out, "%s\t%s\t%s\n", p.Person.Key, strings.Join(roles, " "), InviteLink(username, token))
			}
			if len(skipped) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "skipped %d already bound (give --rebind to reissue their links): %s\n",
					len(skipped), strings.Join(skipped, ", "))
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&o.All, "all", false, "invite everyone in the database")
	fs.StringVar(&o.Person, "person", "", "invite one person, by name or 姓名(单位)")
	fs.BoolVar(&o.Rebind, "rebind", false, "also issue links for people already bound; opening one moves the binding")
	fs.StringVar(&o.BotUsername, "bot-username", "", "the bot's username for the links; read with getMe when empty")
	withEnv(fs, "bot-username", "TASKBOT_BOT_USERNAME")
	fs.DurationVar(&o.TTL, "ttl", models.DefaultInviteTTL, "how long an invitation stays valid")
	fs.StringVar(&o.Token, "token", "", "bot token from BotFather (to read the username)")
	withEnv(fs, "token", "TASKBOT_TOKEN")
	fs.StringVar(&o.APIURL, "api-url", defaultAPIURL, "Bot API server URL")
	withEnv(fs, "api-url", "TASKBOT_API_URL")
	return cmd
}

// InviteLink is the deep link that starts the bot with the token.
func InviteLink(botUsername, token string) string { return models.InviteLink(botUsername, token) }

// botUsername returns the given username, or asks Telegram with getMe.
func botUsername(ctx context.Context, given, token, apiURL string) (string, error) {
	if given != "" {
		return strings.TrimPrefix(given, "@"), nil
	}
	if token == "" {
		return "", errors.New("give --bot-username, or --token so that the username can be read with getMe")
	}
	api, err := newAPI(token, apiURL, 10*time.Second, 16)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	me, err := api.GetMe(ctx)
	switch {
	case errors.Is(err, tg.ErrorUnauthorized), errors.Is(err, tg.ErrorNotFound):
		return "", fmt.Errorf("the bot token was refused by Telegram (%w): check --token or TASKBOT_TOKEN; @BotFather's /token shows the bot's token", err)
	case err != nil:
		return "", fmt.Errorf("read the bot's username with getMe from %s: %w (is the network or --api-url right?)", apiURL, err)
	}
	return me.Username, nil
}

const defaultAPIURL = "https://api.telegram.org"

// newAPI builds the go-telegram client without its start-up getMe, which
// would fail the whole program when Telegram is briefly unreachable.
// newAPI is a Bot API client keeping up to conns connections open.
func newAPI(token, apiURL string, timeout time.Duration, conns int) (*tg.Bot, error) {
	return newAPIWith(token, apiURL, timeout, bot.NewHTTPClient(conns, timeout))
}

// newAPIWith is newAPI over a client of the caller's.
func newAPIWith(token, apiURL string, timeout time.Duration, client *http.Client) (*tg.Bot, error) {
	api, err := tg.New(token,
		tg.WithServerURL(strings.TrimRight(apiURL, "/")),
		tg.WithSkipGetMe(),
		tg.WithHTTPClient(timeout, client),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	return api, nil
}
