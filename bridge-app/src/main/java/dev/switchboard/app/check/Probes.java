package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;

/** Turning network failures into report lines that say what to change. */
final class Probes {
  private Probes() {}

  /**
   * @param where e.g. {@code irc.libera.chat:6697}
   * @param keys the config keys that say where, e.g. {@code irc.networks.libera.host and .port}
   */
  static CheckResult networkFailure(IOException e, String where, String keys) {
    if (e instanceof UnknownHostException) {
      return CheckResult.failed("unknown host in " + where, "check " + keys + " (DNS does not know the host)");
    }
    if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
      return CheckResult.failed("cannot connect to " + where + " (" + e.getMessage() + ")",
          "check " + keys + ", that the server runs and listens there, and that no firewall is in the way");
    }
    if (e instanceof SocketTimeoutException) {
      return CheckResult.failed("no answer from " + where + " in time",
          "check " + keys + " and firewalls; a server that accepts but never answers may expect TLS (or not)");
    }
    if (e instanceof SSLException) {
      return CheckResult.failed("TLS with " + where + " failed: " + e.getMessage(),
          "check that the port speaks TLS (or turn TLS off for a plain port) and that Java trusts the server's "
              + "certificate");
    }
    return CheckResult.failed(where + ": " + e, "check " + keys);
  }
}
