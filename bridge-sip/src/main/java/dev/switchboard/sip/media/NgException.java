package dev.switchboard.sip.media;

/** rtpengine answered {@code result: error}, or did not answer in time. */
public final class NgException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NgException(String message) {
    super(message);
  }
}
