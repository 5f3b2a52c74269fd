package telegramtest

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// Button is one inline keyboard button as the user sees it.
type Button struct {
	Text         string
	CallbackData string
	URL          string
	// WebApp is the address of the Mini App a web_app button opens.
	WebApp string
}

// KeyboardButton is a reply keyboard button: its text and, for a button
// that asks the user to pick a chat or users, the request.
type KeyboardButton struct {
	Text         string
	RequestChat  *ChatRequest
	RequestUsers *UsersRequest
	// RequestLocation asks for the user's current location.
	RequestLocation bool
}

// ChatRequest is a KeyboardButtonRequestChat. The optional restrictions
// are nil when not given.
type ChatRequest struct {
	RequestID               int
	ChatIsChannel           bool
	ChatIsForum             *bool
	ChatHasUsername         *bool
	ChatIsCreated           bool
	UserAdministratorRights *Rights
	BotAdministratorRights  *Rights
	BotIsMember             bool
	RequestTitle            bool
	RequestUsername         bool
	RequestPhoto            bool
}

// UsersRequest is a KeyboardButtonRequestUsers; MaxQuantity is 1 when not
// given.
type UsersRequest struct {
	RequestID       int
	UserIsBot       *bool
	UserIsPremium   *bool
	MaxQuantity     int
	RequestName     bool
	RequestUsername bool
	RequestPhoto    bool
}

// markup is a validated reply_markup.
type markup struct {
	inline      [][]Button
	inlineJSON  []any // normalised inline_keyboard, echoed in Message.reply_markup
	keyboard    [][]KeyboardButton
	removeKbd   bool
	forceReply  bool
	placeholder string
}

// webApps reports whether an inline keyboard has web_app buttons, which
// only private chats take.
func (m *markup) webApps() bool {
	if m == nil {
		return false
	}
	for _, row := range m.inline {
		for _, b := range row {
			if b.WebApp != "" {
				return true
			}
		}
	}
	return false
}

// requests reports whether the keyboard has buttons requesting a chat or
// users, which only private chats take.
func (m *markup) requests() (chat, users bool) {
	if m == nil {
		return false, false
	}
	for _, row := range m.keyboard {
		for _, b := range row {
			chat = chat || b.RequestChat != nil
			users = users || b.RequestUsers != nil
		}
	}
	return chat, users
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
			var row []KeyboardButton
			for _, c := range cells {
				b, _ := c.(map[string]any)
				btn, err := parseKeyboardButton(b)
				if err != nil {
					return nil, err
				}
				row = append(row, btn)
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

// wKeyboardButton is what parseKeyboardButton reads of a button the spec
// check has passed.
type wKeyboardButton struct {
	Text        string `json:"text"`
	RequestChat *struct {
		RequestID               json.Number `json:"request_id"`
		ChatIsChannel           bool        `json:"chat_is_channel"`
		ChatIsForum             *bool       `json:"chat_is_forum"`
		ChatHasUsername         *bool       `json:"chat_has_username"`
		ChatIsCreated           bool        `json:"chat_is_created"`
		UserAdministratorRights *wRights    `json:"user_administrator_rights"`
		BotAdministratorRights  *wRights    `json:"bot_administrator_rights"`
		BotIsMember             bool        `json:"bot_is_member"`
		RequestTitle            bool        `json:"request_title"`
		RequestUsername         bool        `json:"request_username"`
		RequestPhoto            bool        `json:"request_photo"`
	} `json:"request_chat"`
	RequestUsers *struct {
		RequestID       json.Number `json:"request_id"`
		UserIsBot       *bool       `json:"user_is_bot"`
		UserIsPremium   *bool       `json:"user_is_premium"`
		MaxQuantity     json.Number `json:"max_quantity"`
		RequestName     bool        `json:"request_name"`
		RequestUsername bool        `json:"request_username"`
		RequestPhoto    bool        `json:"request_photo"`
	} `json:"request_users"`
	RequestLocation bool `json:"request_location"`
}

// wRights is a ChatAdministratorRights in a request; the real server reads
// every field as optional (Client::get_chat_administrator_rights).
type wRights struct {
	IsAnonymous         bool `json:"is_anonymous"`
	CanManageChat       bool `json:"can_manage_chat"`
	CanDeleteMessages   bool `json:"can_delete_messages"`
	CanManageVideoChats bool `json:"can_manage_video_chats"`
	CanRestrictMembers  bool `json:"can_restrict_members"`
	CanPromoteMembers   bool `json:"can_promote_members"`
	CanChangeInfo       bool `json:"can_change_info"`
	CanInviteUsers      bool `json:"can_invite_users"`
	CanPostStories      bool `json:"can_post_stories"`
	CanEditStories      bool `json:"can_edit_stories"`
	CanDeleteStories    bool `json:"can_delete_stories"`
	CanPinMessages      bool `json:"can_pin_messages"`
	CanManageTopics     bool `json:"can_manage_topics"`
	CanManageTags       bool `json:"can_manage_tags"`
}

func (w *wRights) rights() *Rights {
	if w == nil {
		return nil
	}
	r := Rights{IsAnonymous: w.IsAnonymous, CanManageChat: w.CanManageChat, CanDeleteMessages: w.CanDeleteMessages,
		CanManageVideoChats: w.CanManageVideoChats, CanRestrictMembers: w.CanRestrictMembers,
		CanPromoteMembers: w.CanPromoteMembers, CanChangeInfo: w.CanChangeInfo, CanInviteUsers: w.CanInviteUsers,
		CanPostStories: w.CanPostStories, CanEditStories: w.CanEditStories, CanDeleteStories: w.CanDeleteStories,
		CanPinMessages: w.CanPinMessages, CanManageTopics: w.CanManageTopics, CanManageTags: w.CanManageTags}
	return &r
}

// requestID reads a request_id as the real server does: a signed 32-bit
// integer (JsonObject::get_required_int_field).
func requestID(n json.Number) (int, *apiError) {
	id, err := strconv.ParseInt(n.String(), 10, 32)
	if err != nil {
		return 0, badRequest(`can't parse keyboard button: Field "request_id" must be a valid Number`)
	}
	return int(id), nil
}

func parseKeyboardButton(b map[string]any) (KeyboardButton, *apiError) {
	var w wKeyboardButton
	raw, _ := json.Marshal(b)
	if err := jsonUnmarshal(string(raw), &w); err != nil {
		return KeyboardButton{}, badRequest("can't parse keyboard button: %v", err)
	}
	if w.Text == "" {
		return KeyboardButton{}, badRequest("can't parse keyboard button: Text must be non-empty")
	}
	btn := KeyboardButton{Text: w.Text, RequestLocation: w.RequestLocation}
	if rc := w.RequestChat; rc != nil {
		id, e := requestID(rc.RequestID)
		if e != nil {
			return KeyboardButton{}, e
		}
		btn.RequestChat = &ChatRequest{
			RequestID: id, ChatIsChannel: rc.ChatIsChannel, ChatIsForum: rc.ChatIsForum,
			ChatHasUsername: rc.ChatHasUsername, ChatIsCreated: rc.ChatIsCreated,
			UserAdministratorRights: rc.UserAdministratorRights.rights(),
			BotAdministratorRights:  rc.BotAdministratorRights.rights(),
			BotIsMember:             rc.BotIsMember, RequestTitle: rc.RequestTitle,
			RequestUsername: rc.RequestUsername, RequestPhoto: rc.RequestPhoto,
		}
	}
	if ru := w.RequestUsers; ru != nil {
		id, e := requestID(ru.RequestID)
		if e != nil {
			return KeyboardButton{}, e
		}
		// The real server takes anything below 1 as 1; above the
		// documented 10 this server refuses rather than guess.
		n := max(parseInt(ru.MaxQuantity.String()), 1)
		if n > 10 {
			return KeyboardButton{}, badRequest("can't parse keyboard button: max_quantity must be 1-10")
		}
		btn.RequestUsers = &UsersRequest{
			RequestID: id, UserIsBot: ru.UserIsBot, UserIsPremium: ru.UserIsPremium, MaxQuantity: int(n),
			RequestName: ru.RequestName, RequestUsername: ru.RequestUsername, RequestPhoto: ru.RequestPhoto,
		}
	}
	return btn, nil
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
	if w, present := norm["web_app"]; present {
		info, _ := w.(map[string]any)
		btn.WebApp, _ = info["url"].(string)
		// A Web App opens over HTTPS only, as for the menu button.
		u, err := url.Parse(btn.WebApp)
		if err != nil || !strings.EqualFold(u.Scheme, "https") || u.Host == "" {
			return Button{}, nil, badRequest("inline keyboard button Web App URL '%s' is invalid: Only HTTPS links are allowed", btn.WebApp)
		}
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
