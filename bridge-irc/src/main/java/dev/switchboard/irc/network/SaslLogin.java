package dev.switchboard.irc.network;

import java.util.List;
import java.util.Optional;
import net.engio.mbassy.listener.Handler;
import org.kitteh.irc.client.library.event.client.ClientNegotiationCompleteEvent;
import org.kitteh.irc.client.library.event.client.ClientReceiveNumericEvent;
import org.kitteh.irc.client.library.feature.filter.NumericFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What SASL gave one connection. Kitteh's SASL protocols (added to the client's auth manager) request the {@code sasl}
 * capability and answer the exchange; on a failure they end capability negotiation and registration goes on without
 * a login. This listener reads the outcome from the numerics (IRCv3 SASL 3.1: 900 logged in, 903 success, 902/904-908
 * failures) so that the bridge can say what happened: once in the log at the first failure (not again on every
 * reconnect while nothing changes) and to users ({@code !irc listrooms}). The password is never logged.
 *
 * <p>A failed login does not disconnect: the connection stays up, unauthenticated, so a wrong password costs one
 * failed exchange per connection, not a reconnect storm.
 */
public final class SaslLogin {
  private static final Logger log = LoggerFactory.getLogger(SaslLogin.class);

  /** The outcome of the last SASL attempt. */
  public enum Status {
    /** No SASL configured for this connection. */
    NOT_CONFIGURED,
    /** Configured; the current connection has not finished the exchange yet. */
    PENDING,
    /** The server logged us in (900/903). */
    LOGGED_IN,
    /** The server refused the credentials (904): wrong account or password, or an unknown client certificate. */
    BAD_CREDENTIALS,
    /** Registration completed without a SASL exchange: the server offers no {@code sasl}, or not our mechanism. */
    NOT_OFFERED,
    /** Another failure: nick locked (902), too long (905), aborted (906), mechanism refused (908). */
    FAILED
  }

  /** The status, the account we are logged in as (900), and a readable detail for failures. */
  public record State(Status status, Optional<String> account, String detail) {}

  private final String network;
  private final java.util.function.Supplier<String> nick;
  private String mechanism;
  private String account;
  private Status status = Status.NOT_CONFIGURED;
  private Optional<String> loggedInAs = Optional.empty();
  private String detail = "";
  private Status lastReported;

  SaslLogin(String network, java.util.function.Supplier<String> nick) {
    this.network = network;
    this.nick = nick;
  }

  /** Records that {@code mechanism} ({@code PLAIN}, {@code EXTERNAL}) is used, with {@code account} (may be null). */
  synchronized void configure(String mechanism, String account) {
    this.mechanism = mechanism;
    this.account = account;
    this.status = Status.PENDING;
  }

  /** A new connection attempt starts: its exchange is pending again. */
  synchronized void connecting() {
    if (mechanism != null) {
      status = Status.PENDING;
      loggedInAs = Optional.empty();
      detail = "";
    }
  }

  public synchronized State state() {
    return new State(status, loggedInAs, detail);
  }

  /** A short readable sentence for users, or empty when no SASL is configured. */
  public synchronized Optional<String> describe() {
    return switch (status) {
      case NOT_CONFIGURED -> Optional.empty();
      case PENDING -> Optional.of("SASL login pending");
      case LOGGED_IN -> Optional.of("logged in as " + loggedInAs.orElse(account == null ? "?" : account));
      case BAD_CREDENTIALS, NOT_OFFERED, FAILED -> Optional.of("not logged in: " + detail);
    };
  }

  private void finish(Status outcome, String why) {
    boolean report;
    synchronized (this) {
      if (mechanism == null || (status != Status.PENDING && outcome != Status.LOGGED_IN)) {
        return; // e.g. the 904 that follows a 908, or a numeric without our exchange
      }
      status = outcome;
      detail = why;
      report = lastReported != outcome;
      lastReported = outcome;
    }
    if (outcome == Status.LOGGED_IN) {
      if (report) {
        log.info("IRC {} ({}): SASL {} login succeeded, logged in as {}", network, nick.get(), mechanism,
            loggedInAs.orElse("?"));
      }
    } else if (report) {
      log.warn("IRC {} ({}): SASL {} login{} failed: {}; staying connected without logging in (not retried until "
          + "the next connection)", network, nick.get(), mechanism, account == null ? "" : " as " + account, why);
    } else {
      log.debug("IRC {} ({}): SASL {} failed again: {}", network, nick.get(), mechanism, why);
    }
  }

  /** Kitteh listener; public because the event manager finds handlers by reflection. */
  public final class Listener {
    @NumericFilter(900)
    @Handler
    public void loggedIn(ClientReceiveNumericEvent e) {
      List<String> params = e.getParameters();
      synchronized (SaslLogin.this) {
        if (params.size() >= 3) {
          loggedInAs = Optional.of(params.get(2));
        }
      }
      finish(Status.LOGGED_IN, "");
    }

    @NumericFilter(903)
    @Handler
    public void succeeded(ClientReceiveNumericEvent e) {
      synchronized (SaslLogin.this) {
        if (status == Status.LOGGED_IN) {
          return;
        }
      }
      finish(Status.LOGGED_IN, "");
    }

    @NumericFilter(904)
    @Handler
    public void badCredentials(ClientReceiveNumericEvent e) {
      finish(Status.BAD_CREDENTIALS, "EXTERNAL".equals(mechanism())
          ? "the server does not accept our client certificate (904)" : "wrong account or password (904)");
    }

    @NumericFilter(907)
    @Handler
    public void alreadyLoggedIn(ClientReceiveNumericEvent e) {
      finish(Status.LOGGED_IN, "");
    }

    @NumericFilter(902)
    @NumericFilter(905)
    @NumericFilter(906)
    @NumericFilter(908)
    @Handler
    public void failed(ClientReceiveNumericEvent e) {
      String why = switch (e.getNumeric()) {
        case 902 -> "the account is locked or held (902)";
        case 905 -> "the login message was too long (905)";
        case 906 -> "the exchange was aborted (906)";
        default -> "the server does not take mechanism " + mechanism() + (e.getParameters().size() >= 2
            ? "; it offers " + e.getParameters().get(1).replaceAll("[^A-Za-z0-9_,-]", "") : "") + " (908)";
      };
      finish(Status.FAILED, why);
    }

    @Handler
    public void registered(ClientNegotiationCompleteEvent e) {
      finish(Status.NOT_OFFERED, "the server offers no SASL " + mechanism());
    }
  }

  private synchronized String mechanism() {
    return mechanism;
  }
}
