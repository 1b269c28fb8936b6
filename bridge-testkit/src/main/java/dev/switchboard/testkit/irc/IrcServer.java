package dev.switchboard.testkit.irc;

/** A real IRC server started by a test on 127.0.0.1 (ngircd, InspIRCd). */
public interface IrcServer extends AutoCloseable {

  /** The name the server announces in its prefixes. */
  String SERVER_NAME = "irc.test.local";

  /** NICKLEN every test server is configured with: longer than RFC 1459's 9, like most real networks. */
  int NICK_LENGTH = 16;

  String host();

  int port();

  /** The server's own output so far, for failure messages. */
  String log();

  /** Stops the server (as a crash or an admin would) and starts it again on the same port. */
  void restart() throws java.io.IOException, InterruptedException;

  @Override
  void close();
}
