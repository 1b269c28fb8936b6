package dev.switchboard.testkit.homeserver.state;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A room: its timeline and current state, as event ids into {@link ServerState}. Guarded by the state lock. */
public final class Room {
  /** Key of a state entry. */
  public record StateKey(String type, String stateKey) {}

  private final String roomId;
  private final String creator;
  final List<String> timeline = new ArrayList<>();
  final Map<StateKey, String> state = new LinkedHashMap<>();
  final Set<String> typing = new LinkedHashSet<>();

  Room(String roomId, String creator) {
    this.roomId = roomId;
    this.creator = creator;
  }

  public String roomId() {
    return roomId;
  }

  public String creator() {
    return creator;
  }

  public List<String> timeline() {
    return List.copyOf(timeline);
  }

  public Map<StateKey, String> state() {
    return Map.copyOf(state);
  }

  public String stateEventId(String type, String stateKey) {
    return state.get(new StateKey(type, stateKey));
  }

  public Set<String> typing() {
    return Set.copyOf(typing);
  }

  public boolean setTyping(String userId, boolean isTyping) {
    return isTyping ? typing.add(userId) : typing.remove(userId);
  }
}
