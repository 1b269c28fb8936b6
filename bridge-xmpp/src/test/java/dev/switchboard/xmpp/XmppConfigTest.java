package dev.switchboard.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.ConfigSection;
import dev.switchboard.testkit.LogCapture;
import org.junit.jupiter.api.Test;

class XmppConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static XmppConfig parse(String extra) throws Exception {
    return XmppConfig.parse(ConfigSection.of(JSON.readTree("""
        {"domain": "matrix.example.org", "secret": "s" %s}""".formatted(extra)), "xmpp"));
  }

  @Test
  void theRetiredMediaBaseUrlStillStartsAndSaysOnceThatMediaPublicUrlIsUsedInstead() throws Exception {
    try (LogCapture log = new LogCapture(XmppConfig.class)) {
      XmppConfig config = parse(", \"media_base_url\": \"ftp://anything\", \"media_max_bytes\": 1000");

      assertThat(config.media().maxBytes()).isEqualTo(1000);
      assertThat(log.lines(Level.WARN)).singleElement().asString()
          .contains("xmpp.media_base_url", "ignored", "media.public_url");
    }
    try (LogCapture log = new LogCapture(XmppConfig.class)) {
      parse("");

      assertThat(log.lines(Level.WARN)).isEmpty();
    }
  }
}
