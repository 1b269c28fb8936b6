package dev.switchboard.core.connector;

/**
 * The remote side of a link cannot take events right now (server down, stream lost, reconnecting). A connector fails
 * an event's future with this (as the cause, at any depth) to say "hold it and try again later": the dispatcher then
 * keeps the event and the link's later events waiting, with backoff, and never drops them. Any other failure means
 * the event itself is bad; it is retried a few times and then dropped.
 */
public class RemoteUnavailableException extends RuntimeException {
  public RemoteUnavailableException(String message) {
    super(message);
  }

  public RemoteUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
