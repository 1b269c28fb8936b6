package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/install.md steps 2 to 5, in their order, with nothing but what the page says: the first {@code run} writes
 * the config and the registration; the config is edited (homeserver, appservice, permissions, one IRC network);
 * {@code registration} rewrites the registration, which the homeserver loads; {@code check} passes; {@code run} (a
 * separate JVM, stopped with SIGTERM as systemd does) bridges the channel a Matrix user joins by its alias.
 */
class InstallStepsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir
  Path dir;

  private static int main(String... args) {
    PrintStream previous = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      return Main.execute(args);
    } finally {
      System.setOut(previous);
      System.out.print(captured.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void theDocumentedStepsBridgeAnIrcChannel() throws Exception {
    try (NgircdServer ircd = NgircdServer.start(); TestHomeserver hs = TestHomeserver.start()) {
      Path config = dir.resolve("config.yaml");

      // Step 2: the first run writes a commented config and the registration, and stops.
      assertThat(main("run", "--config", config.toString())).isZero();
      assertThat(config).exists();
      assertThat(dir.resolve("registration.yaml")).exists();

      // Edit config.yaml as the page lists. (The AS and media ports too: the defaults may be taken on a test machine.)
      int asPort;
      try (ServerSocket s = new ServerSocket(0)) {
        asPort = s.getLocalPort();
      }
      ObjectNode cfg = (ObjectNode) YAML.readTree(config.toFile());
      ((ObjectNode) cfg.get("homeserver")).put("url", hs.baseUrl()).put("domain", hs.serverName());
      ((ObjectNode) cfg.get("appservice")).put("url", "http://127.0.0.1:" + asPort).put("port", asPort);
      ((ObjectNode) cfg.get("media")).put("port", 0);
      cfg.putObject("permissions").put("@you:" + hs.serverName(), "admin");
      ObjectNode irc = cfg.putObject("irc").put("enabled", true);
      irc.putObject("networks").putObject("test").put("host", "127.0.0.1").put("port", ircd.port())
          .put("tls", false).put("nick", "mybridgebot");
      YAML.writeValue(config.toFile(), cfg);

      assertThat(main("registration", "--config", config.toString())).isZero();
      // Step 3: the homeserver loads registration.yaml (and is "restarted").
      hs.registerAppService(AppServiceRegistration.fromYaml(dir.resolve("registration.yaml")));

      // Step 4: every check passes.
      assertThat(main("check", "--config", config.toString(), "--timeout", "20")).isZero();

      // Step 5: run, in its own JVM, and join the channel's alias.
      Path log = dir.resolve("run.log");
      Process bridge = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", config.toString())
          .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try (IrcTestUser carol = IrcTestUser.connect(ircd, "carol")) {
        await().atMost(WAIT).until(() -> Files.readString(log).contains("Switchboard started"));
        carol.join("#newcomer");
        TestUser you = hs.user("you");
        String room = you.join("#_irc_test_#newcomer:" + hs.serverName());
        carol.awaitLine(l -> l.startsWith(":you!") && l.contains(" JOIN "), WAIT);
        you.send(room, "hello from matrix");
        carol.awaitMessage("you", "#newcomer", "hello from matrix", WAIT);
        carol.say("#newcomer", "hello from irc");
        hs.awaitEvent(room, "@_irc_test_carol:" + hs.serverName(),
            e -> e.path("content").path("body").asText().equals("hello from irc"), WAIT);
      } finally {
        bridge.destroy(); // SIGTERM: the shutdown hook stops the bridge
        if (!bridge.waitFor(30, TimeUnit.SECONDS)) {
          bridge.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      assertThat(Files.readString(log)).as("the run's log").contains("Switchboard started");
    }
  }
}
