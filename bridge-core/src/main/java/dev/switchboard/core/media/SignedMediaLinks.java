package dev.switchboard.core.media;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The bridge's {@link MediaLinks}: {@code <public url>/media/<signed id>/<file name>}, served by {@link MediaEndpoint}.
 * Expiries are rounded up to the hour, so the links to one file made within an hour are the same URL and a reverse
 * proxy's cache serves them all.
 */
public final class SignedMediaLinks implements MediaLinks {
  /** Largest thumbnail side asked for; the endpoint refuses more. */
  public static final int MAX_THUMBNAIL_SIDE = 1600;
  private static final long HOUR = 3600;

  private final LinkSigner signer;
  private final String base;
  private final Duration lifetime;
  private final Clock clock;

  /** {@code publicUrl}: where remote users reach the endpoint, e.g. {@code https://bridge.example.org}. */
  public SignedMediaLinks(LinkSigner signer, URI publicUrl, Duration lifetime, Clock clock) {
    String url = publicUrl.toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.signer = signer;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  @Override
  public Optional<String> link(String mxcUri, String fileName) {
    return MediaTarget.fromMxc(mxcUri).map(target -> url(target, fileName));
  }

  @Override
  public Optional<String> thumbnail(String mxcUri, String fileName, int width, int height) {
    return link(mxcUri, fileName).map(url -> url + "?thumbnail=" + side(width) + "x" + side(height));
  }

  /** A link to the endpoint's own probe, which answers without the homeserver (for {@code switchboard check}). */
  public String probeLink() {
    return url(MediaTarget.PROBE, "probe.txt");
  }

  private String url(MediaTarget target, String fileName) {
    long expires = clock.instant().plus(lifetime).getEpochSecond();
    long rounded = (expires + HOUR - 1) / HOUR * HOUR;
    String name = fileName == null || fileName.isBlank() ? "file" : fileName.strip();
    return base + "/media/" + signer.sign(target, Instant.ofEpochSecond(rounded)) + "/"
        + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static int side(int pixels) {
    return Math.max(1, Math.min(MAX_THUMBNAIL_SIDE, pixels));
  }
}
