package dev.switchboard.sip.registration;

import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.sip.signalling.SipSignalling;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import javax.sip.ResponseEvent;
import javax.sip.TimeoutEvent;
import javax.sip.address.Address;
import javax.sip.address.SipURI;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code OPTIONS} to the trunk every {@code trunk.keepalive_seconds} (RFC 3261 section 11): keeps NAT bindings toward
 * the trunk open and tells whether the trunk is reachable. Any final response counts as reachable (a trunk that
 * challenges or refuses {@code OPTIONS} still answers); no answer in the transaction's time (32 s on UDP) or a
 * failure to send counts as unreachable. A change either way is logged once. Thread-safe.
 */
public final class TrunkKeepalive {
  private static final Logger log = LoggerFactory.getLogger(TrunkKeepalive.class);

  private final SipSignalling sip;
  private final SipConfig.Trunk trunk;
  private final Clock clock;
  private final RandomGenerator random;
  /** Call-IDs of our OPTIONS awaiting an answer, with when they were sent. */
  private final Map<String, Instant> pending = new ConcurrentHashMap<>();

  private Boolean reachable; // null until the first outcome
  private Instant since;
  private String last = "";
  private ScheduledFuture<?> timer;

  public TrunkKeepalive(SipSignalling sip, SipConfig.Trunk trunk, Clock clock, RandomGenerator random) {
    this.sip = sip;
    this.trunk = trunk;
    this.clock = clock;
    this.random = random;
  }

  /** Sends the first OPTIONS now and then every {@code every}. */
  public synchronized void start(ScheduledExecutorService scheduler, Duration every) {
    timer = scheduler.scheduleWithFixedDelay(this::ping, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  public synchronized void stop() {
    if (timer != null) {
      timer.cancel(false);
    }
  }

  private void ping() {
    String callId = null;
    try {
      var a = sip.addresses();
      var h = sip.headers();
      SipURI target = a.createSipURI(null, trunk.host());
      target.setPort(trunk.port());
      if (!trunk.transport().equals("udp")) {
        target.setTransportParam(trunk.transport());
      }
      Address us = a.createAddress(a.createSipURI(trunk.fromUser(), trunk.host()));
      CallIdHeader id = sip.newCallId();
      callId = id.getCallId();
      Request options = sip.messages().createRequest(target, Request.OPTIONS, id,
          h.createCSeqHeader(1L, Request.OPTIONS), h.createFromHeader(us, Long.toHexString(random.nextLong())),
          h.createToHeader(a.createAddress(target), null), List.of(sip.via(trunk.transport())),
          h.createMaxForwardsHeader(70));
      options.addHeader(h.createAcceptHeader("application", "sdp"));
      sip.stamp(options);
      pending.put(callId, clock.instant());
      sip.send(options);
    } catch (Exception e) {
      if (callId != null) {
        pending.remove(callId);
      }
      outcome(false, "could not send OPTIONS: " + e.getMessage());
    }
  }

  /** Whether a response or timeout is for one of our OPTIONS. */
  public boolean owns(CallIdHeader callId) {
    return callId != null && pending.containsKey(callId.getCallId());
  }

  public void onResponse(ResponseEvent event) {
    var r = event.getResponse();
    if (r.getStatusCode() < 200) {
      return;
    }
    pending.remove(((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId());
    outcome(true, "answered OPTIONS with " + r.getStatusCode() + " " + r.getReasonPhrase());
  }

  public void onTimeout(TimeoutEvent event) {
    Instant sent = pending.remove(((CallIdHeader) event.getClientTransaction().getRequest()
        .getHeader(CallIdHeader.NAME)).getCallId());
    if (sent != null) {
      outcome(false, "no answer to OPTIONS");
    }
  }

  private synchronized void outcome(boolean ok, String what) {
    Instant now = clock.instant();
    if (reachable == null || reachable != ok) {
      since = now;
      if (ok) {
        log.info("SIP trunk {}:{} is reachable ({})", trunk.host(), trunk.port(), what);
      } else {
        log.warn("SIP trunk {}:{} is unreachable: {}", trunk.host(), trunk.port(), what);
      }
    }
    reachable = ok;
    last = what;
  }

  /** Whether the last OPTIONS was answered; empty before the first outcome. */
  public synchronized java.util.Optional<Boolean> reachable() {
    return java.util.Optional.ofNullable(reachable);
  }

  /** One line for {@code !sip status}. */
  public synchronized String status() {
    String where = "Trunk " + trunk.host() + ":" + trunk.port();
    if (reachable == null) {
      return where + ": no keepalive answer yet.";
    }
    long seconds = Duration.between(since, clock.instant()).toSeconds();
    return where + (reachable ? " is reachable (" : " is unreachable (") + last + "), for " + seconds + " s.";
  }
}
