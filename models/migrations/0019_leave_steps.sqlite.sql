CREATE TABLE `leave_drafts` (`id` integer PRIMARY KEY AUTOINCREMENT,`person_id` integer NOT NULL,`step` text NOT NULL,`kind` text NOT NULL DEFAULT '',`first_day` datetime,`last_day` datetime,`deputy_id` integer,`updated_at` datetime NOT NULL);
CREATE UNIQUE INDEX `idx_leave_drafts_person` ON `leave_drafts`(`person_id`);
ALTER TABLE `leaves` ADD COLUMN `awaiting_approval` numeric NOT NULL DEFAULT false;
ALTER TABLE `leaves` ADD COLUMN `decided_by` integer;
ALTER TABLE `leaves` ADD COLUMN `decided_at` datetime;
