-- Per-link progress of inbox entries in rooms with more than one link (hub rooms). Each link has its own queue,
-- so one link may accept an entry long before another; after a crash only the links without a row here run the
-- entry again. Rows exist only while their entry is undone: the commit that marks the entry done deletes them.
-- Single-link entries never get a row (their done mark says it all), so the common path writes nothing more.
CREATE TABLE inbox_link_done (
    seq     BIGINT NOT NULL,
    target  TEXT   NOT NULL,       -- '<protocol> <remote id>', 'bot', or 'ghost <protocol>'
    PRIMARY KEY (seq, target)
);
