-- The txn ids of lines the outbound queue sent inside a merged multi-line event (a room that was behind), each with
-- that event's request. A line that comes again under its own txn id (a remote history replay after a restart) is
-- sent as the merged request again, which the homeserver answers from its transaction cache instead of posting the
-- line twice. Written in the transaction that stores the grouping; kept an hour (Synapse keeps txn ids 30 minutes).
CREATE TABLE outbound_merged_txn (
    txn_id      TEXT   NOT NULL PRIMARY KEY,
    request     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX outbound_merged_txn_created ON outbound_merged_txn (created_at);
