-- Core schema. Portable between SQLite and PostgreSQL: BIGINT/TEXT/BOOLEAN only, no engine-specific types.
-- Never edit an applied migration; add V2, V3, ...

-- Transactions received from the homeserver. A transaction is its txn id plus the SHA-256 of its body:
-- homeservers reuse ids (Synapse on SQLite restarts counting at 1), so the same id with another body is new.
CREATE TABLE inbox_txn (
    txn_id      TEXT    NOT NULL,
    body_sha256 TEXT    NOT NULL,
    received_at BIGINT  NOT NULL,
    event_count INTEGER NOT NULL,
    PRIMARY KEY (txn_id, body_sha256)
);
CREATE INDEX inbox_txn_received ON inbox_txn (received_at);

-- Events waiting for dispatch, and done ones kept for de-duplication by event id.
CREATE TABLE inbox_event (
    seq         BIGINT  NOT NULL PRIMARY KEY,
    event_id    TEXT,
    room_id     TEXT,
    kind        TEXT    NOT NULL,       -- 'pdu', 'ephemeral', 'to_device'
    body        TEXT    NOT NULL,       -- the event JSON as received
    received_at BIGINT  NOT NULL,
    done_at     BIGINT
);
CREATE UNIQUE INDEX inbox_event_id ON inbox_event (event_id);
CREATE INDEX inbox_event_pending ON inbox_event (done_at, seq);

-- Matrix rooms the bridge manages or is linked into.
CREATE TABLE portal (
    room_id     TEXT    NOT NULL PRIMARY KEY,
    alias       TEXT,
    plumbed     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT  NOT NULL
);

-- A link is one (room, connector, remote room) triple; a room may carry several.
CREATE TABLE portal_link (
    room_id     TEXT    NOT NULL REFERENCES portal (room_id) ON DELETE CASCADE,
    protocol    TEXT    NOT NULL,
    remote_id   TEXT    NOT NULL,
    plumbed     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (room_id, protocol, remote_id)
);
CREATE UNIQUE INDEX portal_link_remote ON portal_link (protocol, remote_id);

-- Ghosts: Matrix users standing for remote users.
CREATE TABLE ghost (
    user_id       TEXT    NOT NULL PRIMARY KEY,
    protocol      TEXT    NOT NULL,
    remote_id     TEXT    NOT NULL,
    display_name  TEXT,
    avatar_url    TEXT,
    registered    BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX ghost_remote ON ghost (protocol, remote_id);

-- Which rooms a ghost (or the bot) has joined, so we do not join twice.
CREATE TABLE membership_cache (
    room_id   TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    membership TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

-- A Matrix user's identity on a remote network. secret is encrypted (AES-GCM) at rest.
CREATE TABLE login (
    user_id     TEXT    NOT NULL,
    protocol    TEXT    NOT NULL,
    network     TEXT    NOT NULL,
    remote_id   TEXT,
    settings    TEXT,                   -- JSON, no secrets
    secret      BYTEA,                  -- nonce || ciphertext
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (user_id, protocol, network)
);

-- Matrix event id <-> remote message id, for edits, replies and redactions.
CREATE TABLE message_map (
    protocol    TEXT   NOT NULL,
    remote_room TEXT   NOT NULL,
    remote_id   TEXT   NOT NULL,
    room_id     TEXT   NOT NULL,
    event_id    TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (protocol, remote_room, remote_id)
);
CREATE INDEX message_map_event ON message_map (event_id);
CREATE INDEX message_map_created ON message_map (created_at);

-- Requests to the homeserver waiting to be sent, in order per room; survives restarts.
CREATE TABLE outbound_queue (
    seq         BIGINT  NOT NULL PRIMARY KEY,
    queue_key   TEXT    NOT NULL,       -- room id, or the user id for requests outside rooms
    request     TEXT    NOT NULL,       -- JSON description of the request
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX outbound_queue_key ON outbound_queue (queue_key, seq);

-- Small bridge-wide values (e.g. sequence high-water marks, versions).
CREATE TABLE kv (
    k           TEXT NOT NULL PRIMARY KEY,
    v           TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
