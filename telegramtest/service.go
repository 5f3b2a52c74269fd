package telegramtest

// service is the content of a service message: what Telegram posts about
// a change in a chat rather than what a member wrote.
type service struct {
	// kind is the Message field that carries it, e.g. "new_chat_members".
	kind         string
	newMembers   []wUser
	leftMember   *wUser
	topicCreated *wForumTopicCreated
	topicEdited  *wForumTopicEdited
	migrateTo    int64
	migrateFrom  int64
	chatShared   *wChatShared
	usersShared  *wUsersShared
	pinned       *message // of a pinned_message
}

// wire puts the service content into the message's wire shape.
func (sv *service) wire(w *wMessage) {
	switch sv.kind {
	case "new_chat_members":
		w.NewChatMembers = sv.newMembers
	case "left_chat_member":
		w.LeftChatMember = sv.leftMember
	case "migrate_to_chat_id":
		w.MigrateToChatID = sv.migrateTo
	case "migrate_from_chat_id":
		w.MigrateFromChatID = sv.migrateFrom
	case "chat_shared":
		w.ChatShared = sv.chatShared
	case "users_shared":
		w.UsersShared = sv.usersShared
	case "forum_topic_created":
		w.ForumTopicCreated = sv.topicCreated
	case "forum_topic_edited":
		w.ForumTopicEdited = sv.topicEdited
	case "forum_topic_closed":
		w.ForumTopicClosed = &struct{}{}
	case "forum_topic_reopened":
		w.ForumTopicReopened = &struct{}{}
	}
}

// servicePostLocked adds a service message to c, in forum topic thread
// (0 for none), as from (nil: the bot) and delivers it as the real server
// would: the bot gets every service message of a chat it is in, and of its
// own service messages only those the Bot API forwards to it
// (Client::need_skip_update_message). A forum_topic_created message opens
// a topic of its own.
func (s *Server) servicePostLocked(c *chat, from *User, sv *service, thread int) *message {
	m := c.add(&message{from: from, date: s.now(), svc: sv, thread: thread})
	if sv.kind == "forum_topic_created" {
		m.thread = m.id
	}
	deliver := s.botReceivesLocked(c, m)
	if from == nil {
		deliver = deliver && ownServiceDelivered[sv.kind]
	}
	if deliver {
		s.enqueueLocked(UpdateMessage, s.wireMessage(m, true))
	}
	s.notifyLocked()
	return m
}

// ownServiceDelivered lists the service messages caused by the bot that it
// still receives as updates; any other message the bot sends is not
// echoed back to it.
var ownServiceDelivered = map[string]bool{
	"forum_topic_created": true, "forum_topic_edited": true,
	"forum_topic_closed": true, "forum_topic_reopened": true,
	"pinned_message": true,
}
