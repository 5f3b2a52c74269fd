package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

func TestGetFileAndDownload(t *testing.T) {
	srv := newServer(t, Options{})
	u := srv.NewUser(1001, "Alice", "en")
	m, err := u.SendPhoto("", 0)
	if err != nil {
		t.Fatal(err)
	}
	r := callForm(t, srv, "getFile", map[string]string{"file_id": m.Photo.FileID})
	wantOK(t, r)
	f := decode[wFile](t, r.Result)
	if f.FileID != m.Photo.FileID || f.FilePath == "" || f.FileSize != len(m.Photo.Data) {
		t.Fatalf("getFile: %+v", f)
	}
	download := func(tok, p string) (int, []byte) {
		res, err := http.Get(srv.URL() + "/file/bot" + tok + "/" + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	if code, body := download(srv.Token(), f.FilePath); code != 200 || !bytes.Equal(body, m.Photo.Data) {
		t.Fatalf("download: %d, %d bytes", code, len(body))
	}
	if code, _ := download("1:WRONG", f.FilePath); code != 404 {
		t.Fatalf("download with another token: %d", code)
	}
	if code, _ := download(srv.Token(), "photos/nothing.jpg"); code != 404 {
		t.Fatalf("download of an unknown path: %d", code)
	}
	wantError(t, callForm(t, srv, "getFile", map[string]string{"file_id": "AgACnope"}), 400,
		"Bad Request: wrong file_id or the file is temporarily unavailable")
}

func TestChatMenuButton(t *testing.T) {
	srv := newServer(t, Options{})
	u := srv.NewUser(1001, "Alice", "en")
	u.SendText("hi")
	button := func(url string) string {
		b, _ := json.Marshal(map[string]any{"type": "web_app", "text": "Board", "web_app": map[string]string{"url": url}})
		return string(b)
	}
	wantOK(t, callForm(t, srv, "setChatMenuButton", map[string]string{"menu_button": button("https://board.example.gov/")}))
	if b, ok := srv.MenuButton(0); !ok || b.Type != "web_app" || b.URL != "https://board.example.gov/" {
		t.Fatalf("default button %+v %v", b, ok)
	}
	r := callForm(t, srv, "getChatMenuButton", map[string]string{"chat_id": "1001"})
	wantOK(t, r)
	if got := decode[wMenuButton](t, r.Result); got.Type != "web_app" || got.WebApp == nil || got.WebApp.URL != "https://board.example.gov/" {
		t.Fatalf("a chat shows the default button: %+v", got)
	}
	wantError(t, callForm(t, srv, "setChatMenuButton", map[string]string{"menu_button": button("http://board.example.gov/")}), 400,
		"Bad Request: menu button Web App URL 'http://board.example.gov/' is invalid: Only HTTPS links are allowed")
	wantError(t, callForm(t, srv, "setChatMenuButton", map[string]string{"chat_id": "4242", "menu_button": button("https://x.example/")}), 400,
		"Bad Request: chat not found")
	if r := callForm(t, srv, "setChatMenuButton", map[string]string{"menu_button": `{"type":"web_app","text":"x"}`}); r.OK {
		t.Fatal("a web_app button without web_app was accepted")
	}
}
