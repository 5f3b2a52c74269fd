CREATE TABLE `periods` (`id` integer PRIMARY KEY AUTOINCREMENT,`name` text NOT NULL,`first_day` datetime NOT NULL,`last_day` datetime NOT NULL,`created_at` datetime);
CREATE UNIQUE INDEX `idx_periods_name` ON `periods`(`name`);
CREATE TABLE `period_snapshots` (`id` integer PRIMARY KEY AUTOINCREMENT,`period_key` text NOT NULL,`first_day` datetime NOT NULL,`last_day` datetime NOT NULL,`frozen_at` datetime NOT NULL,`announced_at` datetime);
CREATE UNIQUE INDEX `idx_period_snapshots_key` ON `period_snapshots`(`period_key`);
CREATE TABLE `period_figures` (`id` integer PRIMARY KEY AUTOINCREMENT,`snapshot_id` integer NOT NULL,`scope` text NOT NULL,`scope_key` text NOT NULL,`name` text NOT NULL DEFAULT '',`title` text NOT NULL DEFAULT '',`due` integer NOT NULL DEFAULT 0,`done` integer NOT NULL DEFAULT 0,`on_time` integer NOT NULL DEFAULT 0,`late` integer NOT NULL DEFAULT 0,`due_by_today` integer NOT NULL DEFAULT 0,`done_by_today` integer NOT NULL DEFAULT 0,`behind_tasks` integer NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX `idx_period_figure` ON `period_figures`(`snapshot_id`,`scope`,`scope_key`);
