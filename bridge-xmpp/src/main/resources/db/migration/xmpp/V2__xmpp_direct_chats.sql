-- Direct chats: one Matrix room per (XMPP address, Matrix user). user_left is set when the Matrix user leaves the
-- room; the next message from XMPP re-invites them instead of posting into a room nobody reads.
CREATE TABLE xmpp_direct_chat (
    remote_jid TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    room_id    TEXT    NOT NULL,
    user_left  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (remote_jid, user_id)
);
CREATE UNIQUE INDEX xmpp_direct_chat_room ON xmpp_direct_chat (room_id);
