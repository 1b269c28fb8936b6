package dev.switchboard.registration;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/** The {@code users}, {@code aliases} and {@code rooms} namespace lists of a registration. */
public record Namespaces(
    @JsonProperty("users") List<Namespace> users,
    @JsonProperty("aliases") List<Namespace> aliases,
    @JsonProperty("rooms") List<Namespace> rooms) {

  public Namespaces {
    users = users == null ? List.of() : List.copyOf(users);
    aliases = aliases == null ? List.of() : List.copyOf(aliases);
    rooms = rooms == null ? List.of() : List.copyOf(rooms);
  }

  public static Namespaces empty() {
    return new Namespaces(List.of(), List.of(), List.of());
  }

  /** The union of this and {@code other}, in order, without repeating an entry. */
  public Namespaces plus(Namespaces other) {
    return new Namespaces(union(users, other.users), union(aliases, other.aliases), union(rooms, other.rooms));
  }

  private static List<Namespace> union(List<Namespace> a, List<Namespace> b) {
    List<Namespace> out = new ArrayList<>(a);
    for (Namespace n : b) {
      if (!out.contains(n)) {
        out.add(n);
      }
    }
    return out;
  }

  /** True when a user id such as {@code @_irc_libera_alice:example.org} falls in a user namespace. */
  public boolean claimsUser(String userId) {
    return users.stream().anyMatch(n -> n.matches(userId));
  }

  /** True when an alias such as {@code #_irc_libera_#java:example.org} falls in an alias namespace. */
  public boolean claimsAlias(String alias) {
    return aliases.stream().anyMatch(n -> n.matches(alias));
  }
}
