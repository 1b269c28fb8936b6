package dev.switchboard.xmpp.permission;

import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.permission.Permissions.Bridging;
import dev.switchboard.xmpp.address.XmppGhostIds;
import java.util.function.Predicate;

/**
 * How a Matrix sender reaches XMPP: {@link Permissions#bridgingOf}, except for the bridge's own users (our ghosts,
 * other connectors' ghosts in hub rooms, the bot), which speak for remote people or the bridge and always appear as
 * themselves whatever level their server has (core's dispatcher exempts them the same way).
 */
public final class BridgingPolicy {
  private final Permissions permissions;
  private final Predicate<UserId> bridgeOwn;

  /** @param bridgeOwn true for users the bridge itself controls */
  public BridgingPolicy(Permissions permissions, Predicate<UserId> bridgeOwn) {
    this.permissions = permissions;
    this.bridgeOwn = bridgeOwn;
  }

  /** The policy of a running connector: its context's permissions, ghosts and bot. */
  public BridgingPolicy(ConnectorContext context, XmppGhostIds ghostIds) {
    this(context.permissions(), user -> ghostIds.isGhost(user) || context.foreignGhosts().networkOf(user).isPresent()
        || user.equals(context.intents().bot().userId()));
  }

  public Bridging of(UserId user) {
    return bridgeOwn.test(user) ? Bridging.PUPPET : permissions.bridgingOf(user);
  }

  /** True when {@code user} may act as themselves on XMPP (an occupant, a direct chat). */
  public boolean puppets(UserId user) {
    return of(user) == Bridging.PUPPET;
  }
}
