package dev.switchboard.core.connector;

import dev.switchboard.core.id.RoomId;
import java.util.List;

/** Finds the links of a room; backed by the portal store, cached by whoever implements it. */
@FunctionalInterface
public interface LinkLookup {
  List<Link> linksOf(RoomId room);
}
