package dev.switchboard.testkit.homeserver.media;

import dev.switchboard.testkit.homeserver.http.StreamedBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import java.util.SplittableRandom;

/**
 * A large media item that exists only as a rule: byte {@code p} is {@code block[p mod 64 KiB] xor (p / 64 KiB)}, the
 * block drawn from a seeded random. Any length (a gigabyte, to test streaming) costs 64 KiB of memory, any range can
 * be served, and a test checks what it received with {@link #copy} without keeping a copy of the whole.
 */
public final class SyntheticMedia implements StreamedBody {
  private static final int BLOCK = 64 * 1024;
  private final long length;
  private final byte[] block = new byte[BLOCK];

  public SyntheticMedia(long length, long seed) {
    this.length = length;
    new SplittableRandom(seed).nextBytes(block);
  }

  @Override
  public long length() {
    return length;
  }

  /** The bytes at {@code position}, into {@code out[offset ..< offset + count]}. */
  public void copy(long position, byte[] out, int offset, int count) {
    for (int i = 0; i < count; i++) {
      long p = position + i;
      out[offset + i] = (byte) (block[(int) (p % BLOCK)] ^ (p / BLOCK));
    }
  }

  @Override
  public ChunkedInput<ByteBuf> open(long from, long to) {
    return new ChunkedInput<>() {
      private long next = from;

      @Override
      public boolean isEndOfInput() {
        return next > to;
      }

      @Override
      public void close() {}

      @Deprecated
      @Override
      public ByteBuf readChunk(ChannelHandlerContext ctx) {
        return readChunk(ctx.alloc());
      }

      @Override
      public ByteBuf readChunk(ByteBufAllocator allocator) {
        if (isEndOfInput()) {
          return null;
        }
        int n = (int) Math.min(BLOCK - next % BLOCK, to - next + 1);
        byte[] chunk = new byte[n];
        copy(next, chunk, 0, n);
        next += n;
        return allocator.buffer(n).writeBytes(chunk);
      }

      @Override
      public long length() {
        return to - from + 1;
      }

      @Override
      public long progress() {
        return next - from;
      }
    };
  }
}
