package dev.switchboard.sip.deskphone;

import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.LoginStore;
import dev.switchboard.core.store.Secret;
import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.sip.signalling.SipSignalling;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.TimeoutEvent;
import javax.sip.header.CallIdHeader;
import javax.sip.ServerTransaction;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge as a registrar (RFC 3261 section 10.3) for Matrix users' desk phones: a phone registers with the
 * username and password an admin set for its Matrix user ({@code !sip phone}), stored encrypted in core's login
 * store; the bridge then rings that phone, beside the user's Matrix clients, for the user's incoming calls. Digest
 * (RFC 2617, MD5, {@code qop=auth}) with nonces that expire; one binding per user, the newest wins.
 */
public final class DeskPhones {
  private static final Logger log = LoggerFactory.getLogger(DeskPhones.class);
  /** Login store network of desk phone credentials: {@code remote_id} is the phone's username. */
  public static final String NETWORK = "deskphone";
  private static final String PROTOCOL = "sip";
  private static final Duration NONCE_LIFETIME = Duration.ofMinutes(5);
  private static final long MIN_EXPIRES_SECONDS = 60;

  /** Where a user's desk phone is, until {@code expires}. */
  public record Binding(UserId user, String username, SipURI contact, Instant expires) {}

  private final SipSignalling sip;
  private final SipConfig.Registrar settings;
  private final LoginStore logins;
  private final Clock clock;
  private final RandomGenerator random;
  private final Map<String, Instant> nonces = new ConcurrentHashMap<>();
  private final Map<UserId, Binding> bindings = new ConcurrentHashMap<>();
  /** Keepalive OPTIONS awaiting an answer, by Call-ID. */
  private final Map<String, Binding> keepalives = new ConcurrentHashMap<>();

  public DeskPhones(SipSignalling sip, SipConfig.Registrar settings, LoginStore logins, Clock clock,
      RandomGenerator random) {
    this.sip = sip;
    this.settings = settings;
    this.logins = logins;
    this.clock = clock;
    this.random = random;
  }

  /** Sets (or replaces) the desk phone credentials of {@code user}; the username must not belong to another. */
  public void setCredentials(UserId user, String username, Secret password) {
    if (!username.matches("[A-Za-z0-9._\\-+]{1,64}")) {
      throw new IllegalArgumentException("A desk phone username may hold letters, digits and . _ - + (at most 64).");
    }
    Optional<LoginStore.Login> taken = loginOf(username);
    if (taken.isPresent() && !taken.get().key().userId().equals(user)) {
      throw new IllegalArgumentException("The desk phone username " + username + " belongs to another user.");
    }
    logins.save(new LoginStore.LoginKey(user, PROTOCOL, NETWORK), username, null, password);
    bindings.remove(user); // registered under the old credentials
  }

  /** Forgets the user's credentials and binding; false when there were none. */
  public boolean removeCredentials(UserId user) {
    bindings.remove(user);
    return logins.delete(new LoginStore.LoginKey(user, PROTOCOL, NETWORK));
  }

  /** The user's desk phone, if registered and not expired. */
  public Optional<Binding> bindingOf(UserId user) {
    Binding b = bindings.get(user);
    if (b == null || !b.expires().isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(b);
  }

  /** One line for an admin: whether the user has credentials and a registered phone. */
  public String statusOf(UserId user) {
    Optional<LoginStore.Login> login = logins.find(new LoginStore.LoginKey(user, PROTOCOL, NETWORK));
    if (login.isEmpty()) {
      return user + " has no desk phone.";
    }
    return bindingOf(user).map(b -> user + "'s desk phone (" + b.username() + ") is registered at " + b.contact()
        + " for " + Duration.between(clock.instant(), b.expires()).toSeconds() + " s.")
        .orElse(user + "'s desk phone (" + login.get().remoteId().orElse("?") + ") is not registered.");
  }

  private Optional<LoginStore.Login> loginOf(String username) {
    return logins.loginsOn(PROTOCOL, NETWORK).stream()
        .filter(l -> l.remoteId().filter(username::equals).isPresent()).findFirst();
  }

  /** A REGISTER to the bridge. Runs JDBC: call it on a blocking thread. */
  public void onRegister(RequestEvent event) {
    sip.serverTransaction(event).ifPresent(tx -> register(tx, event.getRequest()));
  }

  private void register(ServerTransaction tx, Request request) {
    AuthorizationHeader auth = (AuthorizationHeader) request.getHeader(AuthorizationHeader.NAME);
    if (auth == null) {
      challenge(tx, request, false);
      return;
    }
    String username = auth.getUsername();
    Optional<LoginStore.Login> login = username == null ? Optional.empty() : loginOf(username);
    Instant issued = auth.getNonce() == null ? null : nonces.get(auth.getNonce());
    boolean fresh = issued != null && issued.plus(NONCE_LIFETIME).isAfter(clock.instant());
    if (login.isEmpty() || login.get().secret().isEmpty() || !settings.realm().equals(auth.getRealm())) {
      log.info("REGISTER from unknown desk phone user '{}' refused", username);
      respond(tx, request, Response.FORBIDDEN, null);
      return;
    }
    if (!fresh) {
      challenge(tx, request, issued != null);
      return;
    }
    if (!Digest.matches(auth, request.getMethod(), login.get().secret().get().value())) {
      log.info("REGISTER from desk phone user '{}' with a wrong password refused", username);
      respond(tx, request, Response.FORBIDDEN, null);
      return;
    }
    // The address of record must be the credentials' own: one user cannot bind another's phone.
    if (!(((ToHeader) request.getHeader(ToHeader.NAME)).getAddress().getURI() instanceof SipURI to)
        || !username.equals(to.getUser())) {
      respond(tx, request, Response.FORBIDDEN, null);
      return;
    }
    UserId user = login.get().key().userId();
    ContactHeader contact = (ContactHeader) request.getHeader(ContactHeader.NAME);
    long expires = requestedExpires(request, contact);
    if (contact == null || expires == 0 || contact.getAddress().isWildcard()) {
      if (contact != null) {
        bindings.remove(user);
        log.info("Desk phone of {} unregistered", user);
      }
      respond(tx, request, Response.OK, null);
      return;
    }
    if (expires < MIN_EXPIRES_SECONDS) {
      try {
        Response r = sip.messages().createResponse(Response.INTERVAL_TOO_BRIEF, request);
        r.addHeader(sip.headers().createMinExpiresHeader((int) MIN_EXPIRES_SECONDS));
        sip.stamp(r);
        tx.sendResponse(r);
      } catch (Exception e) {
        log.warn("Could not answer a REGISTER with 423: {}", e.toString());
      }
      return;
    }
    if (!(contact.getAddress().getURI() instanceof SipURI where)) {
      respond(tx, request, Response.BAD_REQUEST, null);
      return;
    }
    long granted = Math.min(expires, settings.maxExpires().toSeconds());
    bindings.put(user, new Binding(user, username, (SipURI) where.clone(), clock.instant().plusSeconds(granted)));
    log.info("Desk phone of {} registered at {} for {} s", user, where, granted);
    try {
      ContactHeader bound = (ContactHeader) contact.clone();
      bound.setExpires((int) granted);
      respond(tx, request, Response.OK, bound);
    } catch (Exception e) {
      log.warn("Could not answer a REGISTER: {}", e.toString());
    }
  }

  private static long requestedExpires(Request request, ContactHeader contact) {
    if (contact != null && contact.getExpires() >= 0) {
      return contact.getExpires();
    }
    ExpiresHeader e = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
    return e != null ? e.getExpires() : 3600;
  }

  private void challenge(ServerTransaction tx, Request request, boolean stale) {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    String nonce = HexFormat.of().formatHex(bytes);
    Instant now = clock.instant();
    nonces.values().removeIf(issued -> issued.plus(NONCE_LIFETIME).isBefore(now));
    nonces.put(nonce, now);
    sip.respond(tx, request, Response.UNAUTHORIZED, r -> {
      WWWAuthenticateHeader h = sip.headers().createWWWAuthenticateHeader("Digest");
      h.setRealm(settings.realm());
      h.setNonce(nonce);
      h.setAlgorithm("MD5");
      h.setQop("auth");
      if (stale) {
        h.setStale(true);
      }
      r.addHeader(h);
    });
  }

  private void respond(ServerTransaction tx, Request request, int status, ContactHeader contact) {
    sip.respond(tx, request, status, r -> {
      if (contact != null) {
        r.addHeader(contact);
      }
    });
  }

  /** Digest response checking (RFC 2617 3.2.2). */
  static final class Digest {
    private Digest() {}

    static boolean matches(AuthorizationHeader auth, String method, String password) {
      if (auth.getAlgorithm() != null && !auth.getAlgorithm().equalsIgnoreCase("MD5")) {
        return false;
      }
      String uri = auth.getURI() == null ? "" : auth.getURI().toString();
      String ha1 = md5(auth.getUsername() + ":" + auth.getRealm() + ":" + password);
      String ha2 = md5(method + ":" + uri);
      String expected;
      String qop = auth.getQop();
      if (qop == null || qop.isEmpty()) {
        expected = md5(ha1 + ":" + auth.getNonce() + ":" + ha2);
      } else if (qop.equalsIgnoreCase("auth") && auth.getCNonce() != null) {
        String nc = String.format("%08x", auth.getNonceCount());
        expected = md5(ha1 + ":" + auth.getNonce() + ":" + nc + ":" + auth.getCNonce() + ":" + qop + ":" + ha2);
      } else {
        return false;
      }
      String given = auth.getResponse() == null ? "" : auth.getResponse().toLowerCase(java.util.Locale.ROOT);
      return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
          given.getBytes(StandardCharsets.US_ASCII));
    }

    private static String md5(String s) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("MD5 is part of every Java runtime", e);
      }
    }
  }

  // ---- OPTIONS keepalive

  /** Sends every registered phone an OPTIONS each {@code registrar.keepalive_seconds}; returns the timer. */
  public ScheduledFuture<?> startKeepalive(ScheduledExecutorService scheduler) {
    long every = settings.keepalive().toMillis();
    return scheduler.scheduleWithFixedDelay(this::pingAll, every, every, TimeUnit.MILLISECONDS);
  }

  private void pingAll() {
    for (Binding b : bindings()) {
      try {
        var a = sip.addresses();
        var h = sip.headers();
        SipURI target = (SipURI) b.contact().clone();
        String transport = target.getTransportParam() == null ? sip.defaultTransport()
            : target.getTransportParam().toLowerCase(java.util.Locale.ROOT);
        SipURI us = a.createSipURI("switchboard", sip.config().contactHost());
        Request options = sip.messages().createRequest(target, Request.OPTIONS, sip.newCallId(),
            h.createCSeqHeader(1L, Request.OPTIONS),
            h.createFromHeader(a.createAddress(us), Long.toHexString(random.nextLong())),
            h.createToHeader(a.createAddress(a.createSipURI(b.username(), sip.config().contactHost())), null),
            List.of(sip.via(transport)), h.createMaxForwardsHeader(70));
        sip.stamp(options);
        String callId = ((CallIdHeader) options.getHeader(CallIdHeader.NAME)).getCallId();
        keepalives.put(callId, b);
        sip.send(options);
      } catch (Exception e) {
        log.warn("Could not send a keepalive to the desk phone of {}: {}", b.user(), e.toString());
      }
    }
  }

  /** Whether a response or timeout belongs to one of our keepalives. */
  public boolean ownsKeepalive(CallIdHeader callId) {
    return callId != null && keepalives.containsKey(callId.getCallId());
  }

  /** Any answer, even 405 or 501, means the phone is there. */
  public void onKeepaliveResponse(ResponseEvent event) {
    if (event.getResponse().getStatusCode() >= 200) {
      keepalives.remove(((CallIdHeader) event.getResponse().getHeader(CallIdHeader.NAME)).getCallId());
    }
  }

  /** No answer: the phone is gone (unplugged, or its address changed); its binding goes until it registers again. */
  public void onKeepaliveTimeout(TimeoutEvent event) {
    Binding b = keepalives.remove(((CallIdHeader) event.getClientTransaction().getRequest()
        .getHeader(CallIdHeader.NAME)).getCallId());
    if (b != null && bindings.remove(b.user(), b)) {
      log.info("The desk phone of {} at {} does not answer keepalives: unregistered", b.user(), b.contact());
    }
  }

  /** Every current binding, for keepalives and status. */
  public List<Binding> bindings() {
    Instant now = clock.instant();
    return bindings.values().stream().filter(b -> b.expires().isAfter(now)).toList();
  }
}
