package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** XEP-0393 styling from a Prosody MUC reaches Matrix as HTML, with the plain body kept. */
class MucStylingTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));

  @Test
  void styledXmppMessagesBecomeMatrixHtml() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");

    f.get().bobInDev.sendMessage("*big* news about <tags> and `code`");
    JsonNode styled = f.get().hs.awaitEvent(room, f.get().ghostOf("bob"), e -> e.path("content").path("body").asText()
        .startsWith("*big*"), MucFixture.WAIT);
    assertThat(styled.path("content").path("body").asText()).isEqualTo("*big* news about <tags> and `code`");
    assertThat(styled.path("content").path("format").asText()).isEqualTo("org.matrix.custom.html");
    assertThat(styled.path("content").path("formatted_body").asText())
        .isEqualTo("<strong>big</strong> news about &lt;tags&gt; and <code>code</code>");

    f.get().bobInDev.sendMessage("plain words");
    JsonNode plain = f.get().hs.awaitEvent(room, f.get().ghostOf("bob"), e -> "plain words".equals(e.path("content")
        .path("body").asText()), MucFixture.WAIT);
    assertThat(plain.path("content").has("formatted_body")).isFalse();
    f.get().hs.assertNoSchemaViolations();
  }
}
