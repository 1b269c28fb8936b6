package dev.switchboard.sip.call;

import static dev.switchboard.core.failure.Failures.rootMessage;
import dev.switchboard.core.ordering.SerialExecutor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.address.Callees;
import dev.switchboard.sip.deskphone.DeskPhones;
import java.util.function.Function;
import dev.switchboard.sip.address.Callers;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.address.GhostNames;
import dev.switchboard.sip.address.PhoneNumbers;
import dev.switchboard.sip.dm.DmRooms;
import dev.switchboard.sip.media.AudioOnly;
import dev.switchboard.sip.media.MediaFlags;
import dev.switchboard.sip.media.NgClient;
import dev.switchboard.sip.media.SdpCandidates;
import dev.switchboard.sip.signalling.SipSignalling;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import javax.sip.ClientTransaction;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.TransactionAlreadyExistsException;
import javax.sip.address.SipURI;
import javax.sip.address.TelURL;
import javax.sip.address.URI;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
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
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final String CONTACT_USER = "switchboard";
  /** The {@code selected_party_id} that tells Matrix clients the desk phone took the call. */
  static final String DESK_PARTY_ID = "desk-phone";

  private final SipSignalling sip;
  private final NgClient media;
  private final Intents intents;
  private final CallStore store;
  private final DmRooms dms;
  private final Callees callees;
  private final PhoneNumbers numbers;
  private final GhostNames ghosts;
  private final Executor blocking;
  private final ScheduledExecutorService scheduler;
  private final RandomGenerator random;
  private final Duration lifetime;
  private final Duration candidateWait;
  private final SerialExecutor loop;
  /** Store writes in the order the states changed. */
  private final SerialExecutor storeWriter;
  private final DeskLegs desks;
  private final CallLimits limits;
  private final Map<String, IncomingCall> bySipCallId = new ConcurrentHashMap<>();
  private final Map<String, IncomingCall> byMatrixCall = new ConcurrentHashMap<>();
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
      Callees callees, PhoneNumbers numbers, GhostNames ghosts, Executor blocking,
      ScheduledExecutorService scheduler, RandomGenerator random, Duration lifetime, Duration candidateWait,
      Function<UserId, Optional<DeskPhones.Binding>> deskPhones, CallLimits limits) {
    this.limits = limits;
    this.sip = sip;
    this.media = media;
    this.intents = intents;
    this.store = store;
    this.dms = dms;
    this.callees = callees;
    this.numbers = numbers;
    this.ghosts = ghosts;
    this.blocking = blocking;
    this.scheduler = scheduler;
    this.random = random;
    this.lifetime = lifetime;
    this.candidateWait = candidateWait;
    this.loop = new SerialExecutor(blocking);
    this.storeWriter = new SerialExecutor(blocking);
    this.desks = new DeskLegs(sip, media, deskPhones, random, loop);
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
    return new Glare.Side() {
      @Override
      public Optional<String> unanswered(RoomId room, UserId user, UserId ghost) {
        return byMatrixCall.values().stream()
            .filter(c -> room.equals(c.room) && user.equals(c.matrixUser) && ghost.equals(c.ghost)
                && (c.state == IncomingCall.State.OFFERING || c.state == IncomingCall.State.RINGING))
            .map(c -> c.matrixCallId).findFirst();
      }

      @Override
      public void abort(RoomId room, String callId) {
        loop.execute(() -> {
          IncomingCall call = byMatrixCall.get(key(room, callId));
          if (call != null && (call.state == IncomingCall.State.OFFERING
              || call.state == IncomingCall.State.RINGING)) {
            log.info("Glare: {} lost to the Matrix user's call; the phone gets 486", call);
            respond(call.inviteTx, call.invite, Response.BUSY_HERE, call.localTag, null);
            end(call, "user_hangup", true);
          }
        });
      }
    };
  }

  /** Whether a SIP message (by Call-ID) belongs to a desk phone leg. */
  public boolean ownsDeskLeg(String sipCallId) {
    return desks.owns(sipCallId);
  }

  public void onDeskResponse(javax.sip.ResponseEvent event) {
    desks.onResponse(event);
  }

  public void onDeskTimeout(javax.sip.TimeoutEvent event) {
    desks.onTimeout(event);
  }

  public void onDeskBye(RequestEvent event) {
    desks.onBye(event);
  }

  /** The desk phone answered first: the caller gets its answer, Matrix clients stop ringing. */
  private void answeredByDesk(IncomingCall call, String callerSdp) {
    if (call.state != IncomingCall.State.OFFERING && call.state != IncomingCall.State.RINGING) {
      desks.hangUp(call);
      return;
    }
    call.timer(null);
    call.answeredByDesk = true;
    call.dialog = call.inviteTx.getDialog();
    if (!respond(call.inviteTx, call.invite, Response.OK, call.localTag, AudioOnly.restore(callerSdp, call.offer))) {
      end(call, "unknown_error", true);
      return;
    }
    call.state = IncomingCall.State.ANSWERED;
    call.timer(scheduler.schedule(() -> loop.execute(() -> durationLimit(call)), limits.maxDuration().toMillis(),
        TimeUnit.MILLISECONDS));
    log.info("Answered on the desk phone: {}", call);
    media.delete(call.sipCallId, call.remoteTag).whenComplete((v, err) -> {
      if (err != null) {
        log.debug("rtpengine delete of the Matrix side of {}: {}", call, rootMessage(err));
      }
    });
    if (call.room != null) {
      persist(call);
      // A party id no Matrix device has: every device stops ringing, the call was answered elsewhere.
      ObjectNode select = content(call).put("selected_party_id", DESK_PARTY_ID);
      intents.ghost(call.ghost).sendEvent(call.room, "m.call.select_answer", select, txnKey(call, "select"),
          Optional.empty()).whenComplete((id, e) -> {
            if (e != null) {
              log.warn("Could not send select_answer of {}: {}", call, rootMessage(e));
            }
          });
    }
  }

  private static String key(RoomId room, String callId) {
    return room.value() + " " + callId;
  }

  /** True when the SIP dialog with this Call-ID is a call from a phone. */
  /** The answered call with this SIP Call-ID, for renegotiation. */
  public Optional<Session> session(String sipCallId) {
    return sessionOf(bySipCallId.get(sipCallId));
  }

  /** The answered call with this Matrix call id in this room. */
  public Optional<Session> session(RoomId room, String matrixCallId) {
    return sessionOf(byMatrixCall.get(key(room, matrixCallId)));
  }

  private Optional<Session> sessionOf(IncomingCall c) {
    if (c == null || c.state != IncomingCall.State.ANSWERED || c.dialog == null || c.answeredByDesk) {
      return Optional.empty();
    }
    return Optional.of(new Session(c.sipCallId, c.localTag, c.remoteTag, c.dialog, c.room, c.matrixCallId,
        c.matrixUser, c.ghost, c.ghostPartyId, CONTACT_USER));
  }

  public boolean knowsSipCall(String sipCallId) {
    return bySipCallId.containsKey(sipCallId);
  }

  /** True when {@code call_id} in {@code room} is a call from a phone; its Matrix events go here. */
  public boolean knowsMatrixCall(RoomId room, String callId) {
    return byMatrixCall.containsKey(key(room, callId));
  }

  // ---- SIP side

  public void onInvite(RequestEvent event) {
    loop.execute(() -> invite(event));
  }

  private void invite(RequestEvent event) {
    Request request = event.getRequest();
    String sipCallId = ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId();
    if (bySipCallId.containsKey(sipCallId)) {
      return; // a retransmission; or a re-INVITE, which is not supported yet (the transaction layer answers it)
    }
    ServerTransaction tx;
    try {
      tx = event.getServerTransaction() != null ? event.getServerTransaction()
          : sip.provider().getNewServerTransaction(request);
    } catch (TransactionAlreadyExistsException retransmission) {
      return;
    } catch (Exception e) {
      log.warn("No server transaction for INVITE {}: {}", sipCallId, e.toString());
      return;
    }
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
    byte[] body = request.getRawContent();
    if (body == null || body.length == 0) {
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
    IncomingCall call = new IncomingCall(callee.get(), ghost, caller.get(), "sip-" + RandomTokens.hex(random, 12), RandomTokens.hex(random, 8),
        sipCallId, from.getTag(), RandomTokens.hex(random, 6), tx, request,
        AudioOnly.strip(new String(body, StandardCharsets.UTF_8)), lifetime.toMillis());
    bySipCallId.put(sipCallId, call);
    log.info("Incoming {}", call);
    desks.ring(call, call.offer.sdp());
    CompletableFuture<String> offer = media.offer(sipCallId, call.remoteTag, call.offer.sdp(),
        MediaFlags.towardMatrix());
    CompletableFuture<RoomId> room = dms.openOrFind(ghost, callee.get(), caller.get().display());
    offer.thenCombine(room, (sdp, r) -> Map.entry(r, sdp)).whenCompleteAsync((ready, err) -> {
      if (call.state != IncomingCall.State.OFFERING) {
        return; // cancelled meanwhile
      }
      if (err != null) {
        log.warn("Could not ring {}: {}", call, rootMessage(err));
        respond(tx, request, Response.SERVER_INTERNAL_ERROR, call.localTag, null);
        end(call, "unknown_error", false);
        return;
      }
      ringMatrix(call, ready.getKey(), ready.getValue());
    }, loop);
  }

  private void ringMatrix(IncomingCall call, RoomId room, String matrixSdp) {
    call.room = room;
    byMatrixCall.put(key(room, call.matrixCallId), call);
    // Registered before looking: of two crossing calls, at least one side sees the other (both may; the rule
    // gives the same answer on both).
    Optional<String> crossing = outbound.unanswered(room, call.matrixUser, call.ghost);
    if (crossing.isPresent()) {
      if (Glare.keeps(crossing.get(), call.matrixCallId)) {
        log.info("Glare: {} crosses the Matrix call {}, whose call id is lesser: the phone gets 486", call,
            crossing.get());
        byMatrixCall.remove(key(room, call.matrixCallId), call);
        call.room = null; // never announced in the room
        respond(call.inviteTx, call.invite, Response.BUSY_HERE, call.localTag, null);
        end(call, "user_busy", false);
        return;
      }
      log.info("Glare: {} crosses the Matrix call {}, whose call id is greater: that one is aborted", call,
          crossing.get());
      outbound.abort(room, crossing.get());
    }
    storeWriter.execute(() -> {
      try {
        store.insertInbound(call);
      } catch (RuntimeException e) {
        log.warn("Could not record {}: {}", call, e.toString());
      }
    });
    ObjectNode invite = content(call).put("lifetime", call.lifetimeMs).put("invitee", call.matrixUser.value());
    invite.putObject("offer").put("type", "offer").put("sdp", matrixSdp);
    ObjectNode candidates = content(call);
    // rtpengine's offer carries all its candidates; this tells the client no more are coming.
    candidates.putArray("candidates").addObject().put("candidate", "").put("sdpMid", "0").put("sdpMLineIndex", 0);
    var ghost = intents.ghost(call.ghost);
    ghost.sendEvent(room, "m.call.invite", invite, txnKey(call, "invite"), Optional.empty())
        .thenCompose(id -> ghost.sendEvent(room, "m.call.candidates", candidates, txnKey(call, "candidates"),
            Optional.empty()))
        .whenCompleteAsync((id, err) -> {
          if (call.state != IncomingCall.State.OFFERING) {
            return;
          }
          if (err != null) {
            log.warn("Could not send the invite of {} to Matrix: {}", call, rootMessage(err));
            respond(call.inviteTx, call.invite, Response.SERVER_INTERNAL_ERROR, call.localTag, null);
            end(call, "unknown_error", false);
            return;
          }
          call.state = IncomingCall.State.RINGING;
          persist(call);
          respond(call.inviteTx, call.invite, Response.RINGING, call.localTag, null);
          call.timer(scheduler.schedule(() -> loop.execute(() -> expire(call)), call.lifetimeMs,
              TimeUnit.MILLISECONDS));
        }, loop);
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
      respond(call.inviteTx, call.invite, Response.TEMPORARILY_UNAVAILABLE, call.localTag, null);
      end(call, "invite_timeout", true);
    }
  }

  /** CANCEL from the phone: 200 for the CANCEL, 487 for the INVITE, and the Matrix call is hung up. */
  public void onCancel(RequestEvent event) {
    loop.execute(() -> {
      String sipCallId = ((CallIdHeader) event.getRequest().getHeader(CallIdHeader.NAME)).getCallId();
      IncomingCall call = bySipCallId.get(sipCallId);
      if (call == null || call.state == IncomingCall.State.ANSWERED || call.state == IncomingCall.State.ENDED) {
        sip.respond(event, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
        return;
      }
      sip.respond(event, Response.OK);
      respond(call.inviteTx, call.invite, Response.REQUEST_TERMINATED, call.localTag, null);
      log.info("The phone gave up on {}", call);
      end(call, "user_hangup", call.state != IncomingCall.State.OFFERING);
    });
  }

  /** BYE from the phone for one of its calls. */
  public void onBye(RequestEvent event) {
    loop.execute(() -> {
      String sipCallId = ((CallIdHeader) event.getRequest().getHeader(CallIdHeader.NAME)).getCallId();
      IncomingCall call = bySipCallId.get(sipCallId);
      if (call == null) {
        sip.respond(event, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
        return;
      }
      sip.respond(event, Response.OK);
      log.info("The phone hung up {}", call);
      end(call, "user_hangup", true);
    });
  }

  // ---- Matrix side

  /** {@code m.call.answer}, {@code m.call.candidates}, {@code m.call.reject} or {@code m.call.hangup}. */
  public CompletableFuture<Void> onMatrixEvent(MatrixEvent event) {
    loop.execute(() -> matrixEvent(event));
    return CompletableFuture.completedFuture(null);
  }

  private void matrixEvent(MatrixEvent event) {
    JsonNode c = event.content();
    IncomingCall call = byMatrixCall.get(key(event.roomId(), c.path("call_id").asText("")));
    if (call == null || call.state == IncomingCall.State.ENDED || !event.sender().equals(call.matrixUser)
        || call.answeredByDesk) {
      return;
    }
    String party = c.path("party_id").asText("");
    switch (event.type()) {
      case "m.call.answer" -> answer(call, party, c.path("answer").path("sdp").asText(""));
      case "m.call.candidates" -> candidates(call, party, c.path("candidates"));
      case "m.call.reject" -> {
        if (call.state == IncomingCall.State.RINGING || call.state == IncomingCall.State.OFFERING) {
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
    respond(call.inviteTx, call.invite, Response.DECLINE, call.localTag, null);
    end(call, "user_hangup", false);
  }

  private void answer(IncomingCall call, String party, String sdp) {
    // OFFERING too: a client may answer as soon as it sees the invite, before our end-of-candidates is sent and the
    // phone told 180; dropping that answer left the phone ringing until it gave up.
    boolean open = call.state == IncomingCall.State.RINGING || call.state == IncomingCall.State.OFFERING;
    if (!open || sdp.isEmpty()) {
      return; // another device answered first; the select_answer we sent tells it
    }
    if (call.state == IncomingCall.State.OFFERING) {
      // The 180 that ringMatrix sends once the invite is in the room would now be skipped; phones (and SIPp
      // scenarios) expect ringing before the answer, so it goes out here.
      respond(call.inviteTx, call.invite, Response.RINGING, call.localTag, null);
    }
    desks.hangUp(call); // the Matrix user took it: the desk phone stops ringing
    call.answerPartyId = party;
    call.answerSdp = sdp;
    call.state = IncomingCall.State.GATHERING;
    if (SdpCandidates.complete(sdp)) {
      answerMedia(call);
    } else {
      call.timer(scheduler.schedule(() -> loop.execute(() -> answerMedia(call)), candidateWait.toMillis(),
          TimeUnit.MILLISECONDS));
    }
  }

  private void candidates(IncomingCall call, String party, JsonNode candidates) {
    if (call.answerPartyId == null || !party.equals(call.answerPartyId)) {
      return; // not from the device that answered
    }
    Trickled t = Trickled.of(candidates, SdpCandidates.audioMid(call.answerSdp));
    if (call.state != IncomingCall.State.GATHERING) {
      // The answer went to rtpengine: later candidates go to the Matrix side's ICE agent as a fragment.
      SdpCandidates.fragment(call.answerSdp, t.lines(), t.end()).ifPresent(fragment ->
          media.trickle(call.sipCallId, call.localTag, fragment).whenComplete((v, err) -> {
            if (err != null) {
              log.warn("rtpengine refused trickled candidates of {}: {}", call, rootMessage(err));
            }
          }));
      return;
    }
    call.answerCandidates.addAll(t.lines());
    if (t.end()) {
      answerMedia(call);
    }
  }

  private void answerMedia(IncomingCall call) {
    if (call.state != IncomingCall.State.GATHERING) {
      return;
    }
    call.state = IncomingCall.State.ANSWERING;
    call.timer(null);
    String sdp = call.answerCandidates.isEmpty() ? call.answerSdp
        : SdpCandidates.withCandidates(call.answerSdp, call.answerCandidates);
    media.answer(call.sipCallId, call.remoteTag, call.localTag, sdp, MediaFlags.towardSip())
        .whenCompleteAsync((phoneSdp, err) -> {
          if (call.state != IncomingCall.State.ANSWERING) {
            return;
          }
          if (err != null) {
            log.warn("rtpengine refused the answer of {}: {}", call, rootMessage(err));
            respond(call.inviteTx, call.invite, Response.NOT_ACCEPTABLE_HERE, call.localTag, null);
            end(call, "user_media_failed", true);
            return;
          }
          call.dialog = call.inviteTx.getDialog();
          if (!respond(call.inviteTx, call.invite, Response.OK, call.localTag,
              AudioOnly.restore(phoneSdp, call.offer))) {
            end(call, "unknown_error", true);
            return;
          }
          call.state = IncomingCall.State.ANSWERED;
          call.timer(scheduler.schedule(() -> loop.execute(() -> durationLimit(call)),
              limits.maxDuration().toMillis(), TimeUnit.MILLISECONDS));
          persist(call);
          log.info("Answered: {}", call);
          ObjectNode select = content(call).put("selected_party_id", call.answerPartyId);
          intents.ghost(call.ghost).sendEvent(call.room, "m.call.select_answer", select, txnKey(call, "select"),
              Optional.empty()).whenComplete((id, e) -> {
                if (e != null) {
                  log.warn("Could not send select_answer of {}: {}", call, rootMessage(e));
                }
              });
        }, loop);
  }

  private void bye(IncomingCall call) {
    try {
      var dialog = call.dialog != null ? call.dialog : call.inviteTx.getDialog();
      Request bye = dialog.createRequest(Request.BYE);
      sip.stamp(bye);
      ClientTransaction tx = sip.provider().getNewClientTransaction(bye);
      dialog.sendRequest(tx);
    } catch (Exception e) {
      log.warn("Could not send BYE for {}: {}", call, e.toString());
    }
  }

  // ---- ending

  private void end(IncomingCall call, String reason, boolean tellMatrix) {
    if (call.state == IncomingCall.State.ENDED) {
      return;
    }
    boolean invited = call.room != null;
    call.state = IncomingCall.State.ENDED;
    call.hangupReason = reason;
    call.timer(null);
    limits.release(call.sipCallId);
    desks.hangUp(call);
    if (invited) {
      persist(call);
    }
    if (!call.answeredByDesk) { // else the Matrix side's media went when the desk phone answered
      media.delete(call.sipCallId, call.remoteTag).whenComplete((v, err) -> {
        if (err != null) {
          log.debug("rtpengine delete for {}: {}", call, rootMessage(err));
        }
      });
    }
    if (tellMatrix && invited) {
      ObjectNode hangup = content(call).put("reason", reason);
      intents.ghost(call.ghost).sendEvent(call.room, "m.call.hangup", hangup, txnKey(call, "hangup"),
          Optional.empty()).whenComplete((id, err) -> {
            if (err != null) {
              log.warn("Could not send the hangup of {} to Matrix: {}", call, rootMessage(err));
            }
          });
    }
    // Keep the call findable for a little while: late retransmissions and the Matrix echo of our hangup.
    scheduler.schedule(() -> {
      bySipCallId.remove(call.sipCallId, call);
      desks.release(call);
      if (call.room != null) {
        byMatrixCall.remove(key(call.room, call.matrixCallId), call);
      }
    }, 32, TimeUnit.SECONDS);
  }

  private ObjectNode content(IncomingCall call) {
    return JSON.objectNode().put("call_id", call.matrixCallId).put("party_id", call.ghostPartyId)
        .put("version", "1");
  }

  /**
   * Answers the INVITE (or any request) on its server transaction. Responses other than 100 carry our To tag;
   * 1xx/2xx with a tag carry our Contact. Returns false when it could not be sent.
   */
  private boolean respond(ServerTransaction tx, Request request, int status, String toTag, String sdp) {
    try {
      Response r = sip.messages().createResponse(status, request);
      if (toTag != null) {
        ToHeader to = (ToHeader) r.getHeader(ToHeader.NAME);
        if (to.getTag() == null) {
          to.setTag(toTag);
        }
        if (status < 300) {
          String transport = ((ViaHeader) request.getHeader(ViaHeader.NAME)).getTransport();
          r.addHeader(sip.contact(CONTACT_USER, transport.toLowerCase(java.util.Locale.ROOT)));
        }
      }
      if (sdp != null) {
        r.setContent(sdp.getBytes(StandardCharsets.UTF_8), sip.headers().createContentTypeHeader("application",
            "sdp"));
      }
      sip.stamp(r);
      tx.sendResponse(r);
      return true;
    } catch (Exception e) {
      log.warn("Could not answer INVITE {} with {}: {}", ((CallIdHeader) request.getHeader(CallIdHeader.NAME))
          .getCallId(), status, e.toString());
      return false;
    }
  }

  private static String txnKey(IncomingCall call, String what) {
    return "sip/in/" + call.sipCallId + "/" + what;
  }

  private void persist(IncomingCall call) {
    storeWriter.execute(() -> {
      try {
        store.updateInbound(call);
      } catch (RuntimeException e) {
        log.warn("Could not record the state of {}: {}", call, e.toString());
      }
    });
  }
}
