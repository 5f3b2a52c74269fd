package telegramtest

import "testing"

// A web_app button opens a Mini App over HTTPS, in a private chat only;
// the user sees where it leads.
func TestWebAppButtons(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	srv.NewGroup(-4001, "Basic", alice)
	keyboard := func(url string) map[string]any {
		return map[string]any{"inline_keyboard": [][]map[string]any{{{"text": "Board", "web_app": map[string]string{"url": url}}}}}
	}
	for _, c := range []struct {
		name string
		chat int64
		url  string
		want string
	}{
		{"plain http", 1001, "http://board.example.gov/", "Bad Request: inline keyboard button Web App URL 'http://board.example.gov/' is invalid: Only HTTPS links are allowed"},
		{"no host", 1001, "https:///x", "Bad Request: inline keyboard button Web App URL 'https:///x' is invalid: Only HTTPS links are allowed"},
		{"group", -4001, "https://board.example.gov/", "Bad Request: BUTTON_TYPE_INVALID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := api(t, srv, "sendMessage", map[string]any{"chat_id": c.chat, "text": "hi", "reply_markup": keyboard(c.url)})
			if r.OK || r.Description != c.want {
				t.Fatalf("got %v, want %s", r, c.want)
			}
		})
	}
	wantOK(t, api(t, srv, "sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_markup": keyboard("https://board.example.gov/?p=%2Fapp%2Ftask%2FT01")}))
	msgs := alice.Messages()
	if len(msgs) != 1 || msgs[0].Buttons[0][0].WebApp != "https://board.example.gov/?p=%2Fapp%2Ftask%2FT01" {
		t.Fatalf("web_app button not kept: %+v", msgs)
	}
}
