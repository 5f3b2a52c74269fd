package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
	"taskbot/watchdog"
)

// AllowedUpdates are the update kinds the bot asks Telegram for.
var AllowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// Poller fetches updates with its own getUpdates loop so that an update is
// confirmed to Telegram only after it is stored: the next call's offset is
// the id of the newest update stored plus one, or none after a day without
// updates (see Store.PollOffset).
// go-telegram's own poller confirms before handling and would lose updates
// on a crash.
type Poller struct {
	ServerURL string
	Token     string
	Store     *models.Store
	Client    *http.Client
	// PollTimeout is the long-poll wait Telegram is asked for.
	PollTimeout time.Duration
	Logger      *slog.Logger
	// Stored is called after each batch is stored, to wake the processor.
	Stored func()
	// Leads, when set, tells whether this instance may poll now.
	Leads func() bool
	// Watch, when set, is told of each call (watchdog).
	Watch *watchdog.Part
}

// Run polls until ctx ends. Telegram answers a second poller with 409
// Conflict, so only the leader of the instances on a database polls (see
// cluster.Member): Leads is asked before each call, and a poller whose
// instance no longer leads makes none.
func (p *Poller) Run(ctx context.Context) error {
	defer p.Watch.Running()()
	backoff := time.Duration(0)
	for {
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
		}
		if p.Leads != nil && !p.Leads() {
			// Deposed: the end of the lease stops Run soon.
			p.Watch.Beat()
			backoff = time.Second
			continue
		}
		n, err := p.PollOnce(ctx)
		p.Watch.Beat()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			backoff = min(max(2*backoff, 500*time.Millisecond), 30*time.Second)
			p.Logger.Warn("fetch updates failed", "err", err, "retry_in", backoff)
			continue
		}
		backoff = 0
		if n > 0 && p.Stored != nil {
			p.Stored()
		}
	}
}

type getUpdatesRequest struct {
	Offset         int64    `json:"offset,omitempty"`
	Limit          int      `json:"limit"`
	Timeout        int      `json:"timeout"`
	AllowedUpdates []string `json:"allowed_updates"`
}

type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// PollOnce makes one getUpdates call, stores what it returns, and says how
// many updates it stored.
func (p *Poller) PollOnce(ctx context.Context) (int, error) {
	offset, err := p.Store.PollOffset(ctx)
	if err != nil {
		return 0, err
	}
	req := getUpdatesRequest{Offset: offset, Limit: 100, Timeout: int(p.PollTimeout / time.Second), AllowedUpdates: AllowedUpdates}
	raw, err := p.call(ctx, "getUpdates", req)
	if err != nil {
		return 0, err
	}
	var updates []json.RawMessage
	if err := json.Unmarshal(raw, &updates); err != nil {
		return 0, fmt.Errorf("decode getUpdates result: %w", err)
	}
	rows := make([]models.InboxUpdate, 0, len(updates))
	for _, u := range updates {
		row, err := InboxRow(u)
		if err != nil {
			// An update we cannot even read is kept anyway, so that its
			// failure is recorded and the offset moves past it.
			p.Logger.Error("unreadable update", "err", err)
		}
		rows = append(rows, row)
	}
	// Updates already fetched are stored even if shutdown began meanwhile.
	if err := p.Store.SaveUpdates(context.WithoutCancel(ctx), rows); err != nil {
		return 0, err
	}
	return len(rows), nil
}

// InboxRow turns a raw update into its inbox row, keeping the JSON as sent.
func InboxRow(raw json.RawMessage) (models.InboxUpdate, error) {
	var u tgmodels.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		var id struct {
			UpdateID int64 `json:"update_id"`
		}
		_ = json.Unmarshal(raw, &id)
		return models.InboxUpdate{UpdateID: id.UpdateID, Payload: string(raw)}, fmt.Errorf("decode update: %w", err)
	}
	return models.InboxUpdate{UpdateID: u.ID, ChatID: ChatOf(&u), Payload: string(raw)}, nil
}

// ChatOf is the chat an update belongs to; updates of one chat are handled
// in order.
func ChatOf(u *tgmodels.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

// call makes a Bot API call with a JSON body. Errors never carry the URL,
// which contains the token.
func (p *Poller) call(ctx context.Context, method string, body any) (json.RawMessage, error) {
	buf, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	url := strings.TrimRight(p.ServerURL, "/") + "/bot" + p.Token + "/" + method
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("%s: build request failed", method)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, redact(err, p.Token))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: read answer: %w", method, redact(err, p.Token))
	}
	var r apiResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d, undecodable answer", method, resp.StatusCode)
	}
	if !r.OK {
		return nil, &APIError{Method: method, Code: r.ErrorCode, Description: r.Description, RetryAfter: time.Duration(r.Parameters.RetryAfter) * time.Second}
	}
	return r.Result, nil
}

// APIError is a Bot API answer with ok=false.
type APIError struct {
	Method      string
	Code        int
	Description string
	RetryAfter  time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: telegram error %d: %s", e.Method, e.Code, e.Description)
}

// redact removes the token from an error's text while keeping errors.Is
// working for context errors.
func redact(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	msg := strings.ReplaceAll(err.Error(), token, "<token>")
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", msg, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", msg, context.Canceled)
	}
	return errors.New(msg)
}
