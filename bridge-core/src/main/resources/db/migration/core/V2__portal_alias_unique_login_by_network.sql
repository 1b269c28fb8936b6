-- An alias names one room: the alias query looks a portal up by it, so two portals must never share one.
-- NULL (plumbed rooms) may repeat in both engines.
CREATE UNIQUE INDEX portal_alias ON portal (alias);

-- A connector loads every login of a network at start to reconnect its puppets.
CREATE INDEX login_network ON login (protocol, network);
