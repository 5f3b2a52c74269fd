CREATE TABLE `close_requests` (`id` integer PRIMARY KEY AUTOINCREMENT,`task_id` integer NOT NULL,`requested_by` integer NOT NULL,`decided_by` integer,`decision` text NOT NULL DEFAULT '',`reason` text NOT NULL DEFAULT '',`created_at` datetime,`decided_at` datetime);
CREATE INDEX `idx_close_requests_task_id` ON `close_requests`(`task_id`);
