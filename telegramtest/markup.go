package telegramtest

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Button is one inline keyboard button as the user sees it.
type Button struct {
	Text         string
	CallbackData string
	URL          string
}

// markup is a validated reply_markup.
type markup struct {
	inline      [][]Button
	inlineJSON  []any // normalised inline_keyboard, echoed in Message.reply_markup
	keyboard    [][]string
	removeKbd   bool
	forceReply  bool
	placeholder string
}

// inlineActionFields are the InlineKeyboardButton fields that give a button
// its behaviour; the documentation requires exactly one.
var inlineActionFields = []string{
	"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
}

// parseMarkup checks the rules of reply markup the spec's field types do
// not capture. Zero values count as absent: go-telegram/bot always sends
// "copy_text":{"text":""} because its CopyText field is a struct, and the
// real server ignores it.
func parseMarkup(raw string) (*markup, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var obj map[string]any
	if err := jsonUnmarshal(raw, &obj); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	m := &markup{}
	switch {
	case obj["inline_keyboard"] != nil:
		rows, _ := obj["inline_keyboard"].([]any)
		for _, r := range rows {
			cells, _ := r.([]any)
			var row []Button
			var rowJSON []any
			for _, c := range cells {
				b, _ := c.(map[string]any)
				btn, norm, err := parseInlineButton(b)
				if err != nil {
					return nil, err
				}
				row = append(row, btn)
				rowJSON = append(rowJSON, norm)
			}
			m.inline = append(m.inline, row)
			m.inlineJSON = append(m.inlineJSON, rowJSON)
		}
	case obj["keyboard"] != nil:
		rows, _ := obj["keyboard"].([]any)
		for _, r := range rows {
			cells, _ := r.([]any)
			var row []string
			for _, c := range cells {
				b, _ := c.(map[string]any)
				text, _ := b["text"].(string)
				if text == "" {
					return nil, badRequest("can't parse keyboard button: Text must be non-empty")
				}
				row = append(row, text)
			}
			m.keyboard = append(m.keyboard, row)
		}
		m.placeholder, _ = obj["input_field_placeholder"].(string)
	case obj["remove_keyboard"] != nil:
		if obj["remove_keyboard"] != true {
			return nil, badRequest("can't parse reply keyboard markup JSON object: remove_keyboard must be True")
		}
		m.removeKbd = true
	case obj["force_reply"] != nil:
		if obj["force_reply"] != true {
			return nil, badRequest("can't parse reply keyboard markup JSON object: force_reply must be True")
		}
		m.forceReply = true
		m.placeholder, _ = obj["input_field_placeholder"].(string)
	default:
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	return m, nil
}

func parseInlineButton(b map[string]any) (Button, map[string]any, *apiError) {
	text, _ := b["text"].(string)
	if strings.TrimSpace(text) == "" {
		return Button{}, nil, badRequest("can't parse inline keyboard button: Text must be non-empty")
	}
	if data, present := b["callback_data"]; present {
		s, _ := data.(string)
		if len(s) < 1 || len(s) > 64 {
			return Button{}, nil, badRequest("BUTTON_DATA_INVALID")
		}
	}
	norm := map[string]any{}
	for k, v := range b {
		if !isZeroJSON(v) {
			norm[k] = v
		}
	}
	actions := 0
	for _, f := range inlineActionFields {
		if _, ok := norm[f]; ok {
			actions++
		}
	}
	switch {
	case actions == 0:
		return Button{}, nil, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	case actions > 1:
		return Button{}, nil, badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used")
	}
	btn := Button{Text: text}
	btn.CallbackData, _ = norm["callback_data"].(string)
	btn.URL, _ = norm["url"].(string)
	if btn.URL != "" && !validButtonURL(btn.URL) {
		return Button{}, nil, badRequest("BUTTON_URL_INVALID")
	}
	return btn, norm, nil
}

// validButtonURL accepts what the server accepts in a url button: an
// absolute http(s) URL with a host, or a tg:// link.
func validButtonURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "tg":
		return true
	}
	return false
}

func isZeroJSON(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case json.Number:
		return v == "0"
	case float64:
		return v == 0
	case []any:
		return len(v) == 0
	case map[string]any:
		for _, e := range v {
			if !isZeroJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

// wire returns the reply_markup a Message carries: only inline keyboards
// are part of a Message, other markup is a one-off instruction to the
// client.
func (m *markup) wire() any {
	if m == nil || m.inline == nil {
		return nil
	}
	return map[string]any{"inline_keyboard": m.inlineJSON}
}

// equal reports whether two markups are the same for "message is not
// modified" purposes.
func (m *markup) equal(o *markup) bool {
	a, _ := json.Marshal(m.wire())
	b, _ := json.Marshal(o.wire())
	return string(a) == string(b)
}

func jsonUnmarshal(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}
