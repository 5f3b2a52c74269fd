DROP INDEX IF EXISTS `idx_reminders_task_id`;
