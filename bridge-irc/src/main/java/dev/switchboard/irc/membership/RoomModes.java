package dev.switchboard.irc.membership;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.homeserver.StateEdits;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.ghost.GhostIds;
import dev.switchboard.irc.network.IrcEvent;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.irc.puppet.PuppetNick;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Channel modes as Matrix room state for one network: channel user modes ({@code +o}, {@code +v}, ...) become the
 * ghosts' power levels ({@link NetworkConfig#modePowerLevels()}), and {@code +i} or {@code +k} make the room
 * invite-only. Keeps each room's nick → modes as last seen; the methods that return changes are pure bookkeeping,
 * the {@code apply} methods write state and must run in the room's lane so they follow the joins they refer to.
 *
 * <p>Only ghosts' levels are ever written; Matrix users' levels belong to the room's moderators, not to IRC.
 */
public final class RoomModes {
  private final NetworkConfig network;
  private final GhostIds ghostIds;
  private final Intent bot;
  private final Map<RoomId, Map<String, String>> modesByRoom = new ConcurrentHashMap<>();

  public RoomModes(NetworkConfig network, GhostIds ghostIds, Intent bot) {
    this.network = network;
    this.ghostIds = ghostIds;
    this.bot = bot;
  }

  /**
   * A full member list (NAMES): every listed nick's modes are as given. Every listed ghost's level is returned, not
   * only changes, so levels left from before a restart are corrected ({@link #applyPowerLevels} writes only what
   * differs).
   */
  public Map<UserId, Integer> present(RoomId room, List<String> nicks, Map<String, String> prefixModes) {
    Map<String, String> modes = modesByRoom.computeIfAbsent(room, r -> new ConcurrentHashMap<>());
    Map<UserId, Integer> changes = new LinkedHashMap<>();
    Map<String, String> byKey = new java.util.HashMap<>();
    prefixModes.forEach((nick, m) -> byKey.put(PuppetNick.key(nick), m));
    for (String nick : nicks) {
      String now = byKey.getOrDefault(PuppetNick.key(nick), "");
      set(modes, nick, now, changes);
      changes.put(ghostIds.ghost(network.id(), nick), network.powerLevelOf(now));
    }
    return changes;
  }

  /** Modes given or taken by {@code MODE}. */
  public Map<UserId, Integer> changed(RoomId room, List<IrcEvent.UserModeChange> changes) {
    Map<String, String> modes = modesByRoom.computeIfAbsent(room, r -> new ConcurrentHashMap<>());
    Map<UserId, Integer> out = new LinkedHashMap<>();
    for (IrcEvent.UserModeChange c : changes) {
      String before = modes.getOrDefault(PuppetNick.key(c.nick()), "");
      String after = c.add()
          ? (before.indexOf(c.mode()) >= 0 ? before : before + c.mode())
          : before.replace(String.valueOf(c.mode()), "");
      set(modes, c.nick(), after, out);
    }
    return out;
  }

  /** {@code nick} left the channel: a later user of that nick starts without its levels. */
  public Map<UserId, Integer> gone(RoomId room, String nick) {
    Map<String, String> modes = modesByRoom.computeIfAbsent(room, r -> new ConcurrentHashMap<>());
    Map<UserId, Integer> out = new LinkedHashMap<>();
    set(modes, nick, "", out);
    return out;
  }

  /** A nick change keeps the modes: the new nick's ghost gets the level, the old one loses it. */
  public Map<UserId, Integer> renamed(RoomId room, String oldNick, String newNick) {
    Map<String, String> modes = modesByRoom.computeIfAbsent(room, r -> new ConcurrentHashMap<>());
    String had = modes.getOrDefault(PuppetNick.key(oldNick), "");
    Map<UserId, Integer> out = new LinkedHashMap<>();
    set(modes, oldNick, "", out);
    set(modes, newNick, had, out);
    return out;
  }

  /** The modes {@code nick} has in the channel of {@code room}, as last seen. */
  public String modesOf(RoomId room, String nick) {
    return modesByRoom.getOrDefault(room, Map.of()).getOrDefault(PuppetNick.key(nick), "");
  }

  /** Forgets a room (unlinked). */
  public void forget(RoomId room) {
    modesByRoom.remove(room);
  }

  private void set(Map<String, String> modes, String nick, String now, Map<UserId, Integer> changes) {
    String key = PuppetNick.key(nick);
    String before = now.isEmpty() ? modes.remove(key) : modes.put(key, now);
    int was = network.powerLevelOf(before == null ? "" : before);
    int is = network.powerLevelOf(now);
    if (was != is || (before == null && is > 0)) {
      changes.put(ghostIds.ghost(network.id(), nick), is);
    }
  }

  /**
   * Writes ghosts' levels into {@code m.room.power_levels} in one event (level 0 removes the entry, so the room's
   * default applies); sends nothing when nothing differs from the current state.
   */
  public CompletableFuture<Void> applyPowerLevels(RoomId room, Map<UserId, Integer> changes) {
    if (changes.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return StateEdits.edit(bot, room, "m.room.power_levels", "", content -> {
      JsonNode existing = content.path("users");
      ObjectNode users = existing.isObject() ? (ObjectNode) existing : content.putObject("users");
      boolean differs = false;
      for (var e : changes.entrySet()) {
        String id = e.getKey().value();
        JsonNode was = users.get(id);
        if (e.getValue() == 0) {
          differs |= users.remove(id) != null;
        } else if (was == null || was.asInt() != e.getValue()) {
          users.put(id, e.getValue());
          differs = true;
        }
      }
      return differs;
    }).thenApply(sent -> (Void) null);
  }

  /** Makes the room invite-only while the channel is {@code +i} or {@code +k}, public otherwise. */
  public CompletableFuture<Void> applyAccess(RoomId room, boolean inviteOnly) {
    String rule = inviteOnly ? "invite" : "public";
    return bot.getState(room, "m.room.join_rules", "")
        .handle((current, err) -> err == null && current != null ? current.path("join_rule").asText("") : "")
        .thenCompose(current -> rule.equals(current) ? CompletableFuture.<Void>completedFuture(null)
            : bot.sendState(room, "m.room.join_rules", "", JsonNodeFactory.instance.objectNode()
                .put("join_rule", rule)).thenApply(id -> (Void) null));
  }
}
