package dev.switchboard.app.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The floor {@link CpuBenchmark} reads the bridge's CPU against: the least a process must do to bridge one IRC channel
 * and one Matrix room both ways, run as its own JVM like the bridge. One IRC connection reads the channel and PUTs
 * each line to the homeserver as one ghost (concurrently, no store, no order); the homeserver's transactions are
 * read and each Matrix message written to IRC as one line ({@link StandInMatrix}). No puppets, formatting,
 * durability or flood control.
 *
 * <p>Arguments: IRC host, port, channel, nick; homeserver URL, as_token, room id, ghost user id; the port to listen
 * for transactions on.
 */
public final class StandInBridge {
  /** Printed once the connection is in the channel and the transactions port listens. */
  static final String READY = "stand-in ready";

  private StandInBridge() {
  }

  public static void main(String[] args) throws Exception {
    String channel = args[2];
    StandInMatrix matrix = StandInMatrix.join(args[4], args[5], args[6], args[7]);
    Socket irc = new Socket(args[0], Integer.parseInt(args[1]));
    PrintStream out = new PrintStream(irc.getOutputStream(), true, StandardCharsets.UTF_8);
    out.print("NICK " + args[3] + "\r\nUSER standin 0 * :stand-in\r\n");
    matrix.listen(Integer.parseInt(args[8]), body -> {
      synchronized (out) {
        out.print("PRIVMSG " + channel + " :" + body + "\r\n");
      }
    });

    BufferedReader in = new BufferedReader(new InputStreamReader(irc.getInputStream(), StandardCharsets.UTF_8));
    String prefix = " PRIVMSG " + channel + " :";
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.startsWith("PING")) {
        synchronized (out) {
          out.print("PONG" + line.substring(4) + "\r\n");
        }
      } else if (line.contains(" 001 ")) {
        out.print("JOIN " + channel + "\r\n");
      } else if (line.contains(" JOIN ") && line.startsWith(":" + args[3] + "!")) {
        System.out.println(READY);
      } else if (line.contains(prefix)) {
        matrix.send(line.substring(line.indexOf(prefix) + prefix.length()));
      }
    }
  }
}
