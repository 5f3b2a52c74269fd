package telegramtest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func keyboard(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

func TestSendAndEdit(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	ctx := testCtx(t)

	kb := keyboard([]models.InlineKeyboardButton{{Text: "Done", CallbackData: "done:7"}, {Text: "Open", URL: "https://example.com/t/7"}})
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID: alice.ID(), Text: "<b>Task 7</b>: buy milk", ParseMode: models.ParseModeHTML, ReplyMarkup: kb,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Text != "Task 7: buy milk" || sent.From == nil || sent.From.ID != srv.BotUser().ID || !sent.From.IsBot ||
		sent.Chat.ID != alice.ID() || sent.Date == 0 || sent.ReplyMarkup == nil || len(sent.Entities) != 1 {
		t.Errorf("returned message %+v", sent)
	}
	if got := sent.ReplyMarkup.InlineKeyboard[0][0]; got.CallbackData != "done:7" {
		t.Errorf("echoed button %+v", got)
	}
	m, ok := alice.LastMessage()
	if !ok || m.Text != "Task 7: buy milk" || m.RawText != "<b>Task 7</b>: buy milk" || m.ParseMode != "HTML" || !m.FromBot {
		t.Fatalf("stored message %+v", m)
	}
	if btn, ok := m.Button("Open"); !ok || btn.URL != "https://example.com/t/7" {
		t.Errorf("Open button %+v", btn)
	}
	if len(m.Buttons) != 1 || m.Buttons[0][0] != (Button{Text: "Done", CallbackData: "done:7"}) {
		t.Errorf("buttons %+v", m.Buttons)
	}

	// Reply to the user's message.
	um := alice.SendText("thanks")
	reply, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "np", ReplyParameters: &models.ReplyParameters{MessageID: um.ID}})
	if err != nil || reply.ReplyToMessage == nil || reply.ReplyToMessage.Text != "thanks" || reply.ReplyToMessage.ID != um.ID {
		t.Fatalf("reply = %+v, %v", reply, err)
	}
	if reply.ID <= um.ID || um.ID <= sent.ID {
		t.Errorf("message ids not increasing: %d %d %d", sent.ID, um.ID, reply.ID)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "x", ReplyParameters: &models.ReplyParameters{MessageID: 999, AllowSendingWithoutReply: true}}); err != nil {
		t.Errorf("allow_sending_without_reply: %v", err)
	}

	edit := func(p *bot.EditMessageTextParams) (*models.Message, error) { return b.EditMessageText(ctx, p) }
	if _, err := edit(&bot.EditMessageTextParams{ChatID: alice.ID(), MessageID: 999, Text: "x"}); err == nil || !strings.Contains(err.Error(), "message to edit not found") {
		t.Errorf("edit missing: %v", err)
	}
	if _, err := edit(&bot.EditMessageTextParams{ChatID: alice.ID(), MessageID: um.ID, Text: "x"}); err == nil || !strings.Contains(err.Error(), "message can't be edited") {
		t.Errorf("edit user's message: %v", err)
	}
	_, err = edit(&bot.EditMessageTextParams{ChatID: alice.ID(), MessageID: sent.ID, Text: "<b>Task 7</b>: buy milk", ParseMode: models.ParseModeHTML, ReplyMarkup: kb})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message") {
		t.Errorf("identical edit: %v", err)
	}
	// Same text, without reply_markup: the keyboard goes, as in Telegram.
	edited, err := edit(&bot.EditMessageTextParams{ChatID: alice.ID(), MessageID: sent.ID, Text: "<b>Task 7</b>: buy milk", ParseMode: models.ParseModeHTML})
	if err != nil || edited.EditDate == 0 || edited.ReplyMarkup != nil {
		t.Fatalf("edit dropping keyboard = %+v, %v", edited, err)
	}
	if m := alice.Messages()[0]; m.Buttons != nil || m.EditDate.IsZero() {
		t.Errorf("after edit %+v", m)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice.ID(), MessageID: sent.ID}); err == nil || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("removing an absent keyboard: %v", err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice.ID(), MessageID: sent.ID, ReplyMarkup: kb}); err != nil {
		t.Errorf("restoring keyboard: %v", err)
	}
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID(), MessageID: sent.ID, Text: strings.Repeat("x", 4097)}); err == nil || !strings.Contains(err.Error(), "message is too long") {
		t.Errorf("long edit: %v", err)
	}

	sentCalls := srv.Sent()
	var methods []string
	for _, c := range sentCalls {
		methods = append(methods, c.Method)
	}
	if strings.Join(methods, ",") != "sendMessage,sendMessage,sendMessage,editMessageText,editMessageReplyMarkup" {
		t.Errorf("Sent() methods %v", methods)
	}
	if sentCalls[0].At.IsZero() || sentCalls[0].Msg.Text != "Task 7: buy milk" || sentCalls[3].MessageID != sent.ID {
		t.Errorf("Sent()[0] = %+v", sentCalls[0])
	}
}

// go-telegram sends "copy_text":{"text":""} with every inline button
// because its CopyText field is a struct; the server ignores it like
// Telegram does and does not echo it back.
func TestEmptyCopyTextIgnored(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser(1001, "Alice", "en")
	r := callMultipart(t, srv, "sendMessage", map[string]string{"chat_id": "1001", "text": "x",
		"reply_markup": `{"inline_keyboard":[[{"text":"Done","callback_data":"d","copy_text":{"text":""}}]]}`}, nil)
	wantOK(t, r)
	if strings.Contains(string(r.Result), "copy_text") {
		t.Errorf("empty copy_text echoed: %s", r.Result)
	}
	if m, _ := alice.LastMessage(); len(m.Buttons) != 1 || m.Buttons[0][0] != (Button{Text: "Done", CallbackData: "d"}) {
		t.Errorf("buttons %+v", m.Buttons)
	}
}

func TestCallbackQueries(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	ctx := testCtx(t)
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "Pick",
		ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "Yes", CallbackData: "yes"}})})
	if err != nil {
		t.Fatal(err)
	}
	qid, err := alice.Press(sent.ID, "yes")
	if err != nil {
		t.Fatal(err)
	}
	answer := func(p *bot.AnswerCallbackQueryParams) error {
		_, err := b.AnswerCallbackQuery(ctx, p)
		return err
	}
	const invalid = "query is too old and response timeout expired or query ID is invalid"
	if err := answer(&bot.AnswerCallbackQueryParams{CallbackQueryID: "12345"}); err == nil || !strings.Contains(err.Error(), invalid) {
		t.Errorf("unknown query: %v", err)
	}
	if err := answer(&bot.AnswerCallbackQueryParams{CallbackQueryID: qid, Text: strings.Repeat("x", 201)}); err == nil || !strings.Contains(err.Error(), "MESSAGE_TOO_LONG") {
		t.Errorf("long answer: %v", err)
	}
	if n := view(srv, (*State).UnansweredCallbacks); n != 1 {
		t.Errorf("unanswered = %d", n)
	}
	if err := answer(&bot.AnswerCallbackQueryParams{CallbackQueryID: qid, Text: "Saved", ShowAlert: true}); err != nil {
		t.Fatal(err)
	}
	if err := answer(&bot.AnswerCallbackQueryParams{CallbackQueryID: qid}); err == nil || !strings.Contains(err.Error(), invalid) {
		t.Errorf("second answer: %v", err)
	}
	as := srv.CallbackAnswers()
	if len(as) != 1 || as[0].QueryID != qid || as[0].Text != "Saved" || !as[0].ShowAlert || as[0].Data != "yes" ||
		as[0].MessageID != sent.ID || as[0].UserID != alice.ID() {
		t.Errorf("answers %+v", as)
	}
}

func TestPhotosAndDocuments(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	ctx := testCtx(t)

	png := userPhoto()
	msg, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(), Caption: "<i>Weekly</i> chart", ParseMode: models.ParseModeHTML,
		Photo: &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(png)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Photo) == 0 || msg.Caption != "Weekly chart" || len(msg.CaptionEntities) != 1 {
		t.Fatalf("photo message %+v", msg)
	}
	largest := msg.Photo[len(msg.Photo)-1]
	if largest.Width != 640 || largest.Height != 480 {
		t.Errorf("largest size %dx%d", largest.Width, largest.Height)
	}
	got := alice.Messages()[0]
	if got.Photo == nil || !bytes.Equal(got.Photo.Data, png) || got.Photo.Name != "chart.png" || got.Caption != "Weekly chart" {
		t.Errorf("stored photo %+v", got.Photo)
	}
	for _, size := range msg.Photo {
		if f, ok := srv.File(size.FileID); !ok || !bytes.Equal(f.Data, png) {
			t.Errorf("file %s not retrievable", size.FileID)
		}
	}
	// Sending again by file_id reuses the stored file.
	again, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(), Photo: &models.InputFileString{Data: largest.FileID}})
	if err != nil || again.Photo[len(again.Photo)-1].FileID != largest.FileID {
		t.Errorf("resend by file_id: %+v, %v", again, err)
	}

	xlsx := []byte("PK\x03\x04 pretend spreadsheet")
	doc, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice.ID(), Caption: "Export",
		Document: &models.InputFileUpload{Filename: "tasks.xlsx", Data: bytes.NewReader(xlsx)}})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Document == nil || doc.Document.FileName != "tasks.xlsx" || doc.Document.FileSize != int64(len(xlsx)) ||
		doc.Document.MimeType != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("document %+v", doc.Document)
	}
	if last, _ := alice.LastMessage(); last.Document == nil || !bytes.Equal(last.Document.Data, xlsx) || last.Caption != "Export" {
		t.Errorf("stored document %+v", last.Document)
	}

	for _, c := range []struct {
		photo models.InputFile
		want  string
	}{
		{&models.InputFileUpload{Filename: "x.png", Data: strings.NewReader("not an image")}, "IMAGE_PROCESS_FAILED"},
		{&models.InputFileString{Data: "https://example.com/cat.jpg"}, "failed to get HTTP URL content"},
		{&models.InputFileString{Data: "no-such-file-id"}, "wrong file identifier/HTTP URL specified"},
		{&models.InputFileString{Data: doc.Document.FileID}, "can't use file of type Document as Photo"},
	} {
		_, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(), Photo: c.photo})
		if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("sendPhoto %T: %v, want %s", c.photo, err, c.want)
		}
	}
	if n := len(alice.Messages()); n != 3 {
		t.Errorf("%d messages, want 3", n)
	}

	// A photo message has no text to edit.
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID(), MessageID: msg.ID, Text: "x"}); err == nil || !strings.Contains(err.Error(), "there is no text in the message to edit") {
		t.Errorf("edit photo text: %v", err)
	}
}

func TestCommands(t *testing.T) {
	srv := newServer(t, Options{})
	srv.NewUser(1001, "Alice", "en")
	b := newBot(t, srv)
	ctx := testCtx(t)
	set := func(p *bot.SetMyCommandsParams) error { _, err := b.SetMyCommands(ctx, p); return err }

	en := []models.BotCommand{{Command: "start", Description: "Start"}, {Command: "list_tasks", Description: "List tasks"}}
	if err := set(&bot.SetMyCommandsParams{Commands: en}); err != nil {
		t.Fatal(err)
	}
	ru := []models.BotCommand{{Command: "start", Description: "Начать"}}
	if err := set(&bot.SetMyCommandsParams{Commands: ru, LanguageCode: "ru", Scope: &models.BotCommandScopeAllPrivateChats{}}); err != nil {
		t.Fatal(err)
	}
	if err := set(&bot.SetMyCommandsParams{Commands: en[:1], Scope: &models.BotCommandScopeChat{ChatID: 1001}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands(ScopeDefault, ""); len(got) != 2 || got[1] != (BotCommand{"list_tasks", "List tasks"}) {
		t.Errorf("default commands %+v", got)
	}
	if got := srv.Commands(CommandScope{Type: "all_private_chats"}, "ru"); len(got) != 1 || got[0].Description != "Начать" {
		t.Errorf("ru commands %+v", got)
	}
	if got := srv.Commands(CommandScope{Type: "chat", ChatID: 1001}, ""); len(got) != 1 {
		t.Errorf("chat commands %+v", got)
	}
	cmds, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{LanguageCode: "ru", Scope: &models.BotCommandScopeAllPrivateChats{}})
	if err != nil || len(cmds) != 1 || cmds[0].Command != "start" {
		t.Errorf("GetMyCommands = %+v, %v", cmds, err)
	}
	if cmds, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{LanguageCode: "de"}); err != nil || len(cmds) != 0 {
		t.Errorf("unset language: %+v, %v", cmds, err)
	}
	if _, err := b.DeleteMyCommands(ctx, &bot.DeleteMyCommandsParams{}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands(ScopeDefault, ""); len(got) != 0 {
		t.Errorf("after delete %+v", got)
	}

	for _, c := range []struct {
		cmds []models.BotCommand
		want string
	}{
		{[]models.BotCommand{{Command: "Start", Description: "x"}}, "BOT_COMMAND_INVALID"},
		{[]models.BotCommand{{Command: "/start", Description: "x"}}, "BOT_COMMAND_INVALID"},
		{[]models.BotCommand{{Command: strings.Repeat("a", 33), Description: "x"}}, "BOT_COMMAND_INVALID"},
		{[]models.BotCommand{{Command: "a", Description: ""}}, "BOT_COMMAND_INVALID"},
		{[]models.BotCommand{{Command: "a", Description: strings.Repeat("д", 257)}}, "BOT_COMMAND_INVALID"},
		{manyCommands(101), "BOT_COMMANDS_TOO_MUCH"},
	} {
		if err := set(&bot.SetMyCommandsParams{Commands: c.cmds}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("setMyCommands %.40v: %v, want %s", c.cmds, err, c.want)
		}
	}
	if err := set(&bot.SetMyCommandsParams{Commands: manyCommands(100)}); err != nil {
		t.Errorf("100 commands: %v", err)
	}
	if err := set(&bot.SetMyCommandsParams{Commands: en, Scope: &models.BotCommandScopeChat{ChatID: 4242}}); err == nil || !strings.Contains(err.Error(), "chat not found") {
		t.Errorf("unknown chat scope: %v", err)
	}
}

func manyCommands(n int) []models.BotCommand {
	out := make([]models.BotCommand, n)
	for i := range out {
		out[i] = models.BotCommand{Command: "c" + itoa(i), Description: "d"}
	}
	return out
}
