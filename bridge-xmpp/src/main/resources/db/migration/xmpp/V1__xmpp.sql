-- XMPP connector schema. Portable between SQLite and PostgreSQL. Never edit an applied migration; add V2, ...

-- MUCs the bridge listens in, and when it last heard from each: after a restart or reconnect the listener asks
-- for the history since then (XEP-0045 § 7.2.15), and the ghosts' txn ids drop what was already bridged.
CREATE TABLE xmpp_muc (
    muc_jid      TEXT   NOT NULL PRIMARY KEY,
    room_id      TEXT   NOT NULL,
    last_seen_ms BIGINT
);
