CREATE TABLE `commitment_versions` (`id` integer PRIMARY KEY AUTOINCREMENT,`leader_id` integer NOT NULL,`period` text NOT NULL,`version` integer NOT NULL,`lang` text NOT NULL,`text` text NOT NULL,`fingerprint` text NOT NULL,`issued_by_id` integer,`issued_by_telegram_id` integer NOT NULL DEFAULT 0,`issued_via` text NOT NULL DEFAULT '',`issued_at` datetime);
CREATE UNIQUE INDEX `idx_commitment_version` ON `commitment_versions`(`leader_id`,`period`,`version`);
CREATE INDEX `idx_commitment_versions_period` ON `commitment_versions`(`period`);
CREATE TABLE `commitment_events` (`id` integer PRIMARY KEY AUTOINCREMENT,`version_id` integer NOT NULL,`kind` text NOT NULL,`person_id` integer NOT NULL,`telegram_user_id` integer NOT NULL DEFAULT 0,`fingerprint` text NOT NULL,`method` text NOT NULL DEFAULT '',`update_id` integer NOT NULL DEFAULT 0,`text` text NOT NULL DEFAULT '',`at` datetime);
CREATE INDEX `idx_commitment_events_version_id` ON `commitment_events`(`version_id`);
CREATE UNIQUE INDEX `idx_commitment_signed` ON `commitment_events`(`version_id`) WHERE `kind` = 'signed';
