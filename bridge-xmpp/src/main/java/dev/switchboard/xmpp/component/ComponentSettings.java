package dev.switchboard.xmpp.component;

import java.time.Duration;

/**
 * Where and how the component connects.
 *
 * @param domain the component's own domain, e.g. {@code matrix.example.org}; the server must list it
 * @param keepalive a whitespace ping after this long without writing, so NATs and the server keep the stream
 * @param reconnectMin first reconnect delay; doubles per failed attempt up to {@code reconnectMax}, with jitter
 * @param refusedBackoff delay after the server refused us (bad secret, unknown host, conflict): retrying sooner
 *     cannot help and would flood its log
 * @param iqTimeout how long an IQ request waits for its response
 * @param maxStanzaBytes the largest top-level element accepted from the server
 * @param maxBuffered how many outgoing stanzas are held while disconnected; beyond it a
 *     write fails with RemoteUnavailableException (pushes back), nothing waiting is dropped
 */
public record ComponentSettings(
    String host,
    int port,
    String domain,
    String secret,
    Duration keepalive,
    Duration reconnectMin,
    Duration reconnectMax,
    Duration refusedBackoff,
    Duration iqTimeout,
    int maxStanzaBytes,
    int maxBuffered) {

  /** Settings with the defaults for everything but the address and the secret. */
  public static ComponentSettings of(String host, int port, String domain, String secret) {
    return new ComponentSettings(host, port, domain, secret, Duration.ofSeconds(60), Duration.ofSeconds(1),
        Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofSeconds(15), 512 * 1024, 10_000);
  }

  public ComponentSettings withReconnect(Duration min, Duration max, Duration refused) {
    return new ComponentSettings(host, port, domain, secret, keepalive, min, max, refused, iqTimeout, maxStanzaBytes,
        maxBuffered);
  }

  public ComponentSettings withIqTimeout(Duration timeout) {
    return new ComponentSettings(host, port, domain, secret, keepalive, reconnectMin, reconnectMax, refusedBackoff,
        timeout, maxStanzaBytes, maxBuffered);
  }

  public ComponentSettings withMaxBuffered(int stanzas) {
    return new ComponentSettings(host, port, domain, secret, keepalive, reconnectMin, reconnectMax, refusedBackoff,
        iqTimeout, maxStanzaBytes, stanzas);
  }

  @Override
  public String toString() {
    return "ComponentSettings[" + host + ":" + port + ", domain=" + domain + ", secret=***]";
  }
}
