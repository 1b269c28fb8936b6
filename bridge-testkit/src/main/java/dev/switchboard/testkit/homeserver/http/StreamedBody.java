package dev.switchboard.testkit.homeserver.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedStream;
import java.io.ByteArrayInputStream;

/**
 * A response body written in chunks as the client takes them ({@link io.netty.handler.stream.ChunkedWriteHandler}),
 * so a body far larger than the heap can be served: e.g. a generated gigabyte of media.
 */
public interface StreamedBody {
  long length();

  /** Bytes {@code from} to {@code to} (inclusive) of the body, as chunks. */
  ChunkedInput<ByteBuf> open(long from, long to);

  /** A body that is all in memory already (uploaded media). */
  static StreamedBody of(byte[] bytes) {
    return new StreamedBody() {
      @Override
      public long length() {
        return bytes.length;
      }

      @Override
      public ChunkedInput<ByteBuf> open(long from, long to) {
        return new ChunkedStream(new ByteArrayInputStream(bytes, (int) from, (int) (to - from + 1)));
      }
    };
  }
}
