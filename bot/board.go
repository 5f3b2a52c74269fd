package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"

	tg "github.com/go-telegram/bot"
	tgmodels "github.com/go-telegram/bot/models"
)

// BoardButtonText is the menu button that opens the board: one default
// button serves everyone, so it says it in both languages.
const BoardButtonText = "看板 Board"

// SetBoardButton makes the bot's default menu button open the board at
// url. A stranger who presses it learns nothing: the board knows only
// bound people and admins.
func SetBoardButton(ctx context.Context, api *tg.Bot, url string) error {
	_, err := api.SetChatMenuButton(ctx, &tg.SetChatMenuButtonParams{MenuButton: &tgmodels.MenuButtonWebApp{
		Type: tgmodels.MenuButtonTypeWebApp, Text: BoardButtonText, WebApp: tgmodels.WebAppInfo{URL: url},
	}})
	if err != nil {
		return fmt.Errorf("set the board's menu button: %w", err)
	}
	return nil
}

// Files opens Telegram files by file id through the Bot API, so that the
// board can show evidence without ever handing out a link to it (a
// download link carries the bot token).
type Files struct {
	API    *tg.Bot
	Token  string
	Client *http.Client
}

// Open fetches a file: getFile, then its download link.
func (f *Files) Open(ctx context.Context, fileID string) (io.ReadCloser, error) {
	file, err := f.API.GetFile(ctx, &tg.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("getFile: %w", redact(err, f.Token))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.API.FileDownloadLink(file), nil)
	if err != nil {
		return nil, fmt.Errorf("download file: %w", redact(err, f.Token))
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download file: %w", redact(err, f.Token))
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, fmt.Errorf("download file: status %d", res.StatusCode)
	}
	return res.Body, nil
}
