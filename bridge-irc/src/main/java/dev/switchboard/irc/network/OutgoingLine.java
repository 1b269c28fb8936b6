package dev.switchboard.irc.network;

import dev.switchboard.core.connector.RemoteUnavailableException;
import dev.switchboard.irc.format.MessageKind;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One message line of an {@link IrcConnection}: held, then handed to Kitteh, then written to the socket (and echoed,
 * with echo-message). {@code sent} completes only at the end of that path; see DESIGN.md "Data flow and guarantees" 3.
 */
final class OutgoingLine implements WrittenLines.Line, EchoTracker.Awaiting {
  /** Logs as the connection it is sent on. */
  private static final Logger log = LoggerFactory.getLogger(IrcConnection.class);

  /**
   * How long a written line waits for its {@code echo-message} echo before it counts as delivered anyway (a server
   * that does not echo some lines must not hold their events for ever).
   */
  static final Duration ECHO_WAIT = Duration.ofSeconds(30);

  final CompletableFuture<Void> sent = new CompletableFuture<>();
  private final MessageKind kind;
  private final String text;
  private final Consumer<Optional<String>> onEcho;
  private final ScheduledExecutorService scheduler;
  private final String network;
  private final Supplier<String> nick;
  private volatile boolean awaitEcho;
  private volatile String target = "";

  /** @param onEcho gets the line's server {@code msgid} when the server echoes it; may be null */
  OutgoingLine(MessageKind kind, String text, Consumer<Optional<String>> onEcho, ScheduledExecutorService scheduler,
      String network, Supplier<String> nick) {
    this.kind = kind;
    this.text = text;
    this.onEcho = onEcho;
    this.scheduler = scheduler;
    this.network = network;
    this.nick = nick;
  }

  /**
   * The raw line to {@code target}, from now on this line's destination. Built here, not by Kitteh's {@code
   * sendMessage}, so that this exact String instance is what {@link WrittenLines} waits for.
   */
  String rawTo(String target, boolean awaitEcho) {
    this.target = target;
    this.awaitEcho = awaitEcho;
    return switch (kind) {
      case TEXT -> "PRIVMSG " + target + " :" + text;
      case NOTICE -> "NOTICE " + target + " :" + text;
      case EMOTE -> "PRIVMSG " + target + " :\u0001ACTION " + text + "\u0001";
    };
  }

  boolean awaitsEcho() {
    return awaitEcho;
  }

  @Override
  public void written() {
    if (!awaitEcho) {
      sent.complete(null);
      return;
    }
    scheduler.schedule(() -> {
      if (sent.complete(null)) {
        log.warn("IRC {} ({}): no echo for a line within {} s; counting it as delivered", network, nick.get(),
            ECHO_WAIT.toSeconds());
      }
    }, ECHO_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void failed(Throwable cause) {
    sent.completeExceptionally(new RemoteUnavailableException(
        "the IRC connection was lost before the line was written", cause));
  }

  @Override
  public void echoed(Optional<String> msgId) {
    if (onEcho != null) {
      try {
        onEcho.accept(msgId);
      } catch (RuntimeException e) {
        log.warn("IRC {} ({}): handling an echo failed: {}", network, nick.get(), e.toString());
      }
    }
    sent.complete(null);
  }

  @Override
  public void refused(String why) {
    sent.completeExceptionally(new DeliveryRefused(DeliveryRefused.Stage.LINE, target, 404, reason(why), 0));
  }

  @Override
  public void dropped() {
    sent.completeExceptionally(new RemoteUnavailableException(
        "the IRC connection was lost before the server confirmed the line"));
  }

  private static String reason(String why) {
    String clean = why.replaceAll("\\p{Cntrl}", "").strip();
    return clean.isEmpty() ? "cannot send to channel" : clean;
  }
}
