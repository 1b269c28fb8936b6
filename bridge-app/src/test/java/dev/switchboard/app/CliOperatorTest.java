package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.command.BridgeVersion;
import dev.switchboard.core.config.BridgeConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code --version} and the logging formats, as an admin sees them on stdout. */
class CliOperatorTest {

  @AfterEach
  void backToTheDefaultLogging() {
    LogSetup.apply(BridgeConfig.Logging.defaults(), false);
    for (String name : new String[] {"dev.switchboard.irc", "dev.switchboard.xmpp"}) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name)).setLevel(null);
    }
  }

  private static String stdout(Supplier<Object> action) {
    PrintStream previous = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.get();
    } finally {
      System.setOut(previous);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void versionPrintsTheBuildsVersionAndJava() {
    String out = stdout(() -> Main.execute("--version"));

    assertThat(BridgeVersion.current()).isNotEqualTo("unknown").matches("[0-9]+\\.[0-9]+\\.[0-9]+.*");
    assertThat(out).startsWith("switchboard " + BridgeVersion.current()).contains("Java ");
  }

  @Test
  void jsonLoggingWritesOneObjectPerLineWithLevelLoggerAndMessage() throws Exception {
    String out = stdout(() -> {
      LogSetup.apply(BridgeConfig.Logging.defaults(), true);
      LoggerFactory.getLogger("dev.switchboard.irc.Example").info("joined {} on {}", "#java", "libera");
      return null;
    });

    String line = out.lines().filter(l -> l.contains("dev.switchboard.irc.Example")).findFirst().orElseThrow();
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.path("level").asText()).isEqualTo("INFO");
    assertThat(json.path("loggerName").asText()).isEqualTo("dev.switchboard.irc.Example");
    assertThat(json.path("formattedMessage").asText()).isEqualTo("joined #java on libera");
  }

  @Test
  void aLineBreakFromRemoteInputCannotForgeALogLine() {
    String out = stdout(() -> {
      LogSetup.apply(BridgeConfig.Logging.defaults(), false);
      LoggerFactory.getLogger("dev.switchboard.xmpp.Example").warn("fetch of {} failed",
          "http://x/a\r\n12:00:00.000 ERROR [main] forged - admin password reset\u0000");
      return null;
    });

    assertThat(out.lines().filter(l -> l.contains("forged"))).singleElement().asString()
        .contains("xmpp.Example - fetch of http://x/a\u2424\u242412:00:00.000 ERROR", "reset\u2424");
  }

  @Test
  void perConnectorLevelsQuietOneConnectorAndOpenUpAnother() {
    String out = stdout(() -> {
      LogSetup.apply(new BridgeConfig.Logging(false, "INFO", Map.of("irc", "DEBUG", "xmpp", "WARN")), false);
      LoggerFactory.getLogger("dev.switchboard.irc.network.Client").debug("irc detail");
      LoggerFactory.getLogger("dev.switchboard.xmpp.component.Stream").info("xmpp chatter");
      LoggerFactory.getLogger("dev.switchboard.xmpp.component.Stream").warn("xmpp warning");
      return null;
    });

    assertThat(out).contains("irc detail", "xmpp warning").doesNotContain("xmpp chatter")
        .containsPattern("[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} DEBUG \\[");
  }
}
