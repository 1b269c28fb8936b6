-- Keys (+k) of IRC channels the bridge joins: per network and case-folded channel name. The bot and the puppets
-- join with the key. key_sealed is nonce || AES-GCM ciphertext (core's SecretBox), as login secrets are.
CREATE TABLE irc_channel_key (
    network     TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    key_sealed  BYTEA   NOT NULL,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (network, channel)
);
