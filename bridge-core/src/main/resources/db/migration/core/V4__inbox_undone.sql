-- Undone inbox entries as narrow rows of their own instead of a done_at column on inbox_event. Marking an entry
-- done is then a delete of one small row, where it used to be an update of the whole event row that also moved
-- its entry in the (done_at, seq) index: on PostgreSQL such an update writes a new version of the row (body
-- included) and new entries in every index of inbox_event, which was over half of the server's work per
-- transaction and most of its WAL. The ingest commit adds one row here per new event; the pending index on
-- inbox_event, which that commit used to maintain instead, goes.
CREATE TABLE inbox_undone (
    seq BIGINT NOT NULL PRIMARY KEY
);
INSERT INTO inbox_undone (seq) SELECT seq FROM inbox_event WHERE done_at IS NULL;
DROP INDEX inbox_event_pending;
ALTER TABLE inbox_event DROP COLUMN done_at;
