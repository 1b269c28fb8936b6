package dev.switchboard.core.media;

import dev.switchboard.core.http.HttpListener;
import dev.switchboard.core.http.RequestCheck;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's media listener: serves {@code /media/<signed id>/<file name>} to remote users (IRC, XMPP, SIP) who
 * have no Matrix token, streaming each file from the homeserver's authenticated media API, and hands out the links
 * ({@link #links()}). Its own listener, not a path of the AS API's: the AS API faces the homeserver, this faces the
 * internet through the admin's reverse proxy, with its own limits.
 *
 * <p>A test builds one against the testkit homeserver:
 * <pre>{@code
 * try (MediaEndpoint media = MediaEndpoint.start(MediaConfig.local(), URI.create(hs.baseUrl()), asToken,
 *     MediaKeys.random(), Clock.systemUTC())) {
 *   String url = media.links().link(mxc, "notes.txt").orElseThrow(); // http://127.0.0.1:<port>/media/...
 * }
 * }</pre>
 */
public final class MediaEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MediaEndpoint.class);
  /** What the probe link ({@link SignedMediaLinks#probeLink()}) answers; {@code switchboard check} looks for it. */
  public static final String PROBE_TEXT = "Switchboard media endpoint: reachable, link verified.\n";
  /** Until the homeserver's answer head arrives. */
  private static final Duration HOMESERVER_TIMEOUT = Duration.ofSeconds(30);

  private final HttpListener listener;
  private final SignedMediaLinks links;
  private final URI publicUrl;

  private MediaEndpoint(HttpListener listener, SignedMediaLinks links, URI publicUrl) {
    this.listener = listener;
    this.links = links;
    this.publicUrl = publicUrl;
  }

  /**
   * Binds and serves; with {@code config.port()} 0 a free port, and links to it unless {@code config.publicUrl()}
   * says otherwise.
   *
   * @param homeserverUrl where the bridge reaches the homeserver's client-server API
   * @param asToken the bridge's application service token, for the authenticated media API
   * @param linkKey the key links are signed with ({@link MediaKeys})
   */
  public static MediaEndpoint start(MediaConfig config, URI homeserverUrl, String asToken, byte[] linkKey,
      Clock clock) throws InterruptedException {
    return start(config, homeserverUrl, asToken, linkKey, clock, new CompositeMeterRegistry());
  }

  /** As {@link #start(MediaConfig, URI, String, byte[], Clock)}, counting answers on {@code metrics}. */
  public static MediaEndpoint start(MediaConfig config, URI homeserverUrl, String asToken, byte[] linkKey,
      Clock clock, MeterRegistry metrics) throws InterruptedException {
    MediaMeter meter = new MediaMeter(metrics);
    LinkSigner signer = new LinkSigner(linkKey, clock);
    HomeserverMedia homeserver = new HomeserverMedia(homeserverUrl, asToken, HOMESERVER_TIMEOUT);
    Semaphore slots = new Semaphore(config.maxConcurrent());
    // Requests are bodiless GETs: 8 KiB is room for a client that sends one anyway.
    HttpListener listener = HttpListener.bind(new HttpListener.Spec("Media", config.bind(), config.port(), 2,
        config.limits(), 8 * 1024, RequestCheck.ADMIT_ALL,
        pipeline -> pipeline.addLast("meter", meter).addLast("media", new MediaRequests(signer, homeserver, slots, config.maxBytes(), clock,
            config.limits().idleTimeout())),
        MediaHeaders::protect));
    URI publicUrl = config.publicUrl().orElseGet(() -> URI.create("http://" + host(config.bind()) + ":"
        + listener.port()));
    log.info("Media endpoint listening on {}:{}; links point at {} (behind a reverse proxy, set media.public_url)",
        config.bind(), listener.port(), publicUrl);
    return new MediaEndpoint(listener, new SignedMediaLinks(signer, publicUrl, config.linkLifetime(), clock),
        publicUrl);
  }

  private static String host(String bind) {
    String host = MediaConfig.isWildcard(bind) ? "localhost" : bind;
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** Signed links to this endpoint, for {@code ConnectorContext.mediaLinks()}. */
  public SignedMediaLinks links() {
    return links;
  }

  /** Where links point. */
  public URI publicUrl() {
    return publicUrl;
  }

  public int port() {
    return listener.port();
  }

  @Override
  public void close() {
    listener.close();
  }
}
