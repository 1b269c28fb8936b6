-- Rooms where someone turned on end-to-end encryption (an m.room.encryption state event) while the bridge cannot
-- decrypt: messages sent there reach no remote side. One row per room (encryption cannot be turned off in Matrix);
-- told_at records that the room was told so, so a redelivered or repeated event does not tell it twice. !status lists
-- the rows whose room is still bridged.
CREATE TABLE encrypted_room (
    room_id     TEXT   NOT NULL PRIMARY KEY,
    event_id    TEXT   NOT NULL,       -- the first m.room.encryption event the bridge saw
    sender      TEXT   NOT NULL,
    algorithm   TEXT   NOT NULL,
    enabled_at  BIGINT NOT NULL,       -- the event's origin_server_ts, else when it arrived
    told_at     BIGINT                 -- when the room's notice was accepted; NULL until then
);
