package dev.switchboard.sip.dialplan;

import dev.switchboard.core.net.PublicAddresses;
import dev.switchboard.core.permission.Level;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.dialplan.Decision.Refused;
import dev.switchboard.sip.dialplan.Decision.Why;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Who may call or text what (issue #16: toll fraud through the trunk, calls into the bridge's own network). Pure
 * apart from host name resolution, which is injected; {@link #decide} may block on DNS for SIP addresses.
 *
 * <p>Order: the level ({@code user} or more: the bridge cannot speak for relay users on a phone line), federation,
 * emergency numbers (always refused), the level's {@code deny} list, its {@code allow} list (which lifts the
 * default refusals below), premium-rate ranges, numbers outside the home country codes; for SIP addresses,
 * internal hosts (unless in {@code internal_hosts}).
 */
public final class DialPlan {
  private final DialPlanSettings settings;
  private final HostResolver resolver;

  public DialPlan(DialPlanSettings settings, HostResolver resolver) {
    this.settings = settings;
    this.resolver = resolver;
  }

  /** What is being started, for the wording of refusals. */
  public enum Use {
    CALL("Calls"), TEXT("Texts"), DM("Calls and texts");

    private final String noun;

    Use(String noun) {
      this.noun = noun;
    }

    public String noun() {
      return noun;
    }
  }

  /**
   * @param level the Matrix user's permission level
   * @param federated whether the user is on another homeserver than the bridge's
   */
  public Decision decide(Level level, boolean federated, Dialable target, Use use) {
    if (!level.atLeast(Level.USER)) {
      return new Refused(Why.LEVEL, level == Level.RELAY
          ? use.noun() + " to phones need permission level user: the bridge cannot speak for relay users on a "
              + "phone line."
          : "This bridge's permissions do not let you call or text phones.");
    }
    if (federated && !settings.federated()) {
      return new Refused(Why.FEDERATED, use.noun() + " to phones through this bridge are only for users of its "
          + "own homeserver.");
    }
    DialPlanSettings.Rules rules = level == Level.ADMIN ? settings.admin() : settings.user();
    if (target instanceof Dialable.Number n) {
      Optional<String> emergency = emergencyCode(n);
      if (emergency.isPresent()) {
        return emergency(emergency.get());
      }
    }
    if (rules.deny().stream().anyMatch(r -> r.matches(target))) {
      return refused(Why.DENIED, use, target, "denied for your permission level");
    }
    if (target instanceof Dialable.Number n) {
      if (rules.allow().stream().anyMatch(r -> r.matches(target))) {
        return Decision.ALLOWED;
      }
      if (settings.premiumPrefixes().stream().anyMatch(n.e164()::startsWith)) {
        return refused(Why.PREMIUM, use, target, "premium rate");
      }
      if (homeCode(n).isEmpty() || settings.internationalPrefixes().stream().anyMatch(n.e164()::startsWith)) {
        return refused(Why.INTERNATIONAL, use, target, settings.homeCountryCodes().isEmpty()
            ? "no home country code is set, so it calls no numbers"
            : "international; it calls " + settings.homeCountryCodes().stream().map(c -> "+" + c)
                .collect(Collectors.joining(", ")) + " numbers only");
      }
      return Decision.ALLOWED;
    }
    Dialable.SipAddress address = (Dialable.SipAddress) target;
    if (settings.internalHosts().contains(address.host())) {
      return Decision.ALLOWED;
    }
    Optional<Why> bad = hostCheck(address.host());
    if (bad.isEmpty()) {
      return Decision.ALLOWED;
    }
    return refused(bad.get(), use, target, bad.get() == Why.UNRESOLVED ? "its host does not resolve"
        : "an internal address");
  }

  /**
   * The refusal for a short number as typed ({@code 999}, which is no E.164 number and so never a ghost), when it
   * is an emergency number; checked before a typed number is parsed, so the user learns why rather than "not a
   * number".
   */
  public Optional<Refused> emergencyTyped(String typed) {
    String digits = typed.strip();
    return digits.matches("[0-9]{1,15}") && settings.emergencyNumbers().contains(digits)
        ? Optional.of(emergency(digits)) : Optional.empty();
  }

  private static Refused emergency(String number) {
    return new Refused(Why.EMERGENCY, "This bridge does not place emergency calls or texts (" + number + "): it "
        + "cannot give your location or take a call back. Call from a phone.");
  }

  private static Refused refused(Why why, Use use, Dialable target, String what) {
    return new Refused(why, use.noun() + " to " + target.display() + " are not allowed by this bridge's dial plan ("
        + what + ").");
  }

  /** The emergency number {@code n} dials: its national part after a home code, or all its digits ({@code +112}). */
  private Optional<String> emergencyCode(Dialable.Number n) {
    String digits = n.e164().substring(1);
    if (settings.emergencyNumbers().contains(digits)) {
      return Optional.of(digits);
    }
    return homeCode(n).map(c -> digits.substring(c.length())).filter(settings.emergencyNumbers()::contains);
  }

  /** The home calling code {@code n} is in; calling codes are prefix-free, so at most one matches. */
  private Optional<String> homeCode(Dialable.Number n) {
    return settings.homeCountryCodes().stream().filter(c -> n.e164().startsWith("+" + c)).findFirst();
  }

  /** Why {@code host} may not be called, or empty when it is a public address (every address it resolves to). */
  private Optional<Why> hostCheck(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    boolean literal = h.startsWith("[") || h.matches("[0-9.]+");
    if (!literal && (!h.contains(".") || h.equals("localhost") || h.endsWith(".localhost")
        || h.equals("localhost.") || h.endsWith(".localhost."))) {
      return Optional.of(Why.INTERNAL_ADDRESS); // bare names resolve through search domains: the local network
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(h.startsWith("[") ? h.substring(1, h.length() - 1) : h);
    } catch (UnknownHostException | SecurityException e) {
      return Optional.of(Why.UNRESOLVED);
    }
    if (addresses.length == 0) {
      return Optional.of(Why.UNRESOLVED);
    }
    return Arrays.stream(addresses).anyMatch(DialPlan::isInternal) ? Optional.of(Why.INTERNAL_ADDRESS)
        : Optional.empty();
  }

  /** Not on the public internet: {@link PublicAddresses}, the one definition the bridge uses everywhere. */
  static boolean isInternal(InetAddress a) {
    return !PublicAddresses.isPublic(a);
  }
}
