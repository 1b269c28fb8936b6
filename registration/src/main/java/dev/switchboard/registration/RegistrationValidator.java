package dev.switchboard.registration;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Checks a registration for mistakes a homeserver would reject or that would break the bridge. */
public final class RegistrationValidator {
  private static final Pattern LOCALPART = Pattern.compile("[a-z0-9._=/+-]+");

  private RegistrationValidator() {}

  /**
   * Validates {@code registration}; {@code serverName} is the homeserver's domain, used to check that the bot
   * is not inside an exclusive user namespace of its own.
   *
   * @throws RegistrationException listing every problem found
   */
  public static void validate(Registration registration, String serverName) {
    List<String> problems = new ArrayList<>();
    if (blank(registration.id())) {
      problems.add("id must not be empty");
    }
    if (blank(registration.asToken())) {
      problems.add("as_token must not be empty");
    }
    if (blank(registration.hsToken())) {
      problems.add("hs_token must not be empty");
    }
    if (!blank(registration.asToken()) && registration.asToken().equals(registration.hsToken())) {
      problems.add("as_token and hs_token must differ (the homeserver could otherwise impersonate the bridge)");
    }
    String local = registration.senderLocalpart();
    if (blank(local)) {
      problems.add("sender_localpart must not be empty");
    } else if (!LOCALPART.matcher(local).matches()) {
      problems.add("sender_localpart '" + local + "' may only contain a-z, 0-9, '.', '_', '=', '-', '/' and '+'");
    }
    Namespaces ns = registration.namespaces();
    for (List<Namespace> list : List.of(ns.users(), ns.aliases(), ns.rooms())) {
      for (Namespace n : list) {
        try {
          n.pattern();
        } catch (RegistrationException e) {
          problems.add(e.getMessage());
        }
      }
    }
    if (problems.isEmpty() && !blank(local) && serverName != null) {
      String botId = "@" + local + ":" + serverName;
      for (Namespace n : ns.users()) {
        if (n.matches(botId)) {
          problems.add("sender_localpart '" + local + "' falls inside the user namespace '" + n.regex()
              + "'; the bot must not look like a ghost");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new RegistrationException("invalid registration: " + String.join("; ", problems));
    }
  }

  /** Checks that a ghost localpart made by a connector lies in the namespaces, so the homeserver lets us use it. */
  public static void requireClaimedUser(Namespaces namespaces, String userId) {
    if (!namespaces.claimsUser(userId)) {
      throw new RegistrationException("user id " + userId + " is outside the registered user namespaces "
          + namespaces.users().stream().map(Namespace::regex).toList());
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
