package dev.switchboard.testkit.homeserver;

import static dev.switchboard.testkit.homeserver.MatrixHttp.enc;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.spec.SpecSchemas;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** OpenID tokens over HTTP: a user requests one, a third party exchanges it at the federation userinfo endpoint. */
class OpenIdTest {
  private static SpecSchemas spec;
  private TestHomeserver hs;

  @BeforeAll
  static void loadSpec() {
    spec = SpecSchemas.load();
  }

  @BeforeEach
  void start() {
    hs = TestHomeserver.start(Options.defaults(), spec);
  }

  @AfterEach
  void stop() {
    hs.close();
  }

  private static String requestTokenPath(String userId) {
    return "/_matrix/client/v3/user/" + enc(userId) + "/openid/request_token";
  }

  @Test
  void aUsersTokenIsExchangedForTheirUserIdAndTheAnswerFollowsTheSpec() throws Exception {
    TestUser alice = hs.user("alice");
    MatrixHttp asAlice = new MatrixHttp(hs.baseUrl(), alice.accessToken());

    MatrixHttp.Answer token = asAlice.post(requestTokenPath(alice.userId()), "{}");

    assertThat(token.status()).isEqualTo(200);
    assertThat(spec.validate("data/api/client-server/definitions/openid_token.yaml", token.body())).isEmpty();
    assertThat(token.body().path("matrix_server_name").asText()).isEqualTo(hs.serverName());
    MatrixHttp.Answer info = new MatrixHttp(hs.baseUrl(), null).get("/_matrix/federation/v1/openid/userinfo"
        + "?access_token=" + enc(token.body().path("access_token").asText()));
    assertThat(info.status()).isEqualTo(200);
    assertThat(info.body().path("sub").asText()).isEqualTo(alice.userId());
    hs.assertNoSchemaViolations();
  }

  @Test
  void aTokenForSomeoneElseIsRefusedAndAnUnknownTokenIsNotExchanged() throws Exception {
    TestUser alice = hs.user("alice");
    TestUser bob = hs.user("bob");

    MatrixHttp.Answer forBob = new MatrixHttp(hs.baseUrl(), alice.accessToken())
        .post(requestTokenPath(bob.userId()), "{}");
    MatrixHttp.Answer unknown = new MatrixHttp(hs.baseUrl(), null)
        .get("/_matrix/federation/v1/openid/userinfo?access_token=" + enc(alice.accessToken()));
    MatrixHttp.Answer missing = new MatrixHttp(hs.baseUrl(), null).get("/_matrix/federation/v1/openid/userinfo");

    assertThat(forBob.status()).isEqualTo(403);
    assertThat(forBob.errcode()).isEqualTo("M_FORBIDDEN");
    assertThat(unknown.status()).as("an access token is not an OpenID token").isEqualTo(401);
    assertThat(unknown.errcode()).isEqualTo("M_UNKNOWN_TOKEN");
    assertThat(missing.status()).isEqualTo(401);
  }

  @Test
  void aRevokedTokenNoLongerIdentifiesItsUser() throws Exception {
    String token = hs.user("alice").requestOpenIdToken();
    hs.openId().revokeAll();

    MatrixHttp.Answer info = new MatrixHttp(hs.baseUrl(), null)
        .get("/_matrix/federation/v1/openid/userinfo?access_token=" + enc(token));

    assertThat(info.status()).isEqualTo(401);
  }
}
