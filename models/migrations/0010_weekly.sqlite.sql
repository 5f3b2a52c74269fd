CREATE TABLE `weekly_marks` (`id` integer PRIMARY KEY AUTOINCREMENT,`chat_id` integer NOT NULL,`task_id` integer NOT NULL,`light` text NOT NULL,`updated_at` datetime);
CREATE UNIQUE INDEX `idx_weekly_mark` ON `weekly_marks`(`chat_id`,`task_id`);
CREATE TABLE `weekly_digests` (`chat_id` integer PRIMARY KEY,`week` text NOT NULL,`sent_at` datetime NOT NULL);
