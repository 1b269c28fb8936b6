package dev.switchboard.sip.text;

import static dev.switchboard.core.failure.Failures.rootMessage;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.RemoteUnavailableException;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.media.MediaLinks;
import dev.switchboard.sip.address.Callees;
import dev.switchboard.sip.address.Callers;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.address.GhostNames;
import dev.switchboard.sip.address.PhoneNumbers;
import dev.switchboard.sip.dialplan.Decision;
import dev.switchboard.sip.dialplan.SipGuard;
import dev.switchboard.sip.dm.DmRooms;
import dev.switchboard.sip.signalling.SipSignalling;
import dev.switchboard.sip.signalling.Targets;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import javax.sip.ClientTransaction;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.TimeoutEvent;
import javax.sip.address.SipURI;
import javax.sip.address.TelURL;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.FromHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Texts between Matrix and phones: SIP {@code MESSAGE} (RFC 3428) with a {@code text/plain} body ↔ {@code m.text} in
 * the DM of the user and the ghost. A phone's MESSAGE gets {@code 200} once the ghost's event is in the room (so a
 * failure reaches the sender as {@code 500}); a Matrix text goes out as a MESSAGE that answers one digest challenge,
 * and its outcome shows as the ghost's read receipt (delivered) or a notice from the ghost (not delivered). The
 * event is done when the MESSAGE has its final answer (see {@link #onMatrixMessage}).
 */
public final class Texts {
  private static final Logger log = LoggerFactory.getLogger(Texts.class);
  /** RFC 3428 section 7: a MESSAGE must stay well under the path MTU over UDP; TCP takes more, but not unbounded. */
  static final int MAX_BODY_BYTES = 16 * 1024;

  private final SipSignalling sip;
  private final Targets targets;
  private final Intents intents;
  private final DmRooms dms;
  private final Callees callees;
  private final PhoneNumbers numbers;
  private final GhostNames ghosts;
  private final RandomGenerator random;
  private final Runnable delivered;
  private final SipGuard guard;
  private final BooleanSupplier trunkUnreachable;
  private final FileTexts files;
  /** Our MESSAGEs awaiting a final answer, by Call-ID. */
  private final Map<String, Outgoing> outgoing = new ConcurrentHashMap<>();

  private static final class Outgoing {
    final RoomId room;
    final EventId event;
    final UserId ghost;
    /** Completes with the final answer; fails when the event should be held and sent again. */
    final CompletableFuture<Void> done = new CompletableFuture<>();
    ClientTransaction tx;
    boolean challenged;

    Outgoing(RoomId room, EventId event, UserId ghost) {
      this.room = room;
      this.event = event;
      this.ghost = ghost;
    }
  }

  /**
   * @param guard decides whether a Matrix user's text may go (level, dial plan, rate limits)
   * @param trunkUnreachable true while the trunk keepalive says the trunk does not answer
   * @param delivered runs once for each Matrix text the far end accepted (2xx), for the meters
   * @param links the links phones get for Matrix files
   */
  public Texts(SipSignalling sip, Intents intents, DmRooms dms, Callees callees, PhoneNumbers numbers,
      GhostNames ghosts, RandomGenerator random, SipGuard guard, BooleanSupplier trunkUnreachable,
      Runnable delivered, MediaLinks links) {
    this.delivered = delivered;
    this.sip = sip;
    this.targets = new Targets(sip);
    this.intents = intents;
    this.dms = dms;
    this.callees = callees;
    this.numbers = numbers;
    this.ghosts = ghosts;
    this.random = random;
    this.guard = guard;
    this.trunkUnreachable = trunkUnreachable;
    this.files = new FileTexts(links);
  }

  // ---- phone → Matrix

  /** A MESSAGE from a phone. */
  public void onMessage(RequestEvent event) {
    sip.serverTransaction(event).ifPresent(tx -> message(tx, event.getRequest()));
  }

  private void message(ServerTransaction tx, Request request) {
    String sipCallId = ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId();
    Optional<UserId> user = callees.calleeOf(userOf(request.getRequestURI()));
    if (user.isEmpty()) {
      log.info("MESSAGE {} for '{}', which is no Matrix user of ours", sipCallId, userOf(request.getRequestURI()));
      sip.respond(tx, request, Response.NOT_FOUND);
      return;
    }
    FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
    Optional<Dialable> sender = Callers.of(from.getAddress().getURI(), numbers);
    if (sender.isEmpty()) {
      log.info("MESSAGE {} from {}, which names no number or SIP address", sipCallId, from.getAddress());
      sip.respond(tx, request, Response.FORBIDDEN);
      return;
    }
    Optional<String> text = plainText(request);
    if (text.isEmpty()) {
      log.info("MESSAGE {} from {} is not text/plain of at most {} bytes: refused", sipCallId, sender.get(),
          MAX_BODY_BYTES);
      sip.respond(tx, request, Response.UNSUPPORTED_MEDIA_TYPE);
      return;
    }
    UserId ghost = ghosts.ghostOf(sender.get());
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", text.get());
    // A retransmission after a crash carries the same Call-ID and CSeq: the same transaction id, one event.
    String txnKey = "sip/message/" + sipCallId + "/" + ((CSeqHeader) request.getHeader(CSeqHeader.NAME)).getSeqNumber();
    dms.openOrFind(ghost, user.get(), sender.get())
        .thenCompose(room -> intents.ghost(ghost).sendMessage(room, content, txnKey))
        .whenComplete((id, err) -> {
          if (err != null) {
            log.warn("Could not pass the MESSAGE {} from {} to {}: {}", sipCallId, sender.get(), user.get(),
                rootMessage(err));
            sip.respond(tx, request, Response.SERVER_INTERNAL_ERROR);
          } else {
            sip.respond(tx, request, Response.OK);
          }
        });
  }

  private static String userOf(URI uri) {
    return uri instanceof SipURI s ? s.getUser() : uri instanceof TelURL t ? t.getPhoneNumber() : null;
  }

  /** The body when it is {@code text/plain} (no Content-Type counts as text, RFC 3428 leaves it to us). */
  private static Optional<String> plainText(Request request) {
    byte[] body = request.getRawContent();
    if (body == null || body.length == 0 || body.length > MAX_BODY_BYTES) {
      return Optional.empty();
    }
    ContentTypeHeader type = (ContentTypeHeader) request.getHeader(ContentTypeHeader.NAME);
    Charset charset = StandardCharsets.UTF_8;
    if (type != null) {
      if (!type.getContentType().equalsIgnoreCase("text") || !type.getContentSubType().equalsIgnoreCase("plain")) {
        return Optional.empty();
      }
      String declared = type.getParameter("charset");
      if (declared != null) {
        try {
          charset = Charset.forName(declared.replace("\"", ""));
        } catch (IllegalArgumentException unknown) {
          return Optional.empty();
        }
      }
    }
    // Some phones end the text with a line break; in a chat line it is noise.
    String text = new String(body, charset).stripTrailing();
    return text.isEmpty() ? Optional.empty() : Optional.of(text);
  }


  // ---- Matrix → phone

  /**
   * {@code m.room.message} in the DM of {@code user} with {@code ghost}. Text, notices and emotes go out, files as
   * their name and link; other message types (locations, encrypted files) are answered with a notice that they
   * cannot be sent. The future is the event's
   * delivery (DESIGN.md "Data flow"): it completes when the MESSAGE has its final answer (2xx: delivered; 3xx-6xx: the
   * user gets a notice and the event is done, a repeat would get the same answer) or when the guard refused it (with
   * a notice); it fails with {@link RemoteUnavailableException} when the far end does not answer, the request cannot
   * be sent, or the trunk is known to be down, so the dispatcher holds the event and sends it again later.
   */
  public CompletableFuture<Void> onMatrixMessage(MatrixEvent event, UserId ghost, Dialable to) {
    String msgtype = event.content().path("msgtype").asText("");
    String body = event.content().path("body").asText("");
    if (body.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String text = switch (msgtype) {
      case "m.text", "m.notice" -> body;
      case "m.emote" -> "* " + body;
      default -> FileTexts.isFile(msgtype) ? files.text(event.content()).orElse(null) : null;
    };
    if (text == null) {
      notDelivered(event.roomId(), ghost, event.eventId(), "only text and unencrypted files can be sent to "
          + to.display());
      return CompletableFuture.completedFuture(null);
    }
    if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
      notDelivered(event.roomId(), ghost, event.eventId(), "too long for a SIP MESSAGE (at most "
          + MAX_BODY_BYTES + " bytes)");
      return CompletableFuture.completedFuture(null);
    }
    return guard.text(event.sender(), to, event.eventId().value()).thenCompose(decision -> {
      if (decision instanceof Decision.Refused refused) {
        tell(event.roomId(), ghost, event.eventId(), refused.notice());
        return CompletableFuture.completedFuture(null);
      }
      return send(event, ghost, to, text);
    });
  }

  private CompletableFuture<Void> send(MatrixEvent event, UserId ghost, Dialable to, String text) {
    if (to instanceof Dialable.Number && trunkUnreachable.getAsBoolean()) {
      // The keepalive says the trunk does not answer: hold the text rather than wait 32 s for each one to time out.
      return CompletableFuture.failedFuture(new RemoteUnavailableException("the SIP trunk does not answer"));
    }
    Request message;
    try {
      SipURI target = targets.requestUri(to);
      String transport = targets.transport(to);
      var h = sip.headers();
      message = sip.messages().createRequest(target, Request.MESSAGE, sip.newCallId(),
          h.createCSeqHeader(1L, Request.MESSAGE), targets.from(to, Long.toHexString(random.nextLong())),
          h.createToHeader(sip.addresses().createAddress(target), null), List.of(sip.via(transport)),
          h.createMaxForwardsHeader(70));
      sip.stamp(message);
      message.setContent(text.getBytes(StandardCharsets.UTF_8), h.createContentTypeHeader("text", "plain"));
      ((ContentTypeHeader) message.getHeader(ContentTypeHeader.NAME)).setParameter("charset", "UTF-8");
    } catch (Exception e) {
      // No trunk for a number, or an address the stack cannot write: the same every time, so the event is done.
      log.warn("Could not build a MESSAGE for {} in {} to {}: {}", event.eventId(), event.roomId(), to, e.toString());
      notDelivered(event.roomId(), ghost, event.eventId(), "the bridge could not send it");
      return CompletableFuture.completedFuture(null);
    }
    Outgoing out = new Outgoing(event.roomId(), event.eventId(), ghost);
    String callId = ((CallIdHeader) message.getHeader(CallIdHeader.NAME)).getCallId();
    try {
      synchronized (out) {
        out.tx = sip.provider().getNewClientTransaction(message);
        outgoing.put(callId, out);
        out.tx.sendRequest();
      }
      log.debug("MESSAGE {} to {} for {}", callId, to, event.eventId());
    } catch (Exception e) {
      // A TCP connection refused, no route: the far end may be back later.
      outgoing.remove(callId);
      log.info("Could not send {} in {} to {} as a MESSAGE ({}): held for a retry", event.eventId(), event.roomId(),
          to, e.toString());
      out.done.completeExceptionally(new RemoteUnavailableException("cannot send the MESSAGE to " + to.display(), e));
    }
    return out.done;
  }

  /** Whether a response belongs to one of our MESSAGEs. */
  public boolean owns(CallIdHeader callId) {
    return callId != null && outgoing.containsKey(callId.getCallId());
  }

  public void onResponse(ResponseEvent event) {
    Response r = event.getResponse();
    String callId = ((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId();
    Outgoing out = outgoing.get(callId);
    if (out == null) {
      return;
    }
    synchronized (out) {
      if (event.getClientTransaction() != out.tx) {
        return; // an answer to the attempt we replaced
      }
      int status = r.getStatusCode();
      if (status < 200) {
        return;
      }
      if ((status == 401 || status == 407) && !out.challenged) {
        out.challenged = true;
        try {
          out.tx = sip.answerChallenge(r, out.tx);
          return;
        } catch (Exception e) {
          log.warn("Could not answer the digest challenge for MESSAGE {}: {}", callId, e.toString());
        }
      }
      outgoing.remove(callId);
      if (status < 300) {
        delivered.run();
        intents.ghost(out.ghost).sendReadReceipt(out.room, out.event).whenComplete((v, err) -> {
          if (err != null) {
            log.debug("Receipt for delivered {}: {}", out.event, rootMessage(err));
          }
        });
      } else {
        log.info("MESSAGE for {} in {} refused: {} {}", out.event, out.room, status, r.getReasonPhrase());
        notDelivered(out.room, out.ghost, out.event, status + " " + r.getReasonPhrase());
      }
      out.done.complete(null);
    }
  }

  public void onTimeout(TimeoutEvent event) {
    String callId = ((CallIdHeader) event.getClientTransaction().getRequest().getHeader(CallIdHeader.NAME))
        .getCallId();
    Outgoing out = outgoing.get(callId);
    if (out != null && event.getClientTransaction() == out.tx) {
      outgoing.remove(callId);
      log.info("No answer to MESSAGE {} for {} in {}: held for a retry", callId, out.event, out.room);
      out.done.completeExceptionally(new RemoteUnavailableException("no answer to the MESSAGE"));
    }
  }

  private void notDelivered(RoomId room, UserId ghost, EventId event, String why) {
    tell(room, ghost, event, "Not delivered: " + why + ".");
  }

  /** A notice from the ghost, in reply to the user's text. */
  private void tell(RoomId room, UserId ghost, EventId event, String text) {
    ObjectNode notice = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice").put("body", text);
    notice.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", event.value());
    intents.ghost(ghost).sendMessage(room, notice, "sip/undelivered/" + event.value()).whenComplete((id, err) -> {
      if (err != null) {
        log.warn("Could not tell {} that {} was not delivered: {}", room, event, rootMessage(err));
      }
    });
  }
}
