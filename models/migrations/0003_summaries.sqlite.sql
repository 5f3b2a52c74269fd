ALTER TABLE `people` ADD COLUMN `summary_at` text NOT NULL DEFAULT '';
CREATE TABLE `summary_marks` (`id` integer PRIMARY KEY AUTOINCREMENT,`person_id` integer NOT NULL,`task_id` integer NOT NULL,`light` text NOT NULL,`updated_at` datetime);
CREATE UNIQUE INDEX `idx_summary_mark` ON `summary_marks`(`person_id`,`task_id`);
CREATE INDEX `idx_coordination_requests_open` ON `coordination_requests`(`task_id`,`resolved_at`);
