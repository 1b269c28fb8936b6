package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.check.SelfCheck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tries the trunk's digest credentials: a {@code REGISTER} without a {@code Contact} (RFC 3261 10.2.3: it asks for
 * the current bindings and changes none, so the running bridge's registration is not disturbed), answered with the
 * configured {@code sip.trunk.username} and {@code password} when the trunk challenges it (401/407, RFC 2617 digest
 * with MD5, MD5-sess or SHA-256, {@code qop=auth} when offered). A second challenge or a 403 means the trunk refused
 * the credentials. The password is never printed.
 */
public final class SipRegisterProbe implements SelfCheck {
  private static final Pattern PARAM = Pattern.compile("([A-Za-z-]+)\\s*=\\s*(\"([^\"]*)\"|[^,\\s]+)");

  private final String host;
  private final int port;
  private final String transport;
  private final String user;
  private final Optional<String> username;
  private final Optional<String> password;

  /**
   * @param user the account in From/To, as the bridge registers it ({@code SipConfig.Trunk#accountUser})
   * @param username the digest user name, empty when none is configured
   */
  public SipRegisterProbe(String host, int port, String transport, String user, Optional<String> username,
      Optional<String> password) {
    this.host = host;
    this.port = port;
    this.transport = transport;
    this.user = user;
    this.username = username;
    this.password = password;
  }

  @Override
  public String name() {
    return "SIP trunk registration (" + user + "@" + host + ":" + port + ", " + transport + ")";
  }

  @Override
  public CheckResult run(Duration timeout) {
    String where = host + ":" + port;
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Exchange exchange = transport.equalsIgnoreCase("tcp") ? new TcpExchange() : new UdpExchange()) {
      exchange.open(new InetSocketAddress(InetAddress.getByName(host), port), timeout);
      String first = exchange.send(register(exchange, 1, null), deadline);
      if (first == null) {
        return noAnswer(where, timeout);
      }
      int status = status(first);
      if (status >= 200 && status < 300) {
        return CheckResult.ok("the trunk accepted REGISTER without asking for credentials (" + statusText(first) + ")");
      }
      if (status != 401 && status != 407) {
        return refused(first);
      }
      if (username.isEmpty() || password.isEmpty()) {
        return CheckResult.failed("the trunk asks for credentials (" + statusText(first) + ")",
            "set sip.trunk.username and sip.trunk.password to the account's digest credentials");
      }
      String challengeHeader = status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
      Optional<String> challenge = header(first, challengeHeader);
      if (challenge.isEmpty() || !challenge.get().regionMatches(true, 0, "Digest", 0, 6)) {
        return CheckResult.failed("the trunk's " + challengeHeader + " is not a digest challenge",
            "the trunk wants an authentication scheme the bridge does not speak; see its configuration");
      }
      String authorization = authorization(challenge.get(), "sip:" + host + ":" + port);
      String second = exchange.send(register(exchange, 2, (status == 401 ? "Authorization: " : "Proxy-Authorization: ")
          + authorization), deadline);
      if (second == null) {
        return noAnswer(where, timeout);
      }
      int secondStatus = status(second);
      if (secondStatus >= 200 && secondStatus < 300) {
        return CheckResult.ok("the trunk accepted the digest credentials of " + username.get() + " (" + statusText(second)
            + "; bindings only queried, none changed)");
      }
      if (secondStatus == 401 || secondStatus == 407 || secondStatus == 403) {
        return CheckResult.failed("the trunk refused the credentials of " + username.get() + " (" + statusText(second)
            + ")", "check sip.trunk.username and sip.trunk.password (and sip.trunk.from_user when the account name "
            + "differs from the user name)");
      }
      return refused(second);
    } catch (PortUnreachableException e) {
      return CheckResult.failed("nothing listens on " + where + " (ICMP port unreachable)",
          "check sip.trunk.host and sip.trunk.port, and that the trunk runs");
    } catch (IOException e) {
      return Probes.networkFailure(e, where, "sip.trunk.host and sip.trunk.port");
    } catch (IllegalArgumentException e) {
      return CheckResult.failed("the trunk's answer cannot be read: " + e.getMessage(),
          "check sip.trunk.host and sip.trunk.port");
    }
  }

  private static CheckResult noAnswer(String where, Duration timeout) {
    return CheckResult.failed("no answer to REGISTER from " + where + " within " + timeout.toSeconds() + " s",
        "check sip.trunk.host, sip.trunk.port and sip.trunk.transport, and that the trunk accepts this host");
  }

  private static CheckResult refused(String answer) {
    return CheckResult.failed("the trunk answered REGISTER with " + statusText(answer),
        "check sip.trunk.register and the account on the trunk");
  }

  private String register(Exchange exchange, int cseq, String authorization) {
    String self = exchange.local().getAddress().getHostAddress();
    self = self.contains(":") ? "[" + self + "]" : self;
    String uri = "sip:" + host + ":" + port;
    String aor = "<sip:" + user + "@" + host + ">";
    return "REGISTER " + uri + " SIP/2.0\r\n"
        + "Via: SIP/2.0/" + transport.toUpperCase(Locale.ROOT) + " " + self + ":" + exchange.local().getPort()
        + ";branch=z9hG4bK" + exchange.id() + cseq + ";rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: " + aor + ";tag=" + exchange.id().substring(0, 8) + "\r\n"
        + "To: " + aor + "\r\n"
        + "Call-ID: " + exchange.id() + "@switchboard-check\r\n"
        + "CSeq: " + cseq + " REGISTER\r\n"
        + (authorization == null ? "" : authorization + "\r\n")
        + "User-Agent: Switchboard check\r\n"
        + "Content-Length: 0\r\n\r\n";
  }

  /** The digest answer to {@code challenge} (RFC 2617 / RFC 8760) for REGISTER at {@code uri}. */
  String authorization(String challenge, String uri) {
    Map<String, String> p = new HashMap<>();
    Matcher m = PARAM.matcher(challenge.substring(6));
    while (m.find()) {
      p.put(m.group(1).toLowerCase(Locale.ROOT), m.group(3) != null ? m.group(3) : m.group(2));
    }
    String realm = p.getOrDefault("realm", "");
    String nonce = p.get("nonce");
    if (nonce == null) {
      throw new IllegalArgumentException("the digest challenge has no nonce");
    }
    String algorithm = p.getOrDefault("algorithm", "MD5");
    String hash = switch (algorithm.toUpperCase(Locale.ROOT)) {
      case "MD5", "MD5-SESS" -> "MD5";
      case "SHA-256", "SHA-256-SESS" -> "SHA-256";
      default -> throw new IllegalArgumentException("digest algorithm " + algorithm + " is not supported");
    };
    boolean qopAuth = p.containsKey("qop") && java.util.Arrays.stream(p.get("qop").split(","))
        .map(String::trim).anyMatch("auth"::equals);
    String cnonce = Long.toHexString(ThreadLocalRandom.current().nextLong());
    String nc = "00000001";
    String ha1 = digest(hash, username.orElseThrow() + ":" + realm + ":" + password.orElseThrow());
    if (algorithm.toUpperCase(Locale.ROOT).endsWith("-SESS")) {
      ha1 = digest(hash, ha1 + ":" + nonce + ":" + cnonce);
    }
    String ha2 = digest(hash, "REGISTER:" + uri);
    String response = qopAuth ? digest(hash, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
        : digest(hash, ha1 + ":" + nonce + ":" + ha2);
    StringBuilder out = new StringBuilder("Digest username=\"" + username.get() + "\", realm=\"" + realm
        + "\", nonce=\"" + nonce + "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm=" + algorithm);
    if (qopAuth) {
      out.append(", qop=auth, nc=").append(nc).append(", cnonce=\"").append(cnonce).append('"');
    }
    if (p.containsKey("opaque")) {
      out.append(", opaque=\"").append(p.get("opaque")).append('"');
    }
    return out.toString();
  }

  private static String digest(String algorithm, String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm)
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int status(String answer) {
    String[] parts = answer.lines().findFirst().orElse("").split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("SIP/2.0")) {
      throw new IllegalArgumentException("not a SIP answer");
    }
    return Integer.parseInt(parts[1]);
  }

  private static String statusText(String answer) {
    return answer.lines().findFirst().orElse("").substring(8);
  }

  private static Optional<String> header(String answer, String name) {
    return answer.lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
        .map(l -> l.substring(name.length() + 1).trim()).findFirst();
  }

  /** One dialogue with the trunk: requests out, final answers (1xx skipped) in. */
  private abstract static class Exchange implements AutoCloseable {
    private final String id = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE)
        + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);

    String id() {
      return id;
    }

    abstract void open(InetSocketAddress target, Duration timeout) throws IOException;

    abstract InetSocketAddress local();

    /** The final answer, or null when none came before {@code deadline} (System.nanoTime). */
    abstract String send(String request, long deadline) throws IOException;

    @Override
    public abstract void close() throws IOException;
  }

  /** Over UDP, repeated with RFC 3261's doubling interval until an answer or the deadline. */
  private static final class UdpExchange extends Exchange {
    private DatagramSocket socket;

    @Override
    void open(InetSocketAddress target, Duration timeout) throws IOException {
      socket = new DatagramSocket();
      socket.connect(target);
    }

    @Override
    InetSocketAddress local() {
      return new InetSocketAddress(socket.getLocalAddress(), socket.getLocalPort());
    }

    @Override
    String send(String request, long deadline) throws IOException {
      byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
      String cseq = request.lines().filter(l -> l.startsWith("CSeq:")).findFirst().orElse("");
      long interval = 500;
      byte[] buffer = new byte[8192];
      long resendAt = 0;
      while (System.nanoTime() < deadline) {
        if (System.nanoTime() >= resendAt) {
          socket.send(new DatagramPacket(bytes, bytes.length));
          resendAt = System.nanoTime() + interval * 1_000_000;
          interval = Math.min(interval * 2, 4000);
        }
        long wait = Math.max(1, (Math.min(resendAt, deadline) - System.nanoTime()) / 1_000_000);
        socket.setSoTimeout((int) wait);
        try {
          DatagramPacket p = new DatagramPacket(buffer, buffer.length);
          socket.receive(p);
          String answer = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
          // Only the final answer to this request: skip 1xx and late answers to the previous one.
          if (!answer.startsWith("SIP/2.0 1") && answer.lines().anyMatch(cseq::equals)) {
            return answer;
          }
        } catch (SocketTimeoutException again) {
          // resend or give up below
        }
      }
      return null;
    }

    @Override
    public void close() {
      if (socket != null) {
        socket.close();
      }
    }
  }

  /** Over one TCP connection; an answer is read up to its blank line (REGISTER answers have no body here). */
  private static final class TcpExchange extends Exchange {
    private Socket socket;
    private BufferedReader in;

    @Override
    void open(InetSocketAddress target, Duration timeout) throws IOException {
      socket = new Socket();
      socket.connect(target, (int) timeout.toMillis());
      in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    InetSocketAddress local() {
      return new InetSocketAddress(socket.getLocalAddress(), socket.getLocalPort());
    }

    @Override
    String send(String request, long deadline) throws IOException {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      while (true) {
        socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        StringBuilder answer = new StringBuilder();
        String line;
        try {
          while ((line = in.readLine()) != null && !(line.isEmpty() && answer.length() > 0)) {
            if (!line.isEmpty()) {
              answer.append(line).append("\r\n");
            }
          }
        } catch (SocketTimeoutException e) {
          return null;
        }
        if (answer.length() == 0) {
          return null;
        }
        if (!answer.toString().startsWith("SIP/2.0 1")) {
          return answer.toString();
        }
      }
    }

    @Override
    public void close() throws IOException {
      if (socket != null) {
        socket.close();
      }
    }
  }
}
