package dev.switchboard.sip.media;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Encodes and decodes bencode (BEP 3): {@code 4:spam}, {@code i42e}, {@code l...e}, {@code d...e}. */
public final class Bencode {
  /** Deeper nesting than any rtpengine reply has; stops a hostile datagram from exhausting the stack. */
  private static final int MAX_DEPTH = 64;

  private Bencode() {}

  public static byte[] encode(Bencoded value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(value, out);
    return out.toByteArray();
  }

  private static void write(Bencoded value, ByteArrayOutputStream out) {
    if (value instanceof Bencoded.Bytes b) {
      writeBytes(b.value(), out);
    } else if (value instanceof Bencoded.Int i) {
      out.writeBytes(("i" + i.value() + "e").getBytes(StandardCharsets.US_ASCII));
    } else if (value instanceof Bencoded.BList l) {
      out.write('l');
      l.items().forEach(item -> write(item, out));
      out.write('e');
    } else if (value instanceof Bencoded.Dict d) {
      out.write('d');
      List<byte[]> keys = new ArrayList<>();
      Map<ByteKey, Bencoded> byKey = new LinkedHashMap<>();
      d.entries().forEach((k, v) -> {
        byte[] key = k.getBytes(StandardCharsets.UTF_8);
        keys.add(key);
        byKey.put(new ByteKey(key), v);
      });
      keys.sort(Arrays::compareUnsigned);
      for (byte[] key : keys) {
        writeBytes(key, out);
        write(byKey.get(new ByteKey(key)), out);
      }
      out.write('e');
    }
  }

  private record ByteKey(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ByteKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  private static void writeBytes(byte[] bytes, ByteArrayOutputStream out) {
    out.writeBytes((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(bytes);
  }

  /** Decodes exactly one value filling {@code data[offset, offset+length)}. */
  public static Bencoded decode(byte[] data, int offset, int length) {
    Reader r = new Reader(data, offset, offset + length);
    Bencoded v = r.value(0);
    if (r.pos != r.end) {
      throw new BencodeException("trailing bytes after the value at offset " + r.pos);
    }
    return v;
  }

  public static Bencoded decode(byte[] data) {
    return decode(data, 0, data.length);
  }

  /** Malformed bencode. */
  public static final class BencodeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    BencodeException(String message) {
      super(message);
    }
  }

  private static final class Reader {
    private final byte[] data;
    private final int end;
    private int pos;

    Reader(byte[] data, int start, int end) {
      this.data = data;
      this.pos = start;
      this.end = end;
    }

    Bencoded value(int depth) {
      if (depth > MAX_DEPTH) {
        throw new BencodeException("nested deeper than " + MAX_DEPTH);
      }
      int c = peek();
      if (c == 'i') {
        pos++;
        long v = number('e');
        return new Bencoded.Int(v);
      }
      if (c == 'l') {
        pos++;
        List<Bencoded> items = new ArrayList<>();
        while (peek() != 'e') {
          items.add(value(depth + 1));
        }
        pos++;
        return new Bencoded.BList(items);
      }
      if (c == 'd') {
        pos++;
        Map<String, Bencoded> entries = new LinkedHashMap<>();
        while (peek() != 'e') {
          if (!Character.isDigit(peek())) {
            throw new BencodeException("dictionary key is not a byte string at offset " + pos);
          }
          String key = new String(bytes(), StandardCharsets.UTF_8);
          entries.put(key, value(depth + 1));
        }
        pos++;
        return new Bencoded.Dict(entries);
      }
      if (c >= '0' && c <= '9') {
        return new Bencoded.Bytes(bytes());
      }
      throw new BencodeException("unexpected '" + (char) c + "' at offset " + pos);
    }

    private byte[] bytes() {
      long len = number(':');
      if (len < 0 || len > end - pos) {
        throw new BencodeException("byte string of length " + len + " runs past the end");
      }
      byte[] b = Arrays.copyOfRange(data, pos, pos + (int) len);
      pos += (int) len;
      return b;
    }

    private long number(char terminator) {
      int start = pos;
      while (peek() != terminator) {
        pos++;
      }
      String digits = new String(data, start, pos - start, StandardCharsets.US_ASCII);
      pos++;
      if (!digits.matches("-?(0|[1-9][0-9]{0,18})") || digits.equals("-0")) {
        throw new BencodeException("bad number '" + digits + "' at offset " + start);
      }
      return Long.parseLong(digits);
    }

    private int peek() {
      if (pos >= end) {
        throw new BencodeException("truncated at offset " + pos);
      }
      return data[pos] & 0xff;
    }
  }
}
