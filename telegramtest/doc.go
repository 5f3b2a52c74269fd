// Package telegramtest is a fake Telegram Bot API server: a real HTTP
// server on 127.0.0.1 that speaks the Bot API wire format, plays the users
// the bot talks to, and records everything the bot does. The bot under test
// runs unchanged, with its client pointed at the fake:
//
//	srv, err := telegramtest.New(telegramtest.Options{})
//	...
//	defer srv.Close()
//	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()))
//
// Tests then act as users and assert on what the bot did, waiting on state
// changes rather than sleeping:
//
//	alice := srv.NewUser(1001, "Alice", "en")
//	alice.SendCommand("start", "")
//	msgs, err := alice.WaitMessages(ctx, 1)
//	qid, err := alice.Press(msgs[0].ID, "tasks:list")
//
// # Faithfulness
//
// Every request is checked against the official Bot API specification
// (embedded, see SpecVersion): unknown methods get 404, methods that exist
// but are not implemented get 501, and a parameter the method does not
// have, a missing required parameter or a value of the wrong type gets 400.
// Unknown parameters are refused on purpose although the real server
// ignores them: a parameter Telegram silently drops is a bug in the bot.
//
// The implemented methods (see Methods) enforce the limits and error texts
// of the real server: text length, HTML parse mode, callback data size,
// reply markup rules, unknown chats, blocked users, "message is not
// modified", answered or unknown callback queries, command menu rules, and
// the flood limits of RateLimits, answered with 429 and retry_after. The
// getUpdates queue confirms by offset, redelivers what is unconfirmed,
// numbers updates with gaps, long-polls and reports 409 conflicts; a
// webhook on a loopback URL receives the same updates in order, with the
// secret token header, until it answers 2xx.
//
// Outputs are checked too: CheckObject and CheckResult validate JSON
// against the spec's object types, and the package's tests run them on
// everything the server emits.
//
// # Groups, supergroups and forums
//
// NewGroup makes a basic group, NewSupergroup a supergroup, a forum if
// asked; the bot starts as a plain member. Group.SetBotRights sets the bot
// up as an administrator (Rights mirrors ChatAdministratorRights) and
// Group.SetMemberRights does so for users, without updates; AddBot,
// AddBotAsAdmin, RemoveBot and PromoteBot change the bot's membership the
// way a user does, with the my_chat_member update and service message the
// bot gets in Telegram. getChat and getChatMember answer from this state,
// and a removed bot's calls fail with the real 403s.
//
// What the bot receives from a group follows privacy mode as documented:
// an administrator bot, or one with Options.ReadAllGroupMessages, gets
// every message but other bots' (NewOtherBot); otherwise only service
// messages, commands addressed to it (a bare /cmd only if no other bot
// posted after it) and replies to its messages. Group.Post and
// SendAnonymous post as an anonymous administrator (GroupAnonymousBot
// with sender_chat).
//
// In forums the bot manages topics with can_manage_topics, or as their
// creator; users create, close and reopen them (Group.CreateTopic,
// CloseTopic, ReopenTopic) and post, reply and press in them
// (SendInTopic, Post, ReplyTo, Press). A topic message carries
// message_thread_id and replies to the topic's creation message, so a
// privacy-mode bot receives every message of the topics it created.
// Closed topics refuse posts with TOPIC_CLOSED.
//
// Server.MigrateToSupergroup upgrades a basic group: afterwards calls
// naming the old id fail with parameters.migrate_to_chat_id
// (*bot.MigrateError in go-telegram/bot).
//
// Reply keyboard buttons may request a chat or users; User.ShareChat and
// User.ShareUsers answer them with chat_shared and users_shared messages.
// setMessageReaction records the bot's reaction in Msg.Reactions.
// A send's protect_content is kept (Msg.Protected, has_protected_content),
// and its disable_notification (Msg.Silent). A reply in a supergroup,
// outside forum topics, carries the message_thread_id of its reply chain
// without is_topic_message, as Telegram's do;
// pinChatMessage pins in private chats, and in groups where the bot may
// pin, posting the pinned_message service message (Server.Pinned).
//
// # Failure injection
//
// InjectFault makes the next call of a method fail the ways production
// does: 5xx, 429, a response that never comes, or a dropped connection,
// each optionally after the call took effect, so that a bot's handling of
// unknown outcomes can be tested.
//
// # Safety
//
// The server listens on 127.0.0.1 only, and never connects anywhere but a
// loopback address: webhook URLs must be on 127.0.0.1, localhost or [::1],
// and photo or document URLs are refused instead of fetched.
package telegramtest
