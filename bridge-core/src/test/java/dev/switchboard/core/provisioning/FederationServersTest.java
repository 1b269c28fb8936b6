package dev.switchboard.core.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Server name resolution (server-server API, "Resolving server names"), with well-known answers given by the test. */
class FederationServersTest {
  private final List<String> asked = new ArrayList<>();

  private FederationServers servers(Map<String, Optional<String>> wellKnown) {
    return new FederationServers(Map.of("pinned.example", URI.create("http://127.0.0.1:9999")), host -> {
      asked.add(host);
      return wellKnown.containsKey(host) ? CompletableFuture.completedFuture(wellKnown.get(host))
          : CompletableFuture.failedFuture(new java.io.IOException("no such host"));
    }, Clock.systemUTC());
  }

  private static String resolve(FederationServers s, String name) {
    return s.baseUrlOf(name).join().toString();
  }

  @Test
  void aWellKnownDelegationIsFollowedWithItsPortOr8448() {
    FederationServers s = servers(Map.of(
        "example.org", Optional.of("matrix.example.org:443"),
        "example.net", Optional.of("fed.example.net"),
        "example.com", Optional.empty()));

    assertThat(resolve(s, "example.org")).isEqualTo("https://matrix.example.org:443");
    assertThat(resolve(s, "example.net")).isEqualTo("https://fed.example.net:8448");
    assertThat(resolve(s, "example.com")).as("no delegation").isEqualTo("https://example.com:8448");
    assertThat(resolve(s, "unreachable.example")).as("well-known failed").isEqualTo("https://unreachable.example:8448");
  }

  @Test
  void anExplicitPortOrAnIpLiteralIsUsedAsItIsWithoutWellKnown() {
    FederationServers s = servers(Map.of());

    assertThat(resolve(s, "example.org:8000")).isEqualTo("https://example.org:8000");
    assertThat(resolve(s, "192.0.2.7")).isEqualTo("https://192.0.2.7:8448");
    assertThat(resolve(s, "[2001:db8::1]:8443")).isEqualTo("https://[2001:db8::1]:8443");
    assertThat(asked).isEmpty();
  }

  @Test
  void aConfiguredUrlWinsAndAnswersAreRemembered() {
    FederationServers s = servers(Map.of("example.org", Optional.of("matrix.example.org")));

    assertThat(resolve(s, "Pinned.Example")).isEqualTo("http://127.0.0.1:9999");
    resolve(s, "example.org");
    resolve(s, "example.org");
    assertThat(asked).containsExactly("example.org");
  }

  @Test
  void serverNamesFollowTheGrammar() {
    assertThat(FederationServers.isServerName("example.org")).isTrue();
    assertThat(FederationServers.isServerName("example.org:8448")).isTrue();
    assertThat(FederationServers.isServerName("[::1]:80")).isTrue();
    assertThat(FederationServers.isServerName("example.org/path")).isFalse();
    assertThat(FederationServers.isServerName("user@example.org")).isFalse();
    assertThat(FederationServers.isServerName("")).isFalse();
  }
}
