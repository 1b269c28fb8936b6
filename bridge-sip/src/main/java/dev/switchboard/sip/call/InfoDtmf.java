package dev.switchboard.sip.call;

import static dev.switchboard.core.failure.Failures.rootMessage;

import dev.switchboard.sip.media.NgClient;
import dev.switchboard.sip.signalling.SipSignalling;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key presses a phone sends as SIP {@code INFO} ({@code application/dtmf-relay}: {@code Signal=5},
 * {@code Duration=160}; or {@code application/dtmf}: {@code 5}) instead of in the media: rtpengine plays them into
 * the phone's media toward Matrix ({@code play DTMF}), so the Matrix side hears them like RFC 4733 events, which
 * rtpengine passes through by itself.
 */
public final class InfoDtmf {
  private static final Logger log = LoggerFactory.getLogger(InfoDtmf.class);
  private static final int DEFAULT_MS = 250;

  private final SipSignalling sip;
  private final NgClient media;
  private final Sessions sessions;

  public InfoDtmf(SipSignalling sip, NgClient media, Sessions sessions) {
    this.sip = sip;
    this.media = media;
    this.sessions = sessions;
  }

  /** One key press from the phone. */
  public record Press(char code, int durationMs) {}

  public void onInfo(RequestEvent event) {
    sip.serverTransaction(event).ifPresent(tx -> info(tx, event.getRequest()));
  }

  private void info(ServerTransaction tx, Request request) {
    String callId = ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId();
    Optional<Session> session = sessions.bySipCallId(callId);
    if (session.isEmpty()) {
      sip.respond(tx, request, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
      return;
    }
    ContentTypeHeader type = (ContentTypeHeader) request.getHeader(ContentTypeHeader.NAME);
    byte[] body = request.getRawContent();
    Optional<Press> press = type == null || body == null ? Optional.empty()
        : parse(type.getContentType() + "/" + type.getContentSubType(), new String(body, StandardCharsets.UTF_8));
    if (press.isEmpty()) {
      // RFC 6086: an INFO package we do not know is refused without harm to the call.
      sip.respond(tx, request, Response.UNSUPPORTED_MEDIA_TYPE);
      return;
    }
    Session s = session.get();
    media.playDtmf(s.sipCallId(), s.phoneTag(), press.get().code(), press.get().durationMs())
        .whenComplete((v, err) -> {
          if (err != null) {
            log.warn("rtpengine could not play DTMF {} in {}: {}", press.get().code(), callId, rootMessage(err));
            sip.respond(tx, request, Response.SERVER_INTERNAL_ERROR);
          } else {
            log.debug("DTMF {} played in {}", press.get().code(), callId);
            sip.respond(tx, request, Response.OK);
          }
        });
  }

  /** The key press in an INFO body, if it is one. */
  static Optional<Press> parse(String contentType, String body) {
    String type = contentType.toLowerCase(java.util.Locale.ROOT);
    String signal = null;
    int duration = DEFAULT_MS;
    if (type.equals("application/dtmf-relay")) {
      for (String line : body.split("\\r?\\n")) {
        int eq = line.indexOf('=');
        if (eq < 0) {
          continue;
        }
        String key = line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
        String value = line.substring(eq + 1).strip();
        if (key.equals("signal")) {
          signal = value;
        } else if (key.equals("duration")) {
          try {
            duration = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            return Optional.empty();
          }
        }
      }
    } else if (type.equals("application/dtmf")) {
      signal = body.strip();
    } else {
      return Optional.empty();
    }
    if (signal == null || signal.length() != 1 || "0123456789*#ABCDabcd".indexOf(signal.charAt(0)) < 0) {
      return Optional.empty();
    }
    return Optional.of(new Press(Character.toUpperCase(signal.charAt(0)), Math.max(40, Math.min(5000, duration))));
  }

}
