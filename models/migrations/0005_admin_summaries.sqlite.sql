ALTER TABLE `schedules` ADD COLUMN `chat_id` integer NOT NULL DEFAULT 0;
DROP INDEX `idx_schedule`;
CREATE UNIQUE INDEX `idx_schedule` ON `schedules`(`kind`,`task_id`,`person_id`,`chat_id`);
