package dev.switchboard.irc.portal;

import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.irc.network.ChannelKey;
import dev.switchboard.irc.network.IrcEvent;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javax.crypto.AEADBadTagException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys ({@code +k}) of the channels the bridge joins, stored with the portal (table {@code irc_channel_key}, sealed
 * with core's {@link SecretBox}) so that the bot and the puppets join keyed channels, also after a restart.
 *
 * <p>Where keys come from:
 * <ul>
 *   <li>A user gives one ({@code !irc join #chan key}, {@code !irc key #chan key}) while the bot is not in the
 *   channel: it is <em>tried</em> on the next JOIN and stored only when the bot gets in with it; a refused JOIN
 *   (475) forgets it. So a wrong key cannot replace a working one.</li>
 *   <li>The bot sees an operator change it ({@code MODE +k new} stores, {@code -k} forgets).</li>
 * </ul>
 */
public final class ChannelKeys {
  private static final Logger log = LoggerFactory.getLogger(ChannelKeys.class);
  private static final String CONTEXT = "switchboard/irc-channel-key/v1/";

  private final Database database;
  private final SecretBox box;
  private final Clock clock;
  private final Executor blocking;
  private final Map<String, String> stored = new ConcurrentHashMap<>();
  private final Map<String, String> trying = new ConcurrentHashMap<>();

  public ChannelKeys(Database database, SecretBox box, Clock clock, Executor blocking) {
    this.database = database;
    this.box = box;
    this.clock = clock;
    // Writes in the order they happen.
    this.blocking = new dev.switchboard.core.ordering.KeyedSerialExecutor<String>(blocking, "irc channel keys")
        .lane("writes");
  }

  /** Reads the stored keys (blocking: call at start). A key that does not decrypt is skipped and logged. */
  public void load() {
    database.inTransaction(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT network, channel, key_sealed FROM irc_channel_key");
          ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String remoteId = r.getString(1) + "/" + r.getString(2);
          try {
            String key = new String(box.open(r.getBytes(3), context(remoteId)), StandardCharsets.UTF_8);
            if (ChannelKey.isValid(key)) {
              stored.put(remoteId, key);
            }
          } catch (AEADBadTagException e) {
            log.warn("IRC: the stored key of {} does not decrypt (another secret key?); ignoring it", remoteId);
          }
        }
      }
      return null;
    });
  }

  /** The key to join {@code channel} with: one being tried, else the stored one. */
  public Optional<String> key(ChannelRef channel) {
    String id = channel.remoteId();
    return Optional.ofNullable(trying.get(id)).or(() -> Optional.ofNullable(stored.get(id)));
  }

  /** A key a user gave: tried on the next JOIN, stored when the bot gets in with it. */
  public void offer(ChannelRef channel, String key) {
    if (!ChannelKey.isValid(key)) {
      throw new IllegalArgumentException("A channel key is 1-" + ChannelKey.MAX_LENGTH + " characters without "
          + "spaces, commas or control characters.");
    }
    trying.put(channel.remoteId(), key);
  }

  /** Forgets the channel's key (the channel was unlinked). */
  public void remove(ChannelRef channel) {
    trying.remove(channel.remoteId());
    if (stored.remove(channel.remoteId()) != null) {
      persist(channel, Optional.empty());
    }
  }

  /** Follows what the network's bot saw: its own joins, refused joins, and key changes. */
  public void handle(String network, IrcEvent event) {
    if (event instanceof IrcEvent.Joined j && j.self()) {
      ref(network, j.channel()).ifPresent(ref -> {
        String key = trying.remove(ref.remoteId());
        if (key != null && !key.equals(stored.get(ref.remoteId()))) {
          stored.put(ref.remoteId(), key);
          persist(ref, Optional.of(key));
        }
      });
    } else if (event instanceof IrcEvent.JoinRefused r && r.numeric() == 475) {
      ref(network, r.channel()).ifPresent(ref -> trying.remove(ref.remoteId()));
    } else if (event instanceof IrcEvent.ChannelKeyChanged k) {
      ref(network, k.channel()).ifPresent(ref -> {
        trying.remove(ref.remoteId());
        if (k.key().isPresent()) {
          if (!k.key().get().equals(stored.put(ref.remoteId(), k.key().get()))) {
            persist(ref, k.key());
          }
        } else if (stored.remove(ref.remoteId()) != null) {
          persist(ref, Optional.empty());
        }
      });
    }
  }

  private static Optional<ChannelRef> ref(String network, String channel) {
    return ChannelName.parse(channel).map(c -> new ChannelRef(network, c));
  }

  private byte[] context(String remoteId) {
    return (CONTEXT + remoteId).getBytes(StandardCharsets.UTF_8);
  }

  private void persist(ChannelRef ref, Optional<String> key) {
    String network = ref.network();
    String channel = ref.channel().key();
    byte[] sealed = key.map(k -> box.seal(k.getBytes(StandardCharsets.UTF_8), context(ref.remoteId()))).orElse(null);
    long now = clock.millis();
    blocking.execute(() -> {
      try {
        database.inTransaction(c -> {
          if (sealed == null) {
            try (PreparedStatement s = c.prepareStatement(
                "DELETE FROM irc_channel_key WHERE network = ? AND channel = ?")) {
              s.setString(1, network);
              s.setString(2, channel);
              s.executeUpdate();
            }
          } else {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO irc_channel_key (network, channel, key_sealed, "
                + "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (network, channel) DO UPDATE SET "
                + "key_sealed = excluded.key_sealed, updated_at = excluded.updated_at")) {
              s.setString(1, network);
              s.setString(2, channel);
              s.setBytes(3, sealed);
              s.setLong(4, now);
              s.executeUpdate();
            }
          }
          return null;
        });
      } catch (RuntimeException e) {
        log.warn("IRC: could not store the key of {}: {}", ref.remoteId(), e.toString());
      }
    });
  }
}
