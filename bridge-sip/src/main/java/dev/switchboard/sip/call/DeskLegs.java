package dev.switchboard.sip.call;

import static dev.switchboard.core.failure.Failures.rootMessage;

import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.deskphone.DeskPhones;
import dev.switchboard.sip.media.MediaFlags;
import dev.switchboard.sip.signalling.SipSignalling;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
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
 * The second leg of a phone's call to a Matrix user who has a registered desk phone: the desk phone rings beside
 * the user's Matrix clients, and whichever answers first takes the call. The desk leg has its own rtpengine call
 * ({@code <Call-ID>/desk}, plain RTP both ways) fed with the caller's offer, so neither leg's media depends on the
 * other's; the loser's rtpengine call is deleted. Runs on the loop of {@link IncomingCalls}.
 */
final class DeskLegs {
  private static final Logger log = LoggerFactory.getLogger(DeskLegs.class);
  private static final String CONTACT_USER = "switchboard";

  /** What the call side does when the desk phone answers or hangs up. */
  interface Outcome {
    void deskAnswered(IncomingCall call, String callerSdp);

    void deskHungUp(IncomingCall call);
  }

  /** One ringing or answered desk leg. */
  static final class Leg {
    final IncomingCall call;
    final String callId;
    final String localTag;
    final DeskPhones.Binding phone;
    ClientTransaction invite;
    Dialog dialog;
    String remoteTag;
    boolean answered;
    boolean ended;

    Leg(IncomingCall call, String callId, String localTag, DeskPhones.Binding phone) {
      this.call = call;
      this.callId = callId;
      this.localTag = localTag;
      this.phone = phone;
    }

    String mediaId() {
      return call.sipCallId() + "/desk";
    }
  }

  private final SipSignalling sip;
  private final CallMedia media;
  private final Function<UserId, Optional<DeskPhones.Binding>> phones;
  private final RandomGenerator random;
  private final CallLoop loop;
  private final Map<String, Leg> byCallId = new ConcurrentHashMap<>();
  private Outcome outcome;

  DeskLegs(SipSignalling sip, CallMedia media, Function<UserId, Optional<DeskPhones.Binding>> phones,
      RandomGenerator random, CallLoop loop) {
    this.sip = sip;
    this.media = media;
    this.phones = phones;
    this.random = random;
    this.loop = loop;
  }

  void outcome(Outcome outcome) {
    this.outcome = outcome;
  }

  /** Rings the callee's desk phone, if one is registered; the leg is kept in {@code call.desk}. */
  void ring(IncomingCall call, String callerSdp) {
    Optional<DeskPhones.Binding> phone = phones.apply(call.matrixUser());
    if (phone.isEmpty()) {
      return;
    }
    Leg leg = new Leg(call, sip.newCallId().getCallId(), RandomTokens.hex(random, 6), phone.get());
    call.desk = leg;
    byCallId.put(leg.callId, leg);
    loop.then(media.ng().offer(leg.mediaId(), call.remoteTag(), callerSdp, MediaFlags.towardSip()),
        () -> !leg.ended, (deskSdp, err) -> {
          if (err != null) {
            log.warn("rtpengine refused the desk phone offer of {}: {}", call, rootMessage(err));
            forget(leg);
            return;
          }
          sendInvite(leg, deskSdp);
        });
  }

  private void sendInvite(Leg leg, String sdp) {
    try {
      var a = sip.addresses();
      var h = sip.headers();
      SipURI target = (SipURI) leg.phone.contact().clone();
      String transport = target.getTransportParam() == null ? sip.defaultTransport()
          : target.getTransportParam().toLowerCase(java.util.Locale.ROOT);
      // The caller shows as its number or address at the bridge: only a validated Dialable goes into the header.
      Dialable caller = leg.call.caller;
      String user = caller instanceof Dialable.Number n ? n.e164() : ((Dialable.SipAddress) caller).user();
      SipURI fromUri = a.createSipURI(user, sip.config().contactHost());
      SipURI toUri = a.createSipURI(leg.phone.username(), sip.config().contactHost());
      Request invite = sip.messages().createRequest(target, Request.INVITE, h.createCallIdHeader(leg.callId),
          h.createCSeqHeader(1L, Request.INVITE), h.createFromHeader(a.createAddress(fromUri), leg.localTag),
          h.createToHeader(a.createAddress(toUri), null), List.of(sip.via(transport)), h.createMaxForwardsHeader(70));
      invite.addHeader(sip.contact(CONTACT_USER, transport));
      sip.sdp(invite, sdp);
      sip.stamp(invite);
      leg.invite = sip.provider().getNewClientTransaction(invite);
      leg.dialog = leg.invite.getDialog();
      leg.invite.sendRequest();
      log.info("Ringing the desk phone of {} at {}", leg.call.matrixUser(), target);
    } catch (Exception e) {
      log.warn("Could not ring the desk phone of {}: {}", leg.call.matrixUser(), e.toString());
      forget(leg);
    }
  }

  boolean owns(String callId) {
    return callId != null && byCallId.containsKey(callId);
  }

  void onResponse(ResponseEvent event) {
    loop.execute(() -> response(event));
  }

  private void response(ResponseEvent event) {
    Response r = event.getResponse();
    Leg leg = byCallId.get(SipSignalling.callIdOf(r));
    CSeqHeader cseq = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
    if (leg == null || !Request.INVITE.equals(cseq.getMethod()) || r.getStatusCode() < 200) {
      return;
    }
    if (r.getStatusCode() >= 300) {
      if (!leg.ended) {
        log.info("The desk phone of {} answered {}", leg.call.matrixUser(), r.getStatusCode());
      }
      forget(leg);
      return;
    }
    Dialog dialog = event.getDialog() != null ? event.getDialog() : leg.dialog;
    try {
      sip.ack(dialog, r);
    } catch (Exception e) {
      log.warn("Could not ACK the desk phone of {}: {}", leg.call.matrixUser(), e.toString());
    }
    leg.dialog = dialog;
    if (leg.answered) {
      return; // a retransmitted 200 OK
    }
    leg.answered = true;
    IncomingCall call = leg.call;
    boolean open = !leg.ended && call.unanswered();
    if (!open) {
      bye(leg); // the Matrix user answered (or the caller left) while the desk phone was picking up
      forget(leg);
      return;
    }
    leg.remoteTag = ((ToHeader) r.getHeader(ToHeader.NAME)).getTag();
    String deskSdp = SipSignalling.sdpOf(r);
    loop.then(media.ng().answer(leg.mediaId(), call.remoteTag(), leg.remoteTag, deskSdp, MediaFlags.towardSip()),
        () -> !leg.ended, (callerSdp, err) -> {
          if (err != null) {
            log.warn("rtpengine refused the desk phone answer of {}: {}", call, rootMessage(err));
            bye(leg);
            forget(leg);
            return;
          }
          outcome.deskAnswered(call, callerSdp);
        });
  }

  void onTimeout(TimeoutEvent event) {
    loop.execute(() -> {
      Leg leg = byCallId.get(SipSignalling.callIdOf(event.getClientTransaction().getRequest()));
      if (leg != null && !leg.answered && event.getClientTransaction() == leg.invite) {
        log.info("The desk phone of {} did not answer the INVITE", leg.call.matrixUser());
        forget(leg);
      }
    });
  }

  /** BYE from the desk phone. */
  void onBye(RequestEvent event) {
    loop.execute(() -> {
      Leg leg = byCallId.get(SipSignalling.callIdOf(event.getRequest()));
      sip.respond(event, leg == null ? Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST : Response.OK);
      if (leg != null && !leg.ended) {
        forget(leg);
        outcome.deskHungUp(leg.call);
      }
    });
  }

  /** Lets the desk phone go: CANCEL while it rings, BYE once it answered. */
  void hangUp(IncomingCall call) {
    Leg leg = call.desk;
    if (leg == null || leg.ended) {
      return;
    }
    if (leg.answered) {
      bye(leg);
    } else if (leg.invite != null) {
      try {
        sip.cancel(leg.invite);
      } catch (Exception e) {
        log.debug("CANCEL toward the desk phone of {}: {}", call.matrixUser(), e.toString());
      }
    }
    forget(leg);
  }

  private void bye(Leg leg) {
    try {
      sip.bye(leg.dialog);
    } catch (Exception e) {
      log.warn("Could not send BYE to the desk phone of {}: {}", leg.call.matrixUser(), e.toString());
    }
  }

  /** Ends the leg here and in rtpengine, unless the call lives on it. */
  private void forget(Leg leg) {
    if (leg.ended) {
      return;
    }
    leg.ended = true;
    media.delete(leg.mediaId(), leg.call.remoteTag(), "the desk leg of " + leg.call);
  }

  /** Drops the leg from the index once the call is over (late responses, like the 487 to a CANCEL, are done). */
  void release(IncomingCall call) {
    if (call.desk != null) {
      byCallId.remove(call.desk.callId, call.desk);
    }
  }
}
