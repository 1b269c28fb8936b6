package dev.switchboard.core.appservice;

import dev.switchboard.core.failure.ThrottledWarning;
import dev.switchboard.core.http.BearerSecret;
import dev.switchboard.core.http.HttpAnswer;
import dev.switchboard.core.http.RequestCheck;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The homeserver's {@code hs_token}, checked on the request head: {@code Authorization: Bearer}, else the legacy
 * {@code ?access_token=}. Missing is 401 {@code M_MISSING_TOKEN}, wrong is 403 {@code M_FORBIDDEN} (the spec's
 * answers), before any body is read. Compared in constant time ({@link BearerSecret}).
 */
final class HsTokenCheck implements RequestCheck {
  private static final Logger log = LoggerFactory.getLogger(HsTokenCheck.class);
  private static final ThrottledWarning wrongToken = new ThrottledWarning(log, Duration.ofSeconds(10));

  private final BearerSecret hsToken;
  private final Consumer<String> rejected;

  HsTokenCheck(String hsToken, Consumer<String> rejected) {
    this.hsToken = new BearerSecret(hsToken);
    this.rejected = rejected;
  }

  @Override
  public CompletionStage<Verdict> check(HttpRequest head, SocketAddress remote) {
    String token = token(head);
    if (token == null) {
      rejected.accept("missing_token");
      return refuse(HttpResponseStatus.UNAUTHORIZED, "M_MISSING_TOKEN", "Missing access token");
    }
    if (!hsToken.matches(token)) {
      rejected.accept("wrong_token");
      wrongToken.warn("Rejected {} from {}: wrong hs_token", head.method(), remote);
      return refuse(HttpResponseStatus.FORBIDDEN, "M_FORBIDDEN", "Invalid access token");
    }
    return CompletableFuture.completedFuture(new Verdict.Admit(null));
  }

  private static CompletionStage<Verdict> refuse(HttpResponseStatus status, String errcode, String message) {
    return CompletableFuture.completedFuture(
        new Verdict.Refuse(HttpAnswer.error(status, errcode, message).response(headers -> { })));
  }

  /** The token from {@code Authorization: Bearer}, else {@code ?access_token=} (legacy homeservers). */
  private static String token(HttpRequest request) {
    String bearer = BearerSecret.credential(request.headers().get(HttpHeaderNames.AUTHORIZATION));
    if (bearer != null) {
      return bearer;
    }
    List<String> param = new QueryStringDecoder(request.uri()).parameters().get("access_token");
    return param == null || param.isEmpty() ? null : param.get(0);
  }
}
