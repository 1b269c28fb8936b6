package dev.switchboard.sip.registration;

import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.sip.signalling.SipSignalling;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.TimeoutEvent;
import javax.sip.address.Address;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.MinExpiresHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's registration at its trunk or PBX (RFC 3261 section 10): REGISTER with our Contact, answer one digest
 * challenge per attempt, refresh before the granted lifetime runs out, retry after failures, and REGISTER with
 * {@code Expires: 0} to leave. One Call-ID for the whole run, CSeq rising (RFC 3261 10.2.4). Thread-safe: SIP
 * events, timers and admin commands all come through synchronized methods that never block.
 */
public final class TrunkRegistration {
  private static final Logger log = LoggerFactory.getLogger(TrunkRegistration.class);
  /** Refresh this long before expiry when the lifetime allows; shorter lifetimes refresh at half-time. */
  private static final long REFRESH_MARGIN_SECONDS = 32;

  /** Where the registration stands. */
  public enum State { UNREGISTERED, REGISTERING, REGISTERED, UNREGISTERING, FAILED }

  private final SipSignalling sip;
  private final SipConfig.Trunk trunk;
  private final SipConfig.Register settings;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final String callId;
  private final String fromTag;

  private long cseq;
  private State state = State.UNREGISTERED;
  private boolean wanted;
  private ClientTransaction pending;
  private boolean challenged;
  private boolean intervalRaised;
  private long asked;
  private CompletableFuture<String> outcome = CompletableFuture.completedFuture("");
  private Instant expiresAt;
  private String problem = "";
  private ScheduledFuture<?> timer;

  public TrunkRegistration(SipSignalling sip, SipConfig.Trunk trunk, SipConfig.Register settings,
      ScheduledExecutorService scheduler, Clock clock, RandomGenerator random) {
    this.sip = sip;
    this.trunk = trunk;
    this.settings = settings;
    this.scheduler = scheduler;
    this.clock = clock;
    this.callId = sip.newCallId().getCallId();
    this.fromTag = Long.toHexString(random.nextLong());
  }

  /** Registers (or refreshes now); the future tells how it went, in words for an admin. */
  public synchronized CompletableFuture<String> register() {
    wanted = true;
    return send(settings.expires().toSeconds());
  }

  /** Removes our binding ({@code Expires: 0}) and stops refreshing. */
  public synchronized CompletableFuture<String> unregister() {
    wanted = false;
    cancelTimer();
    if (state == State.UNREGISTERED && pending == null) {
      return CompletableFuture.completedFuture("Not registered at " + where() + ".");
    }
    return send(0);
  }

  public synchronized State state() {
    return state;
  }

  /** One line for {@code !sip status}. */
  public synchronized String status() {
    String text = switch (state) {
      case REGISTERED -> "Registered at " + where() + " as " + trunk.accountUser() + ", expires in "
          + Math.max(0, Duration.between(clock.instant(), expiresAt).toSeconds()) + " s.";
      case REGISTERING -> "Registering at " + where() + "...";
      case UNREGISTERING -> "Unregistering from " + where() + "...";
      case FAILED -> "Not registered at " + where() + ": " + problem
          + (wanted ? " (trying again in at most " + settings.retry().toSeconds() + " s)." : ".");
      case UNREGISTERED -> "Not registered at " + where() + ".";
    };
    return text;
  }

  private String where() {
    return trunk.host() + ":" + trunk.port();
  }

  private CompletableFuture<String> send(long expires) {
    cancelTimer();
    challenged = false;
    intervalRaised = false;
    outcome.complete("Superseded by a newer request.");
    outcome = new CompletableFuture<>();
    asked = expires;
    state = expires == 0 ? State.UNREGISTERING : State.REGISTERING;
    try {
      Request request = build(expires);
      pending = sip.provider().getNewClientTransaction(request);
      pending.sendRequest();
      log.debug("REGISTER to {} (expires {}, CSeq {})", where(), expires, cseq);
    } catch (Exception e) {
      failed("could not send REGISTER: " + e.getMessage());
    }
    return outcome;
  }

  private Request build(long expires) throws Exception {
    var addresses = sip.addresses();
    var headers = sip.headers();
    SipURI registrar = addresses.createSipURI(null, trunk.host());
    registrar.setPort(trunk.port());
    if (!trunk.transport().equals("udp")) {
      registrar.setTransportParam(trunk.transport());
    }
    SipURI aor = addresses.createSipURI(trunk.accountUser(), trunk.host());
    Address record = addresses.createAddress(aor);
    Request request = sip.messages().createRequest(registrar, Request.REGISTER,
        headers.createCallIdHeader(callId), headers.createCSeqHeader(++cseq, Request.REGISTER),
        headers.createFromHeader(record, fromTag), headers.createToHeader(record, null),
        List.of(sip.via(trunk.transport())), headers.createMaxForwardsHeader(70));
    request.addHeader(sip.contact(trunk.accountUser(), trunk.transport()));
    request.addHeader(headers.createExpiresHeader((int) expires));
    sip.stamp(request);
    return request;
  }

  /** A response to one of our REGISTERs. */
  public synchronized void onResponse(ResponseEvent event) {
    if (event.getClientTransaction() == null || event.getClientTransaction() != pending) {
      return; // an answer to a request we replaced
    }
    Response r = event.getResponse();
    int status = r.getStatusCode();
    if (status < 200) {
      return;
    }
    if ((status == 401 || status == 407) && !challenged) {
      challenged = true;
      try {
        pending = sip.answerChallenge(r, pending);
        cseq = ((CSeqHeader) pending.getRequest().getHeader(CSeqHeader.NAME)).getSeqNumber();
      } catch (Exception e) {
        failed("challenged (" + status + "), and could not answer: " + e.getMessage());
      }
      return;
    }
    if (status == Response.INTERVAL_TOO_BRIEF && !intervalRaised && asked > 0
        && r.getHeader(MinExpiresHeader.NAME) instanceof MinExpiresHeader min) {
      // RFC 3261 10.2.8: ask again with at least the registrar's minimum.
      intervalRaised = true;
      challenged = false;
      asked = Math.max(asked, min.getExpires());
      try {
        pending = sip.provider().getNewClientTransaction(build(asked));
        pending.sendRequest();
      } catch (Exception e) {
        failed("could not send REGISTER: " + e.getMessage());
      }
      return;
    }
    pending = null;
    if (status >= 300) {
      failed(status + " " + r.getReasonPhrase() + (challenged && (status == 401 || status == 407 || status == 403)
          ? " (check sip.trunk.username and sip.trunk.password)" : ""));
      return;
    }
    if (asked == 0) {
      state = State.UNREGISTERED;
      expiresAt = null;
      log.info("Unregistered from {}", where());
      outcome.complete("Unregistered from " + where() + ".");
      return;
    }
    long granted = granted(r);
    state = State.REGISTERED;
    problem = "";
    expiresAt = clock.instant().plusSeconds(granted);
    long refresh = granted > 2 * REFRESH_MARGIN_SECONDS ? granted - REFRESH_MARGIN_SECONDS : Math.max(1, granted / 2);
    timer = scheduler.schedule(this::refresh, refresh, TimeUnit.SECONDS);
    log.info("Registered at {} as {} for {} s (refresh in {} s)", where(), trunk.accountUser(), granted, refresh);
    outcome.complete("Registered at " + where() + " as " + trunk.accountUser() + " for " + granted + " s.");
  }

  /**
   * The lifetime the registrar granted: our Contact's {@code expires} parameter, else the {@code Expires} header,
   * else what we asked for (RFC 3261 10.2.4).
   */
  private long granted(Response r) {
    var contacts = r.getHeaders(ContactHeader.NAME);
    while (contacts.hasNext()) {
      ContactHeader c = (ContactHeader) contacts.next();
      if (c.getAddress().getURI() instanceof SipURI uri && trunk.accountUser().equals(uri.getUser())
          && sip.config().contactHost().equalsIgnoreCase(uri.getHost()) && c.getExpires() > 0) {
        return c.getExpires();
      }
    }
    if (r.getHeader(ExpiresHeader.NAME) instanceof ExpiresHeader e && e.getExpires() > 0) {
      return e.getExpires();
    }
    return asked;
  }

  private synchronized void refresh() {
    if (wanted && state == State.REGISTERED) {
      send(settings.expires().toSeconds());
    }
  }

  /** Our REGISTER got no answer at all. */
  public synchronized void onTimeout(TimeoutEvent event) {
    if (event.getClientTransaction() != null && event.getClientTransaction() == pending) {
      pending = null;
      failed("no answer from the registrar");
    }
  }

  /** Whether a SIP message (by its Call-ID) belongs to this registration. */
  public boolean owns(CallIdHeader header) {
    return header != null && callId.equals(header.getCallId());
  }

  private void failed(String why) {
    pending = null;
    problem = why;
    boolean leaving = asked == 0;
    state = leaving ? State.UNREGISTERED : State.FAILED;
    log.warn("{} at {} failed: {}", leaving ? "Unregistering" : "Registering", where(), why);
    outcome.complete((leaving ? "Unregistering" : "Registration") + " at " + where() + " failed: " + why + ".");
    if (wanted) {
      timer = scheduler.schedule(this::retry, settings.retry().toSeconds(), TimeUnit.SECONDS);
    }
  }

  private synchronized void retry() {
    if (wanted && state == State.FAILED) {
      send(settings.expires().toSeconds());
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** Stops timers; call {@link #unregister()} first to leave cleanly. */
  public synchronized void close() {
    wanted = false;
    cancelTimer();
  }
}
