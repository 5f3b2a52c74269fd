package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/telegramtest"
)

func TestBoardURL(t *testing.T) {
	tests := []struct {
		url       string
		ok, https bool
	}{
		{"https://board.example.gov/", true, true},
		{"https://board.example.gov", true, true},
		{"http://127.0.0.1:8090/", true, false},
		{"http://localhost:8090", true, false},
		{"http://board.example.gov/", false, false},
		{"https://board.example.gov/board", false, false},
		{"board.example.gov", false, false},
	}
	for _, tc := range tests {
		o := webOptions{WebURL: tc.url}
		_, https, err := o.boardURL()
		if (err == nil) != tc.ok || https != tc.https {
			t.Errorf("%s: https %v, err %v", tc.url, https, err)
		}
	}
}

// Summaries link to the board only where Telegram opens it: over HTTPS.
func TestTaskLinks(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"", ""},
		{"https://board.example.gov/", "https://board.example.gov/"},
		{"http://127.0.0.1:8090/", ""},
	} {
		o := webOptions{WebURL: tc.url}
		if got, err := o.taskLinks(); err != nil || got != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
	if _, err := (&webOptions{WebURL: "http://board.example.gov/"}).taskLinks(); err == nil {
		t.Error("a plain HTTP board on a public host accepted")
	}
}

// With --web-url the bot serves the board and points its menu button at
// it; without, it sets no button.
func TestBoardSetsMenuButton(t *testing.T) {
	srv, err := telegramtest.New(telegramtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	api, err := newAPI(srv.Token(), srv.URL(), 10*time.Second, 16)
	if err != nil {
		t.Fatal(err)
	}
	store := storetest.SQLite(t, models.Options{})
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()

	off := webOptions{WebListen: "127.0.0.1:0", WebAuthAge: time.Hour}
	stop, err := off.startBoard(ctx, store, api, srv.Token(), nil, time.UTC, models.DefaultLightRules, log)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if b, ok := srv.MenuButton(0); ok {
		t.Fatalf("board off, yet menu button %+v", b)
	}

	var addr string
	on := webOptions{WebListen: "127.0.0.1:0", WebURL: "https://board.example.gov/", WebAuthAge: time.Hour,
		boardReady: func(a string) { addr = a }}
	stop, err = on.startBoard(ctx, store, api, srv.Token(), nil, time.UTC, models.DefaultLightRules, log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if b, ok := srv.MenuButton(0); !ok || b.Type != "web_app" || b.URL != "https://board.example.gov/" {
		t.Fatalf("menu button %+v %v", b, ok)
	}
	if addr == "" {
		t.Fatal("board address not reported")
	}
}
