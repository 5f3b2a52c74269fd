package telegramtest

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseHTML(t *testing.T) {
	cases := []struct {
		in   string
		text string
		ents []Entity
	}{
		{"plain", "plain", nil},
		{"<b>bold</b> and <i>it</i>", "bold and it", []Entity{{Type: "bold", Length: 4}, {Type: "italic", Offset: 9, Length: 2}}},
		{"<strong><em>x</em></strong>", "x", []Entity{{Type: "bold", Length: 1}, {Type: "italic", Length: 1}}},
		{`<a href="https://example.com/?a=1&amp;b=2">link</a>`, "link", []Entity{{Type: "text_link", Length: 4, URL: "https://example.com/?a=1&b=2"}}},
		{"1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;ok&quot; &#65;&#x42;", `1 < 2 && 3 > 2 "ok" AB`, nil},
		{`<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>`, "st", []Entity{{Type: "spoiler", Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{`<pre><code class="language-go">x := 1</code></pre>`, "x := 1", []Entity{{Type: "pre", Length: 6, Language: "go"}}},
		{"<code>c</code><u>u</u><ins>i</ins><s>s</s><strike>k</strike><del>d</del>", "cuiskd", []Entity{
			{Type: "code", Length: 1}, {Type: "underline", Offset: 1, Length: 1}, {Type: "underline", Offset: 2, Length: 1},
			{Type: "strikethrough", Offset: 3, Length: 1}, {Type: "strikethrough", Offset: 4, Length: 1}, {Type: "strikethrough", Offset: 5, Length: 1}}},
		{"<blockquote expandable>q</blockquote>", "q", []Entity{{Type: "expandable_blockquote", Length: 1}}},
		{`<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, "👍", []Entity{{Type: "custom_emoji", Length: 2, CustomEmojiID: "5368324170671202286"}}},
		// Offsets count UTF-16 code units: the emoji takes two.
		{"😀 <b>x</b>", "😀 x", []Entity{{Type: "bold", Offset: 3, Length: 1}}},
		{"2 > 1", "2 > 1", nil},
		{"<B>upper</B>", "upper", []Entity{{Type: "bold", Length: 5}}},
		{"<b></b>x", "x", nil},
	}
	for _, c := range cases {
		text, ents, err := parseHTML(c.in)
		if err != nil {
			t.Errorf("parseHTML(%q): %v", c.in, err)
			continue
		}
		if text != c.text || !reflect.DeepEqual(ents, c.ents) {
			t.Errorf("parseHTML(%q) = %q %+v, want %q %+v", c.in, text, ents, c.text, c.ents)
		}
	}
}

func TestParseHTMLErrors(t *testing.T) {
	cases := map[string]string{
		"<b>open":                `Can't find end tag corresponding to start tag "b"`,
		"<b>x</i>":               `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`,
		"x</b>":                  "Unexpected end tag at byte offset 1",
		"<p>para</p>":            `Unsupported start tag "p" at byte offset 0`,
		"<br>":                   `Unsupported start tag "br" at byte offset 0`,
		"a <b":                   "Unclosed start tag at byte offset 2",
		"<b>x</b":                "Unclosed end tag at byte offset 4",
		"1 < 2":                  "Empty tag name at byte offset 2",
		"fish & chips":           `Character '&' must be escaped as "&amp;" at byte offset 5`,
		"&nbsp;":                 `Unsupported HTML entity "&nbsp;" at byte offset 0`,
		"&#0;":                   `Unsupported HTML entity "&#0;" at byte offset 0`,
		`<span>x</span>`:         `Tag "span" must have class "tg-spoiler" at byte offset 0`,
		`<tg-emoji>x</tg-emoji>`: `Tag "tg-emoji" must have attribute "emoji-id" at byte offset 0`,
		`<a href="x>y</a>`:       `Unclosed end of attribute value of the tag "a" at byte offset 0`,
	}
	for in, want := range cases {
		_, _, err := parseHTML(in)
		if err == nil || err.Error() != want {
			t.Errorf("parseHTML(%q) error = %v, want %s", in, err, want)
		}
	}
}

func TestTextLimits(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	send := func(params map[string]any) apiResp {
		params["chat_id"] = alice.ID()
		return api(t, srv, "sendMessage", params)
	}

	wantError(t, send(map[string]any{"text": "<b>x", "parse_mode": "HTML"}), 400,
		`Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`)
	wantError(t, send(map[string]any{"text": "<b> </b>", "parse_mode": "HTML"}), 400, "Bad Request: message text is empty")
	wantError(t, send(map[string]any{"text": "   \n "}), 400, "Bad Request: message text is empty")

	// 4096 characters after parsing pass even though the markup makes the
	// parameter longer, and multi-byte characters count once.
	full := strings.Repeat("ж", maxTextLen)
	wantOK(t, send(map[string]any{"text": "<b>" + full + "</b>", "parse_mode": "HTML"}))
	wantError(t, send(map[string]any{"text": full + "!"}), 400, "Bad Request: message is too long")
	wantOK(t, send(map[string]any{"text": strings.Repeat("&amp;", maxTextLen), "parse_mode": "html"}))

	// Surrounding whitespace is trimmed and entities move with the text.
	r := send(map[string]any{"text": "\n  <b>hi</b> there  \n", "parse_mode": "HTML"})
	wantOK(t, r)
	msg := decode[wMessage](t, r.Result)
	if msg.Text != "hi there" || len(msg.Entities) != 1 || msg.Entities[0] != (Entity{Type: "bold", Length: 2}) {
		t.Errorf("trimmed message = %q %+v", msg.Text, msg.Entities)
	}

	data := func(d string) map[string]any {
		return map[string]any{"text": "pick", "reply_markup": map[string]any{
			"inline_keyboard": [][]map[string]any{{{"text": "b", "callback_data": d}}}}}
	}
	wantOK(t, send(data(strings.Repeat("x", 64))))
	wantError(t, send(data(strings.Repeat("x", 65))), 400, "Bad Request: BUTTON_DATA_INVALID")
	// The limit is in bytes: 33 two-byte characters are 66 bytes.
	wantError(t, send(data(strings.Repeat("й", 33))), 400, "Bad Request: BUTTON_DATA_INVALID")
	wantError(t, send(data("")), 400, "Bad Request: BUTTON_DATA_INVALID")

	caption := func(c string) apiResp {
		return callMultipart(t, srv, "sendPhoto", map[string]string{"chat_id": "1001", "caption": c},
			map[string]testFile{"photo": {"p.png", userPhoto()}})
	}
	wantOK(t, caption(strings.Repeat("c", maxCaptionLen)))
	wantError(t, caption(strings.Repeat("c", maxCaptionLen+1)), 400, "Bad Request: message caption is too long")
}
