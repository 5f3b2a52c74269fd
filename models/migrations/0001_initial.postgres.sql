CREATE TABLE assignments (
    id bigint NOT NULL,
    person_id bigint NOT NULL,
    task_id bigint NOT NULL,
    role character varying(16) NOT NULL,
    created_at timestamp with time zone
);

CREATE SEQUENCE assignments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE assignments_id_seq OWNED BY assignments.id;

CREATE TABLE attachments (
    id bigint NOT NULL,
    report_id bigint NOT NULL,
    kind character varying(16) NOT NULL,
    file_id character varying(256) NOT NULL,
    file_name character varying(256) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone
);

CREATE SEQUENCE attachments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE attachments_id_seq OWNED BY attachments.id;

CREATE TABLE audit_events (
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    person_id bigint,
    task_id bigint,
    kind character varying(64) NOT NULL,
    detail character varying(4000) DEFAULT ''::character varying NOT NULL
);

CREATE SEQUENCE audit_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id;

CREATE TABLE coordination_requests (
    id bigint NOT NULL,
    task_id bigint NOT NULL,
    milestone_id bigint,
    raised_by_id bigint NOT NULL,
    report_id bigint,
    text character varying(4000) NOT NULL,
    answer character varying(4000) DEFAULT ''::character varying NOT NULL,
    resolved_at timestamp with time zone,
    resolved_by bigint,
    created_at timestamp with time zone
);

CREATE SEQUENCE coordination_requests_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE coordination_requests_id_seq OWNED BY coordination_requests.id;

CREATE TABLE inbox_updates (
    update_id bigint NOT NULL,
    chat_id bigint DEFAULT 0 NOT NULL,
    payload text NOT NULL,
    state character varying(16) NOT NULL,
    attempts bigint DEFAULT 0 NOT NULL,
    last_error character varying(2000) DEFAULT ''::character varying NOT NULL,
    received_at timestamp with time zone NOT NULL,
    processed_at timestamp with time zone
);

CREATE TABLE instruction_receipts (
    id bigint NOT NULL,
    instruction_id bigint NOT NULL,
    person_id bigint NOT NULL,
    confirmed_at timestamp with time zone,
    created_at timestamp with time zone
);

CREATE SEQUENCE instruction_receipts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE instruction_receipts_id_seq OWNED BY instruction_receipts.id;

CREATE TABLE instructions (
    id bigint NOT NULL,
    task_id bigint NOT NULL,
    leader_id bigint NOT NULL,
    text character varying(4000) NOT NULL,
    created_at timestamp with time zone
);

CREATE SEQUENCE instructions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE instructions_id_seq OWNED BY instructions.id;

CREATE TABLE invites (
    id bigint NOT NULL,
    person_id bigint NOT NULL,
    token_hash character varying(64) NOT NULL,
    expires_at timestamp with time zone,
    used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    created_at timestamp with time zone
);

CREATE SEQUENCE invites_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE invites_id_seq OWNED BY invites.id;

CREATE TABLE milestones (
    id bigint NOT NULL,
    task_id bigint NOT NULL,
    seq bigint NOT NULL,
    title character varying(2000) NOT NULL,
    due_date timestamp with time zone,
    state character varying(16) DEFAULT 'pending'::character varying NOT NULL,
    percent bigint DEFAULT 0 NOT NULL,
    last_report_id bigint,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

CREATE SEQUENCE milestones_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE milestones_id_seq OWNED BY milestones.id;

CREATE TABLE outbox_messages (
    id bigint NOT NULL,
    idem_key character varying(200) NOT NULL,
    chat_id bigint NOT NULL,
    kind character varying(24) NOT NULL,
    payload text NOT NULL,
    state character varying(16) NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    lease_until timestamp with time zone,
    attempts bigint DEFAULT 0 NOT NULL,
    last_error character varying(2000) DEFAULT ''::character varying NOT NULL,
    telegram_message_id bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone,
    sent_at timestamp with time zone
);

CREATE SEQUENCE outbox_messages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE outbox_messages_id_seq OWNED BY outbox_messages.id;

CREATE TABLE people (
    id bigint NOT NULL,
    key character varying(200) NOT NULL,
    name character varying(100) NOT NULL,
    department character varying(200) DEFAULT ''::character varying NOT NULL,
    telegram_id bigint,
    language character varying(8) DEFAULT ''::character varying NOT NULL,
    time_zone character varying(64) DEFAULT ''::character varying NOT NULL,
    unreachable boolean DEFAULT false NOT NULL,
    bound_at timestamp with time zone,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

CREATE SEQUENCE people_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE people_id_seq OWNED BY people.id;

CREATE TABLE reports (
    id bigint NOT NULL,
    task_id bigint NOT NULL,
    milestone_id bigint NOT NULL,
    person_id bigint NOT NULL,
    state character varying(16) NOT NULL,
    percent bigint,
    note character varying(4000) DEFAULT ''::character varying NOT NULL,
    chat_id bigint DEFAULT 0 NOT NULL,
    message_id bigint DEFAULT 0 NOT NULL,
    update_id bigint DEFAULT 0 NOT NULL,
    superseded_by bigint,
    withdrawn boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone
);

CREATE SEQUENCE reports_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE reports_id_seq OWNED BY reports.id;

CREATE TABLE tasks (
    id bigint NOT NULL,
    code character varying(32) NOT NULL,
    title character varying(800) NOT NULL,
    department character varying(200) DEFAULT ''::character varying NOT NULL,
    category character varying(100) DEFAULT ''::character varying NOT NULL,
    schedule character varying(100) DEFAULT ''::character varying NOT NULL,
    done boolean DEFAULT false NOT NULL,
    closed_at timestamp with time zone,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

CREATE SEQUENCE tasks_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE tasks_id_seq OWNED BY tasks.id;

ALTER TABLE ONLY assignments ALTER COLUMN id SET DEFAULT nextval('assignments_id_seq'::regclass);

ALTER TABLE ONLY attachments ALTER COLUMN id SET DEFAULT nextval('attachments_id_seq'::regclass);

ALTER TABLE ONLY audit_events ALTER COLUMN id SET DEFAULT nextval('audit_events_id_seq'::regclass);

ALTER TABLE ONLY coordination_requests ALTER COLUMN id SET DEFAULT nextval('coordination_requests_id_seq'::regclass);

ALTER TABLE ONLY instruction_receipts ALTER COLUMN id SET DEFAULT nextval('instruction_receipts_id_seq'::regclass);

ALTER TABLE ONLY instructions ALTER COLUMN id SET DEFAULT nextval('instructions_id_seq'::regclass);

ALTER TABLE ONLY invites ALTER COLUMN id SET DEFAULT nextval('invites_id_seq'::regclass);

ALTER TABLE ONLY milestones ALTER COLUMN id SET DEFAULT nextval('milestones_id_seq'::regclass);

ALTER TABLE ONLY outbox_messages ALTER COLUMN id SET DEFAULT nextval('outbox_messages_id_seq'::regclass);

ALTER TABLE ONLY people ALTER COLUMN id SET DEFAULT nextval('people_id_seq'::regclass);

ALTER TABLE ONLY reports ALTER COLUMN id SET DEFAULT nextval('reports_id_seq'::regclass);

ALTER TABLE ONLY tasks ALTER COLUMN id SET DEFAULT nextval('tasks_id_seq'::regclass);

ALTER TABLE ONLY assignments
    ADD CONSTRAINT assignments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY attachments
    ADD CONSTRAINT attachments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY audit_events
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY coordination_requests
    ADD CONSTRAINT coordination_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY inbox_updates
    ADD CONSTRAINT inbox_updates_pkey PRIMARY KEY (update_id);

ALTER TABLE ONLY instruction_receipts
    ADD CONSTRAINT instruction_receipts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY instructions
    ADD CONSTRAINT instructions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY invites
    ADD CONSTRAINT invites_pkey PRIMARY KEY (id);

ALTER TABLE ONLY milestones
    ADD CONSTRAINT milestones_pkey PRIMARY KEY (id);

ALTER TABLE ONLY outbox_messages
    ADD CONSTRAINT outbox_messages_pkey PRIMARY KEY (id);

ALTER TABLE ONLY people
    ADD CONSTRAINT people_pkey PRIMARY KEY (id);

ALTER TABLE ONLY reports
    ADD CONSTRAINT reports_pkey PRIMARY KEY (id);

ALTER TABLE ONLY tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);

CREATE UNIQUE INDEX idx_assignment ON assignments USING btree (person_id, task_id, role);

CREATE INDEX idx_assignments_task_id ON assignments USING btree (task_id);

CREATE INDEX idx_attachments_report_id ON attachments USING btree (report_id);

CREATE INDEX idx_audit_events_at ON audit_events USING btree (at);

CREATE INDEX idx_audit_events_task_id ON audit_events USING btree (task_id);

CREATE INDEX idx_coordination_requests_milestone_id ON coordination_requests USING btree (milestone_id);

CREATE INDEX idx_coordination_requests_report_id ON coordination_requests USING btree (report_id);

CREATE INDEX idx_coordination_requests_task_id ON coordination_requests USING btree (task_id);

CREATE INDEX idx_inbox_updates_state ON inbox_updates USING btree (state);

CREATE INDEX idx_instructions_task_id ON instructions USING btree (task_id);

CREATE INDEX idx_invites_person_id ON invites USING btree (person_id);

CREATE UNIQUE INDEX idx_invites_token_hash ON invites USING btree (token_hash);

CREATE UNIQUE INDEX idx_milestone_task_seq ON milestones USING btree (task_id, seq);

CREATE INDEX idx_outbox_chat ON outbox_messages USING btree (chat_id);

CREATE INDEX idx_outbox_due ON outbox_messages USING btree (state, next_attempt_at);

CREATE UNIQUE INDEX idx_outbox_messages_idem_key ON outbox_messages USING btree (idem_key);

CREATE UNIQUE INDEX idx_people_key ON people USING btree (key);

CREATE UNIQUE INDEX idx_people_telegram_id ON people USING btree (telegram_id);

CREATE UNIQUE INDEX idx_receipt ON instruction_receipts USING btree (instruction_id, person_id);

CREATE INDEX idx_reports_milestone_id ON reports USING btree (milestone_id);

CREATE INDEX idx_reports_person_id ON reports USING btree (person_id);

CREATE INDEX idx_reports_task_id ON reports USING btree (task_id);

CREATE UNIQUE INDEX idx_tasks_code ON tasks USING btree (code);

ALTER TABLE ONLY instruction_receipts
    ADD CONSTRAINT fk_instructions_receipts FOREIGN KEY (instruction_id) REFERENCES instructions(id);

ALTER TABLE ONLY attachments
    ADD CONSTRAINT fk_reports_attachments FOREIGN KEY (report_id) REFERENCES reports(id);

ALTER TABLE ONLY milestones
    ADD CONSTRAINT fk_tasks_milestones FOREIGN KEY (task_id) REFERENCES tasks(id);

