package dev.switchboard.core.inbox;

/** Event JSON for inbox tests. */
final class AppServiceApiEvents {
  private AppServiceApiEvents() {}

  static String message(String id, String room, String sender, String text) {
    return "{\"event_id\":\"" + id + "\",\"room_id\":\"" + room + "\",\"sender\":\"" + sender
        + "\",\"type\":\"m.room.message\",\"origin_server_ts\":1,\"content\":{\"msgtype\":\"m.text\",\"body\":\""
        + text + "\"}}";
  }
}
