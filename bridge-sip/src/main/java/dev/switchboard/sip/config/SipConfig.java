package dev.switchboard.sip.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.address.PhoneNumbers;
import dev.switchboard.sip.dialplan.CallRateLimits;
import dev.switchboard.sip.dialplan.DialPlanSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code sip:} config section, validated at start. Every problem names its key.
 *
 * @param listenAddress where the SIP stack binds ({@code listen.address}, default {@code 127.0.0.1})
 * @param listenPort {@code listen.port}, default 5060
 * @param transports {@code listen.transports}, default {@code [udp, tcp]}
 * @param contactHost what peers reach us at, in Via and Contact ({@code listen.contact_host}; defaults to the
 *     listen address, and is required when that is a wildcard)
 * @param trunk where numbers are dialled ({@code trunk.*}); empty when there is none
 * @param outboundProxy every request goes here first ({@code outbound_proxy}, {@code host:port}), optional
 * @param defaultCountryCode {@code default_country_code}, e.g. {@code 44}: national numbers get this
 * @param userPrefix ghost localpart prefix, {@code user_prefix}, default {@code _sip_}
 * @param rtpengine the media relay ({@code rtpengine.*})
 * @param ringTimeout {@code call.ring_timeout_seconds}, default 60: unanswered INVITEs are cancelled after this
 * @param candidateWait {@code call.candidate_wait_ms}, default 1000: how long to gather trickled ICE candidates of
 *     a Matrix offer or answer (until end-of-candidates) before it goes to rtpengine
 * @param inbound calls from phones to Matrix users ({@code inbound.*})
 * @param dialPlan who may call and text what ({@code dial_plan.*}, see {@link DialPlanSettings})
 * @param rateLimits calls and texts per minute ({@code rate_limits.*})
 */
public record SipConfig(
    String listenAddress,
    int listenPort,
    List<String> transports,
    String contactHost,
    Optional<Trunk> trunk,
    Optional<InetSocketAddress> outboundProxy,
    Optional<String> defaultCountryCode,
    String userPrefix,
    RtpEngine rtpengine,
    Duration ringTimeout,
    Duration candidateWait,
    Inbound inbound,
    Optional<Registrar> registrar,
    Limits limits,
    DialPlanSettings dialPlan,
    RateLimits rateLimits) {

  /**
   * Calls and texts a Matrix user may start per minute, and the whole bridge ({@code rate_limits.*}): {@code
   * calls_per_user_per_minute} (5), {@code calls_per_minute} (30), {@code texts_per_user_per_minute} (20), {@code
   * texts_per_minute} (120); 0 turns one off.
   */
  public record RateLimits(CallRateLimits.Limit calls, CallRateLimits.Limit texts) {
    public static RateLimits defaults() {
      return new RateLimits(new CallRateLimits.Limit(5, 30), new CallRateLimits.Limit(20, 120));
    }
  }

  /**
   * Hard limits: {@code call.max_concurrent_per_user} (4) calls at once per Matrix user, both directions counted;
   * {@code call.max_duration_seconds} (14400) from the answer until the bridge hangs up.
   */
  public record Limits(int maxConcurrentPerUser, Duration maxDuration) {}

  /**
   * The bridge as a registrar for Matrix users' desk phones ({@code registrar.enabled: true}): {@code realm} of
   * the digest challenge (default the contact host), {@code max_expires_seconds} (3600) the longest binding granted,
   * {@code keepalive_seconds} (30) how often each registered phone gets an OPTIONS (no answer drops the binding).
   */
  public record Registrar(String realm, Duration maxExpires, Duration keepalive) {}

  /**
   * Calls from phones: {@code inbound.numbers} maps numbers the trunk delivers (E.164, or national with
   * {@code default_country_code}) to Matrix user ids; {@code inbound.matrix_ids} (default true) also lets a caller
   * dial a local Matrix user by the escaped id in the request URI; {@code inbound.lifetime_ms} (default 90000) is
   * how long the Matrix user's client rings.
   */
  public record Inbound(Map<String, UserId> numbers, boolean matrixIds, Duration lifetime) {
    public Inbound {
      numbers = Map.copyOf(numbers);
    }
  }

  /**
   * A trunk or PBX: {@code trunk.host}, {@code trunk.port} (5060), {@code trunk.transport} ({@code udp}),
   * {@code trunk.username} and {@code trunk.password} for digest auth (both or neither), {@code trunk.from_user}
   * (the user part of our From, default the username or {@code switchboard}), {@code trunk.keepalive_seconds} (0:
   * off) how often the trunk gets an OPTIONS.
   */
  public record Trunk(String host, int port, String transport, Optional<String> username,
      Optional<String> password, String fromUser, Optional<Register> register, Duration keepalive) {
    /** The user part of our address of record at the trunk: the digest username, else {@code from_user}. */
    public String accountUser() {
      return username.orElse(fromUser);
    }

    @Override
    public String toString() {
      return "Trunk[" + host + ":" + port + "/" + transport + ", user=" + username.orElse("-")
          + (register.isPresent() ? ", registering" : "") + "]";
    }
  }

  /**
   * Registering at the trunk ({@code trunk.register: true}): {@code trunk.register_expires_seconds} (3600) is the
   * lifetime asked for (the registrar may grant less); {@code trunk.register_retry_seconds} (60) is the wait after a
   * failed attempt.
   */
  public record Register(Duration expires, Duration retry) {}

  /** {@code rtpengine.ng_address} ({@code 127.0.0.1:2223}), {@code timeout_ms} (1000), {@code attempts} (3). */
  public record RtpEngine(InetSocketAddress ngAddress, Duration timeout, int attempts) {}

  /** Parses and checks the section; throws {@link ConfigException} naming the first bad key. */
  public static SipConfig parse(JsonNode sip) {
    JsonNode listen = sip.path("listen");
    String listenAddress = text(listen, "address", "sip.listen.address").orElse("127.0.0.1");
    checkAddress(listenAddress, "sip.listen.address");
    int listenPort = port(listen, "port", "sip.listen.port", 5060);
    List<String> transports = transports(listen.path("transports"));
    Optional<String> contact = text(listen, "contact_host", "sip.listen.contact_host");
    if (contact.isEmpty() && isWildcard(listenAddress)) {
      throw new ConfigException("sip.listen.contact_host is required when sip.listen.address is " + listenAddress
          + ": phones need an address they can reach us at");
    }
    contact.ifPresent(h -> checkHost(h, "sip.listen.contact_host"));

    Optional<Trunk> trunk = Optional.empty();
    JsonNode t = sip.path("trunk");
    if (!t.isMissingNode() && !t.isNull()) {
      String host = text(t, "host", "sip.trunk.host")
          .orElseThrow(() -> new ConfigException("sip.trunk.host is required when sip.trunk is set"));
      checkHost(host, "sip.trunk.host");
      String transport = text(t, "transport", "sip.trunk.transport").orElse("udp").toLowerCase(Locale.ROOT);
      if (!transports.contains(transport)) {
        throw new ConfigException("sip.trunk.transport is " + transport + " but sip.listen.transports has only "
            + transports);
      }
      Optional<String> user = text(t, "username", "sip.trunk.username");
      Optional<String> password = text(t, "password", "sip.trunk.password");
      if (user.isPresent() != password.isPresent()) {
        throw new ConfigException("sip.trunk.username and sip.trunk.password go together (digest auth needs both)");
      }
      String fromUser = text(t, "from_user", "sip.trunk.from_user").orElse(user.orElse("switchboard"));
      checkToken(fromUser, "sip.trunk.from_user");
      Optional<Register> register = Optional.empty();
      if (bool(t, "register", "sip.trunk.register", false)) {
        register = Optional.of(new Register(
            Duration.ofSeconds(positiveInt(t, "register_expires_seconds", "sip.trunk.register_expires_seconds", 3600)),
            Duration.ofSeconds(positiveInt(t, "register_retry_seconds", "sip.trunk.register_retry_seconds", 60))));
      }
      trunk = Optional.of(new Trunk(host, port(t, "port", "sip.trunk.port", 5060), transport, user, password,
          fromUser, register, Duration.ofSeconds(nonNegativeInt(t, "keepalive_seconds", "sip.trunk.keepalive_seconds",
          0))));
    }

    Optional<InetSocketAddress> proxy = text(sip, "outbound_proxy", "sip.outbound_proxy")
        .map(p -> hostPort(p, "sip.outbound_proxy", 5060));

    Optional<String> country = text(sip, "default_country_code", "sip.default_country_code")
        .or(() -> sip.path("default_country_code").isInt()
            ? Optional.of(sip.path("default_country_code").asText()) : Optional.empty())
        .map(c -> c.startsWith("+") ? c.substring(1) : c);
    country.ifPresent(c -> {
      if (!c.matches("[1-9][0-9]{0,2}")) {
        throw new ConfigException("sip.default_country_code must be a country calling code such as 44 or 1, got '"
            + c + "'");
      }
    });

    String prefix = text(sip, "user_prefix", "sip.user_prefix").orElse("_sip_");
    if (!prefix.matches("[a-z0-9._=\\-/]+")) {
      throw new ConfigException("sip.user_prefix may only hold a-z 0-9 . _ = - /, got '" + prefix + "'");
    }

    JsonNode r = sip.path("rtpengine");
    InetSocketAddress ng = hostPort(text(r, "ng_address", "sip.rtpengine.ng_address").orElse("127.0.0.1:2223"),
        "sip.rtpengine.ng_address", -1);
    int timeoutMs = positiveInt(r, "timeout_ms", "sip.rtpengine.timeout_ms", 1000);
    int attempts = positiveInt(r, "attempts", "sip.rtpengine.attempts", 3);
    int ring = positiveInt(sip.path("call"), "ring_timeout_seconds", "sip.call.ring_timeout_seconds", 60);
    int candidateWait = positiveInt(sip.path("call"), "candidate_wait_ms", "sip.call.candidate_wait_ms", 1000);

    Inbound inbound = inbound(sip.path("inbound"), new PhoneNumbers(country));

    Optional<Registrar> registrar = Optional.empty();
    JsonNode reg = sip.path("registrar");
    if (bool(reg, "enabled", "sip.registrar.enabled", false)) {
      String realm = text(reg, "realm", "sip.registrar.realm").orElse(contact.orElse(listenAddress));
      if (realm.contains("\"") || realm.contains("\\")) {
        throw new ConfigException("sip.registrar.realm may not contain quotes or backslashes");
      }
      registrar = Optional.of(new Registrar(realm, Duration.ofSeconds(
          positiveInt(reg, "max_expires_seconds", "sip.registrar.max_expires_seconds", 3600)),
          Duration.ofSeconds(positiveInt(reg, "keepalive_seconds", "sip.registrar.keepalive_seconds", 30))));
    }

    return new SipConfig(listenAddress, listenPort, transports, contact.orElse(listenAddress), trunk, proxy,
        country, prefix, new RtpEngine(ng, Duration.ofMillis(timeoutMs), attempts), Duration.ofSeconds(ring),
        Duration.ofMillis(candidateWait), inbound, registrar, new Limits(
            positiveInt(sip.path("call"), "max_concurrent_per_user", "sip.call.max_concurrent_per_user", 4),
            Duration.ofSeconds(positiveInt(sip.path("call"), "max_duration_seconds", "sip.call.max_duration_seconds",
                14_400))), DialPlanSettings.parse(sip.path("dial_plan"), country), rateLimits(sip.path("rate_limits")));
  }

  private static RateLimits rateLimits(JsonNode r) {
    RateLimits d = RateLimits.defaults();
    if (!r.isMissingNode() && !r.isNull() && !r.isObject()) {
      throw new ConfigException("sip.rate_limits must be a mapping");
    }
    return new RateLimits(
        new CallRateLimits.Limit(perMinute(r, "calls_per_user_per_minute", d.calls().perUser()),
            perMinute(r, "calls_per_minute", d.calls().global())),
        new CallRateLimits.Limit(perMinute(r, "texts_per_user_per_minute", d.texts().perUser()),
            perMinute(r, "texts_per_minute", d.texts().global())));
  }

  private static int perMinute(JsonNode node, String field, int fallback) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || v.asInt() < 0) {
      throw new ConfigException("sip.rate_limits." + field + " must be a whole number per minute (0 for no limit),"
          + " got " + v);
    }
    return v.asInt();
  }

  private static Inbound inbound(JsonNode in, PhoneNumbers numbers) {
    Map<String, UserId> map = new LinkedHashMap<>();
    JsonNode n = in.path("numbers");
    if (!n.isMissingNode() && !n.isNull()) {
      if (!n.isObject()) {
        throw new ConfigException("sip.inbound.numbers must map numbers to Matrix user ids");
      }
      n.fields().forEachRemaining(e -> {
        String key = "sip.inbound.numbers." + e.getKey();
        String number = numbers.normalise(e.getKey()).map(Dialable.Number::e164).orElseThrow(
            () -> new ConfigException(key + ": not a number in E.164 (+4420...) or, with default_country_code,"
                + " national form"));
        if (!e.getValue().isTextual()) {
          throw new ConfigException(key + " must be a Matrix user id such as @alice:example.org");
        }
        try {
          map.put(number, UserId.of(e.getValue().asText()));
        } catch (IllegalArgumentException bad) {
          throw new ConfigException(key + " must be a Matrix user id such as @alice:example.org, got '"
              + e.getValue().asText() + "'");
        }
      });
    }
    JsonNode ids = in.path("matrix_ids");
    if (!ids.isMissingNode() && !ids.isNull() && !ids.isBoolean()) {
      throw new ConfigException("sip.inbound.matrix_ids must be true or false");
    }
    int lifetime = positiveInt(in, "lifetime_ms", "sip.inbound.lifetime_ms", 90_000);
    return new Inbound(map, ids.asBoolean(true), Duration.ofMillis(lifetime));
  }

  private static Optional<String> text(JsonNode node, String field, String key) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      if (v.isNumber()) {
        return Optional.empty();
      }
      throw new ConfigException(key + " must be a non-empty string");
    }
    return Optional.of(v.asText().strip());
  }

  private static boolean bool(JsonNode node, String field, String key, boolean fallback) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw new ConfigException(key + " must be true or false, got " + v);
    }
    return v.asBoolean();
  }

  private static int port(JsonNode node, String field, String key, int fallback) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > 65535) {
      throw new ConfigException(key + " must be a port number (0-65535), got " + v);
    }
    return v.asInt();
  }

  private static int nonNegativeInt(JsonNode node, String field, String key, int fallback) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || v.asInt() < 0) {
      throw new ConfigException(key + " must be a whole number of seconds (0 for off), got " + v);
    }
    return v.asInt();
  }

  private static int positiveInt(JsonNode node, String field, String key, int fallback) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || v.asInt() < 1) {
      throw new ConfigException(key + " must be a positive whole number, got " + v);
    }
    return v.asInt();
  }

  private static List<String> transports(JsonNode v) {
    if (v.isMissingNode() || v.isNull()) {
      return List.of("udp", "tcp");
    }
    if (!v.isArray() || v.isEmpty()) {
      throw new ConfigException("sip.listen.transports must be a non-empty list of udp and/or tcp");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode t : v) {
      String name = t.asText().toLowerCase(Locale.ROOT);
      if (!name.equals("udp") && !name.equals("tcp")) {
        throw new ConfigException("sip.listen.transports: '" + t.asText() + "' is not supported (udp, tcp)");
      }
      if (!out.contains(name)) {
        out.add(name);
      }
    }
    return List.copyOf(out);
  }

  private static InetSocketAddress hostPort(String value, String key, int defaultPort) {
    int colon = value.lastIndexOf(':');
    String host = colon < 0 ? value : value.substring(0, colon);
    int port = defaultPort;
    if (colon >= 0) {
      try {
        port = Integer.parseInt(value.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (port < 1 || port > 65535) {
      throw new ConfigException(key + " must be host:port, got '" + value + "'");
    }
    checkHost(host, key);
    return InetSocketAddress.createUnresolved(host, port);
  }

  private static void checkHost(String host, String key) {
    if (!host.matches("[A-Za-z0-9.\\-]+")) {
      throw new ConfigException(key + " must be a host name or IPv4 address, got '" + host + "'");
    }
  }

  private static void checkToken(String value, String key) {
    if (!value.matches("[A-Za-z0-9.\\-_!~*'()+]+")) {
      throw new ConfigException(key + " may only hold letters, digits and - _ . ! ~ * ' ( ) +, got '" + value + "'");
    }
  }

  private static void checkAddress(String address, String key) {
    checkHost(address, key);
    try {
      InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      throw new ConfigException(key + " does not resolve: '" + address + "'");
    }
  }

  private static boolean isWildcard(String address) {
    return address.equals("0.0.0.0") || address.equals("::");
  }

  @Override
  public String toString() {
    return "SipConfig[listen=" + listenAddress + ":" + listenPort + " " + transports + ", contact=" + contactHost
        + ", trunk=" + trunk + ", proxy=" + outboundProxy + ", rtpengine=" + rtpengine.ngAddress() + "]";
  }
}
