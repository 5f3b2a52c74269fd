ALTER TABLE `milestones` ADD COLUMN `original_due` datetime;
ALTER TABLE `milestones` ADD COLUMN `baseline_due` datetime;
ALTER TABLE `milestones` ADD COLUMN `listed_due` datetime;
UPDATE `milestones` SET `original_due` = `due_date`, `baseline_due` = `due_date`, `listed_due` = `due_date`;
CREATE TABLE `extension_requests` (`id` integer PRIMARY KEY AUTOINCREMENT,`task_id` integer NOT NULL,`milestone_id` integer NOT NULL,`requested_by` integer NOT NULL,`from_due` datetime NOT NULL,`new_due` datetime NOT NULL,`reason` text NOT NULL,`decision` text NOT NULL DEFAULT '',`decided_by` integer,`answer` text NOT NULL DEFAULT '',`created_at` datetime,`decided_at` datetime);
CREATE INDEX `idx_extension_requests_task_id` ON `extension_requests`(`task_id`);
CREATE INDEX `idx_extension_requests_milestone_id` ON `extension_requests`(`milestone_id`);
CREATE UNIQUE INDEX `idx_extension_open` ON `extension_requests`(`milestone_id`) WHERE `decision` = '';
