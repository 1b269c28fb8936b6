package dev.switchboard.core.command;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.inbox.BotRoomHandler;
import dev.switchboard.core.inbox.SecretScrubber;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.store.KvStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot's side of rooms: accepts invites to admin rooms (a direct chat with the bot) from users the permissions
 * know, runs commands sent there and {@code !<protocol> ...} commands in bridged rooms, and answers with an
 * {@code m.notice}. Admin rooms are remembered in the kv store ({@code admin_room/<room id>} = the inviter), so the
 * bot never answers in a room it was not asked into.
 */
public final class AdminRooms implements BotRoomHandler {
  private static final Logger log = LoggerFactory.getLogger(AdminRooms.class);
  private static final String KEY_PREFIX = "admin_room/";

  private final UserId bot;
  private final Intents intents;
  private final KvStore kv;
  private final Permissions permissions;
  private final CommandDispatcher commands;
  private final Predicate<UserId> isGhost;
  private final Executor blocking;
  /** Room -> is an admin room; filled from the kv store on first sight. */
  private final ConcurrentHashMap<RoomId, Boolean> known = new ConcurrentHashMap<>();

  /**
   * @param isGhost true for users of our connectors' namespaces: their messages are remote users' words, never
   *     commands, and their invites are not requests for an admin room
   * @param blocking where the kv store is written once the bot has joined (the join completes on an HTTP thread)
   */
  public AdminRooms(UserId bot, Intents intents, KvStore kv, Permissions permissions, CommandDispatcher commands,
      Predicate<UserId> isGhost, Executor blocking) {
    this.blocking = blocking;
    this.bot = bot;
    this.intents = intents;
    this.kv = kv;
    this.permissions = permissions;
    this.commands = commands;
    this.isGhost = isGhost;
  }

  @Override
  public boolean claims(MatrixEvent event, List<Link> links) {
    if (isGhost.test(event.sender())) {
      return false;
    }
    if (event.membership().isPresent()) {
      return links.isEmpty() && event.stateKey().map(bot.value()::equals).orElse(false);
    }
    Optional<String> body = commandBody(event);
    if (body.isEmpty()) {
      return false;
    }
    return links.isEmpty() ? isAdminRoom(event.roomId()) : commands.isBridgedRoomCommand(body.get());
  }

  @Override
  public CompletableFuture<Void> handle(MatrixEvent event, List<Link> links) {
    if (event.membership().isPresent()) {
      return onBotMembership(event);
    }
    Scope scope = links.isEmpty() ? Scope.ADMIN_ROOM : Scope.BRIDGED_ROOM;
    String body = commandBody(event).orElse("");
    if (event.content().path(SecretScrubber.MARK).asBoolean(false)) {
      // Replayed from the inbox after a restart: the stored copy has no secret to run with.
      return notice(event.roomId(), "The bridge restarted before it could run your command with its password ("
          + body + "). Please send it again (and redact that message).", "command-reply:" + event.eventId().value());
    }
    return commands.run(body, event.sender(), event.roomId(), scope, links, event.eventId())
        .thenCompose(reply -> reply.isBlank() ? CompletableFuture.completedFuture(null)
            : notice(event.roomId(), reply, "command-reply:" + event.eventId().value()));
  }

  /** Whether the bot answers commands in {@code room} as an admin room. */
  public boolean isAdminRoom(RoomId room) {
    return known.computeIfAbsent(room, r -> kv.get(KEY_PREFIX + r.value()).isPresent());
  }

  private CompletableFuture<Void> onBotMembership(MatrixEvent event) {
    String membership = event.membership().get();
    RoomId room = event.roomId();
    if (membership.equals("invite")) {
      Level level = permissions.levelOf(event.sender());
      if (level == Level.NONE) {
        log.info("Declining {}'s invite of the bot to {}: the permissions give them no level", event.sender(),
            room);
        return quietly(intents.bot().leave(room), "decline the invite to " + room);
      }
      log.info("{} invited the bot to {}; joining it as their admin room", event.sender(), room);
      // Remembered before the join: the user may send a command as soon as they see the bot join, and that event
      // must already find the room known (a room looked up as unknown is cached as such).
      return CompletableFuture.runAsync(() -> {
        kv.put(KEY_PREFIX + room.value(), event.sender().value());
        known.put(room, true);
      }, blocking)
          .thenCompose(v -> intents.bot().ensureJoined(room))
          .thenCompose(v -> notice(room, "Hello! This is your Switchboard admin room. Send !help for the commands "
              + "you can use.", "admin-room-welcome:" + event.eventId().value()))
          .exceptionally(error -> {
            log.warn("Could not join {} after {}'s invite: {}", room, event.sender(), error.toString());
            return null;
          });
    }
    if (membership.equals("leave") || membership.equals("ban")) {
      if (isAdminRoom(room)) {
        log.info("The bot left admin room {} ({})", room, membership);
        kv.delete(KEY_PREFIX + room.value());
      }
      known.put(room, false);
    }
    return CompletableFuture.completedFuture(null);
  }

  /** The text of a plain message that could be a command; edits and non-text messages are not. */
  private static Optional<String> commandBody(MatrixEvent event) {
    if (!event.type().equals("m.room.message") || !"m.text".equals(event.content().path("msgtype").asText())) {
      return Optional.empty();
    }
    if ("m.replace".equals(event.content().path("m.relates_to").path("rel_type").asText())) {
      return Optional.empty();
    }
    String body = event.content().path("body").textValue();
    return Optional.ofNullable(body);
  }

  private CompletableFuture<Void> notice(RoomId room, String text, String txnKey) {
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice").put("body", text);
    return quietly(intents.bot().sendMessage(room, content, txnKey).thenApply(id -> null), "reply in " + room);
  }

  /** A command has run; a failed reply must not make the dispatcher run it again. */
  private static CompletableFuture<Void> quietly(CompletableFuture<?> f, String what) {
    return f.handle((ok, error) -> {
      if (error != null) {
        log.warn("Could not {}: {}", what, error.toString());
      }
      return null;
    });
  }
}
