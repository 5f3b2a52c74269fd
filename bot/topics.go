package bot

import (
	"fmt"

	"gorm.io/gorm"

	"taskbot/models"
)

// maxTopicName is Telegram's limit on a forum topic's name, in characters.
const maxTopicName = 128

// topicName is a task's topic name, "🔴 T07 · title" once its light is
// known, cut to Telegram's limit (which would otherwise cut it itself).
func topicName(task models.Task, light models.Light) string {
	return truncatePlain(LightEmoji(light)+task.Code+" · "+task.Title, maxTopicName)
}

// truncatePlain cuts s to n characters, the last one an ellipsis when cut.
func truncatePlain(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// createTopic queues the creation of a task's topic in a forum. It goes
// through the outbox like any message: durable, retried, paced with the
// group's other messages. The thread id is needed only when a message is
// sent into the topic, and the dispatcher reads it then from the row
// that created the topic, which is earlier in the group's queue (see
// models.TopicThread).
func (h *Handler) createTopic(tx *gorm.DB, task models.Task, chatID int64) error {
	name := topicName(task, "")
	taskID := task.ID
	id, err := models.EnqueueRefID(tx, fmt.Sprintf("topic:%d:%d", task.ID, chatID), chatID, models.OutCreateTopic,
		models.Outgoing{TopicName: name}, models.MessageRef{Purpose: "topic", TaskID: &taskID})
	if err != nil {
		return err
	}
	return models.PlanTopic(tx, task.ID, chatID, name, id)
}

// topicCall is a topic call of kind on topic, queued in tx.
func topicCall(tx *gorm.DB, topic *models.TaskTopic, kind models.OutKind, out models.Outgoing) error {
	thread, via, err := models.TopicThread(tx, topic)
	if err != nil {
		return err
	}
	if thread == 0 && via == 0 {
		return nil // never created (no right to, then): nothing to change
	}
	out.MessageThreadID, out.ThreadOutboxID = thread, via
	key := fmt.Sprintf("%s:%d:%d", kind, topic.ID, tx.NowFunc().UnixNano())
	return models.Enqueue(tx, key, topic.ChatID, kind, out)
}

// setTopicClosed closes or reopens a topic.
func (h *Handler) setTopicClosed(tx *gorm.DB, topic *models.TaskTopic, closed bool) error {
	return syncTopicState(tx, topic, topic.Name, topic.Light, closed)
}

// SyncTopic brings a task's topic in line with the task: its name shows
// the task's light (renamed only when the light changed), and it is closed
// while the task is closed (销号) and open otherwise.
func SyncTopic(tx *gorm.DB, topic *models.TaskTopic, task models.Task, light models.Light) error {
	if task.Done {
		light = models.LightDone
	}
	name := topic.Name
	if light != "" && light != topic.Light {
		name = topicName(task, light)
	}
	return syncTopicState(tx, topic, name, light, task.Done)
}

func syncTopicState(tx *gorm.DB, topic *models.TaskTopic, name string, light models.Light, closed bool) error {
	if name == topic.Name && light == topic.Light && closed == topic.Closed {
		return nil
	}
	// Renamed before it is closed, reopened before it is renamed: the bot
	// manages its topics either way, but the order reads right.
	if !closed && topic.Closed {
		if err := topicCall(tx, topic, models.OutReopenTopic, models.Outgoing{}); err != nil {
			return err
		}
	}
	if name != topic.Name {
		if err := topicCall(tx, topic, models.OutEditTopic, models.Outgoing{TopicName: name}); err != nil {
			return err
		}
	}
	if closed && !topic.Closed {
		if err := topicCall(tx, topic, models.OutCloseTopic, models.Outgoing{}); err != nil {
			return err
		}
	}
	return models.SetTopic(tx, topic, name, light, closed)
}
