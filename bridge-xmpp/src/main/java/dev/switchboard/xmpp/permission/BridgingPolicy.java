package dev.switchboard.xmpp.permission;

import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.permission.Permissions.Bridging;
import dev.switchboard.xmpp.address.XmppGhostIds;

/**
 * How a Matrix sender reaches XMPP: {@link Permissions#bridgingOf}, except for the bridge's own users (our ghosts,
 * other connectors' ghosts in hub rooms, the bot), which speak for remote people or the bridge and always appear as
 * themselves whatever level their server has (core's dispatcher exempts them the same way).
 */
public final class BridgingPolicy {
  private final ConnectorContext context;
  private final XmppGhostIds ghostIds;

  public BridgingPolicy(ConnectorContext context, XmppGhostIds ghostIds) {
    this.context = context;
    this.ghostIds = ghostIds;
  }

  public Bridging of(UserId user) {
    if (ghostIds.isGhost(user) || context.foreignGhosts().networkOf(user).isPresent()
        || user.equals(context.intents().bot().userId())) {
      return Bridging.PUPPET;
    }
    return context.permissions().bridgingOf(user);
  }

  /** True when {@code user} may act as themselves on XMPP (an occupant, a direct chat). */
  public boolean puppets(UserId user) {
    return of(user) == Bridging.PUPPET;
  }
}
