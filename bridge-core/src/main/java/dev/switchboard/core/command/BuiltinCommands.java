package dev.switchboard.core.command;

import dev.switchboard.core.health.HealthCheck;
import dev.switchboard.core.health.HealthReport;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.permission.Level;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/** Core's own commands, for admin rooms: {@code !help}, {@code !status}, {@code !version}. */
public final class BuiltinCommands {
  private BuiltinCommands() {}

  /**
   * Registers the built-ins.
   *
   * @param encryptedRooms the bridged rooms where encryption is on (read from the store), which {@code !status} lists
   *     for admins: nothing sent there is bridged
   * @param blocking where {@code !status} reads the database
   */
  public static void register(CommandRegistry registry, CommandDispatcher dispatcher, HealthCheck health,
      Supplier<List<RoomId>> encryptedRooms, Executor blocking) {
    registry.register(CommandRegistry.CORE, Command.of("help", "", "list the commands you can use", Level.RELAY,
        call -> CompletableFuture.completedFuture(dispatcher.help(call.level(), call.scope(), Optional.empty())))
        .onlyIn(Scope.ADMIN_ROOM));
    registry.register(CommandRegistry.CORE, Command.of("version", "", "show the bridge's version", Level.RELAY,
        call -> CompletableFuture.completedFuture("Switchboard " + BridgeVersion.current()))
        .onlyIn(Scope.ADMIN_ROOM));
    registry.register(CommandRegistry.CORE, Command.of("status", "",
        "show the bridge's and each network's state (admins also see the inbox and homeserver)", Level.USER,
        call -> CompletableFuture.supplyAsync(() -> status(health.report(), encryptedRooms, call.level()), blocking))
        .onlyIn(Scope.ADMIN_ROOM));
  }

  static String status(HealthReport r, Supplier<List<RoomId>> encryptedRooms, Level level) {
    StringBuilder sb = new StringBuilder("Bridge: ").append(r.bridge());
    if (r.connectors().isEmpty()) {
      sb.append("\nNo networks are enabled.");
    }
    r.connectors().forEach((protocol, state) -> sb.append('\n').append(protocol).append(": ").append(state));
    if (level.atLeast(Level.ADMIN)) {
      sb.append("\nInbox: ").append(r.inboxDepth().isPresent() ? r.inboxDepth().getAsLong() + " waiting"
          : "cannot be read");
      sb.append("\nHomeserver: ").append(r.homeserverReachable() ? "reachable" : "not answering")
          .append(", ping ").append(r.ping());
      sb.append("\nHealth: ").append(r.status());
      r.problems().forEach(p -> sb.append("\n- ").append(p));
      encrypted(sb, encryptedRooms);
    }
    return sb.toString();
  }

  /** Room ids are for admins only: a user's DM is nobody else's business. */
  private static void encrypted(StringBuilder sb, Supplier<List<RoomId>> encryptedRooms) {
    List<RoomId> rooms;
    try {
      rooms = encryptedRooms.get();
    } catch (RuntimeException e) {
      sb.append("\nEncrypted bridged rooms: cannot be read (").append(e.getMessage()).append(')');
      return;
    }
    if (rooms.isEmpty()) {
      sb.append("\nEncrypted bridged rooms: none");
      return;
    }
    sb.append("\nEncrypted bridged rooms (messages sent there are not bridged: the bridge cannot decrypt): ")
        .append(rooms.size());
    rooms.forEach(room -> sb.append("\n- ").append(room.value()));
  }
}
