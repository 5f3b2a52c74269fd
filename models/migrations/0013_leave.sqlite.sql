CREATE TABLE `leaves` (`id` integer PRIMARY KEY AUTOINCREMENT,`person_id` integer NOT NULL,`kind` text NOT NULL,`first_day` datetime NOT NULL,`last_day` datetime NOT NULL,`starts_at` datetime NOT NULL,`ends_at` datetime NOT NULL,`deputy_id` integer,`reason` text NOT NULL DEFAULT '',`created_by` integer NOT NULL,`created_at` datetime,`cancelled_at` datetime,`returned_at` datetime);
CREATE INDEX `idx_leaves_person` ON `leaves`(`person_id`,`ends_at`);
CREATE INDEX `idx_leaves_deputy` ON `leaves`(`deputy_id`);
CREATE TABLE `leave_deputies` (`id` integer PRIMARY KEY AUTOINCREMENT,`leave_id` integer NOT NULL,`task_id` integer NOT NULL,`deputy_id` integer NOT NULL);
CREATE UNIQUE INDEX `idx_leave_deputy` ON `leave_deputies`(`leave_id`,`task_id`);
CREATE INDEX `idx_leave_deputies_deputy_id` ON `leave_deputies`(`deputy_id`);
ALTER TABLE `reports` ADD COLUMN `on_behalf_of_id` integer;
ALTER TABLE `instruction_receipts` ADD COLUMN `confirmed_by_id` integer;
