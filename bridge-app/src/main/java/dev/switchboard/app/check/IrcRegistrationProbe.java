package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.check.SelfCheck;
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
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Connects to one IRC network as the config says (TCP, TLS with the certificate and host name checked, server
 * password), registers under a throw-away nick so the running bridge's bot is not disturbed, and quits.
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
    if (network.password().isPresent()) {
      send(out, "PASS " + network.password().get());
    }
    send(out, "NICK " + nick);
    send(out, "USER switchboard 0 * :Switchboard configuration check");
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
      if (words.length < 2) {
        continue;
      }
      switch (words[1]) {
        case "001" -> {
          send(out, "QUIT :Switchboard configuration check");
          return CheckResult.ok("registered as " + nick + " and quit (" + (network.tls() ? "TLS, " : "")
              + "server " + words[0].replaceFirst("^:", "") + ")");
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

  private static String nick() {
    // Nine characters: RFC 1459's limit, which ngircd keeps by default.
    return "sbcheck" + ThreadLocalRandom.current().nextInt(10, 100);
  }

  private static void send(OutputStream out, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
