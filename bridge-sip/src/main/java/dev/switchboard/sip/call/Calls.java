package dev.switchboard.sip.call;

import static dev.switchboard.core.failure.Failures.rootMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.sip.dialplan.Decision;
import dev.switchboard.sip.dialplan.SipGuard;
import dev.switchboard.sip.media.AudioOnly;
import dev.switchboard.sip.media.MediaFlags;
import dev.switchboard.sip.media.NgClient;
import dev.switchboard.sip.signalling.SipEvents;
import dev.switchboard.sip.signalling.SipSignalling;
import dev.switchboard.sip.signalling.Targets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;
import javax.sip.ClientTransaction;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.TimeoutEvent;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matrix calls to phones: {@code m.call.*} events from the Matrix side and SIP events from the stack, both run on one
 * serial call loop so that a call's state changes in order. Nothing here blocks: rtpengine and the homeserver answer
 * futures, the store is written on the blocking executor.
 */
public final class Calls implements SipEvents {
  private static final Logger log = LoggerFactory.getLogger(Calls.class);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  /** The longest an invite may ring when the Matrix client gave no lifetime (the spec recommends 90 s). */
  private static final long DEFAULT_LIFETIME_MS = 90_000;

  private final SipConfig config;
  private final SipSignalling sip;
  private final Targets targets;
  private final CallMedia media;
  private final Intents intents;
  private final GhostCallEvents matrix;
  private final CallStore store;
  private final Executor blocking;
  private final RandomGenerator random;
  private final CallLoop loop;
  /** Calls from phones: SIP requests that start or belong to one go there. */
  private final IncomingCalls incoming;
  private final CallLimits limits;
  /** Permission level, dial plan and rate limits, before a call reaches SIP. */
  private final SipGuard guard;
  private final CallIndex<OutboundCall> calls = new CallIndex<>();

  public Calls(SipConfig config, SipSignalling sip, NgClient media, Intents intents, CallStore store,
      IncomingCalls incoming, Executor blocking, KeyedSerialExecutor<String> lanes, ScheduledExecutorService scheduler,
      RandomGenerator random, Duration candidateWait, CallLimits limits, SipGuard guard) {
    this.limits = limits;
    this.guard = guard;
    this.config = config;
    this.incoming = incoming;
    this.sip = sip;
    this.targets = new Targets(sip);
    this.media = new CallMedia(media);
    this.intents = intents;
    this.matrix = new GhostCallEvents(intents);
    this.store = store;
    this.blocking = blocking;
    this.random = random;
    this.loop = new CallLoop(lanes, "calls to phones", scheduler, candidateWait);
    incoming.crossing(calls.glareSide(loop, call -> {
      log.info("Glare: {} lost to the phone's call", call);
      hangUpSip(call);
      matrix.hangup(call, "user_busy");
    }));
  }

  /** Where SIP events go: through the call loop. */
  public SipEvents sipEvents() {
    return this;
  }

  /** Calls up in either direction, for renegotiation and DTMF. */
  public Sessions sessions() {
    return new Sessions(List.of(calls, incoming.index()));
  }

  // ---- Matrix side

  /** The call of a Matrix event if it is one of ours, goes on, and {@code sender} placed it; runs on the loop. */
  private Optional<OutboundCall> callerCall(MatrixEvent event) {
    OutboundCall call = calls.byMatrix(event.roomId(), event.content().path("call_id").asText(""));
    // Only the caller acts on a call: another member of the DM cannot hang up someone else's phone call.
    if (call == null || call.state() == OutboundCall.State.ENDED || !event.sender().equals(call.matrixUser())) {
      return Optional.empty();
    }
    return Optional.of(call);
  }

  /**
   * {@code m.call.select_answer} from the Matrix caller: if it picked another callee than our ghost (possible only
   * when the DM has more members), the phone is let go.
   */
  public CompletableFuture<Void> onSelectAnswer(MatrixEvent event) {
    String selected = event.content().path("selected_party_id").asText("");
    loop.execute(() -> callerCall(event).filter(call -> !selected.equals(call.ghostPartyId())).ifPresent(call -> {
      log.info("The caller selected another answer ({}) than the phone's for {}", selected, call);
      hangUpSip(call);
    }));
    return CompletableFuture.completedFuture(null);
  }

  /**
   * {@code m.call.invite} from a Matrix user in the DM with {@code ghost}. Accepted at once; the call proceeds on
   * the loop. A repeat (after a crash) of an invite we know is ignored.
   */
  public CompletableFuture<Void> onInvite(MatrixEvent event, UserId ghost, Dialable callee) {
    JsonNode c = event.content();
    String callId = c.path("call_id").asText("");
    String sdp = c.path("offer").path("sdp").asText("");
    if (callId.isEmpty() || sdp.isEmpty() || !"offer".equals(c.path("offer").path("type").asText("offer"))) {
      log.warn("Ignoring m.call.invite {} in {}: no call_id or offer SDP", event.eventId(), event.roomId());
      return CompletableFuture.completedFuture(null);
    }
    if (c.hasNonNull("invitee") && !c.path("invitee").asText().equals(ghost.value())) {
      return CompletableFuture.completedFuture(null); // for someone else in the room
    }
    if (sdp.contains("m=video") && !sdp.contains("m=audio")) {
      log.info("Ignoring video-only call {} in {}", callId, event.roomId());
      return CompletableFuture.completedFuture(null);
    }
    Object version = c.path("version").isTextual() ? c.path("version").asText() : (Object) c.path("version").asInt(0);
    long lifetime = c.path("lifetime").asLong(DEFAULT_LIFETIME_MS);
    long age = Math.max(0, System.currentTimeMillis() - event.originServerTs());
    if (event.originServerTs() > 0 && age >= lifetime) {
      log.info("Ignoring expired call {} in {} ({} ms old)", callId, event.roomId(), age);
      return CompletableFuture.completedFuture(null);
    }
    return guard.call(event.sender(), callee, event.eventId().value()).thenCompose(decision -> {
      if (decision instanceof Decision.Refused refused) {
        refuse(event, ghost, callId, version, refused.notice());
        return CompletableFuture.completedFuture(null);
      }
      OutboundCall call = new OutboundCall(event.roomId(), callId, event.sender(), c.path("party_id").asText(""),
          version, ghost, RandomTokens.hex(random, 8), callee, sip.newCallId().getCallId(),
          RandomTokens.hex(random, 6), sdp, lifetime - age, targets.fromUser());
      return CompletableFuture.supplyAsync(() -> store.insertOutbound(call), blocking).thenAccept(isNew -> {
        if (!isNew) {
          log.debug("m.call.invite {} for known call {} ignored", event.eventId(), callId);
          return;
        }
        loop.execute(() -> start(call));
      });
    });
  }

  /**
   * A call the guard refused, before anything reached SIP: the ghost says why in a notice, then rejects the call the
   * way a callee does (spec "m.call.reject": {@code m.call.reject} for version 1, {@code m.call.hangup} for 0, whose
   * reason is {@code unknown_error}: the callee is not busy, the bridge will not place the call).
   */
  private void refuse(MatrixEvent event, UserId ghost, String callId, Object version, String notice) {
    ObjectNode text = JSON.objectNode().put("msgtype", "m.notice").put("body", notice);
    String prefix = "sip/" + event.roomId().value() + "/" + callId + "/refused";
    String partyId = RandomTokens.hex(random, 8);
    // A party id in either version, as the refusal always carried.
    ObjectNode content = GhostCallEvents.content(callId, version, partyId).put("party_id", partyId);
    String type = version instanceof String ? "m.call.reject" : "m.call.hangup";
    if (!(version instanceof String)) {
      content.put("reason", "unknown_error");
    }
    intents.ghost(ghost).sendMessage(event.roomId(), text, prefix + "-notice")
        .thenCompose(id -> matrix.send(ghost, event.roomId(), type, content, prefix))
        .whenComplete((id, err) -> {
          if (err != null) {
            log.warn("Could not tell {} in {} that call {} was refused: {}", event.sender(), event.roomId(), callId,
                rootMessage(err));
          }
        });
  }

  /**
   * {@code m.call.candidates}: added to the offer while it is gathered; trickled to rtpengine as an SDP fragment
   * once the offer went there. Candidates of sections other than the audio one (stripped video) are dropped.
   */
  public CompletableFuture<Void> onCandidates(MatrixEvent event) {
    loop.execute(() -> callerCall(event).ifPresent(call -> {
      boolean gathering = call.state() == OutboundCall.State.GATHERING;
      if (media.candidates(call, call.matrixSdp(), gathering, event.content().path("candidates"))) {
        offer(call);
      }
    }));
    return CompletableFuture.completedFuture(null);
  }

  /** {@code m.call.hangup} (or {@code m.call.reject}) from the Matrix user who placed the call. */
  public CompletableFuture<Void> onHangup(MatrixEvent event) {
    loop.execute(() -> callerCall(event).ifPresent(call -> {
      log.info("Matrix user hung up {}", call);
      hangUpSip(call);
    }));
    return CompletableFuture.completedFuture(null);
  }

  // ---- the call, step by step (all on the loop)

  private void start(OutboundCall call) {
    calls.addSip(call);
    calls.addMatrix(call);
    if (!limits.tryAcquire(call.matrixUser(), call.sipCallId())) {
      log.info("{} already has {} call(s), the most sip.call.max_concurrent_per_user allows: {} refused",
          call.matrixUser(), limits.perUser(), call);
      end(call, "user_busy", true);
      return;
    }
    Glare.Side phones = incoming.glareSide();
    Optional<String> crossing = phones.unanswered(call.room(), call.matrixUser(), call.ghost());
    if (crossing.isPresent()) {
      if (Glare.keeps(crossing.get(), call.matrixCallId())) {
        log.info("Glare: {} crosses the phone's call {}, whose call id is lesser: not dialled", call,
            crossing.get());
        end(call, "user_busy", true);
        return;
      }
      log.info("Glare: {} crosses the phone's call {}, whose call id is greater: that one is aborted", call,
          crossing.get());
      phones.abort(call.room(), crossing.get());
    }
    log.info("Calling {} for {}", call.callee(), call.matrixUser());
    loop.whenGathered(call, call.offerSdp(), () -> offer(call));
  }

  private void offer(OutboundCall call) {
    if (call.state() != OutboundCall.State.GATHERING) {
      return;
    }
    call.state(OutboundCall.State.OFFERING);
    call.timer(null);
    log.debug("Offering {} to rtpengine", call);
    loop.then(media.ng().offer(call.sipCallId(), call.localTag(), call.matrixSdp().withGathered(),
        MediaFlags.towardSip()), () -> call.state() == OutboundCall.State.OFFERING, (phoneSdp, err) -> {
          if (err != null) {
            log.warn("rtpengine refused the offer of {}: {}", call, rootMessage(err));
            end(call, "user_media_failed", true);
            return;
          }
          sendInvite(call, phoneSdp);
        });
  }

  private void sendInvite(OutboundCall call, String phoneSdp) {
    log.debug("Sending the INVITE of {}", call);
    try {
      SipURI target = targets.requestUri(call.callee());
      String transport = targets.transport(call.callee());
      Request invite = sip.messages().createRequest(target, Request.INVITE,
          sip.headers().createCallIdHeader(call.sipCallId()), sip.headers().createCSeqHeader(1L, Request.INVITE),
          targets.from(call.callee(), call.localTag()),
          sip.headers().createToHeader(sip.addresses().createAddress(target), null), List.of(sip.via(transport)),
          sip.headers().createMaxForwardsHeader(70));
      invite.addHeader(sip.contact(targets.fromUser(), transport));
      sip.stamp(invite);
      sip.sdp(invite, phoneSdp);
      ClientTransaction tx = sip.provider().getNewClientTransaction(invite);
      call.invite(tx);
      call.dialog(tx.getDialog());
      call.state(OutboundCall.State.INVITING);
      tx.sendRequest();
      loop.timer(call, Math.min(call.lifetimeMs(), config.ringTimeout().toMillis()), () -> ringTimeout(call));
      persist(call);
    } catch (Exception e) {
      log.warn("Could not send the INVITE of {}: {}", call, e.toString());
      end(call, "unknown_error", true);
    }
  }

  private void ringTimeout(OutboundCall call) {
    if (call.state() == OutboundCall.State.INVITING || call.state() == OutboundCall.State.RINGING) {
      log.info("No answer in time for {}", call);
      hangUpSip(call);
      matrix.hangup(call, "invite_timeout");
    }
  }

  /** Ends the SIP side for a hangup from Matrix: nothing, CANCEL, or BYE depending on how far the call got. */
  private void hangUpSip(OutboundCall call) {
    switch (call.state()) {
      case GATHERING, OFFERING -> end(call, "user_hangup", false);
      case INVITING -> call.requestHangup(); // CANCEL once a provisional response allows it
      case RINGING -> {
        call.requestHangup();
        cancel(call);
      }
      case ANSWERED -> {
        bye(call);
        end(call, "user_hangup", false);
      }
      case ENDED -> { }
    }
  }

  private void cancel(OutboundCall call) {
    try {
      sip.cancel(call.invite());
    } catch (Exception e) {
      log.warn("Could not CANCEL {}: {}", call, e.toString());
      end(call, "user_hangup", false);
    }
  }

  private void bye(OutboundCall call) {
    try {
      sip.bye(call.dialog());
    } catch (Exception e) {
      log.warn("Could not send BYE for {}: {}", call, e.toString());
    }
  }

  // ---- SIP side

  @Override
  public void onResponse(ResponseEvent event) {
    loop.execute(() -> response(event));
  }

  private void response(ResponseEvent event) {
    Response r = event.getResponse();
    CSeqHeader cseq = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
    OutboundCall call = calls.bySip(SipSignalling.callIdOf(r));
    if (call == null || cseq == null || !Request.INVITE.equals(cseq.getMethod())) {
      return; // BYE and CANCEL answers, or calls we no longer track
    }
    int status = r.getStatusCode();
    if (event.getClientTransaction() != null && call.invite() != null
        && event.getClientTransaction() != call.invite() && status < 200) {
      return; // a stray answer to an INVITE we replaced (digest retry)
    }
    if (status < 200) {
      if (status > 100 && call.state() == OutboundCall.State.INVITING) {
        call.state(OutboundCall.State.RINGING);
        log.info("Ringing: {}", call);
        persist(call);
      }
      if (status > 100 && call.hangupRequested()) {
        cancel(call);
      }
      return;
    }
    if (status < 300) {
      answered(call, event);
      return;
    }
    if ((status == 401 || status == 407) && !call.challenged() && call.state() != OutboundCall.State.ENDED) {
      call.challenged(true);
      try {
        ClientTransaction retry = sip.answerChallenge(r, event.getClientTransaction());
        call.invite(retry);
        call.dialog(retry.getDialog());
        call.state(OutboundCall.State.INVITING);
        log.info("Answered the digest challenge for {}", call);
      } catch (Exception e) {
        log.warn("Could not answer the digest challenge for {}: {}", call, e.toString());
        failed(call, status);
      }
      return;
    }
    failed(call, status);
  }

  private void answered(OutboundCall call, ResponseEvent event) {
    Response ok = event.getResponse();
    javax.sip.Dialog dialog = event.getDialog() != null ? event.getDialog() : call.dialog();
    try {
      sip.ack(dialog, ok);
    } catch (Exception e) {
      log.warn("Could not ACK the answer of {}: {}", call, e.toString());
    }
    call.dialog(dialog);
    if (call.state() == OutboundCall.State.ANSWERED) {
      return; // a retransmitted 200 OK: the ACK above was all it needed
    }
    if (call.hangupRequested() || call.state() == OutboundCall.State.ENDED) {
      bye(call); // answered while our CANCEL was on its way
      end(call, "user_hangup", false);
      return;
    }
    call.remoteTag(((ToHeader) ok.getHeader(ToHeader.NAME)).getTag());
    call.state(OutboundCall.State.ANSWERED);
    loop.timer(call, limits.maxDuration(), () -> durationLimit(call));
    persist(call);
    log.info("Answered: {}", call);
    loop.then(media.ng().answer(call.sipCallId(), call.localTag(), call.remoteTag(), SipSignalling.sdpOf(ok),
        MediaFlags.towardMatrix()), () -> call.state() == OutboundCall.State.ANSWERED, (matrixSdp, err) -> {
          if (err != null) {
            log.warn("rtpengine refused the answer of {}: {}", call, rootMessage(err));
            bye(call);
            end(call, "user_media_failed", true);
            return;
          }
          // The answer has every section of the client's offer; video and the like come back rejected.
          ObjectNode answer = GhostCallEvents.content(call);
          answer.putObject("answer").put("type", "answer").put("sdp", AudioOnly.restore(matrixSdp, call.offer()));
          GhostCallEvents.logFailure(matrix.sendWithEndOfCandidates(call, "m.call.answer", answer, "answer",
              "end-of-candidates"), call, "answer");
        });
  }

  private void durationLimit(OutboundCall call) {
    if (call.state() == OutboundCall.State.ANSWERED) {
      log.info("{} reached sip.call.max_duration_seconds ({} s): hanging up", call, limits.maxDuration().toSeconds());
      bye(call);
      end(call, "user_hangup", true);
    }
  }

  private void failed(OutboundCall call, int status) {
    if (call.state() == OutboundCall.State.ENDED) {
      return;
    }
    if (call.hangupRequested()) {
      end(call, "user_hangup", false); // the 487 to our CANCEL
      return;
    }
    log.info("{} failed with {}", call, status);
    if (HangupReasons.isRejection(status)) {
      end(call, "reject", false);
      sendReject(call);
    } else {
      end(call, HangupReasons.forSipStatus(status), true);
    }
  }

  @Override
  public void onRequest(RequestEvent event) {
    Request request = event.getRequest();
    switch (request.getMethod()) {
      case Request.ACK -> { }
      case Request.BYE -> {
        if (incoming.knowsSipCall(SipSignalling.callIdOf(request))) {
          incoming.onBye(event);
        } else {
          loop.execute(() -> byeFromPhone(event));
        }
      }
      case Request.OPTIONS -> sip.respond(event, Response.OK);
      case Request.INVITE -> {
        if (((ToHeader) request.getHeader(ToHeader.NAME)).getTag() != null) {
          // A re-INVITE reaches here only while the connector starts, before Renegotiations (which handles them)
          // exists. 488 leaves the session as it was (RFC 3261 14.2), so the call goes on.
          sip.respond(event, Response.NOT_ACCEPTABLE_HERE);
        } else {
          incoming.onInvite(event);
        }
      }
      case Request.CANCEL -> incoming.onCancel(event);
      default -> sip.respond(event, Response.NOT_IMPLEMENTED);
    }
  }

  private void byeFromPhone(RequestEvent event) {
    calls.answerBye(event, sip).ifPresent(call -> {
      log.info("The phone hung up {}", call);
      end(call, "user_hangup", true);
    });
  }

  @Override
  public void onTimeout(TimeoutEvent event) {
    if (event.isServerTransaction() || event.getClientTransaction() == null) {
      return;
    }
    Request request = event.getClientTransaction().getRequest();
    if (!Request.INVITE.equals(request.getMethod())) {
      return;
    }
    loop.execute(() -> {
      OutboundCall call = calls.bySip(SipSignalling.callIdOf(request));
      if (call != null && call.invite() == event.getClientTransaction()) {
        failed(call, Response.REQUEST_TIMEOUT);
      }
    });
  }

  // ---- ending and telling Matrix

  /** Ends the call here and in rtpengine; tells Matrix when {@code tellMatrix} (the phone side ended it). */
  private void end(OutboundCall call, String reason, boolean tellMatrix) {
    if (call.state() == OutboundCall.State.ENDED) {
      return;
    }
    boolean mediaStarted = call.state() != OutboundCall.State.GATHERING;
    call.state(OutboundCall.State.ENDED);
    call.hangupReason(reason);
    call.timer(null);
    limits.release(call.sipCallId());
    persist(call);
    if (mediaStarted) {
      media.delete(call.sipCallId(), call.localTag(), call);
    }
    if (tellMatrix) {
      matrix.hangup(call, reason);
    }
    loop.linger(() -> calls.forget(call));
  }

  /** The phone refused: {@code m.call.reject} in version 1, a {@code user_busy} hangup in version 0. */
  private void sendReject(OutboundCall call) {
    ObjectNode reject = GhostCallEvents.content(call);
    if (call.matrixVersion() instanceof String) {
      matrix.tell(call, "m.call.reject", reject, "reject");
    } else {
      matrix.tell(call, "m.call.hangup", reject.put("reason", "user_busy"), "reject");
    }
  }

  private void persist(OutboundCall call) {
    loop.persist(call, () -> store.update(call));
  }
}
