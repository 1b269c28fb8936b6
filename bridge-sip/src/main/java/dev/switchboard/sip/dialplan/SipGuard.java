package dev.switchboard.sip.dialplan;

import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.dialplan.CallRateLimits.Kind;
import dev.switchboard.sip.dialplan.DialPlan.Use;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one check on every SIP path that acts for a Matrix user: the user's permission level and homeserver, the
 * {@link DialPlan} and the {@link CallRateLimits}. Outgoing calls and texts need level {@code user}; phones reach
 * only local users of level {@code user} or more. Decisions run on the blocking executor (the dial plan may look
 * up a SIP host in DNS); each refusal is logged once here.
 */
public final class SipGuard {
  private static final Logger log = LoggerFactory.getLogger(SipGuard.class);

  private final Permissions permissions;
  private final String serverName;
  private final DialPlan plan;
  private final CallRateLimits rates;
  private final Executor blocking;

  public SipGuard(Permissions permissions, String serverName, DialPlan plan, CallRateLimits rates,
      Executor blocking) {
    this.permissions = permissions;
    this.serverName = serverName;
    this.plan = plan;
    this.rates = rates;
    this.blocking = blocking;
  }

  /** Whether {@code user} may open a DM with {@code target}'s ghost (by invite or {@code !sip call}). */
  public CompletableFuture<Decision> dm(UserId user, Dialable target) {
    return CompletableFuture.supplyAsync(() -> logged(user, target, Use.DM, decide(user, target, Use.DM)), blocking);
  }

  /** The refusal for an emergency short number as typed in {@code !sip call}, if it is one. */
  public Optional<Decision.Refused> emergencyTyped(String typed) {
    return plan.emergencyTyped(typed);
  }

  /** Whether {@code user}'s call to {@code target} may start now; counts it (once per {@code key}) when so. */
  public CompletableFuture<Decision> call(UserId user, Dialable target, String key) {
    return start(user, target, Use.CALL, Kind.CALL, key);
  }

  /** Whether {@code user}'s text to {@code target} may go now; counts it (once per {@code key}) when so. */
  public CompletableFuture<Decision> text(UserId user, Dialable target, String key) {
    return start(user, target, Use.TEXT, Kind.TEXT, key);
  }

  private CompletableFuture<Decision> start(UserId user, Dialable target, Use use, Kind kind, String key) {
    return CompletableFuture.supplyAsync(() -> {
      Decision d = decide(user, target, use);
      if (d.allowed()) {
        d = rates.tryAcquire(kind, user, key);
      }
      return logged(user, target, use, d);
    }, blocking);
  }

  private Decision decide(UserId user, Dialable target, Use use) {
    return plan.decide(permissions.levelOf(user), !user.server().equals(serverName), target, use);
  }

  private static Decision logged(UserId user, Dialable target, Use use, Decision d) {
    if (d instanceof Decision.Refused r) {
      log.info("{} by {} to {} refused: {}", use, user, target, r.why());
    }
    return d;
  }

  /**
   * Whether a phone may reach {@code user} (ring them, text them, bind a desk phone to them): a user of this
   * homeserver at level {@code user} or more. A relay or none user is not reachable through the bridge at all, so
   * the bridge never opens rooms for them or rings their clients on a stranger's behalf.
   */
  public boolean reachable(UserId user) {
    return user.server().equals(serverName) && permissions.levelOf(user).atLeast(Level.USER);
  }

  /** Why {@code user} may not have a desk phone, or empty when they may. */
  public Optional<String> deskPhoneRefusal(UserId user) {
    if (!user.server().equals(serverName)) {
      return Optional.of(user + " is on another homeserver: desk phones are for users of " + serverName + ".");
    }
    Level level = permissions.levelOf(user);
    return level.atLeast(Level.USER) ? Optional.empty() : Optional.of(user + " has permission level "
        + level.configName() + ": desk phones are for users of level user or admin.");
  }
}
