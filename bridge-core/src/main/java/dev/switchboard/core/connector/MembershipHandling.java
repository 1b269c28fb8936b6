package dev.switchboard.core.connector;

import dev.switchboard.core.event.MembershipChange;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A connector that acts on membership: joins, leaves, kicks and bans in its linked rooms ({@code link} present),
 * and membership aimed at one of its ghosts in a room without links ({@code link} empty: an invite to a direct
 * chat). The futures contract is {@link Connector}'s.
 */
public interface MembershipHandling {
  CompletableFuture<Void> onMembership(MembershipChange change, Optional<Link> link);
}
