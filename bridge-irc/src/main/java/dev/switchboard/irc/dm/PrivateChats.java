package dev.switchboard.irc.dm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.irc.format.IrcToMatrix;
import dev.switchboard.irc.format.MatrixToIrc;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.ghost.GhostIds;
import dev.switchboard.irc.network.IrcEvent;
import dev.switchboard.irc.portal.ChannelPortals;
import dev.switchboard.irc.puppet.Puppets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct chats on one network, both ways. A PRIVMSG to a Matrix user's puppet opens (once) a direct room that the
 * sender's ghost creates and invites the user to; a Matrix user who invites a ghost to a direct room ({@code
 * is_direct}) gets the ghost in it, and what they write there goes to that nick as private messages from their
 * puppet. The room is linked as {@code <network>/<nick>/<user>} ({@link DirectChat}), one room per pair: a newer
 * invite moves the link.
 */
public final class PrivateChats {
  private static final Logger log = LoggerFactory.getLogger(PrivateChats.class);

  private final String network;
  private final Intents intents;
  private final GhostIds ghostIds;
  private final Portals portals;
  private final Puppets puppets;
  private final Predicate<String> ourNick;
  private final Executor blocking;
  private final long epoch;
  private final Map<String, RoomId> rooms = new ConcurrentHashMap<>();
  /** Each chat's messages in the order they came. */
  private final KeyedSerialExecutor<String> chats;
  private final java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong();
  private final Function<UserId, Permissions.Bridging> bridging;

  /**
   * @param ourNick true for the bot's and our puppets' nicks: their private messages are not relayed
   * @param bridging how a Matrix user is bridged: only users with a puppet ({@code user} and {@code admin}) may open
   *     a direct chat, since it is their own connection that sends the private messages
   */
  public PrivateChats(String network, Intents intents, GhostIds ghostIds, Portals portals, Puppets puppets,
      Predicate<String> ourNick, Executor blocking, long epoch, Function<UserId, Permissions.Bridging> bridging) {
    this.bridging = bridging;
    this.network = network;
    this.intents = intents;
    this.ghostIds = ghostIds;
    this.portals = portals;
    this.puppets = puppets;
    this.ourNick = ourNick;
    this.blocking = blocking;
    this.epoch = epoch;
    this.chats = new KeyedSerialExecutor<>(KeyedSerialExecutor.INLINE, "irc " + network + " private chats");
  }

  /** A private message to {@code user}'s puppet; called on the puppet's event executor. */
  public void received(UserId user, IrcEvent.PrivateMessage m) {
    if (ourNick.test(m.nick())) {
      return;
    }
    DirectChat chat = new DirectChat(network, m.nick(), user);
    Intent ghost = intents.ghost(ghostIds.ghost(network, m.nick()));
    IrcToMatrix.Text text = IrcToMatrix.convert(m.text());
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    content.put("msgtype", m.kind().msgtype());
    content.put("body", text.body());
    text.html().ifPresent(html -> content.put("format", MatrixToIrc.HTML_FORMAT).put("formatted_body", html));
    String txnKey = "irc/" + network + "/dm/" + user.value() + "/" + chat.nick() + "/"
        + m.msgId().map(id -> "msgid/" + id).orElse(epoch + "/" + seq.incrementAndGet());
    Optional<Long> ts = m.serverTime().map(java.time.Instant::toEpochMilli);
    inOrder(chat.remoteId(), () -> roomFor(chat, ghost, m.nick())
        .thenCompose(room -> ghost.sendEvent(room, "m.room.message", content, txnKey, ts)));
  }

  /** The chat's room: known, stored, or created now by the ghost with the user invited. */
  private CompletableFuture<RoomId> roomFor(DirectChat chat, Intent ghost, String nick) {
    RoomId known = rooms.get(chat.remoteId());
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return CompletableFuture.supplyAsync(() -> portals.linkOfRemote(ChannelPortals.PROTOCOL, chat.remoteId()), blocking)
        .thenCompose(link -> {
          if (link.isPresent()) {
            rooms.put(chat.remoteId(), link.get().roomId());
            return CompletableFuture.completedFuture(link.get().roomId());
          }
          ObjectNode request = JsonNodeFactory.instance.objectNode();
          request.put("preset", "trusted_private_chat");
          request.put("is_direct", true);
          request.putArray("invite").add(chat.user().value());
          return ghost.ensureRegistered().thenCompose(v -> ghost.setDisplayName(nick).exceptionally(e -> null))
              .thenCompose(v -> ghost.createRoom(request))
              .thenApplyAsync(room -> {
                portals.createPlumbedRoom(room, List.of(new Link(room, ChannelPortals.PROTOCOL, chat.remoteId(),
                    false)));
                rooms.put(chat.remoteId(), room);
                log.info("IRC {}: direct chat {} <-> {} opened as {}", network, nick, chat.user(), room);
                return room;
              }, blocking);
        });
  }

  /**
   * A Matrix membership event aimed at one of our ghosts outside any link: an invite to a direct room makes the
   * ghost join and links the room; other invites are declined.
   */
  public CompletableFuture<Void> invited(MatrixEvent event, UserId ghostId, String nick) {
    if (!"invite".equals(event.membership().orElse(""))) {
      return CompletableFuture.completedFuture(null);
    }
    Intent ghost = intents.ghost(ghostId);
    switch (bridging.apply(event.sender())) {
      case REFUSE -> {
        // Core keeps level-none users' events from us and rejects for the ghost; this is the same, should one slip by.
        log.info("IRC {}: {} (level none) invited {}; declining", network, event.sender(), ghostId);
        return ghost.leave(event.roomId()).exceptionally(e -> null);
      }
      case RELAY -> {
        log.info("IRC {}: {} (level relay) invited {} to {}; declining with a notice", network, event.sender(),
            ghostId, event.roomId());
        return refuseWithNotice(event, ghost, nick);
      }
      case PUPPET -> { }
    }
    if (!event.content().path("is_direct").asBoolean(false)) {
      log.info("IRC {}: {} invited {} to {}, which is not a direct chat; declining", network, event.sender(), ghostId,
          event.roomId());
      return ghost.leave(event.roomId()).exceptionally(e -> null);
    }
    DirectChat chat = new DirectChat(network, nick, event.sender());
    RoomId room = event.roomId();
    // Linked before the ghost joins: the inviter may write the moment the ghost appears, and the dispatcher looks a
    // room's links up when it takes an event, so a link stored after the join could miss that first message.
    return CompletableFuture.runAsync(() -> {
      Optional<Link> old = portals.linkOfRemote(ChannelPortals.PROTOCOL, chat.remoteId());
      if (old.filter(l -> l.roomId().equals(room)).isEmpty()) { // a repeat of this invite finds it done
        old.ifPresent(portals::removeLink);
        Link link = new Link(room, ChannelPortals.PROTOCOL, chat.remoteId(), false);
        if (portals.portal(room).isEmpty()) {
          portals.createPlumbedRoom(room, List.of(link));
        } else {
          portals.addLink(link);
        }
      }
      rooms.put(chat.remoteId(), room);
    }, blocking)
        .thenCompose(v -> ghost.ensureJoined(room))
        .thenCompose(v -> ghost.setDisplayName(nick).exceptionally(e -> null))
        .thenRun(() -> log.info("IRC {}: {} opened a direct chat with {} in {}", network, event.sender(), nick, room));
  }

  /**
   * A relay user's invite: the ghost joins just long enough to say why nobody will answer, then leaves, so the
   * inviter does not wait on a chat that never opens. The txn key is the invite's, so a repeat posts nothing new.
   */
  private CompletableFuture<Void> refuseWithNotice(MatrixEvent event, Intent ghost, String nick) {
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    content.put("msgtype", "m.notice");
    content.put("body", "You cannot open a direct chat with " + nick + " on IRC: private messages are sent from your "
        + "own IRC connection, and your permission level on this bridge (relay) has none; you can still talk in "
        + "bridged channels. Ask the bridge's admin for level user.");
    RoomId room = event.roomId();
    return ghost.ensureJoined(room)
        .thenCompose(v -> ghost.sendMessage(room, content, "irc/" + network + "/dm-refused/" + event.eventId().value()))
        .handle((id, err) -> {
          if (err != null) {
            log.debug("IRC {}: could not tell {} why the direct chat was refused: {}", network, event.sender(),
                err.toString());
          }
          return null;
        })
        .thenCompose(v -> ghost.leave(room).exceptionally(e -> null));
  }

  /** An event in a direct chat's room: the owner's messages go to the nick from their puppet. */
  public CompletableFuture<Void> fromMatrix(MatrixEvent event, DirectChat chat) {
    if (!event.sender().equals(chat.user()) || !"m.room.message".equals(event.type())) {
      return CompletableFuture.completedFuture(null);
    }
    JsonNode content = event.content();
    boolean edit = "m.replace".equals(content.path("m.relates_to").path("rel_type").asText())
        && content.path("m.new_content").isObject();
    JsonNode effective = edit ? content.path("m.new_content") : content;
    Optional<MessageKind> kind = MessageKind.ofMsgtype(effective.path("msgtype").asText());
    if (kind.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String text = MatrixToIrc.convert(effective, u -> ghostIds.remoteUser(u).map(GhostIds.RemoteUser::nick));
    if (text.isBlank()) {
      return CompletableFuture.completedFuture(null);
    }
    return puppets.sendPrivate(chat.user(), chat.nick(), kind.get(), (edit ? "* " : "") + text);
  }

  private void inOrder(String key, Supplier<CompletableFuture<?>> call) {
    chats.submit(key, () -> call.get().thenApply(v -> (Void) null)).exceptionally(e -> {
      log.warn("IRC {}: relaying a private message ({}) failed: {}", network, key, e.toString());
      return null;
    });
  }

}
