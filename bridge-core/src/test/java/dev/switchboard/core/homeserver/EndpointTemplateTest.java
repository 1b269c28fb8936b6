package dev.switchboard.core.homeserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EndpointTemplateTest {
  private static String t(String... segments) {
    return EndpointTemplate.of(MatrixRequest.path(MatrixRequest.CLIENT_V3, segments));
  }

  @Test
  void idsBecomePlaceholdersSoMetricSeriesStayBounded() {
    assertThat(t("rooms", "!abc:example.org", "send", "m.room.message", "sb-1234abcd"))
        .isEqualTo("/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}");
    assertThat(t("rooms", "!abc:example.org", "state", "m.room.member", "@bob:example.org"))
        .isEqualTo("/_matrix/client/v3/rooms/{roomId}/state/m.room.member/{stateKey}");
    assertThat(t("rooms", "!abc:example.org", "state", "m.bridge", ""))
        .isEqualTo("/_matrix/client/v3/rooms/{roomId}/state/m.bridge/{stateKey}");
    assertThat(t("rooms", "!r:x", "redact", "$ev:x", "txn9"))
        .isEqualTo("/_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}");
    assertThat(t("profile", "@_irc_libera_alice:example.org", "displayname"))
        .isEqualTo("/_matrix/client/v3/profile/{userId}/displayname");
    assertThat(t("directory", "room", "#_irc_libera_#java:example.org"))
        .isEqualTo("/_matrix/client/v3/directory/room/{roomAlias}");
    assertThat(t("rooms", "!r:x", "receipt", "m.read", "$e"))
        .isEqualTo("/_matrix/client/v3/rooms/{roomId}/receipt/m.read/{eventId}");
    assertThat(EndpointTemplate.of(MatrixRequest.path(MatrixRequest.CLIENT_V1, "appservice", "my bridge", "ping")))
        .isEqualTo("/_matrix/client/v1/appservice/{appserviceId}/ping");
    assertThat(EndpointTemplate.of(MatrixRequest.CLIENT_V3 + "/register")).isEqualTo("/_matrix/client/v3/register");
  }

  @Test
  void unexpectedFreeTextNeverBecomesATag() {
    assertThat(t("weird", "hello world", "x".repeat(100))).isEqualTo("/_matrix/client/v3/weird/{param}/{param}");
  }
}
