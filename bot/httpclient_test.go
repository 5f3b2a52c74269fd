package bot_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"

	"taskbot/bot"
	"taskbot/models"
)

// A Bot API call goes out as one body of known length, not as the chunks
// go-telegram's form streams (one write call each); a file larger than what
// is read ahead still arrives whole. Both of the bot's clients do so.
func TestCallsGoOutWhole(t *testing.T) {
	type arrival struct {
		length  int64
		chunked bool
		text    string
		file    []byte
	}
	var (
		mu  sync.Mutex
		got []arrival
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := arrival{length: r.ContentLength}
		for _, te := range r.TransferEncoding {
			a.chunked = a.chunked || te == "chunked"
		}
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.text = r.FormValue("text")
		if f, _, err := r.FormFile("document"); err == nil {
			a.file, _ = io.ReadAll(f)
			_ = f.Close()
		}
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
		_, _ = io.WriteString(w, `{"ok":true,"result":{"message_id":7,"date":0,"chat":{"id":1,"type":"private"}}}`)
	}))
	defer srv.Close()
	clients := map[string]*http.Client{
		"plain":  bot.NewHTTPClient(4, 5*time.Second),
		"fenced": bot.NewFencedHTTPClient(4, 5*time.Second, func() bool { return true }),
	}
	large := bytes.Repeat([]byte("0123456789abcdef"), 1<<16+100) // past the read-ahead
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			api, err := tg.New("123:abc", tg.WithServerURL(srv.URL), tg.WithSkipGetMe(), tg.WithHTTPClient(5*time.Second, c))
			if err != nil {
				t.Fatal(err)
			}
			s := bot.NewSender(api)
			ctx := context.Background()
			mu.Lock()
			got = nil
			mu.Unlock()
			out := models.Outgoing{Text: "提醒 <b>T01</b>", Buttons: [][]models.Button{{{Text: "ok", Data: "r:1"}}}}
			if id, err := s.Send(ctx, 1, models.OutSendMessage, out); err != nil || id != 7 {
				t.Fatalf("send message: %d, %v", id, err)
			}
			if _, err := s.Send(ctx, 1, models.OutSendDocument, models.Outgoing{File: large, FileName: "ledger.xlsx"}); err != nil {
				t.Fatalf("send document: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 2 {
				t.Fatalf("%d calls arrived, want 2", len(got))
			}
			if m := got[0]; m.chunked || m.length <= 0 || m.text != out.Text {
				t.Fatalf("message arrived chunked %v, length %d, text %q; want one body of known length", m.chunked, m.length, m.text)
			}
			if !bytes.Equal(got[1].file, large) {
				t.Fatalf("document arrived with %d bytes, want %d", len(got[1].file), len(large))
			}
		})
	}
}
