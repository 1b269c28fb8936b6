package dev.switchboard.core.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkCapable;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code !link <connector> <remote room>} and {@code !unlink <connector>}: plumb the room the command is sent in to a
 * remote room of a connector, or undo it, through {@link LinkCapable}. A room may carry one link per connector (a
 * hub room links e.g. an IRC channel and an XMPP MUC at once).
 *
 * <p>Who may: a bridge admin ({@link Level#ADMIN}, "may plumb and unlink rooms") who is also a moderator of the
 * room: their power level reaches what the room asks for changing its state ({@code state_default}, 50 when unset),
 * and at least 50. Bridging a room publishes what its members say to another network; a bridge admin alone must not
 * do that to a room they do not moderate.
 */
public final class LinkCommands {
  /** The power level a room moderator has at least (Matrix's default for moderators). */
  static final int MODERATOR = 50;

  private final Connectors connectors;
  private final Intent bot;

  /** @param bot reads the room's power levels (it is in every room it answers commands in) */
  public LinkCommands(Connectors connectors, Intent bot) {
    this.connectors = connectors;
    this.bot = bot;
  }

  /** Registers {@code !link} and {@code !unlink} as core commands usable in admin rooms and bridged rooms. */
  public void register(CommandRegistry registry) {
    registry.register(CommandRegistry.CORE, Command.of("link", "<connector> <remote-room>",
        "link this room to a remote room too (e.g. !link xmpp dev@conference.example.org); room moderators only",
        Level.ADMIN, this::link));
    registry.register(CommandRegistry.CORE, Command.of("unlink", "<connector>",
        "stop bridging this room to that connector's remote room; room moderators only", Level.ADMIN,
        this::unlink));
  }

  private CompletableFuture<String> link(CommandCall call) {
    String protocol = call.arg("connector").toLowerCase(java.util.Locale.ROOT);
    LinkCapable linker = linkCapable(protocol);
    String remote;
    try {
      remote = linker.normaliseRemoteRoom(call.arg("remote-room"));
    } catch (LinkCapable.LinkException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    Optional<Link> existing = call.linkOf(protocol);
    if (existing.isPresent()) {
      if (existing.get().remoteId().equals(remote)) {
        // Also what a repeat of this command after a crash finds: it did its work the first time.
        return CompletableFuture.completedFuture("This room is already linked to " + describe(existing.get()) + ".");
      }
      throw new IllegalArgumentException("this room is already linked to " + describe(existing.get())
          + "; send !unlink " + protocol + " first");
    }
    return requireModerator(call.room(), call.sender())
        .thenCompose(v -> linker.link(call.room(), remote, call.sender()))
        .handle((link, error) -> {
          if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
            if (cause instanceof LinkCapable.LinkException e) {
              throw new IllegalArgumentException(e.getMessage() + " (" + e.errcode() + ")");
            }
            throw error instanceof CompletionException ce ? ce : new CompletionException(error);
          }
          return "Linked this room to " + describe(link) + ". Messages now flow between it and every other link of "
              + "this room.";
        });
  }

  private CompletableFuture<String> unlink(CommandCall call) {
    String protocol = call.arg("connector").toLowerCase(java.util.Locale.ROOT);
    LinkCapable linker = linkCapable(protocol);
    Link link = call.linkOf(protocol).orElseThrow(() ->
        new IllegalArgumentException("this room has no link to " + protocol));
    return requireModerator(call.room(), call.sender())
        .thenCompose(v -> linker.unlink(link))
        .thenApply(v -> "Unlinked " + describe(link) + ". The room stays as it is; its other links are unchanged.");
  }

  private LinkCapable linkCapable(String protocol) {
    Connector connector = connectors.forProtocol(protocol).orElseThrow(() ->
        new IllegalArgumentException("no connector '" + protocol + "' is enabled on this bridge"));
    if (!(connector instanceof LinkCapable linker)) {
      throw new IllegalArgumentException("the " + protocol + " connector cannot link existing rooms");
    }
    return linker;
  }

  /** Completes when {@code user} moderates {@code room}; fails with a user-facing reason otherwise. */
  private CompletableFuture<Void> requireModerator(RoomId room, UserId user) {
    return bot.getState(room, "m.room.power_levels", "").handle((levels, error) -> {
      if (error != null || levels == null) {
        throw new IllegalArgumentException("cannot read this room's power levels; invite the bridge bot first");
      }
      return levels;
    }).thenCompose(levels -> {
      int needed = Math.max(MODERATOR, levels.path("state_default").asInt(MODERATOR));
      int has = levelOf(levels, user);
      if (has >= needed) {
        return CompletableFuture.completedFuture(null);
      }
      // Room version 12: the creators are not in the power levels but outrank everyone.
      return RoomCreators.isPrivilegedCreator(bot, room, user).handle((creator, error) -> {
        if (error != null || !creator) {
          throw new IllegalArgumentException("only room moderators (power level " + needed + ") may change this "
              + "room's links; you have " + has);
        }
        return null;
      });
    });
  }

  /** A user's power level from an {@code m.room.power_levels} content (spec: users, then users_default, then 0). */
  static int levelOf(JsonNode levels, UserId user) {
    JsonNode own = levels.path("users").path(user.value());
    return own.isNumber() ? own.asInt() : levels.path("users_default").asInt(0);
  }

  private static String describe(Link link) {
    return link.protocol() + " " + link.remoteId();
  }
}
