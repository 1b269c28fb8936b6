package dev.switchboard.core.provisioning;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads a response body of at most {@code max} bytes: past that the subscription is cancelled (the JDK client then
 * drops the connection) and the body fails with {@link TooLarge}, so a server we ask cannot make us hold more. The
 * well-known and userinfo answers we read are a few dozen bytes.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
  /** The body was over the cap. */
  static final class TooLarge extends IOException {
    TooLarge(int max) {
      super("the answer is larger than " + max + " bytes");
    }
  }

  private final int max;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CompletableFuture<byte[]> body = new CompletableFuture<>();
  private Flow.Subscription subscription;

  private BoundedBody(int max) {
    this.max = max;
  }

  /** A handler whose bodies fail past {@code max} bytes, including a declared {@code Content-Length} past it. */
  static HttpResponse.BodyHandler<byte[]> upTo(int max) {
    return info -> {
      long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
      if (declared > max) {
        return failing(max);
      }
      return new BoundedBody(max);
    };
  }

  private static HttpResponse.BodySubscriber<byte[]> failing(int max) {
    BoundedBody b = new BoundedBody(max);
    b.body.completeExceptionally(new TooLarge(max));
    return b;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (body.isDone()) {
      s.cancel();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (body.isDone()) {
      return;
    }
    for (ByteBuffer b : items) {
      if (bytes.size() + b.remaining() > max) {
        subscription.cancel();
        body.completeExceptionally(new TooLarge(max));
        return;
      }
      byte[] chunk = new byte[b.remaining()];
      b.get(chunk);
      bytes.write(chunk, 0, chunk.length);
    }
    subscription.request(1);
  }

  @Override
  public void onError(Throwable error) {
    body.completeExceptionally(error);
  }

  @Override
  public void onComplete() {
    body.complete(bytes.toByteArray());
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return body;
  }
}
