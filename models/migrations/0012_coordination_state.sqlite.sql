ALTER TABLE `coordination_requests` ADD COLUMN `state` text NOT NULL DEFAULT 'open';
UPDATE `coordination_requests` SET `state` = 'resolved' WHERE `resolved_at` IS NOT NULL;
