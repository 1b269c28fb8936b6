-- Gateway rooms' XMPP occupants (issue 15): kept across restarts, so an occupant whose client still thinks it is in
-- the room is heard after a crash instead of bounced until it rejoins. One row per real full JID in a room; the
-- ghost follows from the JID's bare part. room_id is the Matrix room the alias named at join: a row whose alias now
-- names another room is dropped at start.
CREATE TABLE xmpp_gateway_occupant (
    room_jid TEXT NOT NULL,
    real_jid TEXT NOT NULL,
    room_id  TEXT NOT NULL,
    nick     TEXT NOT NULL,
    PRIMARY KEY (room_jid, real_jid)
);
