-- Calls between a Matrix room and a SIP dialog, so a hangup (or a repeat of an event after a crash) finds its call.
CREATE TABLE sip_call (
    room_id        TEXT    NOT NULL,
    matrix_call_id TEXT    NOT NULL,
    direction      TEXT    NOT NULL,             -- 'outbound': Matrix called the phone; 'inbound': the phone called
    ghost          TEXT    NOT NULL,             -- the ghost standing for the phone
    matrix_user    TEXT    NOT NULL,
    ghost_party_id TEXT    NOT NULL,             -- our party_id in the Matrix call
    sip_call_id    TEXT    NOT NULL,
    local_tag      TEXT    NOT NULL,             -- our From tag; also rtpengine's from-tag
    remote_tag     TEXT,                         -- the phone's To tag, once it answered
    state          TEXT    NOT NULL,
    hangup_reason  TEXT,
    created_at     BIGINT  NOT NULL,
    ended_at       BIGINT,
    PRIMARY KEY (room_id, matrix_call_id)
);

CREATE UNIQUE INDEX sip_call_by_sip_call_id ON sip_call (sip_call_id);
