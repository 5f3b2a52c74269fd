package telegramtest

// Wire shapes of the Bot API objects the server emits. Optional fields
// are omitted when empty, required ones never are; CheckObject verifies
// that against the spec in the package's tests.

type wUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// wBotUser is the getMe answer, which always carries the bot's
// capabilities.
type wBotUser struct {
	wUser
	CanJoinGroups           bool `json:"can_join_groups"`
	CanReadAllGroupMessages bool `json:"can_read_all_group_messages"`
	SupportsInlineQueries   bool `json:"supports_inline_queries"`
	CanConnectToBusiness    bool `json:"can_connect_to_business"`
	HasMainWebApp           bool `json:"has_main_web_app"`
}

type wChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	IsForum   bool   `json:"is_forum,omitempty"`
}

type wPhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wDocument struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MIMEType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wMessage struct {
	MessageID           int             `json:"message_id"`
	MessageThreadID     int             `json:"message_thread_id,omitempty"`
	From                *wUser          `json:"from,omitempty"`
	SenderChat          *wChat          `json:"sender_chat,omitempty"`
	AuthorSignature     string          `json:"author_signature,omitempty"`
	Date                int64           `json:"date"`
	Chat                wChat           `json:"chat"`
	IsTopicMessage      bool            `json:"is_topic_message,omitempty"`
	ReplyToMessage      *wMessage       `json:"reply_to_message,omitempty"`
	EditDate            int64           `json:"edit_date,omitempty"`
	Text                string          `json:"text,omitempty"`
	Entities            []Entity        `json:"entities,omitempty"`
	Photo               []wPhotoSize    `json:"photo,omitempty"`
	Document            *wDocument      `json:"document,omitempty"`
	Location            *wLocation      `json:"location,omitempty"`
	ForwardOrigin       *wMessageOrigin `json:"forward_origin,omitempty"`
	HasProtectedContent bool            `json:"has_protected_content,omitempty"`
	Caption             string          `json:"caption,omitempty"`
	CaptionEntities     []Entity        `json:"caption_entities,omitempty"`
	NewChatMembers      []wUser         `json:"new_chat_members,omitempty"`
	LeftChatMember      *wUser          `json:"left_chat_member,omitempty"`
	MigrateToChatID     int64           `json:"migrate_to_chat_id,omitempty"`
	MigrateFromChatID   int64           `json:"migrate_from_chat_id,omitempty"`
	ChatShared          *wChatShared    `json:"chat_shared,omitempty"`
	UsersShared         *wUsersShared   `json:"users_shared,omitempty"`
	PinnedMessage       *wMessage       `json:"pinned_message,omitempty"`
	// Forum topic service messages; closed and reopened are empty objects.
	ForumTopicCreated  *wForumTopicCreated `json:"forum_topic_created,omitempty"`
	ForumTopicEdited   *wForumTopicEdited  `json:"forum_topic_edited,omitempty"`
	ForumTopicClosed   *struct{}           `json:"forum_topic_closed,omitempty"`
	ForumTopicReopened *struct{}           `json:"forum_topic_reopened,omitempty"`
	ReplyMarkup        any                 `json:"reply_markup,omitempty"`
}

type wCallbackQuery struct {
	ID           string    `json:"id"`
	From         wUser     `json:"from"`
	Message      *wMessage `json:"message,omitempty"`
	ChatInstance string    `json:"chat_instance"`
	Data         string    `json:"data,omitempty"`
}

// wChatMember is a ChatMember: which fields it has depends on the status,
// so it is built as a map (see memberWire).
type wChatMember map[string]any

type wChatMemberUpdated struct {
	Chat          wChat       `json:"chat"`
	From          wUser       `json:"from"`
	Date          int64       `json:"date"`
	OldChatMember wChatMember `json:"old_chat_member"`
	NewChatMember wChatMember `json:"new_chat_member"`
}

type wForumTopic struct {
	MessageThreadID   int    `json:"message_thread_id"`
	Name              string `json:"name"`
	IconColor         int    `json:"icon_color"`
	IconCustomEmojiID string `json:"icon_custom_emoji_id,omitempty"`
}

type wForumTopicCreated struct {
	Name              string `json:"name"`
	IconColor         int    `json:"icon_color"`
	IconCustomEmojiID string `json:"icon_custom_emoji_id,omitempty"`
}

// wForumTopicEdited has only what changed; an icon removed is an empty
// icon_custom_emoji_id, hence the pointer.
type wForumTopicEdited struct {
	Name              string  `json:"name,omitempty"`
	IconCustomEmojiID *string `json:"icon_custom_emoji_id,omitempty"`
}

type wBotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

type wWebhookInfo struct {
	URL                  string   `json:"url"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	IPAddress            string   `json:"ip_address,omitempty"`
	LastErrorDate        int64    `json:"last_error_date,omitempty"`
	LastErrorMessage     string   `json:"last_error_message,omitempty"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`
}

// wLocation is a Location; live_period is set for a live location.
type wLocation struct {
	Latitude   float64 `json:"latitude"`
	Longitude  float64 `json:"longitude"`
	LivePeriod int     `json:"live_period,omitempty"`
}

// wMessageOrigin is a MessageOrigin; only MessageOriginUser is made here.
type wMessageOrigin struct {
	Type       string `json:"type"`
	Date       int64  `json:"date"`
	SenderUser *wUser `json:"sender_user,omitempty"`
}
