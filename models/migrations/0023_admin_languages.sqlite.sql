CREATE TABLE `admin_languages` (`telegram_id` integer PRIMARY KEY,`language` text NOT NULL,`updated_at` datetime);
