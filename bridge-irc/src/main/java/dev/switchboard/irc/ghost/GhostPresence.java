package dev.switchboard.irc.ghost;

import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.irc.network.IrcEvent;
import dev.switchboard.irc.puppet.PuppetNick;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * IRC away state → Matrix presence of IRC users' ghosts, for one network: away ({@code away-notify}, or the WHO
 * list's {@code G} flag when the bot joins) → {@code unavailable} with the away message as {@code status_msg}; back
 * → {@code online}; QUIT → {@code offline}, and a later JOIN → {@code online} again. Only ghosts whose presence the
 * bridge set since it started get {@code online} and {@code offline}, so neither a big channel's WHO list nor a
 * netsplit costs a presence call per user who was never away. The bot and puppets are Matrix users' own
 * connections: never touched.
 * Presence is best effort ({@link dev.switchboard.core.homeserver.Intent#setPresence}).
 */
public final class GhostPresence {
  private final String network;
  private final Intents intents;
  private final GhostIds ghostIds;
  private final Predicate<String> ourNick;
  /** Nick key → the presence we last set for that nick's ghost. */
  private final Map<String, Presence> set = new ConcurrentHashMap<>();

  private record Presence(String state, Optional<String> statusMsg) {
    static final Presence ONLINE = new Presence("online", Optional.empty());
    static final Presence OFFLINE = new Presence("offline", Optional.empty());

    static Presence away(String message) {
      return new Presence("unavailable", message.isBlank() ? Optional.empty() : Optional.of(message));
    }
  }

  /** @param ourNick true for nicks of the bot and our puppets on this network */
  public GhostPresence(String network, Intents intents, GhostIds ghostIds, Predicate<String> ourNick) {
    this.network = network;
    this.intents = intents;
    this.ghostIds = ghostIds;
    this.ourNick = ourNick;
  }

  /** Handles one event from the bot connection, on the network's serial executor. */
  public void handle(IrcEvent event) {
    if (event instanceof IrcEvent.Away a) {
      Presence now = set.get(PuppetNick.key(a.nick()));
      if (a.message().isPresent()) {
        // WHO says only "away": keep the message away-notify gave.
        boolean sameAway = a.message().get().isBlank() && now != null && now.state().equals("unavailable");
        if (!sameAway) {
          update(a.nick(), Presence.away(a.message().get()));
        }
      } else if (now != null) {
        update(a.nick(), Presence.ONLINE); // back; the WHO list says so of everyone who is not away
      }
    } else if (event instanceof IrcEvent.Quit q) {
      if (set.containsKey(PuppetNick.key(q.nick()))) {
        update(q.nick(), Presence.OFFLINE);
      }
    } else if (event instanceof IrcEvent.Joined j && !j.self()) {
      if (Presence.OFFLINE.equals(set.get(PuppetNick.key(j.nick())))) {
        update(j.nick(), Presence.ONLINE);
      }
    } else if (event instanceof IrcEvent.NickChanged n) {
      // A new nick is a new ghost (see GhostRelay); the user is still away or not, as before.
      Presence before = set.get(PuppetNick.key(n.oldNick()));
      if (before != null && !Presence.OFFLINE.equals(before)) {
        update(n.oldNick(), Presence.OFFLINE);
        update(n.newNick(), before);
      }
    }
  }

  private void update(String nick, Presence presence) {
    if (ourNick.test(nick)) {
      return;
    }
    Presence previous = set.put(PuppetNick.key(nick), presence);
    if (presence.equals(previous)) {
      return; // e.g. the WHO list of a second channel repeating what away-notify said
    }
    intents.ghost(ghostIds.ghost(network, nick)).setPresence(presence.state(), presence.statusMsg());
  }
}
