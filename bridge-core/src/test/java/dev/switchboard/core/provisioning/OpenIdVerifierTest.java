package dev.switchboard.core.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.id.UserId;
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
}
