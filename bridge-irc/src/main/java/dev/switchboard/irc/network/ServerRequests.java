package dev.switchboard.irc.network;

import dev.switchboard.irc.format.IrcLines;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.puppet.PuppetNick;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.engio.mbassy.listener.Handler;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.command.KickCommand;
import org.kitteh.irc.client.library.command.WhoisCommand;
import org.kitteh.irc.client.library.event.client.ClientReceiveNumericEvent;
import org.kitteh.irc.client.library.event.user.WhoisEvent;
import org.kitteh.irc.client.library.feature.filter.NumericFilter;

/**
 * What one connection asks of the server besides messages and channel membership: moderation (kick, ban, unban), a
 * nick change, WHOIS, and the raw commands {@code !irc} lets users send. Each checks that what it sends is one safe
 * line; the server decides whether we may (it refuses a kick without ops, say).
 */
public final class ServerRequests {
  private final Client client;
  /** WHOIS callers waiting for their answer, by nick key. */
  private final Map<String, List<CompletableFuture<String>>> whoisWaiting = new HashMap<>();

  ServerRequests(Client client) {
    this.client = client;
  }

  /** Kicks {@code nick} from {@code channel} (needs ops there; the server refuses otherwise). */
  public void kick(ChannelName channel, String nick, String reason) {
    if (!PuppetNick.isValid(nick)) {
      throw new IllegalArgumentException("not a valid IRC nick: " + nick);
    }
    new KickCommand(client, channel.value()).target(nick).reason(oneLine(reason, 200)).execute();
  }

  /** Bans {@code nick!*@*} in {@code channel} (needs ops there). */
  public void ban(ChannelName channel, String nick) {
    if (!PuppetNick.isValid(nick)) {
      throw new IllegalArgumentException("not a valid IRC nick: " + nick);
    }
    client.sendRawLine("MODE " + channel.value() + " +b " + nick + "!*@*");
  }

  /** Lifts the ban {@code mask} in {@code channel} (needs ops there); {@code mask} must be one safe parameter. */
  public void unban(ChannelName channel, String mask) {
    if (!BanMask.isSafe(mask)) {
      throw new IllegalArgumentException("not a ban mask we can send: " + mask.replaceAll("\\p{Cntrl}", "?"));
    }
    client.sendRawLine("MODE " + channel.value() + " -b " + mask);
  }

  /** Asks for another nick (the server may refuse it: then the old one stays). */
  public void changeNick(String wantedNick) {
    if (!PuppetNick.isValid(wantedNick)) {
      throw new IllegalArgumentException("not a valid IRC nick: " + wantedNick);
    }
    client.setNick(wantedNick);
  }

  /**
   * Sends one raw command line. The caller has checked that it is a command users may send; here we only make sure it
   * is one line.
   */
  public void sendRaw(String line) {
    if (line.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0) || IrcLines.utf8Length(line) > 450) {
      throw new IllegalArgumentException("a raw IRC command must be one line of at most 450 bytes");
    }
    client.sendRawLine(line);
  }

  /**
   * WHOIS {@code nick}: completes with a short readable answer, or fails after {@code timeout} (servers answer an
   * unknown nick with 401, which Kitteh does not turn into an event).
   */
  public CompletableFuture<String> whois(String target, Duration timeout) {
    if (!PuppetNick.isValid(target)) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("not a valid IRC nick: " + target));
    }
    CompletableFuture<String> answer = new CompletableFuture<>();
    synchronized (this) {
      whoisWaiting.computeIfAbsent(PuppetNick.key(target), k -> new ArrayList<>()).add(answer);
      new WhoisCommand(client).target(target).execute();
    }
    return answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized List<CompletableFuture<String>> answered(String target) {
    List<CompletableFuture<String>> waiting = whoisWaiting.remove(PuppetNick.key(target));
    return waiting == null ? List.of() : waiting;
  }

  private static String oneLine(String text, int maxBytes) {
    String safe = text.replaceAll("[\\p{Cntrl}\u0085\u2028\u2029]+", " ").strip();
    List<String> cut = IrcLines.split(safe.isEmpty() ? "-" : safe, maxBytes);
    return cut.isEmpty() ? "-" : cut.get(0);
  }

  /** The WHOIS answers; public because the event manager finds handlers by reflection. */
  public final class Listener {
    /** 401 (no such nick) ends a WHOIS that will get no other answer. */
    @NumericFilter(401)
    @Handler
    public void noSuchNick(ClientReceiveNumericEvent e) {
      List<String> params = e.getParameters();
      if (params.size() < 2) {
        return;
      }
      answered(params.get(1)).forEach(w -> w.completeExceptionally(new IllegalArgumentException("There is no "
          + params.get(1) + " on IRC right now.")));
    }

    @Handler
    public void whois(WhoisEvent e) {
      var data = e.getWhoisData();
      List<CompletableFuture<String>> waiting = answered(data.getNick());
      if (waiting.isEmpty()) {
        return;
      }
      StringBuilder b = new StringBuilder(data.getNick()).append(" is ").append(data.getUserString()).append('@')
          .append(data.getHost());
      data.getRealName().ifPresent(r -> b.append(" (").append(r).append(')'));
      if (!data.getChannels().isEmpty()) {
        b.append(", in ").append(String.join(" ", data.getChannels()));
      }
      data.getServer().ifPresent(s -> b.append(", on ").append(s));
      data.getAccount().ifPresent(a -> b.append(", logged in as ").append(a));
      data.getAwayMessage().ifPresent(a -> b.append(", away: ").append(a));
      String answer = b.toString().replaceAll("\\p{Cntrl}", "");
      waiting.forEach(w -> w.complete(answer));
    }
  }
}
