package dev.switchboard.sip.call;

import static dev.switchboard.core.failure.Failures.rootMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.sip.address.Callees;
import dev.switchboard.sip.address.Callers;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.address.GhostNames;
import dev.switchboard.sip.address.PhoneNumbers;
import dev.switchboard.sip.deskphone.DeskPhones;
import dev.switchboard.sip.dm.DmRooms;
import dev.switchboard.sip.media.AudioOnly;
import dev.switchboard.sip.media.MediaFlags;
import dev.switchboard.sip.media.NgClient;
import dev.switchboard.sip.signalling.SipSignalling;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.TimeoutEvent;
import javax.sip.address.SipURI;
import javax.sip.address.TelURL;
import javax.sip.address.URI;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phones calling Matrix users. INVITE → 100 Trying → rtpengine offer (WebRTC flags) → the caller's ghost sends
 * {@code m.call.invite} (version 1, {@code invitee}, {@code lifetime}) and end-of-candidates in its DM with the
 * callee → 180 Ringing. The first {@code m.call.answer} of the callee → rtpengine answer → 200 OK and
 * {@code m.call.select_answer}. Reject → 603; lifetime over → 480 and {@code invite_timeout}; CANCEL → 487 and a
 * hangup; BYE either way after the answer.
 *
 * <p>All state changes run on one serial loop; nothing blocks it.
 */
public final class IncomingCalls {
  private static final Logger log = LoggerFactory.getLogger(IncomingCalls.class);
  private static final String CONTACT_USER = "switchboard";
  /** The {@code selected_party_id} that tells Matrix clients the desk phone took the call. */
  static final String DESK_PARTY_ID = "desk-phone";

  private final SipSignalling sip;
  private final CallMedia media;
  private final GhostCallEvents matrix;
  private final CallStore store;
  private final DmRooms dms;
  private final Callees callees;
  private final PhoneNumbers numbers;
  private final GhostNames ghosts;
  private final RandomGenerator random;
  private final Duration lifetime;
  private final CallLoop loop;
  private final DeskLegs desks;
  private final CallLimits limits;
  private final CallIndex<IncomingCall> calls = new CallIndex<>();
  /** Calls from Matrix users, for the glare rule; none until {@link #crossing} is called. */
  private volatile Glare.Side outbound = new Glare.Side() {
    @Override
    public Optional<String> unanswered(RoomId room, UserId user, UserId ghost) {
      return Optional.empty();
    }

    @Override
    public void abort(RoomId room, String callId) {
    }
  };

  public IncomingCalls(SipSignalling sip, NgClient media, Intents intents, CallStore store, DmRooms dms,
      Callees callees, PhoneNumbers numbers, GhostNames ghosts, KeyedSerialExecutor<String> lanes,
      ScheduledExecutorService scheduler, RandomGenerator random, Duration lifetime, Duration candidateWait,
      Function<UserId, Optional<DeskPhones.Binding>> deskPhones, CallLimits limits) {
    this.limits = limits;
    this.sip = sip;
    this.media = new CallMedia(media);
    this.matrix = new GhostCallEvents(intents);
    this.store = store;
    this.dms = dms;
    this.callees = callees;
    this.numbers = numbers;
    this.ghosts = ghosts;
    this.random = random;
    this.lifetime = lifetime;
    this.loop = new CallLoop(lanes, "calls from phones", scheduler, candidateWait);
    this.desks = new DeskLegs(sip, this.media, deskPhones, random, loop);
    this.desks.outcome(new DeskLegs.Outcome() {
      @Override
      public void deskAnswered(IncomingCall call, String callerSdp) {
        answeredByDesk(call, callerSdp);
      }

      @Override
      public void deskHungUp(IncomingCall call) {
        if (call.state != IncomingCall.State.ENDED) {
          log.info("The desk phone hung up {}", call);
          bye(call);
          end(call, "user_hangup", true);
        }
      }
    });
  }

  /** Where calls from Matrix users are, for the glare rule. */
  public void crossing(Glare.Side outboundCalls) {
    this.outbound = outboundCalls;
  }

  /** Calls from phones as the glare rule sees them: ringing (or about to ring) a Matrix user, not answered yet. */
  public Glare.Side glareSide() {
    return calls.glareSide(loop, call -> {
      log.info("Glare: {} lost to the Matrix user's call; the phone gets 486", call);
      respond(call, Response.BUSY_HERE);
      end(call, "user_hangup", true);
    });
  }

  /** Whether a SIP message (by Call-ID) belongs to a desk phone leg. */
  public boolean ownsDeskLeg(String sipCallId) {
    return desks.owns(sipCallId);
  }

  public void onDeskResponse(ResponseEvent event) {
    desks.onResponse(event);
  }

  public void onDeskTimeout(TimeoutEvent event) {
    desks.onTimeout(event);
  }

  public void onDeskBye(RequestEvent event) {
    desks.onBye(event);
  }

  /** The desk phone answered first: the caller gets its answer, Matrix clients stop ringing. */
  private void answeredByDesk(IncomingCall call, String callerSdp) {
    if (!call.unanswered()) {
      desks.hangUp(call);
      return;
    }
    call.timer(null);
    call.answeredByDesk = true;
    if (!answerPhone(call, callerSdp)) {
      return;
    }
    log.info("Answered on the desk phone: {}", call);
    media.delete(call.sipCallId(), call.remoteTag(), "the Matrix side of " + call);
    if (call.room() != null) {
      persist(call);
      // A party id no Matrix device has: every device stops ringing, the call was answered elsewhere.
      matrix.selectAnswer(call, DESK_PARTY_ID);
    }
  }

  /** The 200 OK to the phone with {@code sdp}, and the call is up; false (and the call ended) when it failed. */
  private boolean answerPhone(IncomingCall call, String sdp) {
    call.dialog(call.inviteTx.getDialog());
    if (!respond(call.inviteTx, call.invite, Response.OK, call.localTag(), AudioOnly.restore(sdp, call.offer))) {
      end(call, "unknown_error", true);
      return false;
    }
    call.state = IncomingCall.State.ANSWERED;
    loop.timer(call, limits.maxDuration(), () -> durationLimit(call));
    return true;
  }

  /** These calls by SIP Call-ID and Matrix call. */
  CallIndex<IncomingCall> index() {
    return calls;
  }

  /** True when the SIP dialog with this Call-ID is a call from a phone. */
  public boolean knowsSipCall(String sipCallId) {
    return calls.knowsSip(sipCallId);
  }

  /** True when {@code call_id} in {@code room} is a call from a phone; its Matrix events go here. */
  public boolean knowsMatrixCall(RoomId room, String callId) {
    return calls.knowsMatrix(room, callId);
  }

  // ---- SIP side

  public void onInvite(RequestEvent event) {
    loop.execute(() -> invite(event));
  }

  private void invite(RequestEvent event) {
    Request request = event.getRequest();
    String sipCallId = SipSignalling.callIdOf(request);
    if (calls.knowsSip(sipCallId)) {
      return; // a retransmission; or a re-INVITE, which is not supported yet (the transaction layer answers it)
    }
    sip.serverTransaction(event).ifPresent(tx -> invite(tx, request, sipCallId));
  }

  private void invite(ServerTransaction tx, Request request, String sipCallId) {
    respond(tx, request, Response.TRYING, null, null);
    URI requestUri = request.getRequestURI();
    String calledUser = requestUri instanceof SipURI s ? s.getUser()
        : requestUri instanceof TelURL t ? t.getPhoneNumber() : null;
    Optional<UserId> callee = callees.calleeOf(calledUser);
    if (callee.isEmpty()) {
      log.info("INVITE {} for '{}', which is no Matrix user of ours", sipCallId, calledUser);
      respond(tx, request, Response.NOT_FOUND, RandomTokens.hex(random, 6), null);
      return;
    }
    FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
    Optional<Dialable> caller = Callers.of(from.getAddress().getURI(), numbers);
    if (caller.isEmpty() || from.getTag() == null) {
      log.info("INVITE {} from {}, which names no number or SIP address", sipCallId, from.getAddress());
      respond(tx, request, Response.FORBIDDEN, RandomTokens.hex(random, 6), null);
      return;
    }
    String offer = SipSignalling.sdpOf(request);
    if (offer.isEmpty()) {
      // An INVITE without an offer wants ours in the 200 OK; Matrix only offers, it cannot be asked to.
      log.info("INVITE {} has no SDP offer: refused", sipCallId);
      respond(tx, request, Response.NOT_ACCEPTABLE_HERE, RandomTokens.hex(random, 6), null);
      return;
    }
    if (!limits.tryAcquire(callee.get(), sipCallId)) {
      log.info("INVITE {} for {}, who already has {} call(s) (sip.call.max_concurrent_per_user): busy", sipCallId,
          callee.get(), limits.perUser());
      respond(tx, request, Response.BUSY_HERE, RandomTokens.hex(random, 6), null);
      return;
    }
    UserId ghost = ghosts.ghostOf(caller.get());
    IncomingCall call = new IncomingCall(callee.get(), ghost, caller.get(), "sip-" + RandomTokens.hex(random, 12),
        RandomTokens.hex(random, 8), sipCallId, from.getTag(), RandomTokens.hex(random, 6), tx, request,
        AudioOnly.strip(offer), lifetime.toMillis(), CONTACT_USER);
    calls.addSip(call);
    log.info("Incoming {}", call);
    desks.ring(call, call.offer.sdp());
    CompletableFuture<String> matrixOffer = media.ng().offer(sipCallId, call.remoteTag(), call.offer.sdp(),
        MediaFlags.towardMatrix());
    CompletableFuture<RoomId> room = dms.openOrFind(ghost, callee.get(), caller.get());
    loop.then(matrixOffer.thenCombine(room, (sdp, r) -> Map.entry(r, sdp)),
        () -> call.state == IncomingCall.State.OFFERING, (ready, err) -> {
          if (err != null) {
            log.warn("Could not ring {}: {}", call, rootMessage(err));
            respond(call, Response.SERVER_INTERNAL_ERROR);
            end(call, "unknown_error", false);
            return;
          }
          ringMatrix(call, ready.getKey(), ready.getValue());
        });
  }

  private void ringMatrix(IncomingCall call, RoomId room, String matrixSdp) {
    call.room(room);
    calls.addMatrix(call);
    // Registered before looking: of two crossing calls, at least one side sees the other (both may; the rule
    // gives the same answer on both).
    Optional<String> crossing = outbound.unanswered(room, call.matrixUser(), call.ghost());
    if (crossing.isPresent()) {
      if (Glare.keeps(crossing.get(), call.matrixCallId())) {
        log.info("Glare: {} crosses the Matrix call {}, whose call id is lesser: the phone gets 486", call,
            crossing.get());
        calls.removeMatrix(call);
        call.room(null); // never announced in the room
        respond(call, Response.BUSY_HERE);
        end(call, "user_busy", false);
        return;
      }
      log.info("Glare: {} crosses the Matrix call {}, whose call id is greater: that one is aborted", call,
          crossing.get());
      outbound.abort(room, crossing.get());
    }
    loop.persist(call, () -> store.insertInbound(call));
    ObjectNode invite = GhostCallEvents.content(call).put("lifetime", call.lifetimeMs)
        .put("invitee", call.matrixUser().value());
    invite.putObject("offer").put("type", "offer").put("sdp", matrixSdp);
    loop.then(matrix.sendWithEndOfCandidates(call, "m.call.invite", invite, "invite", "candidates"),
        () -> call.state == IncomingCall.State.OFFERING, (id, err) -> {
          if (err != null) {
            log.warn("Could not send the invite of {} to Matrix: {}", call, rootMessage(err));
            respond(call, Response.SERVER_INTERNAL_ERROR);
            end(call, "unknown_error", false);
            return;
          }
          call.state = IncomingCall.State.RINGING;
          persist(call);
          respond(call, Response.RINGING);
          loop.timer(call, call.lifetimeMs, () -> expire(call));
        });
  }

  private void durationLimit(IncomingCall call) {
    if (call.state == IncomingCall.State.ANSWERED) {
      log.info("{} reached sip.call.max_duration_seconds ({} s): hanging up", call, limits.maxDuration().toSeconds());
      bye(call);
      end(call, "user_hangup", true);
    }
  }

  private void expire(IncomingCall call) {
    if (call.state == IncomingCall.State.RINGING || call.state == IncomingCall.State.GATHERING) {
      log.info("Nobody answered {}", call);
      respond(call, Response.TEMPORARILY_UNAVAILABLE);
      end(call, "invite_timeout", true);
    }
  }

  /** CANCEL from the phone: 200 for the CANCEL, 487 for the INVITE, and the Matrix call is hung up. */
  public void onCancel(RequestEvent event) {
    loop.execute(() -> {
      IncomingCall call = calls.bySip(SipSignalling.callIdOf(event.getRequest()));
      if (call == null || call.state == IncomingCall.State.ANSWERED || call.state == IncomingCall.State.ENDED) {
        sip.respond(event, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
        return;
      }
      sip.respond(event, Response.OK);
      respond(call, Response.REQUEST_TERMINATED);
      log.info("The phone gave up on {}", call);
      end(call, "user_hangup", call.state != IncomingCall.State.OFFERING);
    });
  }

  /** BYE from the phone for one of its calls. */
  public void onBye(RequestEvent event) {
    loop.execute(() -> calls.answerBye(event, sip).ifPresent(call -> {
      log.info("The phone hung up {}", call);
      end(call, "user_hangup", true);
    }));
  }

  // ---- Matrix side

  /** {@code m.call.answer}, {@code m.call.candidates}, {@code m.call.reject} or {@code m.call.hangup}. */
  public CompletableFuture<Void> onMatrixEvent(MatrixEvent event) {
    loop.execute(() -> matrixEvent(event));
    return CompletableFuture.completedFuture(null);
  }

  private void matrixEvent(MatrixEvent event) {
    JsonNode c = event.content();
    IncomingCall call = calls.byMatrix(event.roomId(), c.path("call_id").asText(""));
    if (call == null || call.state == IncomingCall.State.ENDED || !event.sender().equals(call.matrixUser())
        || call.answeredByDesk) {
      return;
    }
    String party = c.path("party_id").asText("");
    switch (event.type()) {
      case "m.call.answer" -> answer(call, party, c.path("answer").path("sdp").asText(""));
      case "m.call.candidates" -> candidates(call, party, c.path("candidates"));
      case "m.call.reject" -> {
        if (call.unanswered()) {
          decline(call);
        }
      }
      case "m.call.hangup" -> {
        if (call.state == IncomingCall.State.ANSWERED) {
          log.info("Matrix user hung up {}", call);
          bye(call);
          end(call, "user_hangup", false);
        } else if (call.answerPartyId == null || call.answerPartyId.equals(party)) {
          decline(call); // before answering, a hangup refuses the call (version 0 clients reject this way)
        }
      }
      default -> { }
    }
  }

  private void decline(IncomingCall call) {
    log.info("Matrix user declined {}", call);
    respond(call, Response.DECLINE);
    end(call, "user_hangup", false);
  }

  private void answer(IncomingCall call, String party, String sdp) {
    // OFFERING too: a client may answer as soon as it sees the invite, before our end-of-candidates is sent and the
    // phone told 180; dropping that answer left the phone ringing until it gave up.
    if (!call.unanswered() || sdp.isEmpty()) {
      return; // another device answered first; the select_answer we sent tells it
    }
    if (call.state == IncomingCall.State.OFFERING) {
      // The 180 that ringMatrix sends once the invite is in the room would now be skipped; phones (and SIPp
      // scenarios) expect ringing before the answer, so it goes out here.
      respond(call, Response.RINGING);
    }
    desks.hangUp(call); // the Matrix user took it: the desk phone stops ringing
    call.answerPartyId = party;
    call.answer = new MatrixSdp(sdp);
    call.state = IncomingCall.State.GATHERING;
    loop.whenGathered(call, sdp, () -> answerMedia(call));
  }

  private void candidates(IncomingCall call, String party, JsonNode candidates) {
    if (call.answerPartyId == null || !party.equals(call.answerPartyId)) {
      return; // not from the device that answered
    }
    // Once the answer went to rtpengine, later candidates go to the Matrix side's ICE agent as a fragment.
    if (media.candidates(call, call.answer, call.state == IncomingCall.State.GATHERING, candidates)) {
      answerMedia(call);
    }
  }

  private void answerMedia(IncomingCall call) {
    if (call.state != IncomingCall.State.GATHERING) {
      return;
    }
    call.state = IncomingCall.State.ANSWERING;
    call.timer(null);
    loop.then(media.ng().answer(call.sipCallId(), call.remoteTag(), call.localTag(), call.answer.withGathered(),
        MediaFlags.towardSip()), () -> call.state == IncomingCall.State.ANSWERING, (phoneSdp, err) -> {
          if (err != null) {
            log.warn("rtpengine refused the answer of {}: {}", call, rootMessage(err));
            respond(call, Response.NOT_ACCEPTABLE_HERE);
            end(call, "user_media_failed", true);
            return;
          }
          if (!answerPhone(call, phoneSdp)) {
            return;
          }
          persist(call);
          log.info("Answered: {}", call);
          matrix.selectAnswer(call, call.answerPartyId);
        });
  }

  private void bye(IncomingCall call) {
    try {
      sip.bye(call.dialog() != null ? call.dialog() : call.inviteTx.getDialog());
    } catch (Exception e) {
      log.warn("Could not send BYE for {}: {}", call, e.toString());
    }
  }

  // ---- ending

  private void end(IncomingCall call, String reason, boolean tellMatrix) {
    if (call.state == IncomingCall.State.ENDED) {
      return;
    }
    boolean invited = call.room() != null;
    call.state = IncomingCall.State.ENDED;
    call.hangupReason(reason);
    call.timer(null);
    limits.release(call.sipCallId());
    desks.hangUp(call);
    if (invited) {
      persist(call);
    }
    if (!call.answeredByDesk) { // else the Matrix side's media went when the desk phone answered
      media.delete(call.sipCallId(), call.remoteTag(), call);
    }
    if (tellMatrix && invited) {
      matrix.hangup(call, reason);
    }
    loop.linger(() -> {
      calls.forget(call);
      desks.release(call);
    });
  }

  /** Answers the phone's INVITE with {@code status} and our To tag. */
  private void respond(IncomingCall call, int status) {
    respond(call.inviteTx, call.invite, status, call.localTag(), null);
  }

  /**
   * Answers the INVITE (or any request) on its server transaction. Responses other than 100 carry our To tag;
   * 1xx/2xx with a tag carry our Contact. Returns false when it could not be sent.
   */
  private boolean respond(ServerTransaction tx, Request request, int status, String toTag, String sdp) {
    return sip.respond(tx, request, status, r -> {
      if (toTag != null) {
        ToHeader to = (ToHeader) r.getHeader(ToHeader.NAME);
        if (to.getTag() == null) {
          to.setTag(toTag);
        }
        if (status < 300) {
          r.addHeader(sip.contactFor(request, CONTACT_USER));
        }
      }
      if (sdp != null) {
        sip.sdp(r, sdp);
      }
    });
  }

  private void persist(IncomingCall call) {
    loop.persist(call, () -> store.updateInbound(call));
  }
}
