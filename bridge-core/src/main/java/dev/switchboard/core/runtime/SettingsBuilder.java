package dev.switchboard.core.runtime;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.homeserver.RetryPolicy;
import dev.switchboard.core.http.ListenerLimits;
import dev.switchboard.core.media.MediaConfig;
import dev.switchboard.core.media.MediaKeys;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.registration.Namespaces;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link BridgeRuntime.Settings} for an embedded bridge (connector test harnesses, benchmarks): what identifies it is
 * required, everything else starts at a default and is changed by name, instead of 16 positional arguments. The
 * defaults: AS id and bot {@code switchboard}, AS API on {@code 127.0.0.1} at a free port with a 10 MiB body limit
 * and its default listener limits, no ping, transactions kept 7 days and events 30, durable sends retried forever,
 * the default permissions of the server, no metrics listener, no media endpoint (links to the homeserver).
 */
public final class SettingsBuilder {
  private final String serverName;
  private final URI homeserverUrl;
  private final Namespaces namespaces;
  private final String asToken;
  private final String hsToken;
  private String appserviceId = "switchboard";
  private String botLocalpart = "switchboard";
  private final String bind = "127.0.0.1";
  private int port;
  private int maxBodyBytes = 10 * 1024 * 1024;
  private final Optional<URI> pingAs = Optional.empty();
  private final Duration txnRetention = Duration.ofDays(7);
  private final Duration eventRetention = Duration.ofDays(30);
  private RetryPolicy queuedRetry = RetryPolicy.FOREVER;
  private Permissions permissions;
  private BridgeConfig.Metrics metricsListener = BridgeConfig.Metrics.disabled();
  private ListenerLimits limits = ListenerLimits.APPSERVICE;
  private MediaConfig media = MediaConfig.disabled();
  private byte[] mediaKey;

  SettingsBuilder(String serverName, URI homeserverUrl, Namespaces namespaces, String asToken, String hsToken) {
    this.serverName = Objects.requireNonNull(serverName);
    this.homeserverUrl = Objects.requireNonNull(homeserverUrl);
    this.namespaces = Objects.requireNonNull(namespaces);
    this.asToken = Objects.requireNonNull(asToken);
    this.hsToken = Objects.requireNonNull(hsToken);
    this.permissions = Permissions.defaults(serverName);
  }

  public SettingsBuilder appserviceId(String appserviceId) {
    this.appserviceId = appserviceId;
    return this;
  }

  public SettingsBuilder botLocalpart(String botLocalpart) {
    this.botLocalpart = botLocalpart;
    return this;
  }

  /** The AS API's port; 0 (the default) picks a free one. */
  public SettingsBuilder port(int port) {
    this.port = port;
    return this;
  }

  public SettingsBuilder maxBodyBytes(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    return this;
  }

  public SettingsBuilder queuedRetry(RetryPolicy queuedRetry) {
    this.queuedRetry = queuedRetry;
    return this;
  }

  public SettingsBuilder permissions(Permissions permissions) {
    this.permissions = permissions;
    return this;
  }

  public SettingsBuilder metricsListener(BridgeConfig.Metrics metricsListener) {
    this.metricsListener = metricsListener;
    return this;
  }

  /** The AS API's listener limits. */
  public SettingsBuilder limits(ListenerLimits limits) {
    this.limits = limits;
    return this;
  }

  /**
   * Serves media with {@code config} (e.g. {@link MediaConfig#local()}) under a random key, so connectors hand out
   * signed links to it ({@link BridgeRuntime#mediaLinks()}).
   */
  public SettingsBuilder media(MediaConfig config) {
    this.media = config;
    this.mediaKey = MediaKeys.random();
    return this;
  }

  public BridgeRuntime.Settings build() {
    return new BridgeRuntime.Settings(serverName, homeserverUrl, appserviceId, asToken, hsToken, botLocalpart,
        namespaces, bind, port, maxBodyBytes, pingAs, txnRetention, eventRetention, queuedRetry, permissions,
        metricsListener, limits, media, mediaKey);
  }
}
