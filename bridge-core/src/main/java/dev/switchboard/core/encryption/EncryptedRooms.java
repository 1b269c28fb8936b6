package dev.switchboard.core.encryption;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.inbox.EncryptionListener;
import dev.switchboard.core.notice.RoomVoice;
import dev.switchboard.core.store.EncryptedRoomStore;
import dev.switchboard.core.store.EncryptedRoomStore.EncryptedRoom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the bridge does while it cannot decrypt, when a bridged room turns encryption on: remembers the room (for
 * {@code !status}) and posts one notice there saying that messages sent in it can no longer be bridged and what to do.
 * Once per room: the row in {@code encrypted_room} records that the notice was accepted, and a notice sent again
 * after a crash (the inbox runs the event again) has the same txn id, so the homeserver posts it once.
 *
 * <p>Encryption turned on by one of our own users means the homeserver did it when the bridge created the room
 * (Synapse's {@code encryption_enabled_by_default_for_room_type}): the admin is warned, and the room told as well.
 */
public final class EncryptedRooms implements EncryptionListener {
  private static final Logger log = LoggerFactory.getLogger(EncryptedRooms.class);

  static final String NOTICE = "Encryption was turned on in this room, and this bridge cannot read encrypted "
      + "messages yet: messages sent here can no longer be bridged, so the people on the other side will not see "
      + "them. Encryption cannot be turned off in a Matrix room. To go on talking across the bridge, use a new room "
      + "without encryption: for a direct chat, create a room with encryption off and invite the same contact; for "
      + "a bridged channel, a moderator can !unlink it here and !link the same channel in a new unencrypted room.";

  private final EncryptedRoomStore store;
  private final RoomVoice voice;
  private final Predicate<UserId> ours;
  private final Executor blocking;
  private final Clock clock;

  /**
   * @param ours the bot and every user of the registration's namespaces
   * @param blocking where the store is read and written
   */
  public EncryptedRooms(EncryptedRoomStore store, RoomVoice voice, Predicate<UserId> ours, Executor blocking,
      Clock clock) {
    this.store = store;
    this.voice = voice;
    this.ours = ours;
    this.blocking = blocking;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<Void> encryptionEnabled(MatrixEvent event, List<Link> links) {
    boolean byUs = ours.test(event.sender());
    if (links.isEmpty() && !byUs) {
      return CompletableFuture.completedFuture(null); // not a bridged room: nothing of ours to lose
    }
    Instant at = event.originServerTs() > 0 ? Instant.ofEpochMilli(event.originServerTs()) : clock.instant();
    String algorithm = event.content().path("algorithm").asText("");
    return CompletableFuture.supplyAsync(() -> store.remember(event.roomId(), event.eventId(), event.sender(),
        algorithm, at), blocking).thenCompose(room -> {
          if (byUs && room.event().equals(event.eventId())) {
            log.warn("The homeserver turned on encryption in {}, a room the bridge created: nothing sent there can "
                + "be bridged. Turn off encryption_enabled_by_default_for_room_type (Synapse) for new rooms; this "
                + "room stays encrypted (docs/operations.md, Encrypted rooms)", event.roomId());
          } else {
            log.info("{} turned on encryption in bridged room {}; messages sent there can no longer be bridged",
                event.sender(), event.roomId());
          }
          return room.toldAt().isPresent() ? CompletableFuture.completedFuture(null) : tell(room);
        });
  }

  /** The bridged rooms that are encrypted, for {@code !status}; reads the store. */
  public List<RoomId> bridged() {
    return store.bridged().stream().map(EncryptedRoom::roomId).toList();
  }

  private CompletableFuture<Void> tell(EncryptedRoom room) {
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice").put("body", NOTICE);
    return voice.in(room.roomId())
        // The first encryption event's id: a repeat after a crash has the same txn id, and the homeserver posts once.
        .thenCompose(speaker -> speaker.sendMessage(room.roomId(), content, "encryption:" + room.event().value()))
        .thenAcceptAsync(sent -> store.told(room.roomId()), blocking);
  }
}
