package dev.switchboard.sip.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigSection;
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

  /** The longest duration a setting may have: whole numbers of seconds or milliseconds that fit an int. */
  private static final Duration MAX_SECONDS = Duration.ofSeconds(Integer.MAX_VALUE);
  private static final Duration MAX_MILLIS = Duration.ofMillis(Integer.MAX_VALUE);

  /** Parses and checks a raw {@code sip:} section (tools and tests that hold the tree). */
  public static SipConfig parse(JsonNode sip) {
    return parse(ConfigSection.of(sip, "sip"));
  }

  /** The ghost localpart prefix, {@code user_prefix}: the one place it is read (namespaces derive from it). */
  public static String userPrefix(ConfigSection sip) {
    String prefix = sip.text("user_prefix", "_sip_");
    if (!prefix.matches("[a-z0-9._=\\-/]+")) {
      throw sip.problem("user_prefix", "may only hold a-z 0-9 . _ = - /, got '" + prefix + "'");
    }
    return prefix;
  }

  /** Parses and checks the section; throws {@link ConfigException} naming the first bad key. */
  public static SipConfig parse(ConfigSection sip) {
    ConfigSection listen = sip.section("listen");
    String listenAddress = listen.text("address", "127.0.0.1");
    checkAddress(listenAddress, listen.key("address"));
    // 0: any free port (tests); the stack reports the one it got.
    int listenPort = listen.integer("port", 5060, 0, 65_535);
    List<String> transports = transports(listen);
    Optional<String> contact = listen.optionalText("contact_host");
    if (contact.isEmpty() && isWildcard(listenAddress)) {
      throw listen.problem("contact_host", "is required when " + listen.key("address") + " is " + listenAddress
          + ": phones need an address they can reach us at");
    }
    contact.ifPresent(h -> checkHost(h, listen.key("contact_host")));
    Optional<Trunk> trunk = sip.has("trunk") ? Optional.of(trunk(sip.section("trunk"), transports))
        : Optional.empty();
    Optional<InetSocketAddress> proxy = sip.optionalText("outbound_proxy")
        .map(p -> hostPort(p, sip.key("outbound_proxy"), 5060));
    Optional<String> country = sip.optionalText("default_country_code")
        .map(c -> c.startsWith("+") ? c.substring(1) : c);
    country.ifPresent(c -> {
      if (!c.matches("[1-9][0-9]{0,2}")) {
        throw sip.problem("default_country_code", "must be a country calling code such as 44 or 1, got '" + c
            + "'");
      }
    });
    String prefix = userPrefix(sip);
    ConfigSection r = sip.section("rtpengine");
    InetSocketAddress ng = hostPort(r.text("ng_address", "127.0.0.1:2223"), r.key("ng_address"), -1);
    RtpEngine rtpengine = new RtpEngine(ng, r.millis("timeout_ms", Duration.ofSeconds(1), Duration.ofMillis(1),
        MAX_MILLIS), r.integer("attempts", 3, 1, Integer.MAX_VALUE));
    ConfigSection call = sip.section("call");
    Duration ring = call.seconds("ring_timeout_seconds", Duration.ofSeconds(60), Duration.ofSeconds(1), MAX_SECONDS);
    Duration candidateWait = call.millis("candidate_wait_ms", Duration.ofSeconds(1), Duration.ofMillis(1),
        MAX_MILLIS);
    Limits limits = new Limits(call.integer("max_concurrent_per_user", 4, 1, Integer.MAX_VALUE),
        call.seconds("max_duration_seconds", Duration.ofHours(4), Duration.ofSeconds(1), MAX_SECONDS));
    Inbound inbound = inbound(sip.section("inbound"), new PhoneNumbers(country));
    ConfigSection reg = sip.section("registrar");
    Optional<Registrar> registrar = Optional.empty();
    if (reg.bool("enabled", false)) {
      String realm = reg.text("realm", contact.orElse(listenAddress));
      if (realm.contains("\"") || realm.contains("\\")) {
        throw reg.problem("realm", "may not contain quotes or backslashes");
      }
      registrar = Optional.of(new Registrar(realm,
          reg.seconds("max_expires_seconds", Duration.ofHours(1), Duration.ofSeconds(1), MAX_SECONDS),
          reg.seconds("keepalive_seconds", Duration.ofSeconds(30), Duration.ofSeconds(1), MAX_SECONDS)));
    }
    return new SipConfig(listenAddress, listenPort, transports, contact.orElse(listenAddress), trunk, proxy,
        country, prefix, rtpengine, ring, candidateWait, inbound, registrar, limits,
        DialPlanSettings.parse(sip.section("dial_plan"), country), rateLimits(sip.section("rate_limits")));
  }

  private static Trunk trunk(ConfigSection t, List<String> transports) {
    String host = t.requiredText("host", "the trunk's host name or address when sip.trunk is set");
    checkHost(host, t.key("host"));
    String transport = t.text("transport", "udp").toLowerCase(Locale.ROOT);
    if (!transports.contains(transport)) {
      throw t.problem("transport", "is " + transport + " but sip.listen.transports has only " + transports);
    }
    Optional<String> user = t.optionalText("username");
    Optional<String> password = t.optionalText("password");
    if (user.isPresent() != password.isPresent()) {
      throw new ConfigException(t.key("username") + " and " + t.key("password")
          + " go together (digest auth needs both)");
    }
    String fromUser = t.text("from_user", user.orElse("switchboard"));
    if (!fromUser.matches("[A-Za-z0-9.\\-_!~*'()+]+")) {
      throw t.problem("from_user", "may only hold letters, digits and - _ . ! ~ * ' ( ) +, got '" + fromUser + "'");
    }
    Optional<Register> register = Optional.empty();
    if (t.bool("register", false)) {
      register = Optional.of(new Register(
          t.seconds("register_expires_seconds", Duration.ofHours(1), Duration.ofSeconds(1), MAX_SECONDS),
          t.seconds("register_retry_seconds", Duration.ofSeconds(60), Duration.ofSeconds(1), MAX_SECONDS)));
    }
    return new Trunk(host, t.integer("port", 5060, 0, 65_535), transport, user, password, fromUser, register,
        t.seconds("keepalive_seconds", Duration.ZERO, Duration.ZERO, MAX_SECONDS));
  }

  private static RateLimits rateLimits(ConfigSection r) {
    RateLimits d = RateLimits.defaults();
    return new RateLimits(
        new CallRateLimits.Limit(perMinute(r, "calls_per_user_per_minute", d.calls().perUser()),
            perMinute(r, "calls_per_minute", d.calls().global())),
        new CallRateLimits.Limit(perMinute(r, "texts_per_user_per_minute", d.texts().perUser()),
            perMinute(r, "texts_per_minute", d.texts().global())));
  }

  /** A count per minute, 0 for no limit. */
  private static int perMinute(ConfigSection r, String field, int fallback) {
    return r.integer(field, fallback, 0, Integer.MAX_VALUE);
  }

  private static Inbound inbound(ConfigSection in, PhoneNumbers phoneNumbers) {
    Map<String, UserId> map = new LinkedHashMap<>();
    ConfigSection numbers = in.section("numbers");
    numbers.node().fields().forEachRemaining(e -> {
      String key = numbers.key(e.getKey());
      String number = phoneNumbers.normalise(e.getKey()).map(Dialable.Number::e164).orElseThrow(
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
    return new Inbound(map, in.bool("matrix_ids", true),
        in.millis("lifetime_ms", Duration.ofSeconds(90), Duration.ofMillis(1), MAX_MILLIS));
  }

  private static List<String> transports(ConfigSection listen) {
    if (!listen.has("transports")) {
      return List.of("udp", "tcp");
    }
    List<String> out = new ArrayList<>();
    for (String t : listen.strings("transports")) {
      String name = t.toLowerCase(Locale.ROOT);
      if (!name.equals("udp") && !name.equals("tcp")) {
        throw listen.problem("transports", "holds '" + t + "', which is not supported (udp, tcp)");
      }
      if (!out.contains(name)) {
        out.add(name);
      }
    }
    if (out.isEmpty()) {
      throw listen.problem("transports", "must be a non-empty list of udp and/or tcp");
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
