package dev.switchboard.testkit.homeserver.profile;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.state.Account;

/** {@code GET/PUT /profile/{userId}/displayname|avatar_url} and {@code GET /profile/{userId}}. */
public final class ProfileRoutes {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final ProfileService profiles;

  public ProfileRoutes(ProfileService profiles) {
    this.profiles = profiles;
  }

  public void register(Router router) {
    router.client("GET", "/profile/{userId}", c -> {
      c.requester();
      return HttpResponse.ok(full(profiles.profile(c.param("userId"))));
    });
    router.client("GET", "/profile/{userId}/{keyName}", c -> {
      c.requester();
      Account account = profiles.profile(c.param("userId"));
      String key = c.param("keyName");
      String value = switch (key) {
        case "displayname" -> account.displayName();
        case "avatar_url" -> account.avatarUrl();
        default -> null;
      };
      if (value == null) {
        throw MatrixException.notFound("The requested profile key does not exist.");
      }
      return HttpResponse.ok(NODES.objectNode().put(key, value));
    });
    router.client("PUT", "/profile/{userId}/{keyName}", c -> {
      ObjectNode body = c.json();
      String key = c.param("keyName");
      String value = body.path(key).isTextual() ? body.get(key).asText() : null;
      switch (key) {
        case "displayname" -> profiles.setDisplayName(c.requester(), c.param("userId"), value);
        case "avatar_url" -> profiles.setAvatarUrl(c.requester(), c.param("userId"), value);
        default -> throw new MatrixException(400, "M_UNRECOGNIZED", "Unsupported profile key " + key);
      }
      return HttpResponse.ok(NODES.objectNode());
    });
  }

  private static ObjectNode full(Account account) {
    ObjectNode body = NODES.objectNode();
    if (account.displayName() != null) {
      body.put("displayname", account.displayName());
    }
    if (account.avatarUrl() != null) {
      body.put("avatar_url", account.avatarUrl());
    }
    return body;
  }
}
