package dev.switchboard.core.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.net.PublicAddresses;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenID check against a homeserver stand-in that answers what each test needs. */
class OpenIdVerifierTest {
  private HttpServer server;
  private final AtomicInteger asked = new AtomicInteger();
  private final AtomicReference<String> lastQuery = new AtomicReference<>();
  private volatile int status = 200;
  private volatile String body = "{\"sub\":\"@alice:example.org\"}";
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final Clock clock = new Clock() {
    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  };

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/_matrix/federation/v1/openid/userinfo", exchange -> {
      asked.incrementAndGet();
      lastQuery.set(exchange.getRequestURI().getRawQuery());
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private OpenIdVerifier verifier(Duration cache) {
    return new OpenIdVerifier(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "example.org", cache,
        clock);
  }

  private static ProvisioningException failure(Runnable r) {
    Throwable t = catchThrowable(r::run);
    assertThat(t).isInstanceOf(CompletionException.class);
    assertThat(t.getCause()).isInstanceOf(ProvisioningException.class);
    return (ProvisioningException) t.getCause();
  }

  @Test
  void aTokenIsExchangedForItsOwnerAndRememberedUntilTheCacheRunsOut() {
    OpenIdVerifier verifier = verifier(Duration.ofSeconds(60));

    assertThat(verifier.verify("tok/en+1").join()).isEqualTo(UserId.of("@alice:example.org"));
    assertThat(lastQuery.get()).isEqualTo("access_token=tok%2Fen%2B1");
    assertThat(verifier.verify("tok/en+1").join()).isEqualTo(UserId.of("@alice:example.org"));
    assertThat(asked).hasValue(1);

    now = now.plusSeconds(61);
    verifier.verify("tok/en+1").join();
    assertThat(asked).hasValue(2);
  }

  @Test
  void aUserOfAnotherServerIsRefusedEvenWhenTheHomeserverVouchesForThem() {
    body = "{\"sub\":\"@eve:elsewhere.org\"}";

    ProvisioningException e = failure(() -> verifier(Duration.ofSeconds(60)).verify("token").join());

    assertThat(e.status()).isEqualTo(401);
    assertThat(e.errcode()).isEqualTo("M_UNKNOWN_TOKEN");
  }

  @Test
  void anUnknownTokenIs401AndNotCached() {
    status = 401;
    body = "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"nope\"}";
    OpenIdVerifier verifier = verifier(Duration.ofSeconds(60));

    assertThat(failure(() -> verifier.verify("token").join()).status()).isEqualTo(401);
    status = 200;
    body = "{\"sub\":\"@alice:example.org\"}";
    assertThat(verifier.verify("token").join()).isEqualTo(UserId.of("@alice:example.org"));
  }

  @Test
  void aBrokenOrMissingHomeserverIs502NotASilentPass() {
    status = 500;
    assertThat(failure(() -> verifier(Duration.ZERO).verify("token").join()).status()).isEqualTo(502);
    status = 200;
    body = "not json";
    assertThat(failure(() -> verifier(Duration.ZERO).verify("token").join()).status()).isEqualTo(502);
    body = "{\"sub\":\"not a user id\"}";
    assertThat(failure(() -> verifier(Duration.ZERO).verify("token").join()).status()).isEqualTo(502);
    server.stop(0);
    assertThat(failure(() -> verifier(Duration.ZERO).verify("token").join()).status()).isEqualTo(502);
  }

  @Test
  void anEmptyTokenIsRefusedWithoutAskingTheHomeserver() {
    assertThat(failure(() -> verifier(Duration.ZERO).verify("").join()).status()).isEqualTo(401);
    assertThat(asked).hasValue(0);
  }

  @Test
  void anAnswerOverTheCapIsRefusedWithoutBeingReadWhole() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean cutOff = new java.util.concurrent.atomic.AtomicBoolean();
    server.createContext("/huge/_matrix/federation/v1/openid/userinfo", exchange -> {
      exchange.sendResponseHeaders(200, 0); // chunked: no length declared up front
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) ' ');
      try {
        for (int i = 0; i < 16 * 1024; i++) { // a gigabyte, if anyone read it
          exchange.getResponseBody().write(chunk);
        }
      } catch (java.io.IOException closedByTheBridge) {
        cutOff.set(true);
      }
      exchange.close();
    });
    OpenIdVerifier verifier = new OpenIdVerifier(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
        + "/huge"), "example.org", Duration.ZERO, clock);

    ProvisioningException e = failure(() -> verifier.verify("token").join());

    assertThat(e.status()).isEqualTo(502);
    assertThat(e.getMessage()).contains("more than " + OpenIdVerifier.MAX_ANSWER + " bytes");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilTrue(cutOff);
  }

  @Test
  void discoveryNeverAsksServersOnLoopbackOrPrivateAddresses() throws Exception {
    try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getByName("127.0.0.1"))) {
      AtomicInteger connections = new AtomicInteger();
      Thread accept = new Thread(() -> {
        while (!listener.isClosed()) {
          try (java.net.Socket ignored = listener.accept()) {
            connections.incrementAndGet();
          } catch (java.io.IOException closed) {
            return;
          }
        }
      });
      accept.setDaemon(true);
      accept.start();
      OpenIdVerifier verifier = new OpenIdVerifier(URI.create("http://127.0.0.1:1"), "example.org",
          Duration.ZERO, clock, OpenIdVerifier.OtherServers.ANY, java.util.Map.of());
      int port = listener.getLocalPort();

      for (String name : java.util.List.of("localhost:" + port, "127.0.0.1:" + port, "127.0.0.1",
          "[::1]:" + port, "[::ffff:127.0.0.1]:" + port, "169.254.169.254", "10.1.2.3:" + port)) {
        ProvisioningException e = failure(() -> verifier.verify("token", java.util.Optional.of(name)).join());
        assertThat(e.status()).as(name).isEqualTo(401);
        assertThat(e.getMessage()).as(name).contains("not public");
      }
      assertThat(connections).hasValue(0);
    }
  }

  @Test
  void onlyPublicAddressesArePublic() throws Exception {
    for (String inside : java.util.List.of("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "fc00::1",
        "::ffff:10.0.0.1", "64:ff9b::7f00:1", "2001:db8::1", "192.0.0.8", "198.18.0.1")) {
      assertThat(PublicAddresses.isPublic(java.net.InetAddress.getByName(inside))).as(inside).isFalse();
    }
    for (String outside : java.util.List.of("1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
        "64:ff9b::808:808")) {
      assertThat(PublicAddresses.isPublic(java.net.InetAddress.getByName(outside))).as(outside).isTrue();
    }
  }
}
