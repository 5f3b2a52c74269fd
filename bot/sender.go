package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	tgmodels "github.com/go-telegram/bot/models"

	"taskbot/models"
	"taskbot/outbox"
)

// Sender makes the Bot API call of each outbox message through go-telegram.
// It implements outbox.Sender: Telegram's answers become the outcome
// errors the dispatcher acts on, matched by type, never by text — but for
// the "not modified" answers noted in sendError.
type Sender struct {
	API *tg.Bot
}

// NewSender returns a Sender calling api. Give api an HTTP client that
// keeps connections open (see NewHTTPClient) and whose timeout is at least
// the dispatcher's SendTimeout, which bounds each call.
func NewSender(api *tg.Bot) *Sender { return &Sender{API: api} }

// NewHTTPClient is an HTTP client for the Bot API that keeps up to conns
// connections to the server open for reuse — give it the dispatcher's
// Workers. Go's default keeps two, so concurrent calls would open (and, for
// api.telegram.org, TLS-handshake) a new connection nearly every time and
// leave thousands in TIME_WAIT at high rates. Use it with
// tg.WithHTTPClient(pollTimeout, NewHTTPClient(workers, timeout)).
func NewHTTPClient(conns int, timeout time.Duration) *http.Client {
	return &http.Client{Transport: wholeBodies{newTransport(conns)}, Timeout: timeout}
}

func newTransport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(conns, t.MaxIdleConns)
	t.MaxIdleConnsPerHost = max(conns, 2)
	return t
}

// wholeBodies sends each request's body in one piece. go-telegram streams
// its multipart form through a pipe, a piece per field, and net/http sends
// a body of unknown length as chunks, each written and flushed on its own:
// a message of ten fields was a dozen write calls, and as many reads for
// the server. Read first, the body goes with its length in one write. A
// body larger than wholeBodyMax (a file) is streamed on after its first
// wholeBodyMax bytes.
type wholeBodies struct{ next http.RoundTripper }

const wholeBodyMax = 1 << 20

func (w wholeBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return w.next.RoundTrip(req)
	}
	head, err := io.ReadAll(io.LimitReader(req.Body, wholeBodyMax+1))
	if err != nil {
		_ = req.Body.Close()
		return nil, fmt.Errorf("read request body: %w", err)
	}
	r := req.Clone(req.Context())
	if len(head) > wholeBodyMax {
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), req.Body), req.Body}
		return w.next.RoundTrip(r)
	}
	_ = req.Body.Close()
	r.ContentLength = int64(len(head))
	r.Body, r.GetBody = http.NoBody, nil
	if len(head) > 0 {
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(head)), nil }
		r.Body, _ = r.GetBody()
	}
	return w.next.RoundTrip(r)
}

var _ outbox.Sender = (*Sender)(nil)

// Send makes the call kind stands for and returns the id of the message
// sent or edited (0 for answerCallbackQuery).
func (s *Sender) Send(ctx context.Context, chatID int64, kind models.OutKind, out models.Outgoing) (int, error) {
	id, err := s.call(ctx, chatID, kind, out)
	if err != nil {
		return s.sendError(kind, out, err)
	}
	return id, nil
}

var noPreview = &tgmodels.LinkPreviewOptions{IsDisabled: tg.True()}

func (s *Sender) call(ctx context.Context, chatID int64, kind models.OutKind, out models.Outgoing) (int, error) {
	switch kind {
	case models.OutSendMessage:
		m, err := s.API.SendMessage(ctx, &tg.SendMessageParams{
			ChatID:              chatID,
			MessageThreadID:     out.MessageThreadID,
			Text:                out.Text,
			ParseMode:           tgmodels.ParseModeHTML,
			LinkPreviewOptions:  noPreview,
			DisableNotification: out.Silent,
			ProtectContent:      out.ProtectContent,
			ReplyParameters:     replyTo(out),
			ReplyMarkup:         replyMarkup(out),
		})
		return messageID(m, err)

	case models.OutSendPhoto:
		if len(out.File) == 0 {
			return 0, fmt.Errorf("%w: photo without a file", outbox.ErrRejected)
		}
		m, err := s.API.SendPhoto(ctx, &tg.SendPhotoParams{
			ChatID:              chatID,
			MessageThreadID:     out.MessageThreadID,
			DisableNotification: out.Silent,
			Photo:               upload(out, "photo.png"),
			Caption:             out.Text,
			ParseMode:           tgmodels.ParseModeHTML,
			ReplyParameters:     replyTo(out),
			ReplyMarkup:         replyMarkup(out),
		})
		return messageID(m, err)

	case models.OutSendDocument:
		if len(out.File) == 0 {
			return 0, fmt.Errorf("%w: document without a file", outbox.ErrRejected)
		}
		m, err := s.API.SendDocument(ctx, &tg.SendDocumentParams{
			ChatID:              chatID,
			MessageThreadID:     out.MessageThreadID,
			DisableNotification: out.Silent,
			Document:            upload(out, "document"),
			ProtectContent:      out.ProtectContent,
			Caption:             out.Text,
			ParseMode:           tgmodels.ParseModeHTML,
			ReplyParameters:     replyTo(out),
			ReplyMarkup:         replyMarkup(out),
		})
		return messageID(m, err)

	case models.OutEditText:
		if out.EditMessageID == 0 {
			return 0, fmt.Errorf("%w: edit without a message id", outbox.ErrRejected)
		}
		params := &tg.EditMessageTextParams{
			ChatID:             chatID,
			MessageID:          out.EditMessageID,
			Text:               out.Text,
			ParseMode:          tgmodels.ParseModeHTML,
			LinkPreviewOptions: noPreview,
		}
		// Without a markup Telegram removes the message's keyboard; an
		// edited message cannot carry a forced reply.
		if kb := inlineMarkup(out.Buttons); kb != nil {
			params.ReplyMarkup = kb
		}
		m, err := s.API.EditMessageText(ctx, params)
		return editedID(m, err, out)

	case models.OutEditMarkup:
		if out.EditMessageID == 0 {
			return 0, fmt.Errorf("%w: edit without a message id", outbox.ErrRejected)
		}
		params := &tg.EditMessageReplyMarkupParams{ChatID: chatID, MessageID: out.EditMessageID}
		if kb := inlineMarkup(out.Buttons); kb != nil {
			params.ReplyMarkup = kb
		}
		m, err := s.API.EditMessageReplyMarkup(ctx, params)
		return editedID(m, err, out)

	case models.OutPinMessage:
		if out.EditMessageID == 0 {
			return 0, fmt.Errorf("%w: pin without a message id", outbox.ErrRejected)
		}
		_, err := s.API.PinChatMessage(ctx, &tg.PinChatMessageParams{ChatID: chatID, MessageID: out.EditMessageID, DisableNotification: out.Silent})
		return out.EditMessageID, err

	case models.OutAnswerCallback:
		if out.CallbackQueryID == "" {
			return 0, fmt.Errorf("%w: callback answer without a query id", outbox.ErrRejected)
		}
		_, err := s.API.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{
			CallbackQueryID: out.CallbackQueryID,
			Text:            out.Text,
			ShowAlert:       out.Alert,
		})
		return 0, err
	}
	return s.groupCall(ctx, chatID, kind, out)
}

// groupCall makes the calls of work groups: topics, reactions and the
// group's command menu. A topic call's thread id comes resolved by the
// dispatcher (see outbox.Dispatcher).
func (s *Sender) groupCall(ctx context.Context, chatID int64, kind models.OutKind, out models.Outgoing) (int, error) {
	isTopic := kind == models.OutEditTopic || kind == models.OutCloseTopic || kind == models.OutReopenTopic
	if isTopic && out.MessageThreadID == 0 {
		return 0, fmt.Errorf("%w: topic call without a thread id", outbox.ErrRejected)
	}
	switch kind {
	case models.OutCreateTopic:
		t, err := s.API.CreateForumTopic(ctx, &tg.CreateForumTopicParams{ChatID: chatID, Name: out.TopicName})
		if err != nil {
			return 0, err
		}
		// The thread id is the row's Telegram id: models.TopicThread
		// reads it there.
		return t.MessageThreadID, nil

	case models.OutEditTopic:
		_, err := s.API.EditForumTopic(ctx, &tg.EditForumTopicParams{ChatID: chatID, MessageThreadID: out.MessageThreadID, Name: out.TopicName})
		return 0, err

	case models.OutCloseTopic:
		_, err := s.API.CloseForumTopic(ctx, &tg.CloseForumTopicParams{ChatID: chatID, MessageThreadID: out.MessageThreadID})
		return 0, err

	case models.OutReopenTopic:
		_, err := s.API.ReopenForumTopic(ctx, &tg.ReopenForumTopicParams{ChatID: chatID, MessageThreadID: out.MessageThreadID})
		return 0, err

	case models.OutReaction:
		if out.ReactTo == 0 || out.Reaction == "" {
			return 0, fmt.Errorf("%w: reaction without a message or an emoji", outbox.ErrRejected)
		}
		_, err := s.API.SetMessageReaction(ctx, &tg.SetMessageReactionParams{ChatID: chatID, MessageID: out.ReactTo,
			Reaction: []tgmodels.ReactionType{{Type: tgmodels.ReactionTypeTypeEmoji,
				ReactionTypeEmoji: &tgmodels.ReactionTypeEmoji{Type: tgmodels.ReactionTypeTypeEmoji, Emoji: out.Reaction}}}})
		return 0, err

	case models.OutSetCommands:
		scope := &tgmodels.BotCommandScopeChat{ChatID: chatID}
		if len(out.Commands) == 0 {
			_, err := s.API.DeleteMyCommands(ctx, &tg.DeleteMyCommandsParams{Scope: scope, LanguageCode: out.Language})
			return 0, err
		}
		commands := make([]tgmodels.BotCommand, len(out.Commands))
		for i, c := range out.Commands {
			commands[i] = tgmodels.BotCommand{Command: c.Command, Description: c.Description}
		}
		_, err := s.API.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: commands, Scope: scope, LanguageCode: out.Language})
		return 0, err
	}
	return 0, fmt.Errorf("%w: unknown outbox kind %q", outbox.ErrRejected, kind)
}

func messageID(m *tgmodels.Message, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}

func editedID(m *tgmodels.Message, err error, out models.Outgoing) (int, error) {
	if err != nil {
		return 0, err
	}
	if m != nil && m.ID != 0 {
		return m.ID, nil
	}
	return out.EditMessageID, nil
}

func upload(out models.Outgoing, defaultName string) *tgmodels.InputFileUpload {
	name := out.FileName
	if name == "" {
		name = defaultName
	}
	return &tgmodels.InputFileUpload{Filename: name, Data: bytes.NewReader(out.File)}
}

func replyTo(out models.Outgoing) *tgmodels.ReplyParameters {
	if out.ReplyTo == 0 {
		return nil
	}
	// The message replied to may be gone by the time the outbox gets here;
	// the answer is still worth sending.
	return &tgmodels.ReplyParameters{MessageID: out.ReplyTo, AllowSendingWithoutReply: true}
}

// replyMarkup is the keyboard of a new message: inline buttons, a button
// asking for a group, a forced reply, or the removal of a keyboard (a
// message carries one; in that order).
func replyMarkup(out models.Outgoing) tgmodels.ReplyMarkup {
	if kb := inlineMarkup(out.Buttons); kb != nil {
		return kb
	}
	if r := out.RequestChat; r != nil {
		// A work group needs the bot as an administrator that may manage
		// topics (a topic per task), pin reminders and invite people;
		// Telegram adds or promotes it with these rights as the group is
		// picked. Any group will do; a forum supergroup is best, which
		// the question says.
		return &tgmodels.ReplyKeyboardMarkup{ResizeKeyboard: true, OneTimeKeyboard: true, Keyboard: [][]tgmodels.KeyboardButton{{{
			Text: r.Button,
			RequestChat: &tgmodels.KeyboardButtonRequestChat{RequestID: r.RequestID, RequestTitle: true,
				BotAdministratorRights: &tgmodels.ChatAdministratorRights{CanManageTopics: true, CanPinMessages: true, CanInviteUsers: true}},
		}}}}
	}
	if r := out.RequestLocation; r != nil {
		// Location is optional evidence, never a check-in: the skip
		// button is as near as the one that sends it.
		return &tgmodels.ReplyKeyboardMarkup{ResizeKeyboard: true, OneTimeKeyboard: true, Keyboard: [][]tgmodels.KeyboardButton{{
			{Text: r.Button, RequestLocation: true}, {Text: r.Skip},
		}}}
	}
	if r := out.RequestUsers; r != nil {
		// One person, not a bot; their name lets a refusal say who was
		// picked.
		rows := [][]tgmodels.KeyboardButton{
			{{Text: r.Button, RequestUsers: &tgmodels.KeyboardButtonRequestUsers{RequestID: r.RequestID, MaxQuantity: 1, RequestName: true}}},
		}
		if r.Default != "" {
			rows = append(rows, []tgmodels.KeyboardButton{{Text: r.Default}})
		}
		return &tgmodels.ReplyKeyboardMarkup{ResizeKeyboard: true, OneTimeKeyboard: true, Keyboard: rows}
	}
	if out.RemoveKeyboard {
		return &tgmodels.ReplyKeyboardRemove{RemoveKeyboard: true}
	}
	if out.ForceReply {
		return &tgmodels.ForceReply{ForceReply: true, InputFieldPlaceholder: out.Placeholder}
	}
	return nil
}

// inlineKeyboard is InlineKeyboardMarkup written with only the fields
// taskbot uses. go-telegram's button type writes an empty copy_text object
// on every button (its field is a struct); the server tolerates that today,
// but a button with two actions is invalid by the Bot API's own rules.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string      `json:"text"`
	CallbackData string      `json:"callback_data,omitempty"`
	URL          string      `json:"url,omitempty"`
	WebApp       *webAppInfo `json:"web_app,omitempty"`
}

type webAppInfo struct {
	URL string `json:"url"`
}

func inlineMarkup(rows [][]models.Button) *inlineKeyboard {
	if len(rows) == 0 {
		return nil
	}
	kb := &inlineKeyboard{InlineKeyboard: make([][]inlineButton, 0, len(rows))}
	for _, row := range rows {
		r := make([]inlineButton, 0, len(row))
		for _, b := range row {
			switch {
			case b.URL != "":
				r = append(r, inlineButton{Text: b.Text, URL: b.URL})
			case b.WebApp != "":
				r = append(r, inlineButton{Text: b.Text, WebApp: &webAppInfo{URL: b.WebApp}})
			default:
				r = append(r, inlineButton{Text: b.Text, CallbackData: b.Data})
			}
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return kb
}

// sendError turns go-telegram's error into the dispatcher's outcome:
//
//   - 429 → *outbox.RetryAfterError
//   - 403 (blocked, kicked, deactivated) → outbox.ErrRecipientBlocked
//   - a group migrated to a supergroup → *outbox.MigratedError
//   - 400, 404 → outbox.ErrRejected
//   - anything else (5xx, network error, timeout) → transient
//
// The exceptions: an edit answered 400 "message is not modified", or a
// topic change answered "TOPIC_NOT_MODIFIED", already has what it asked
// for and counts as done. go-telegram keeps Telegram's description only in
// the error text, so these cases are recognised by that text.
func (s *Sender) sendError(kind models.OutKind, out models.Outgoing, err error) (int, error) {
	err = scrubToken(err, s.API.Token())
	var (
		tooMany *tg.TooManyRequestsError
		migrate *tg.MigrateError
	)
	switch {
	case errors.Is(err, outbox.ErrRejected):
		return 0, err // refused before any call
	case errors.As(err, &tooMany):
		return 0, &outbox.RetryAfterError{After: time.Duration(tooMany.RetryAfter) * time.Second, Err: err}
	case errors.As(err, &migrate):
		// The group became a supergroup: the dispatcher moves the
		// message, and the group's queue, to the new id.
		return 0, &outbox.MigratedError{To: int64(migrate.MigrateToChatID), Err: err}
	case errors.Is(err, tg.ErrorForbidden):
		return 0, fmt.Errorf("%w: %w", outbox.ErrRecipientBlocked, err)
	case errors.Is(err, tg.ErrorBadRequest) && (kind == models.OutEditText || kind == models.OutEditMarkup) &&
		strings.Contains(err.Error(), "message is not modified"):
		return out.EditMessageID, nil
	case errors.Is(err, tg.ErrorBadRequest) && (kind == models.OutEditTopic || kind == models.OutCloseTopic || kind == models.OutReopenTopic) &&
		strings.Contains(err.Error(), "TOPIC_NOT_MODIFIED"):
		// Already as asked (a call repeated after an unknown outcome).
		return 0, nil
	case errors.Is(err, tg.ErrorBadRequest), errors.Is(err, tg.ErrorNotFound):
		return 0, fmt.Errorf("%w: %w", outbox.ErrRejected, err)
	}
	// Everything else is retried, 401 included: a revoked or mistyped token
	// must not fail the whole queue; once the admin fixes it, the backlog
	// goes out.
	return 0, err
}

// scrubToken hides the bot token should it appear in an error's text
// (go-telegram already strips it from URL errors), keeping the error chain
// for errors.Is and errors.As.
func scrubToken(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return &scrubbedError{msg: strings.ReplaceAll(err.Error(), token, "<token>"), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
