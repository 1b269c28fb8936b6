package dev.switchboard.core.appservice;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The application-service API routes, with the legacy forms older homeservers still use (Synapse before 1.81:
 * unprefixed {@code /transactions}, {@code /users}, {@code /rooms}; {@code /_matrix/app/unstable/thirdparty}).
 */
enum Endpoint {
  TRANSACTION(HttpMethod.PUT, true, "transactions", "{}"),
  USER(HttpMethod.GET, true, "users", "{}"),
  ROOM_ALIAS(HttpMethod.GET, true, "rooms", "{}"),
  THIRDPARTY_PROTOCOL(HttpMethod.GET, false, "thirdparty", "protocol", "{}"),
  THIRDPARTY_LOCATION(HttpMethod.GET, false, "thirdparty", "location", "{}"),
  THIRDPARTY_USER(HttpMethod.GET, false, "thirdparty", "user", "{}"),
  THIRDPARTY_LOCATION_BY_ALIAS(HttpMethod.GET, false, "thirdparty", "location"),
  THIRDPARTY_USER_BY_ID(HttpMethod.GET, false, "thirdparty", "user"),
  PING(HttpMethod.POST, false, "ping");

  private static final String V1 = "/_matrix/app/v1";
  private static final String UNSTABLE = "/_matrix/app/unstable";

  private final HttpMethod method;
  private final boolean legacyUnprefixed;
  private final String[] shape;

  Endpoint(HttpMethod method, boolean legacyUnprefixed, String... shape) {
    this.method = method;
    this.legacyUnprefixed = legacyUnprefixed;
    this.shape = shape;
  }

  HttpMethod method() {
    return method;
  }

  /** A matched route: the endpoint and its path parameter, percent-decoded. */
  record Match(Endpoint endpoint, Optional<String> parameter) {}

  /** Result of routing: a match, a known path with another method, or nothing. */
  sealed interface Routing permits Found, WrongMethod, NotFound {}

  record Found(Match match) implements Routing {}

  record WrongMethod() implements Routing {}

  record NotFound() implements Routing {}

  static Routing route(HttpMethod method, String rawPath) {
    List<String> segments = segments(rawPath);
    if (segments == null) {
      return new NotFound();
    }
    boolean pathKnown = false;
    for (Endpoint e : values()) {
      Optional<Optional<String>> param = e.match(segments);
      if (param.isPresent()) {
        if (e.method.equals(method)) {
          return new Found(new Match(e, param.get()));
        }
        pathKnown = true;
      }
    }
    return pathKnown ? new WrongMethod() : new NotFound();
  }

  /**
   * The path below the API prefix, split on '/' before decoding (so an encoded '/' stays inside its segment), or
   * null when the prefix is not ours.
   */
  private static List<String> segments(String rawPath) {
    String rest;
    String kind;
    if (rawPath.startsWith(V1 + "/")) {
      rest = rawPath.substring(V1.length() + 1);
      kind = "v1";
    } else if (rawPath.startsWith(UNSTABLE + "/thirdparty/")) {
      rest = rawPath.substring(UNSTABLE.length() + 1);
      kind = "unstable";
    } else if (rawPath.startsWith("/") && !rawPath.startsWith("/_matrix/")) {
      rest = rawPath.substring(1);
      kind = "legacy";
    } else {
      return null;
    }
    List<String> out = new ArrayList<>();
    out.add(kind);
    for (String s : rest.split("/", -1)) {
      out.add(QueryStringDecoder.decodeComponent(s));
    }
    return out;
  }

  /** Empty if no match; else the "{}" parameter if the shape has one. */
  private Optional<Optional<String>> match(List<String> segments) {
    String kind = segments.get(0);
    if (kind.equals("legacy") && !legacyUnprefixed) {
      return Optional.empty();
    }
    if (kind.equals("unstable") && !shape[0].equals("thirdparty")) {
      return Optional.empty();
    }
    if (segments.size() - 1 != shape.length) {
      return Optional.empty();
    }
    Optional<String> param = Optional.empty();
    for (int i = 0; i < shape.length; i++) {
      String actual = segments.get(i + 1);
      if (shape[i].equals("{}")) {
        if (actual.isEmpty()) {
          return Optional.empty();
        }
        param = Optional.of(actual);
      } else if (!shape[i].equals(actual)) {
        return Optional.empty();
      }
    }
    return Optional.of(param);
  }
}
