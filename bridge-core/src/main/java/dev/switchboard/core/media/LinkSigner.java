package dev.switchboard.core.media;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Makes and checks the signed ids in media links. An id is base64url (unpadded) of
 * {@code version(1) | expiry(4, unsigned epoch seconds) | server length(1) | server | media id | mac(16)}, the mac
 * being HMAC-SHA256 of everything before it, cut to 128 bits. It tells the holder the file's {@code mxc://} URI (which
 * everyone in the room knows anyway) and when the link expires; nothing about the room or who shared it.
 */
public final class LinkSigner {
  private static final byte VERSION = 1;
  private static final int MAC_BYTES = 16;
  private static final String HMAC = "HmacSHA256";
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private final SecretKeySpec key;
  private final Clock clock;

  /** {@code key}: 32 random bytes, the media key file's. */
  public LinkSigner(byte[] key, Clock clock) {
    if (key.length < 32) {
      throw new IllegalArgumentException("the media link key must be at least 32 bytes");
    }
    this.key = new SecretKeySpec(key, HMAC);
    this.clock = clock;
  }

  /** What a presented id turned out to be. */
  public sealed interface Verdict {
    /** Signed by us and not expired. */
    record Valid(MediaTarget target, Instant expiry) implements Verdict {}

    /** Signed by us, but past its expiry. */
    record Expired(Instant expiry) implements Verdict {}

    /** Not an id we signed (altered, cut, made up, or signed with a key since rotated). */
    record Invalid() implements Verdict {}
  }

  /** The id of a link to {@code target} valid until {@code expiry} (whole seconds). */
  public String sign(MediaTarget target, Instant expiry) {
    byte[] server = target.server().getBytes(StandardCharsets.US_ASCII);
    byte[] mediaId = target.mediaId().getBytes(StandardCharsets.US_ASCII);
    long seconds = Math.min(Math.max(expiry.getEpochSecond(), 0), 0xFFFF_FFFFL);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(VERSION);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) seconds).array());
    out.write(server.length);
    out.writeBytes(server);
    out.writeBytes(mediaId);
    byte[] payload = out.toByteArray();
    out.writeBytes(mac(payload, payload.length));
    return ENCODER.encodeToString(out.toByteArray());
  }

  /** Checks {@code id}: the mac first, in constant time, and only then what it says. */
  public Verdict verify(String id) {
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(id);
    } catch (IllegalArgumentException e) {
      return new Verdict.Invalid();
    }
    // Unused low bits of the last character would let several spellings decode alike: only ours counts.
    if (raw.length < 1 + 4 + 1 + 1 + 1 + MAC_BYTES || !ENCODER.encodeToString(raw).equals(id)) {
      return new Verdict.Invalid();
    }
    int payloadLength = raw.length - MAC_BYTES;
    byte[] expected = mac(raw, payloadLength);
    if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(raw, payloadLength, raw.length))) {
      return new Verdict.Invalid();
    }
    ByteBuffer in = ByteBuffer.wrap(raw, 0, payloadLength);
    if (in.get() != VERSION) {
      return new Verdict.Invalid();
    }
    Instant expiry = Instant.ofEpochSecond(Integer.toUnsignedLong(in.getInt()));
    int serverLength = Byte.toUnsignedInt(in.get());
    if (serverLength == 0 || serverLength >= in.remaining()) {
      return new Verdict.Invalid();
    }
    byte[] server = new byte[serverLength];
    in.get(server);
    byte[] mediaId = new byte[in.remaining()];
    in.get(mediaId);
    MediaTarget target;
    try {
      target = new MediaTarget(new String(server, StandardCharsets.US_ASCII),
          new String(mediaId, StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      return new Verdict.Invalid();
    }
    if (!clock.instant().isBefore(expiry)) {
      return new Verdict.Expired(expiry);
    }
    return new Verdict.Valid(target, expiry);
  }

  private byte[] mac(byte[] bytes, int length) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      mac.update(bytes, 0, length);
      return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is unavailable in this JVM", e);
    }
  }
}
