package bot_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	tg "github.com/go-telegram/bot"

	"taskbot/bot"
	"taskbot/telegramtest"
)

// Evidence reaches the board through getFile and the download link, and
// an error never shows the token that link carries.
func TestFilesThroughTheBot(t *testing.T) {
	srv, err := telegramtest.New(telegramtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	api, err := tg.New(srv.Token(), tg.WithServerURL(srv.URL()), tg.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	m, err := srv.NewUser(1001, "Alice", "en").SendPhoto("", 0)
	if err != nil {
		t.Fatal(err)
	}
	files := &bot.Files{API: api, Token: srv.Token()}
	r, err := files.Open(context.Background(), m.Photo.FileID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, m.Photo.Data) {
		t.Fatalf("read %d bytes (%v), want the photo", len(got), err)
	}
	_, err = files.Open(context.Background(), "AgACnope")
	if err == nil || strings.Contains(err.Error(), srv.Token()) {
		t.Fatalf("unknown file: %v", err)
	}
}
