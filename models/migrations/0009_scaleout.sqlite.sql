ALTER TABLE `outbox_messages` ADD COLUMN `claim` text NOT NULL DEFAULT '';
ALTER TABLE `outbox_messages` ADD COLUMN `claimed_by` text NOT NULL DEFAULT '';
ALTER TABLE `outbox_messages` ADD COLUMN `attempted_at` datetime;
ALTER TABLE `outbox_messages` ADD COLUMN `blob_id` integer;
CREATE INDEX `idx_outbox_sent` ON `outbox_messages`(`state`,`sent_at`);
CREATE TABLE `leases` (`name` text NOT NULL,`holder` text NOT NULL,`token` integer NOT NULL,`expires_at` datetime NOT NULL,PRIMARY KEY (`name`));
CREATE TABLE `instances` (`id` text NOT NULL,`host` text NOT NULL DEFAULT '',`started_at` datetime NOT NULL,`heartbeat_at` datetime NOT NULL,PRIMARY KEY (`id`));
CREATE TABLE `blobs` (`id` integer PRIMARY KEY AUTOINCREMENT,`sha256` text NOT NULL,`size` integer NOT NULL,`data` blob NOT NULL,`created_at` datetime);
CREATE UNIQUE INDEX `idx_blobs_sha256` ON `blobs`(`sha256`);
