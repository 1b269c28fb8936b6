package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.check.SelfCheck;
import dev.switchboard.irc.network.ConnectionSecurity;
import dev.switchboard.irc.network.NetworkConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Connects to one IRC network as the config says (TCP, TLS with the certificate and host name checked, server
 * password), registers under a throw-away nick so the running bridge's bot is not disturbed, and quits. When the
 * network has SASL PLAIN configured ({@code irc.networks.<id>.sasl}), it logs in with those credentials during
 * registration (IRCv3 {@code CAP} and {@code AUTHENTICATE}), so a wrong account or password fails here. SASL EXTERNAL
 * (the client certificate) is not tried: the probe presents no certificate.
 */
public final class IrcRegistrationProbe implements SelfCheck {
  private final NetworkConfig network;

  public IrcRegistrationProbe(NetworkConfig network) {
    this.network = network;
  }

  @Override
  public String name() {
    return "IRC network " + network.id() + " (" + network.host() + ":" + network.port()
        + (network.tls() ? ", TLS" : "") + ")";
  }

  private String keys() {
    return "irc.networks." + network.id() + ".host, .port and .tls";
  }

  @Override
  public CheckResult run(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String where = network.host() + ":" + network.port();
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(network.host(), network.port()), (int) timeout.toMillis());
      plain.setSoTimeout((int) timeout.toMillis());
      Socket socket = plain;
      if (network.tls()) {
        SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
            .createSocket(plain, network.host(), network.port(), true);
        SSLParameters params = tls.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        tls.startHandshake();
        socket = tls;
      }
      return register(socket, deadline);
    } catch (SocketTimeoutException e) {
      return CheckResult.failed("no complete registration with " + where + " within " + timeout.toSeconds() + " s",
          "check " + keys() + "; a TLS port answers nothing to plain text (and the other way round)");
    } catch (IOException e) {
      return Probes.networkFailure(e, where, keys());
    }
  }

  private CheckResult register(Socket socket, long deadline) throws IOException {
    OutputStream out = socket.getOutputStream();
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    String nick = nick();
    Optional<ConnectionSecurity.Sasl> sasl = network.security().sasl()
        .filter(s -> s.mechanism() == ConnectionSecurity.Mechanism.PLAIN);
    if (sasl.isPresent()) {
      // Registration waits for CAP END (IRCv3 capability negotiation), which we send once SASL is done.
      send(out, "CAP LS 302");
    }
    if (network.password().isPresent()) {
      send(out, "PASS " + network.password().get());
    }
    send(out, "NICK " + nick);
    send(out, "USER switchboard 0 * :Switchboard configuration check");
    String saslResult = null;
    StringBuilder offered = new StringBuilder();
    String line;
    while ((line = in.readLine()) != null) {
      if (System.nanoTime() > deadline) {
        throw new SocketTimeoutException();
      }
      String[] words = line.split(" ");
      if (words[0].equals("PING")) {
        send(out, "PONG " + line.substring(5));
        continue;
      }
      if (words[0].equals("ERROR")) {
        return CheckResult.failed("the server closed the connection: " + line.substring(5).replaceFirst("^:", ""),
            network.password().isPresent()
                ? "check irc.networks." + network.id() + ".password and whether the server admits this host"
                : "check whether the server needs a password (irc.networks." + network.id()
                    + ".password) or admits this host");
      }
      if (sasl.isPresent() && words[0].equals("AUTHENTICATE") && words.length > 1 && words[1].equals("+")) {
        authenticate(out, sasl.get());
        continue;
      }
      if (words.length < 2) {
        continue;
      }
      if (sasl.isPresent() && words[1].equals("CAP") && words.length > 3) {
        CheckResult refused = capability(out, words, line, offered);
        if (refused != null) {
          return refused;
        }
        continue;
      }
      switch (words[1]) {
        case "001" -> {
          send(out, "QUIT :Switchboard configuration check");
          if (sasl.isPresent() && saslResult == null) {
            return CheckResult.failed("the server registered the connection without SASL (it ignored CAP)",
                "remove irc.networks." + network.id() + ".sasl, or use a server with SASL (services)");
          }
          return CheckResult.ok("registered as " + nick + (saslResult == null ? "" : ", " + saslResult)
              + " and quit (" + (network.tls() ? "TLS, " : "") + "server " + words[0].replaceFirst("^:", "") + ")");
        }
        case "903" -> {
          saslResult = "SASL PLAIN login as " + sasl.map(s -> s.account().orElse("")).orElse("") + " accepted";
          send(out, "CAP END");
        }
        case "904", "905", "902" -> {
          return CheckResult.failed("the server refused the SASL login as "
              + sasl.map(s -> s.account().orElse("")).orElse("") + " (" + words[1] + " "
              + trailing(line) + ")", "set irc.networks." + network.id() + ".sasl.account and .password to the "
              + "bot's services account (register it with NickServ first), or remove .sasl");
        }
        case "906", "908" -> {
          return CheckResult.failed("SASL PLAIN did not complete (" + words[1] + " " + trailing(line) + ")",
              "check which mechanisms the network offers; irc.networks." + network.id() + ".sasl.mechanism");
        }
        case "433", "436" -> {
          nick = nick();
          send(out, "NICK " + nick);
        }
        case "464" -> {
          return CheckResult.failed("the server refused the password (464)",
              "set irc.networks." + network.id() + ".password to the server's password");
        }
        case "465" -> {
          return CheckResult.failed("the server bans this host (465)", "ask the network's operators");
        }
        default -> {
          // Notices, MOTD-less greetings and capability lines come before 001; wait for it.
        }
      }
    }
    return CheckResult.failed("the server closed the connection before registration completed",
        "check " + keys() + " and irc.networks." + network.id() + ".password");
  }

  /** One {@code CAP} reply while SASL is wanted: ask for sasl once offered; a refusal or no offer fails the check. */
  private CheckResult capability(OutputStream out, String[] words, String line, StringBuilder offered)
      throws IOException {
    String sub = words[3];
    if (sub.equals("LS")) {
      offered.append(' ').append(trailing(line));
      boolean more = words.length > 4 && words[4].equals("*");
      if (!more) {
        boolean hasSasl = java.util.Arrays.stream(offered.toString().trim().split(" "))
            .anyMatch(c -> c.equals("sasl") || c.startsWith("sasl="));
        if (!hasSasl) {
          return CheckResult.failed("the server offers no SASL (CAP LS:" + offered + ")",
              "remove irc.networks." + network.id() + ".sasl, or use a server with SASL (services)");
        }
        send(out, "CAP REQ :sasl");
      }
    } else if (sub.equals("ACK") && trailing(line).contains("sasl")) {
      send(out, "AUTHENTICATE PLAIN");
    } else if (sub.equals("NAK")) {
      return CheckResult.failed("the server refused the sasl capability", "remove irc.networks." + network.id()
          + ".sasl, or use a server with SASL (services)");
    }
    return null;
  }

  /** {@code AUTHENTICATE} with {@code account NUL account NUL password}, base64, in lines of at most 400 bytes. */
  private static void authenticate(OutputStream out, ConnectionSecurity.Sasl sasl) throws IOException {
    String account = sasl.account().orElse("");
    String payload = java.util.Base64.getEncoder().encodeToString((account + "\0" + account + "\0"
        + sasl.password().orElse("")).getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < payload.length(); i += 400) {
      send(out, "AUTHENTICATE " + payload.substring(i, Math.min(payload.length(), i + 400)));
    }
    if (payload.length() % 400 == 0) {
      send(out, "AUTHENTICATE +");
    }
  }

  private static String trailing(String line) {
    int colon = line.indexOf(" :");
    return colon < 0 ? "" : line.substring(colon + 2);
  }

  private static String nick() {
    // Nine characters: RFC 1459's limit, which ngircd keeps by default.
    return "sbcheck" + ThreadLocalRandom.current().nextInt(10, 100);
  }

  private static void send(OutputStream out, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
