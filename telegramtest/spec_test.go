package telegramtest

import (
	"maps"
	"net/http"
	"strings"
	"testing"
)

// sampleJSON builds a minimal valid JSON value of a spec type, filling
// required fields only, so the walk below needs no hand-written fixtures.
func sampleJSON(t *testing.T, typ string) string {
	t.Helper()
	sp := loadSpec()
	if elem, ok := strings.CutPrefix(typ, "Array of "); ok {
		return "[" + sampleJSON(t, elem) + "]"
	}
	switch typ {
	case "Integer":
		return "1"
	case "Float":
		return "1.5"
	case "Boolean", "True":
		return "true"
	case "String", "InputFile":
		return `"x"`
	}
	st := sp.Types[typ]
	if st == nil {
		t.Fatalf("type %s not in spec", typ)
	}
	if len(st.Subtypes) > 0 {
		return sampleJSON(t, st.Subtypes[0])
	}
	var parts []string
	for _, f := range st.Fields {
		if !f.Required {
			continue
		}
		v := sampleJSON(t, f.Types[0])
		if f.Name == st.tagField {
			v = `"` + st.tagValue + `"`
		}
		parts = append(parts, `"`+f.Name+`":`+v)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// sampleParam is a valid parameter value of the given alternative types.
func sampleParam(t *testing.T, types []string) string {
	for _, typ := range types {
		if typ == "String" {
			return "x"
		}
	}
	v := sampleJSON(t, types[0])
	return strings.Trim(v, `"`)
}

func hasType(types []string, want string) bool {
	for _, t := range types {
		if t == want {
			return true
		}
	}
	return false
}

// TestSpecWalk checks, for every implemented method and straight from the
// spec file, that a missing required parameter, an unknown parameter and a
// value of the wrong type are each refused with 400, and that a request
// with valid types gets past validation.
func TestSpecWalk(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	sp := loadSpec()
	if len(Methods()) < 15 {
		t.Fatalf("Methods() = %v", Methods())
	}
	for _, name := range Methods() {
		m := sp.Methods[name]
		if m == nil {
			t.Fatalf("handler %s is not spelled as in the spec", name)
		}
		t.Run(name, func(t *testing.T) {
			full := map[string]any{}
			for _, f := range m.Fields {
				if f.Required {
					full[f.Name] = sampleParam(t, f.Types)
				}
			}

			p := maps.Clone(full)
			p["definitely_not_a_parameter"] = "1"
			wantError(t, api(t, srv, name, p), 400, `Bad Request: unknown parameter "definitely_not_a_parameter"`)

			for _, f := range m.Fields {
				if !f.Required {
					continue
				}
				p := maps.Clone(full)
				delete(p, f.Name)
				r := api(t, srv, name, p)
				if r.OK || r.ErrorCode != 400 || !strings.HasPrefix(r.Description, "Bad Request: ") || strings.Contains(r.Description, "unknown parameter") {
					t.Errorf("without required %s: got %v, want 400", f.Name, r)
				}
				p[f.Name] = ""
				if emptyAllowed[name+"."+f.Name] {
					continue
				}
				if r := api(t, srv, name, p); r.OK || r.ErrorCode != 400 {
					t.Errorf("with empty required %s: got %v, want 400", f.Name, r)
				}
			}

			for _, f := range m.Fields {
				if hasType(f.Types, "String") {
					continue
				}
				p := maps.Clone(full)
				p[f.Name] = "definitely{wrong"
				r := api(t, srv, name, p)
				named := strings.Contains(r.Description, f.Name) ||
					f.Name == "reply_markup" && strings.Contains(r.Description, "reply keyboard markup")
				if r.OK || r.ErrorCode != 400 || !named {
					t.Errorf("%s of wrong type: got %v, want 400 naming it", f.Name, r)
				}
			}

			r := api(t, srv, name, full)
			for _, bad := range []string{"unknown parameter", "must be of type", "is required", "can't parse"} {
				if strings.Contains(r.Description, bad) {
					t.Errorf("valid sample params refused by validation: %v", r)
				}
			}
		})
	}
}

func TestRouting(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	alice := srv.NewUser(1001, "Alice", "en")
	base := srv.URL() + "/bot" + srv.Token() + "/"

	wantError(t, api(t, srv, "noSuchMethod", nil), 404, "Not Found")
	wantError(t, api(t, srv, "deleteMessage", map[string]any{"chat_id": 1, "message_id": 1}), 501,
		"Not Implemented: telegramtest does not implement deleteMessage")

	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/bot999:WRONG/getMe", nil)
	wantError(t, do(t, req), 401, "Unauthorized")
	req, _ = http.NewRequest(http.MethodGet, srv.URL()+"/", nil)
	wantError(t, do(t, req), 404, "Not Found")

	// Method names are case-insensitive, like Telegram's.
	wantOK(t, api(t, srv, "GETME", nil))
	wantOK(t, api(t, srv, "getme", nil))
	if got := srv.Calls("getMe"); got != 2 {
		t.Errorf("Calls(getMe) = %d, want 2", got)
	}

	// Query string on GET, url-encoded and JSON bodies.
	req, _ = http.NewRequest(http.MethodGet, base+"sendMessage?chat_id=1001&text=via+query", nil)
	wantOK(t, do(t, req))
	wantOK(t, callForm(t, srv, "sendMessage", map[string]string{"chat_id": "1001", "text": "via form"}))
	wantOK(t, callMultipart(t, srv, "sendMessage", map[string]string{"chat_id": "1001", "text": "via multipart"}, nil))
	wantOK(t, api(t, srv, "sendMessage", map[string]any{"chat_id": 1001, "text": "via json"}))
	var texts []string
	for _, m := range alice.Messages() {
		texts = append(texts, m.Text)
	}
	if got := strings.Join(texts, "|"); got != "via query|via form|via multipart|via json" {
		t.Errorf("messages = %s", got)
	}
}

func TestParamValidation(t *testing.T) {
	srv := newServer(t, Options{RateLimits: noLimits})
	srv.NewUser(1001, "Alice", "en")
	cases := []struct {
		method string
		params map[string]any
		want   string
	}{
		{"sendMessage", map[string]any{"text": "hi"}, "Bad Request: chat_id is empty"},
		{"sendMessage", map[string]any{"chat_id": 1001}, "Bad Request: message text is empty"},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": ""}, "Bad Request: message text is empty"},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_to_message_id": 1}, `Bad Request: unknown parameter "reply_to_message_id"`},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "disable_notification": "yes"}, `Bad Request: parameter "disable_notification" must be of type Boolean`},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "message_thread_id": 1.5}, `Bad Request: parameter "message_thread_id" must be of type Integer`},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_markup": "[1]"}, "Bad Request: can't parse reply keyboard markup JSON object: reply_markup: expected InlineKeyboardMarkup or ReplyKeyboardMarkup or ReplyKeyboardRemove or ForceReply, got array"},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_markup": map[string]any{"inline_keyboard": [][]map[string]any{{{"txt": "a"}}}}}, `Bad Request: can't parse reply keyboard markup JSON object: reply_markup.inline_keyboard[0][0]: InlineKeyboardButton has no field "txt"`},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_markup": map[string]any{"keyboard": [][]map[string]any{{{"text": 5}}}}}, "Bad Request: can't parse reply keyboard markup JSON object: reply_markup.keyboard[0][0].text: expected String, got number 5"},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_markup": map[string]any{"inline_keyboard": [][]map[string]any{{{"text": "a"}}}}}, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_markup": map[string]any{"inline_keyboard": [][]map[string]any{{{"text": "a", "callback_data": "x", "url": "https://example.com"}}}}}, "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used"},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_markup": map[string]any{"inline_keyboard": [][]map[string]any{{{"text": "a", "url": "not a url"}}}}}, "Bad Request: BUTTON_URL_INVALID"},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_markup": map[string]any{"force_reply": false}}, "Bad Request: can't parse reply keyboard markup JSON object: force_reply must be True"},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "reply_parameters": map[string]any{"message_id": 99}}, "Bad Request: message to be replied not found"},
		{"sendMessage", map[string]any{"chat_id": 4242, "text": "hi"}, "Bad Request: chat not found"},
		{"sendMessage", map[string]any{"chat_id": "@nobody", "text": "hi"}, "Bad Request: chat not found"},
		{"sendMessage", map[string]any{"chat_id": 1001, "text": "hi", "parse_mode": "BBCode"}, "Bad Request: unsupported parse_mode"},
		{"sendChatAction", map[string]any{"chat_id": 1001, "action": "dancing"}, "Bad Request: wrong parameter action in request"},
		{"getUpdates", map[string]any{"allowed_updates": "message"}, "Bad Request: can't parse allowed_updates JSON object: invalid JSON: invalid character 'm' looking for beginning of value"},
	}
	for _, c := range cases {
		r := api(t, srv, c.method, c.params)
		if r.OK || r.ErrorCode != 400 || r.Description != c.want {
			t.Errorf("%s %v:\n got %v\nwant 400 %s", c.method, c.params, r, c.want)
		}
	}
	if n := len(srv.Messages(1001)); n != 0 {
		t.Errorf("refused sends stored %d messages", n)
	}

	// Files: only InputFile parameters take uploads; attach:// names a
	// part, which then is not an unknown parameter.
	doc := testFile{"a.txt", []byte("a")}
	wantError(t, callMultipart(t, srv, "sendMessage", map[string]string{"chat_id": "1001"}, map[string]testFile{"text": doc}), 400,
		`Bad Request: parameter "text" must be String, not an uploaded file`)
	wantError(t, callMultipart(t, srv, "sendDocument", map[string]string{"chat_id": "1001"}, map[string]testFile{"document": doc, "extra": doc}), 400,
		`Bad Request: unknown parameter "extra"`)
	wantOK(t, callMultipart(t, srv, "sendDocument", map[string]string{"chat_id": "1001", "thumbnail": "attach://thumb"},
		map[string]testFile{"document": doc, "thumb": {"t.png", userPhoto()}}))
	wantOK(t, callMultipart(t, srv, "sendDocument", map[string]string{"chat_id": "1001", "document": "attach://file"},
		map[string]testFile{"file": doc}))
	wantError(t, api(t, srv, "setWebhook", map[string]any{"url": "http://127.0.0.1:1/", "certificate": "cert.pem"}), 400,
		`Bad Request: parameter "certificate" must be of type InputFile`)
	wantError(t, callMultipart(t, srv, "sendDocument", map[string]string{"chat_id": "1001"}, map[string]testFile{"document": {"empty.txt", nil}}), 400,
		"Bad Request: file must be non-empty")
}

func TestCheckObject(t *testing.T) {
	valid := `{"message_id":1,"date":2,"chat":{"id":3,"type":"private"},"text":"x"}`
	if err := CheckObject("Message", []byte(valid)); err != nil {
		t.Errorf("valid message: %v", err)
	}
	for _, c := range []struct{ typ, json, want string }{
		{"Message", `{"message_id":1,"chat":{"id":3,"type":"private"}}`, `missing required field "date"`},
		{"Message", `{"message_id":1,"date":2,"chat":{"id":3}}`, `Message.chat: Chat is missing required field "type"`},
		{"Message", `{"message_id":1,"date":2,"chat":{"id":3,"type":"private"},"txt":"x"}`, `Message has no field "txt"`},
		{"Message", `{"message_id":"1","date":2,"chat":{"id":3,"type":"private"}}`, "Message.message_id: expected Integer, got String"},
		{"Message", `{"message_id":1.5,"date":2,"chat":{"id":3,"type":"private"}}`, "expected Integer, got 1.5"},
		{"Message", `{"message_id":1,"date":2,"chat":{"id":3,"type":"private"},"from":null}`, "null is not a valid User"},
		{"Update", `{"update_id":1,"message":{"message_id":1,"date":2,"chat":{"id":3,"type":"private"},"entities":[{"type":"bold","offset":0}]}}`, `missing required field "length"`},
		{"ChatMember", `{"status":"kicked","user":{"id":1,"is_bot":false,"first_name":"A"}}`, `ChatMemberBanned is missing required field "until_date"`},
		{"ChatMember", `{"status":"boss","user":{"id":1,"is_bot":false,"first_name":"A"}}`, "no subtype of ChatMember matches"},
		{"Array of Update", `{}`, "expected Array of Update, got object"},
	} {
		err := CheckObject(c.typ, []byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckObject(%s, %s) = %v, want error containing %q", c.typ, c.json, err, c.want)
		}
	}
	if err := CheckResult("getMe", []byte(`{"id":1,"is_bot":true,"first_name":"B"}`)); err != nil {
		t.Errorf("CheckResult(getMe): %v", err)
	}
	if err := CheckResult("editMessageText", []byte(`true`)); err != nil {
		t.Errorf("editMessageText may return True: %v", err)
	}
	if SpecVersion() != "Bot API 10.1" {
		t.Errorf("SpecVersion() = %q", SpecVersion())
	}
}
