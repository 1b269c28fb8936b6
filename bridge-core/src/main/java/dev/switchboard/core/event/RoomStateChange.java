package dev.switchboard.core.event;

/** A state event other than membership: topic, name, avatar, power levels, join rules and the like. */
public record RoomStateChange(MatrixEvent event) {

  /** Whether this is the room's topic ({@code m.room.topic} with an empty state key). */
  public boolean isTopic() {
    return "m.room.topic".equals(event.type()) && event.stateKey().filter(String::isEmpty).isPresent();
  }
}
