package dev.switchboard.irc.format;

import java.util.Optional;

/** The three IRC message forms and the Matrix msgtypes they map to. */
public enum MessageKind {
  /** PRIVMSG; {@code m.text}. */
  TEXT("m.text"),
  /** CTCP ACTION ({@code /me}); {@code m.emote}. */
  EMOTE("m.emote"),
  /** NOTICE; {@code m.notice}. */
  NOTICE("m.notice");

  private final String msgtype;

  MessageKind(String msgtype) {
    this.msgtype = msgtype;
  }

  public String msgtype() {
    return msgtype;
  }

  /** The kind for a Matrix msgtype we relay as text; empty for media and unknown types. */
  public static Optional<MessageKind> ofMsgtype(String msgtype) {
    for (MessageKind k : values()) {
      if (k.msgtype.equals(msgtype)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
