package dev.switchboard.sip.call;

import static dev.switchboard.core.failure.Failures.rootMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.sip.media.AudioOnly;
import dev.switchboard.sip.media.MediaFlags;
import dev.switchboard.sip.media.NgClient;
import dev.switchboard.sip.signalling.SipSignalling;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sip.ClientTransaction;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.TimeoutEvent;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changing a call that is up (hold, resume, codec or address changes), both ways: a phone's re-INVITE becomes an
 * {@code m.call.negotiate} offer from the ghost and the Matrix client's negotiate answer its 200 OK; a Matrix
 * client's negotiate offer becomes a re-INVITE and the phone's 200 OK the ghost's negotiate answer. Every SDP passes
 * through rtpengine ({@code offer} with both tags, then {@code answer}), so the phone never sees WebRTC SDP and Matrix
 * never sees plain RTP. One renegotiation per call at a time: a second from the phone gets {@code 491 Request
 * Pending} (RFC 3261 14.2); one from Matrix while the phone's is open is dropped (the Matrix client's offer lapses).
 */
public final class Renegotiations {
  private static final Logger log = LoggerFactory.getLogger(Renegotiations.class);

  private final SipSignalling sip;
  private final NgClient media;
  private final GhostCallEvents matrix;
  private final ScheduledExecutorService scheduler;
  private final Sessions sessions;
  private final Duration lifetime;
  private final Executor loop;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  /** One renegotiation in progress. */
  private static final class Pending {
    final Session session;
    final boolean fromPhone;
    /** Phone side: the re-INVITE and its server transaction; the offer's stripped sections. */
    ServerTransaction serverTx;
    Request reInvite;
    AudioOnly.Stripped offer;
    /** Matrix side: our re-INVITE. */
    ClientTransaction clientTx;
    ScheduledFuture<?> timer;

    Pending(Session session, boolean fromPhone) {
      this.session = session;
      this.fromPhone = fromPhone;
    }
  }

  /**
   * @param lifetime how long a Matrix client has to answer our negotiate offer (its {@code lifetime}); then the
   *     phone's re-INVITE gets 488 and the call goes on as it was
   */
  public Renegotiations(SipSignalling sip, NgClient media, Intents intents, KeyedSerialExecutor<String> lanes,
      ScheduledExecutorService scheduler, Sessions sessions, Duration lifetime) {
    this.sip = sip;
    this.media = media;
    this.matrix = new GhostCallEvents(intents);
    this.scheduler = scheduler;
    this.sessions = sessions;
    this.lifetime = lifetime;
    this.loop = lanes.lane("renegotiations");
  }

  // ---- phone → Matrix

  /** A re-INVITE (an INVITE with a To tag). */
  public void onReInvite(RequestEvent event) {
    loop.execute(() -> sip.serverTransaction(event).ifPresent(tx -> reInvite(tx, event.getRequest())));
  }

  private void reInvite(ServerTransaction tx, Request request) {
    String callId = SipSignalling.callIdOf(request);
    Optional<Session> session = sessions.bySipCallId(callId);
    if (session.isEmpty()) {
      // Not up yet, ended, or a version 0 Matrix call, which cannot renegotiate. 488 leaves the session as it was.
      respond(tx, request, Response.NOT_ACCEPTABLE_HERE, null, null);
      return;
    }
    if (pending.containsKey(callId)) {
      respond(tx, request, Response.REQUEST_PENDING, null, null);
      return;
    }
    if (SipSignalling.sdpOf(request).isEmpty()) {
      // An offerless re-INVITE asks for our offer in the 200 OK; Matrix cannot be asked for one. 488 keeps the call.
      log.info("re-INVITE without SDP in {}: refused with 488", callId);
      respond(tx, request, Response.NOT_ACCEPTABLE_HERE, null, null);
      return;
    }
    Pending p = new Pending(session.get(), true);
    p.serverTx = tx;
    p.reInvite = request;
    p.offer = AudioOnly.strip(SipSignalling.sdpOf(request));
    pending.put(callId, p);
    respond(tx, request, Response.TRYING, null, null);
    Session s = p.session;
    media.reoffer(s.sipCallId(), s.phoneTag(), s.matrixTag(), p.offer.sdp(), MediaFlags.towardMatrix())
        .whenCompleteAsync((matrixSdp, err) -> {
          if (pending.get(callId) != p) {
            return;
          }
          if (err != null) {
            log.warn("rtpengine refused the re-offer of {}: {}", callId, rootMessage(err));
            finishFromPhone(p, Response.NOT_ACCEPTABLE_HERE, null);
            return;
          }
          ObjectNode content = content(s).put("lifetime", lifetime.toMillis());
          content.putObject("description").put("type", "offer").put("sdp", matrixSdp);
          matrix.send(s.ghost(), s.room(), "m.call.negotiate", content,
              "sip/negotiate/" + s.sipCallId() + "/" + cseqOf(request))
              .whenComplete((id, sendErr) -> {
                if (sendErr != null) {
                  log.warn("Could not send the negotiate offer of {}: {}", callId, rootMessage(sendErr));
                  loop.execute(() -> finishFromPhone(p, Response.SERVER_INTERNAL_ERROR, null));
                }
              });
          p.timer = scheduler.schedule(() -> loop.execute(() -> {
            if (pending.get(callId) == p) {
              log.info("The Matrix client did not answer the renegotiation of {} in time", callId);
              finishFromPhone(p, Response.NOT_ACCEPTABLE_HERE, null);
            }
          }), lifetime.toMillis(), TimeUnit.MILLISECONDS);
        }, loop);
  }

  private static long cseqOf(Request request) {
    return ((CSeqHeader) request.getHeader(CSeqHeader.NAME)).getSeqNumber();
  }

  private void finishFromPhone(Pending p, int status, String sdp) {
    pending.remove(p.session.sipCallId(), p);
    if (p.timer != null) {
      p.timer.cancel(false);
    }
    respond(p.serverTx, p.reInvite, status, sdp, p.session.contactUser());
  }

  // ---- Matrix → phone, and Matrix answers

  /** {@code m.call.negotiate} from the Matrix user: an offer to pass on, or the answer to the phone's offer. */
  public CompletableFuture<Void> onNegotiate(MatrixEvent event) {
    loop.execute(() -> negotiate(event));
    return CompletableFuture.completedFuture(null);
  }

  private void negotiate(MatrixEvent event) {
    JsonNode c = event.content();
    Optional<Session> found = sessions.byMatrixCall(event.roomId(), c.path("call_id").asText(""));
    if (found.isEmpty() || !event.sender().equals(found.get().matrixUser())) {
      return;
    }
    Session s = found.get();
    String type = c.path("description").path("type").asText("");
    String sdp = c.path("description").path("sdp").asText("");
    if (sdp.isEmpty()) {
      return;
    }
    Pending open = pending.get(s.sipCallId());
    if (type.equals("answer")) {
      if (open != null && open.fromPhone) {
        answerFromMatrix(open, sdp);
      }
      return;
    }
    if (!type.equals("offer")) {
      return;
    }
    if (open != null) {
      log.info("Renegotiation from Matrix in {} while another is open: dropped (glare)", s.sipCallId());
      return;
    }
    Pending p = new Pending(s, false);
    p.offer = AudioOnly.strip(sdp);
    pending.put(s.sipCallId(), p);
    media.reoffer(s.sipCallId(), s.matrixTag(), s.phoneTag(), p.offer.sdp(), MediaFlags.towardSip())
        .whenCompleteAsync((phoneSdp, err) -> {
          if (pending.get(s.sipCallId()) != p) {
            return;
          }
          if (err != null) {
            log.warn("rtpengine refused the Matrix re-offer of {}: {}", s.sipCallId(), rootMessage(err));
            pending.remove(s.sipCallId(), p);
            return;
          }
          sendReInvite(p, phoneSdp);
        }, loop);
  }

  private void answerFromMatrix(Pending p, String sdp) {
    Session s = p.session;
    if (p.timer != null) {
      p.timer.cancel(false);
    }
    media.answer(s.sipCallId(), s.phoneTag(), s.matrixTag(), sdp, MediaFlags.towardSip())
        .whenCompleteAsync((phoneSdp, err) -> {
          if (pending.get(s.sipCallId()) != p) {
            return;
          }
          if (err != null) {
            log.warn("rtpengine refused the negotiate answer of {}: {}", s.sipCallId(), rootMessage(err));
            finishFromPhone(p, Response.NOT_ACCEPTABLE_HERE, null);
            return;
          }
          log.info("Renegotiated {} (offer from the phone)", s.sipCallId());
          finishFromPhone(p, Response.OK, AudioOnly.restore(phoneSdp, p.offer));
        }, loop);
  }

  private void sendReInvite(Pending p, String phoneSdp) {
    Session s = p.session;
    try {
      Request reInvite = s.dialog().createRequest(Request.INVITE);
      reInvite.setHeader(sip.contactFor(reInvite, s.contactUser()));
      sip.sdp(reInvite, phoneSdp);
      sip.stamp(reInvite);
      p.clientTx = sip.provider().getNewClientTransaction(reInvite);
      s.dialog().sendRequest(p.clientTx);
    } catch (Exception e) {
      log.warn("Could not send the re-INVITE of {}: {}", s.sipCallId(), e.toString());
      pending.remove(s.sipCallId(), p);
    }
  }

  /** Whether a response or timeout belongs to one of our re-INVITEs. */
  public boolean owns(ClientTransaction tx) {
    if (tx == null) {
      return false;
    }
    String callId = SipSignalling.callIdOf(tx.getRequest());
    Pending p = pending.get(callId);
    return p != null && p.clientTx == tx;
  }

  public void onResponse(ResponseEvent event) {
    loop.execute(() -> response(event));
  }

  private void response(ResponseEvent event) {
    Response r = event.getResponse();
    String callId = SipSignalling.callIdOf(r);
    Pending p = pending.get(callId);
    if (p == null || p.clientTx != event.getClientTransaction() || r.getStatusCode() < 200) {
      return;
    }
    Session s = p.session;
    pending.remove(callId, p);
    if (r.getStatusCode() >= 300) {
      // The session stays as it was (RFC 3261 14.1); the Matrix client's offer lapses unanswered.
      log.info("The phone refused the renegotiation of {}: {} {}", callId, r.getStatusCode(), r.getReasonPhrase());
      return;
    }
    try {
      sip.ack(s.dialog(), r);
    } catch (Exception e) {
      log.warn("Could not ACK the re-INVITE answer of {}: {}", callId, e.toString());
    }
    String phoneSdp = SipSignalling.sdpOf(r);
    media.answer(s.sipCallId(), s.matrixTag(), s.phoneTag(), phoneSdp, MediaFlags.towardMatrix())
        .whenCompleteAsync((matrixSdp, err) -> {
          if (err != null) {
            log.warn("rtpengine refused the phone's re-INVITE answer in {}: {}", callId, rootMessage(err));
            return;
          }
          ObjectNode content = content(s);
          content.putObject("description").put("type", "answer").put("sdp", AudioOnly.restore(matrixSdp, p.offer));
          matrix.send(s.ghost(), s.room(), "m.call.negotiate", content,
              "sip/negotiate/" + callId + "/answer/" + ((CSeqHeader) r.getHeader(CSeqHeader.NAME)).getSeqNumber())
              .whenComplete((id, sendErr) -> {
                if (sendErr != null) {
                  log.warn("Could not send the negotiate answer of {}: {}", callId, rootMessage(sendErr));
                } else {
                  log.info("Renegotiated {} (offer from Matrix)", callId);
                }
              });
        }, loop);
  }

  public void onTimeout(TimeoutEvent event) {
    loop.execute(() -> {
      ClientTransaction tx = event.getClientTransaction();
      String callId = SipSignalling.callIdOf(tx.getRequest());
      Pending p = pending.get(callId);
      if (p != null && p.clientTx == tx) {
        pending.remove(callId, p);
        log.info("The phone did not answer the re-INVITE of {}", callId);
      }
    });
  }

  private static ObjectNode content(Session s) {
    return GhostCallEvents.content(s.matrixCallId(), "1", s.ghostPartyId());
  }

  /** Answers a re-INVITE; a 2xx carries our Contact, and {@code sdp} when given. */
  private void respond(ServerTransaction tx, Request request, int status, String sdp, String contactUser) {
    sip.respond(tx, request, status, r -> {
      if (status >= 200 && status < 300) {
        r.addHeader(sip.contactFor(request, contactUser));
      }
      if (sdp != null) {
        sip.sdp(r, sdp);
      }
    });
  }
}
