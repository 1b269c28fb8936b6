package dev.switchboard.core.command;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One command being run: who, where, and its arguments bound to the names of its {@link Syntax}.
 *
 * @param links the room's links (empty in an admin room)
 * @param eventId the command's event; derive idempotency keys from it (a command may run again after a crash)
 */
public record CommandCall(
    UserId sender,
    Level level,
    RoomId room,
    Scope scope,
    List<Link> links,
    EventId eventId,
    Map<String, String> arguments) {

  /** A required argument. */
  public String arg(String name) {
    String v = arguments.get(name);
    if (v == null) {
      throw new IllegalArgumentException("missing argument <" + name + ">");
    }
    return v;
  }

  public Optional<String> optionalArg(String name) {
    return Optional.ofNullable(arguments.get(name));
  }

  /** The link of this room for {@code protocol}, if any. */
  public Optional<Link> linkOf(String protocol) {
    return links.stream().filter(l -> l.protocol().equals(protocol)).findFirst();
  }
}
