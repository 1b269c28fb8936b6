package dev.switchboard.core.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import java.net.SocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * Decides on a request from its head alone, before any of its body is read: authentication, so an unauthenticated
 * client can never make the listener hold a large body. Called on the event loop: anything slow (a token checked
 * with a homeserver) runs elsewhere and completes the stage later; reading waits for it.
 */
@FunctionalInterface
public interface RequestCheck {
  CompletionStage<Verdict> check(HttpRequest head, SocketAddress remote);

  /** Let every request through. */
  RequestCheck ADMIT_ALL = (head, remote) -> java.util.concurrent.CompletableFuture.completedFuture(
      new Verdict.Admit(null));

  /** What became of a request's head. */
  sealed interface Verdict {
    /**
     * Read the body and hand the request on.
     *
     * @param principal who the caller turned out to be (null when nobody in particular), for the handlers: see
     *     {@link HttpListener#admitted}
     */
    record Admit(Object principal) implements Verdict {}

    /** Answer this without reading the body; the connection closes unless the request had no body. */
    record Refuse(FullHttpResponse answer) implements Verdict {}
  }
}
