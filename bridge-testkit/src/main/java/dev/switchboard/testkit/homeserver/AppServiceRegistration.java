package dev.switchboard.testkit.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An application service as the homeserver knows it (spec: Registration). {@code url} may be {@code null}: the
 * homeserver then sends no traffic to it.
 */
public record AppServiceRegistration(String id, String url, String asToken, String hsToken, String senderLocalpart,
    List<Namespace> users, List<Namespace> aliases, List<Namespace> rooms, boolean receiveEphemeral,
    List<String> protocols) {

  public AppServiceRegistration {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(asToken, "as_token");
    Objects.requireNonNull(hsToken, "hs_token");
    Objects.requireNonNull(senderLocalpart, "sender_localpart");
    users = List.copyOf(users);
    aliases = List.copyOf(aliases);
    rooms = List.copyOf(rooms);
    protocols = List.copyOf(protocols);
  }

  /**
   * One namespace entry. Homeservers match with Python's {@code re.match}: anchored at the start only, so
   * {@link java.util.regex.Matcher#lookingAt()}.
   */
  public record Namespace(String regex, boolean exclusive) {
    public Namespace {
      Pattern.compile(regex);
    }

    public boolean matches(String value) {
      return Pattern.compile(regex).matcher(value).lookingAt();
    }
  }

  /** The AS's own user, {@code @sender_localpart:server}. */
  public String senderUserId(String serverName) {
    return "@" + senderLocalpart + ":" + serverName;
  }

  /** Synapse's {@code is_interested_in_user}: the sender user or any user namespace, exclusive or not. */
  public boolean isInterestedInUser(String userId, String serverName) {
    return userId.equals(senderUserId(serverName)) || users.stream().anyMatch(n -> n.matches(userId));
  }

  public boolean isExclusiveUser(String userId) {
    return users.stream().anyMatch(n -> n.exclusive() && n.matches(userId));
  }

  public boolean isInterestedInAlias(String alias) {
    return aliases.stream().anyMatch(n -> n.matches(alias));
  }

  public boolean isExclusiveAlias(String alias) {
    return aliases.stream().anyMatch(n -> n.exclusive() && n.matches(alias));
  }

  public boolean isInterestedInRoom(String roomId) {
    return rooms.stream().anyMatch(n -> n.matches(roomId));
  }

  public static Builder builder(String id) {
    return new Builder(id);
  }

  /**
   * Reads a registration YAML file (fields as in the spec's registration.yaml, plus the unstable
   * {@code de.sorunome.msc2409.push_ephemeral} that Synapse still honours).
   */
  public static AppServiceRegistration fromYaml(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read registration " + file, e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("registration " + file + " is not a YAML mapping");
    }
    Builder b = builder(required(root, "id", file))
        .url(root.path("url").isTextual() ? root.get("url").asText() : null)
        .asToken(required(root, "as_token", file))
        .hsToken(required(root, "hs_token", file))
        .senderLocalpart(required(root, "sender_localpart", file))
        .receiveEphemeral(root.path("receive_ephemeral").asBoolean(false)
            || root.path("de.sorunome.msc2409.push_ephemeral").asBoolean(false));
    JsonNode ns = root.path("namespaces");
    ns.path("users").forEach(n -> b.users.add(namespace(n)));
    ns.path("aliases").forEach(n -> b.aliases.add(namespace(n)));
    ns.path("rooms").forEach(n -> b.rooms.add(namespace(n)));
    root.path("protocols").forEach(p -> b.protocols.add(p.asText()));
    return b.build();
  }

  private static Namespace namespace(JsonNode n) {
    return new Namespace(n.path("regex").asText(), n.path("exclusive").asBoolean(false));
  }

  private static String required(JsonNode root, String key, Path file) {
    JsonNode v = root.get(key);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new IllegalArgumentException("registration " + file + ": '" + key + "' is required (a string)");
    }
    return v.asText();
  }

  /** Builds a registration; tokens default to random hex. */
  public static final class Builder {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final String id;
    private String url;
    private String asToken = randomToken();
    private String hsToken = randomToken();
    private String senderLocalpart;
    private final List<Namespace> users = new ArrayList<>();
    private final List<Namespace> aliases = new ArrayList<>();
    private final List<Namespace> rooms = new ArrayList<>();
    private final List<String> protocols = new ArrayList<>();
    private boolean receiveEphemeral;

    private Builder(String id) {
      this.id = id;
      this.senderLocalpart = id + "bot";
    }

    public Builder url(String url) {
      this.url = url;
      return this;
    }

    public Builder asToken(String token) {
      this.asToken = token;
      return this;
    }

    public Builder hsToken(String token) {
      this.hsToken = token;
      return this;
    }

    public Builder senderLocalpart(String localpart) {
      this.senderLocalpart = localpart;
      return this;
    }

    public Builder users(String regex, boolean exclusive) {
      users.add(new Namespace(regex, exclusive));
      return this;
    }

    public Builder aliases(String regex, boolean exclusive) {
      aliases.add(new Namespace(regex, exclusive));
      return this;
    }

    public Builder rooms(String regex, boolean exclusive) {
      rooms.add(new Namespace(regex, exclusive));
      return this;
    }

    public Builder protocols(String... names) {
      protocols.addAll(List.of(names));
      return this;
    }

    public Builder receiveEphemeral(boolean receive) {
      this.receiveEphemeral = receive;
      return this;
    }

    public AppServiceRegistration build() {
      return new AppServiceRegistration(id, url, asToken, hsToken, senderLocalpart, users, aliases, rooms,
          receiveEphemeral, protocols);
    }

    private static String randomToken() {
      byte[] bytes = new byte[16];
      RANDOM.nextBytes(bytes);
      return HexFormat.of().formatHex(bytes);
    }
  }
}
