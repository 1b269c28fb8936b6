-- Done inbox entries as a watermark plus exceptions instead of a row per undone entry (V4). An entry is done when
-- its seq is at most inbox_progress.done_through, or when it has a row in inbox_done_early (done while an older
-- entry was still undone). The acknowledgement's commit then writes nothing but the transaction record and its
-- events, and a batch of done marks is one one-row update (plus a row per entry done out of order) instead of a
-- delete per entry: issue 19, goal 4 (ingest), see docs/benchmarks.md. The bridge keeps the undone seqs in memory
-- to move the watermark (InboxStore, DoneWatermark).
CREATE TABLE inbox_progress (
    id           INTEGER NOT NULL PRIMARY KEY,
    done_through BIGINT  NOT NULL
);
INSERT INTO inbox_progress (id, done_through)
SELECT 1, COALESCE((SELECT MIN(seq) - 1 FROM inbox_undone), (SELECT MAX(seq) FROM inbox_event), 0);

CREATE TABLE inbox_done_early (
    seq BIGINT NOT NULL PRIMARY KEY
);
INSERT INTO inbox_done_early (seq)
SELECT e.seq FROM inbox_event e
WHERE e.seq > (SELECT done_through FROM inbox_progress WHERE id = 1)
  AND NOT EXISTS (SELECT 1 FROM inbox_undone u WHERE u.seq = e.seq);

DROP TABLE inbox_undone;

-- The undone entries under the name they had, for admins' queries (read only).
CREATE VIEW inbox_undone AS
SELECT e.seq FROM inbox_event e
WHERE e.seq > (SELECT done_through FROM inbox_progress WHERE id = 1)
  AND NOT EXISTS (SELECT 1 FROM inbox_done_early d WHERE d.seq = e.seq);
