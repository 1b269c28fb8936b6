package dev.switchboard.core.media;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Counts what the media endpoint answers, as it goes out: {@code switchboard_media_responses_total{status}} and the
 * file bytes sent, {@code switchboard_media_bytes_total}. A run of 403 is old or altered links; of 503, too low a
 * {@code media.max_concurrent}.
 */
@ChannelHandler.Sharable
final class MediaMeter extends ChannelOutboundHandlerAdapter {
  private final MeterRegistry registry;
  private final Counter bytes;

  MediaMeter(MeterRegistry registry) {
    this.registry = registry;
    this.bytes = Counter.builder("switchboard.media.bytes").description("File bytes sent by the media endpoint")
        .register(registry);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response) {
      Counter.builder("switchboard.media.responses").description("Answers of the media endpoint by status")
          .tag("status", Integer.toString(response.status().code())).register(registry).increment();
    }
    if (msg instanceof HttpContent content) {
      bytes.increment(content.content().readableBytes());
    }
    ctx.write(msg, promise);
  }
}
