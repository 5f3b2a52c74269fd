ALTER TABLE `outbox_messages` ADD COLUMN `priority` integer NOT NULL DEFAULT 0;
ALTER TABLE `outbox_messages` ADD COLUMN `head` numeric NOT NULL DEFAULT false;
UPDATE `outbox_messages` SET `head` = true WHERE `id` IN (SELECT MIN(`id`) FROM `outbox_messages` WHERE `state` IN ('pending', 'sending') GROUP BY `chat_id`);
CREATE INDEX `idx_outbox_head` ON `outbox_messages`(`state`,`priority`,`id`) WHERE head;
CREATE INDEX `idx_outbox_queue` ON `outbox_messages`(`chat_id`,`state`,`id`);
CREATE INDEX `idx_outbox_blob` ON `outbox_messages`(`blob_id`);
ALTER TABLE `blobs` ADD COLUMN `used_at` datetime;
UPDATE `blobs` SET `used_at` = `created_at`;
