ALTER TABLE `reports` ADD COLUMN `origin_id` integer NOT NULL DEFAULT 0;
ALTER TABLE `reports` ADD COLUMN `reopens` numeric NOT NULL DEFAULT false;
WITH RECURSIVE chain(id, origin) AS (SELECT `id`, `id` FROM `reports` WHERE `id` NOT IN (SELECT `superseded_by` FROM `reports` WHERE `superseded_by` IS NOT NULL) UNION ALL SELECT r.`superseded_by`, c.origin FROM `reports` r JOIN chain c ON r.`id` = c.id WHERE r.`superseded_by` IS NOT NULL) UPDATE `reports` SET `origin_id` = (SELECT origin FROM chain WHERE chain.id = `reports`.`id`);
ALTER TABLE `close_requests` ADD COLUMN `basis` text NOT NULL DEFAULT '';
UPDATE `close_requests` SET `decision` = 'superseded' WHERE `decision` = '' AND `id` NOT IN (SELECT MAX(`id`) FROM `close_requests` WHERE `decision` = '' GROUP BY `task_id`);
CREATE UNIQUE INDEX `idx_close_request_open` ON `close_requests`(`task_id`) WHERE `decision` = '';
