CREATE TABLE admin_languages (
    telegram_id bigint PRIMARY KEY,
    language character varying(16) NOT NULL,
    updated_at timestamp with time zone
);
