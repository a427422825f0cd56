-- Trunkline service schema. Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Times are milliseconds since the Unix epoch; amounts are micro-credits; flags are 0/1.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    api_key_hash TEXT NOT NULL UNIQUE,
    account_sid TEXT NOT NULL UNIQUE,
    webhook_secret_enc TEXT NOT NULL,
    balance BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
    created_at BIGINT NOT NULL
);

CREATE TABLE ledger (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    call_id TEXT,
    note TEXT
);
CREATE INDEX ledger_by_user ON ledger (user_id, created_at);

CREATE TABLE phone_configs (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    config TEXT NOT NULL,
    password_enc TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    spec TEXT NOT NULL,
    rejected TEXT NOT NULL,
    total_contacts BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX batches_by_user ON batches (user_id, created_at, id);
CREATE INDEX batches_by_state ON batches (state);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    batch_id TEXT NOT NULL REFERENCES batches (id),
    contact_index BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    is_latest BIGINT NOT NULL DEFAULT 1,
    phone TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    params TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    prompt_id TEXT NOT NULL,
    status TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    heartbeat_at BIGINT,
    hangup_requested BIGINT NOT NULL DEFAULT 0,
    hangup_token_hash TEXT,
    reserved BIGINT NOT NULL DEFAULT 0,
    rate_per_minute BIGINT NOT NULL DEFAULT 0,
    increment_seconds BIGINT NOT NULL DEFAULT 1,
    settled BIGINT NOT NULL DEFAULT 0,
    cost BIGINT NOT NULL DEFAULT 0,
    billable_seconds BIGINT NOT NULL DEFAULT 0,
    dialing_at BIGINT,
    ringing_at BIGINT,
    answered_at BIGINT,
    ended_at BIGINT,
    sip_status BIGINT,
    sip_reason TEXT,
    hangup_by TEXT,
    codec TEXT,
    loss DOUBLE PRECISION,
    jitter_ms DOUBLE PRECISION,
    mos DOUBLE PRECISION,
    ring_ms BIGINT,
    answer_ms BIGINT,
    talk_ms BIGINT,
    failure_reason TEXT
);
CREATE INDEX calls_queue ON calls (status, due_at);
CREATE INDEX calls_by_user ON calls (user_id, created_at, id);
CREATE INDEX calls_by_batch ON calls (batch_id, created_at, id);
CREATE INDEX calls_by_user_dialing ON calls (user_id, dialing_at);
CREATE INDEX calls_by_lease ON calls (lease_owner, status);
