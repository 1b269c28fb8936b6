package dev.switchboard.app.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.check.CheckResult;
import dev.switchboard.irc.IrcConfig;
import dev.switchboard.irc.network.NetworkConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code check}'s SASL PLAIN login against a scripted IRC server (a real services server is another helper's
 * work): the server offers SASL, answers {@code AUTHENTICATE} with 903 or 904 depending on the credentials, and
 * registers the connection after {@code CAP END}.
 */
class IrcSaslProbeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RIGHT_PASSWORD = "right-sasl-password";

  private final List<String> received = new CopyOnWriteArrayList<>();
  private ServerSocket server;

  /** How the scripted server behaves. */
  private enum Script { SERVICES, NO_SASL_OFFERED, IGNORES_CAP }

  private int serve(Script script) throws IOException {
    server = new ServerSocket(0);
    Thread t = new Thread(() -> {
      try (Socket s = server.accept()) {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = s.getOutputStream();
        String line;
        while ((line = in.readLine()) != null) {
          received.add(line);
          String reply = switch (script) {
            case IGNORES_CAP -> line.startsWith("USER ") ? ":irc.test 001 sbcheck :Welcome" : null;
            case NO_SASL_OFFERED -> line.equals("CAP LS 302") ? ":irc.test CAP * LS :multi-prefix away-notify" : null;
            case SERVICES -> services(line);
          };
          if (reply != null) {
            out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
          }
          if (line.startsWith("QUIT")) {
            return;
          }
        }
      } catch (IOException e) {
        // the probe hung up
      }
    });
    t.setDaemon(true);
    t.start();
    return server.getLocalPort();
  }

  private static String services(String line) {
    if (line.equals("CAP LS 302")) {
      return ":irc.test CAP * LS * :multi-prefix away-notify\r\n:irc.test CAP * LS :sasl=PLAIN,EXTERNAL";
    }
    if (line.equals("CAP REQ :sasl")) {
      return ":irc.test CAP * ACK :sasl";
    }
    if (line.equals("AUTHENTICATE PLAIN")) {
      return "AUTHENTICATE +";
    }
    if (line.startsWith("AUTHENTICATE ")) {
      String plain = new String(Base64.getDecoder().decode(line.substring(13)), StandardCharsets.UTF_8);
      return plain.equals("bot\0bot\0" + RIGHT_PASSWORD) ? ":irc.test 903 * :SASL authentication successful"
          : ":irc.test 904 * :SASL authentication failed";
    }
    if (line.equals("CAP END")) {
      return ":irc.test 001 sbcheck :Welcome";
    }
    return null;
  }

  @AfterEach
  void close() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  private static IrcRegistrationProbe probe(int port, String password) {
    ObjectNode irc = JSON.createObjectNode().put("enabled", true);
    ObjectNode net = irc.putObject("networks").putObject("test").put("host", "127.0.0.1").put("port", port)
        .put("tls", false).put("nick", "switchboard");
    net.putObject("sasl").put("mechanism", "plain").put("account", "bot").put("password", password);
    NetworkConfig network = IrcConfig.parse(irc).networks().get("test");
    return new IrcRegistrationProbe(network);
  }

  @Test
  void theRightCredentialsLogInAndRegistrationCompletes() throws Exception {
    CheckResult result = probe(serve(Script.SERVICES), RIGHT_PASSWORD).run(Duration.ofSeconds(20));

    assertThat(result.ok()).as(result.toString()).isTrue();
    assertThat(result.detail()).contains("SASL PLAIN login as bot accepted");
    assertThat(received).contains("CAP REQ :sasl", "AUTHENTICATE PLAIN", "CAP END");
  }

  @Test
  void aWrongPasswordFailsWithTheKeysToFixAndWithoutThePassword() throws Exception {
    CheckResult result = probe(serve(Script.SERVICES), "a-wrong-password").run(Duration.ofSeconds(20));

    assertThat(result.ok()).isFalse();
    assertThat(result.detail()).contains("refused the SASL login as bot (904 SASL authentication failed)");
    assertThat(result.fix().orElseThrow()).contains("irc.networks.test.sasl.account and .password");
    assertThat(result.toString()).doesNotContain("a-wrong-password");
  }

  @Test
  void aServerWithoutSaslFailsInsteadOfSilentlyRegistering() throws Exception {
    CheckResult noOffer = probe(serve(Script.NO_SASL_OFFERED), RIGHT_PASSWORD).run(Duration.ofSeconds(20));
    close();
    received.clear();
    CheckResult ignored = probe(serve(Script.IGNORES_CAP), RIGHT_PASSWORD).run(Duration.ofSeconds(20));

    assertThat(noOffer.ok()).isFalse();
    assertThat(noOffer.detail()).contains("offers no SASL");
    assertThat(ignored.ok()).isFalse();
    assertThat(ignored.detail()).contains("without SASL");
  }
}
