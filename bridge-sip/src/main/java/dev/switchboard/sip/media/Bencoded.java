package dev.switchboard.sip.media;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A bencoded value, as the rtpengine {@code ng} protocol speaks it: byte string, integer, list or dictionary. */
public sealed interface Bencoded {

  /** A byte string; rtpengine's are text (SDP, tags, flags), so {@link #text()} reads them as UTF-8. */
  record Bytes(byte[] value) implements Bencoded {
    public Bytes {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    public String text() {
      return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes b && Arrays.equals(value, b.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return '"' + text() + '"';
    }
  }

  record Int(long value) implements Bencoded {
    @Override
    public String toString() {
      return Long.toString(value);
    }
  }

  record BList(List<Bencoded> items) implements Bencoded {
    public BList {
      items = List.copyOf(items);
    }

    @Override
    public String toString() {
      return items.toString();
    }
  }

  /** A dictionary; keys are text. The encoder writes them sorted by their bytes, as bencode requires. */
  record Dict(Map<String, Bencoded> entries) implements Bencoded {
    public Dict {
      entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    public Optional<Bencoded> get(String key) {
      return Optional.ofNullable(entries.get(key));
    }

    /** The text of a byte-string entry, if present and a byte string. */
    public Optional<String> text(String key) {
      return get(key).filter(Bytes.class::isInstance).map(b -> ((Bytes) b).text());
    }

    @Override
    public String toString() {
      return entries.toString();
    }
  }

  static Bytes of(String text) {
    return new Bytes(text.getBytes(StandardCharsets.UTF_8));
  }

  static Int of(long value) {
    return new Int(value);
  }

  static BList list(String... texts) {
    return new BList(Arrays.stream(texts).map(Bencoded::of).map(Bencoded.class::cast).toList());
  }
}
