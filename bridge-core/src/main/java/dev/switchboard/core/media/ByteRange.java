package dev.switchboard.core.media;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code Range: bytes=...} request (RFC 9110 §14.1.2): {@code first-last}, {@code first-} or the suffix
 * {@code -n}. Several ranges, or other units, are not parsed: a server may ignore a Range header, and then answers the
 * whole file.
 */
record ByteRange(long first, long last, long suffix) {
  private static final Pattern SINGLE = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");

  /** The range asked for, or empty when there is no header or one we answer with the whole file. */
  static Optional<ByteRange> parse(String header) {
    if (header == null) {
      return Optional.empty();
    }
    Matcher m = SINGLE.matcher(header.strip());
    if (!m.matches() || m.group(1).isEmpty() && m.group(2).isEmpty()) {
      return Optional.empty();
    }
    if (m.group(1).isEmpty()) {
      long n = Long.parseLong(m.group(2));
      return n == 0 ? Optional.empty() : Optional.of(new ByteRange(-1, -1, n));
    }
    long first = Long.parseLong(m.group(1));
    long last = m.group(2).isEmpty() ? Long.MAX_VALUE : Long.parseLong(m.group(2));
    return last < first ? Optional.empty() : Optional.of(new ByteRange(first, last, -1));
  }

  /** The header as sent on to the homeserver. */
  String header() {
    if (suffix > 0) {
      return "bytes=-" + suffix;
    }
    return "bytes=" + first + "-" + (last == Long.MAX_VALUE ? "" : Long.toString(last));
  }

  /** Offsets {@code [start, end]} of this range in a file of {@code length} bytes; empty when unsatisfiable. */
  Optional<long[]> within(long length) {
    if (suffix > 0) {
      return length == 0 ? Optional.empty() : Optional.of(new long[] {Math.max(0, length - suffix), length - 1});
    }
    if (first >= length) {
      return Optional.empty();
    }
    return Optional.of(new long[] {first, Math.min(last, length - 1)});
  }
}
