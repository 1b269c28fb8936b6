package dev.switchboard.irc.hub;

import dev.switchboard.core.connector.ForeignGhosts;
import dev.switchboard.core.connector.HubSettings;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.puppet.Puppets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Other networks' ghosts in hub rooms (issue 9): an XMPP occupant's ghost speaking in a room linked to a channel is,
 * for us, a Matrix user, and gets a puppet like one, with its network in the nick ({@code carol[xmpp]} by default,
 * {@code hub.foreign_name}). With {@code hub.foreign_members: speakers} (the default) its puppet connects only when
 * it speaks, not when it joins the room, so lurking occupants cost no IRC connection.
 */
public final class ForeignPuppets {
  private final HubSettings settings;
  private final ForeignGhosts ghosts;
  private final Intent bot;

  /** @param bot reads a ghost's display name from the room when we have not seen its membership event */
  public ForeignPuppets(HubSettings settings, ForeignGhosts ghosts, Intent bot) {
    this.settings = settings;
    this.ghosts = ghosts;
    this.bot = bot;
  }

  /** Whether a user's join of the Matrix room should make their puppet join the channel now. */
  public boolean joinsWithRoom(UserId user) {
    return settings.allJoins() || ghosts.networkOf(user).isEmpty();
  }

  /** The name a user's puppet nick is made from: a foreign ghost's display name with its network. */
  public Optional<String> nickSource(UserId user, Optional<String> displayName) {
    Optional<String> network = ghosts.networkOf(user);
    if (network.isEmpty()) {
      return displayName;
    }
    return Optional.of(settings.nameOf(displayName.filter(n -> !n.isBlank()).orElse(user.localpart()),
        network.get()));
  }

  /**
   * Before a foreign ghost's first message: learns its display name from the room (we may not have seen its join,
   * e.g. after a restart), so its puppet gets {@code name[network]} rather than a nick made from its user id.
   */
  public CompletableFuture<Void> prepare(MatrixEvent event, Puppets puppets) {
    UserId sender = event.sender();
    if (puppets.existing(sender).isPresent() || ghosts.networkOf(sender).isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return bot.getState(event.roomId(), "m.room.member", sender.value())
        .handle((member, err) -> err == null && member != null
            ? Optional.ofNullable(member.path("displayname").textValue()) : Optional.<String>empty())
        .thenAccept(name -> puppets.displayName(sender, nickSource(sender, name)));
  }
}
