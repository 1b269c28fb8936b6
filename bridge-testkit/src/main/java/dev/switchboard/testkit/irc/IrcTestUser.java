package dev.switchboard.testkit.irc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A scripted IRC user for tests, on a raw socket so the test sees exactly what the server sends: registers,
 * answers PINGs, joins channels, says things and waits for lines.
 */
public final class IrcTestUser implements AutoCloseable {
  private final String nick;
  private final Socket socket;
  private final OutputStream out;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private IrcTestUser(String nick, Socket socket) throws IOException {
    this.nick = nick;
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.reader = new Thread(this::readLoop, "irc-test-user-" + nick);
    reader.setDaemon(true);
    reader.start();
  }

  /** Connects and registers as {@code nick}; returns after the welcome (001). */
  public static IrcTestUser connect(String host, int port, String nick) throws IOException {
    IrcTestUser user = new IrcTestUser(nick, new Socket(host, port));
    user.send("NICK " + nick);
    user.send("USER " + nick + " 0 * :test user " + nick);
    user.awaitLine(l -> command(l).equals("001"), Duration.ofSeconds(10));
    return user;
  }

  public static IrcTestUser connect(IrcServer server, String nick) throws IOException {
    return connect(server.host(), server.port(), nick);
  }

  /**
   * Connects asking for IRCv3 capabilities (e.g. {@code message-tags}, {@code server-time}); returns after the
   * welcome, with whatever the server acknowledged (see {@link #lines()} for its {@code CAP ACK}).
   */
  public static IrcTestUser connect(IrcServer server, String nick, String... capabilities) throws IOException {
    IrcTestUser user = new IrcTestUser(nick, new Socket(server.host(), server.port()));
    user.send("CAP LS 302");
    user.send("CAP REQ :" + String.join(" ", capabilities));
    user.send("NICK " + nick);
    user.send("USER " + nick + " 0 * :test user " + nick);
    user.awaitLine(l -> command(l).equals("CAP") && (l.contains(" ACK ") || l.contains(" NAK ")),
        Duration.ofSeconds(10));
    user.send("CAP END");
    user.awaitLine(l -> command(l).equals("001"), Duration.ofSeconds(10));
    return user;
  }

  public String nick() {
    return nick;
  }

  /** Joins and returns once the server has sent the end of the names list. */
  public void join(String channel) throws IOException {
    send("JOIN " + channel);
    awaitLine(l -> command(l).equals("366") && l.contains(" " + channel + " "), Duration.ofSeconds(10));
  }

  public void say(String target, String text) throws IOException {
    send("PRIVMSG " + target + " :" + text);
  }

  public void notice(String target, String text) throws IOException {
    send("NOTICE " + target + " :" + text);
  }

  public void action(String target, String text) throws IOException {
    send("PRIVMSG " + target + " :\u0001ACTION " + text + "\u0001");
  }

  public void part(String channel) throws IOException {
    send("PART " + channel);
  }

  /** Sends one raw line; CR and LF are refused so a test cannot inject by accident. */
  public void send(String line) throws IOException {
    if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("line contains CR or LF: " + line);
    }
    synchronized (out) {
      out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }

  /** Waits for a line received at any time (also before this call) that matches; fails after {@code timeout}. */
  public String awaitLine(Predicate<String> matching, Duration timeout) {
    return findLine(matching, timeout)
        .orElseThrow(() -> new AssertionError(nick + " saw no matching line within " + timeout + "; saw: " + lines()));
  }

  /**
   * As {@link #awaitLine} but returns null instead of failing when no line matches within {@code timeout}, for tests
   * that try something again until it works.
   */
  public String awaitLineOrNull(Predicate<String> matching, Duration timeout) {
    return findLine(matching, timeout).orElse(null);
  }

  /** Waits for a PRIVMSG to {@code target} from {@code fromNick} with exactly {@code text}. */
  public String awaitMessage(String fromNick, String target, String text, Duration timeout) {
    return awaitLine(l -> untagged(l).startsWith(":" + fromNick + "!") && command(l).equals("PRIVMSG")
        && l.contains(" PRIVMSG " + target + " :" + text) && l.endsWith(":" + text), timeout);
  }

  /** A raw line without its IRCv3 tags ({@code @a=b;c :prefix COMMAND ...} → {@code :prefix COMMAND ...}). */
  public static String untagged(String line) {
    return line.startsWith("@") && line.indexOf(' ') > 0 ? line.substring(line.indexOf(' ') + 1) : line;
  }

  /** The value of an IRCv3 tag on a raw line, unescaped only for the common cases; null when absent. */
  public static String tag(String line, String name) {
    if (!line.startsWith("@")) {
      return null;
    }
    for (String t : line.substring(1, line.indexOf(' ')).split(";")) {
      int eq = t.indexOf('=');
      String key = eq < 0 ? t : t.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : t.substring(eq + 1).replace("\\s", " ").replace("\\:", ";").replace("\\\\", "\\");
      }
    }
    return null;
  }

  /** The PRIVMSG texts to {@code target} received so far, with the sender's nick: {@code nick: text}. */
  public List<String> messagesTo(String target) {
    List<String> out = new ArrayList<>();
    for (String raw : lines()) {
      String l = untagged(raw);
      if (command(l).equals("PRIVMSG") && l.contains(" PRIVMSG " + target + " :")) {
        String from = l.substring(1, l.indexOf('!') > 0 ? l.indexOf('!') : l.indexOf(' '));
        out.add(from + ": " + l.substring(l.indexOf(" :", l.indexOf(" PRIVMSG ")) + 2));
      }
    }
    return out;
  }

  private Optional<String> findLine(Predicate<String> matching, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    synchronized (lines) {
      int seen = 0;
      while (true) {
        for (; seen < lines.size(); seen++) {
          if (matching.test(lines.get(seen))) {
            return Optional.of(lines.get(seen));
          }
        }
        long left = Duration.between(Instant.now(), deadline).toMillis();
        if (left <= 0) {
          return Optional.empty();
        }
        try {
          lines.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.empty();
        }
      }
    }
  }

  /** Every line received so far. */
  public List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** The command (or numeric) of a raw line, skipping tags and prefix. */
  public static String command(String line) {
    String[] parts = line.split(" ");
    int i = 0;
    if (i < parts.length && parts[i].startsWith("@")) {
      i++;
    }
    if (i < parts.length && parts[i].startsWith(":")) {
      i++;
    }
    return i < parts.length ? parts[i] : "";
  }

  private void readLoop() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("PING ")) {
          send("PONG " + line.substring(5));
        }
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException closed) {
      // the socket was closed: the test is over or the server went away
    }
  }

  @Override
  public void close() {
    try {
      send("QUIT :bye");
    } catch (IOException ignored) {
      // already gone
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }
}
