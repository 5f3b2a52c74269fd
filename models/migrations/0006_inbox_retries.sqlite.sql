CREATE TABLE `inbox_updates_0006` (`id` integer PRIMARY KEY AUTOINCREMENT,`update_id` integer NOT NULL,`live_update_id` integer,`chat_id` integer NOT NULL DEFAULT 0,`payload` text NOT NULL,`state` text NOT NULL,`attempts` integer NOT NULL DEFAULT 0,`last_error` text NOT NULL DEFAULT '',`received_at` datetime NOT NULL,`next_attempt_at` datetime,`processed_at` datetime);
INSERT INTO `inbox_updates_0006` (`update_id`,`live_update_id`,`chat_id`,`payload`,`state`,`attempts`,`last_error`,`received_at`,`processed_at`)
SELECT `update_id`,`update_id`,`chat_id`,`payload`,`state`,`attempts`,`last_error`,`received_at`,`processed_at` FROM `inbox_updates` ORDER BY `update_id`;
DROP TABLE `inbox_updates`;
ALTER TABLE `inbox_updates_0006` RENAME TO `inbox_updates`;
CREATE INDEX `idx_inbox_updates_state` ON `inbox_updates`(`state`);
CREATE UNIQUE INDEX `idx_inbox_updates_live_update_id` ON `inbox_updates`(`live_update_id`);
