CREATE TABLE `leave_draft_tasks` (`id` integer PRIMARY KEY AUTOINCREMENT,`draft_id` integer NOT NULL,`task_id` integer NOT NULL,`deputy_id` integer);
CREATE UNIQUE INDEX `idx_leave_draft_task` ON `leave_draft_tasks`(`draft_id`,`task_id`);
