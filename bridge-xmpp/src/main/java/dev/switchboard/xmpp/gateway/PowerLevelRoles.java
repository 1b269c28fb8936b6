package dev.switchboard.xmpp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.UserId;
import org.jivesoftware.smackx.muc.MUCAffiliation;
import org.jivesoftware.smackx.muc.MUCRole;

/**
 * How a Matrix member's power level shows in a gateway room's presences (XEP-0045 affiliation and role): 100 and up
 * owner, 50 and up admin (both moderators, as Matrix clients show "Admin" and "Moderator"), above the users default
 * member; anyone whose level is below what sending a message takes is a visitor.
 */
record PowerLevelRoles(MUCAffiliation affiliation, MUCRole role) {
  static final PowerLevelRoles PARTICIPANT = new PowerLevelRoles(MUCAffiliation.none, MUCRole.participant);

  /** {@code powerLevels} is the content of {@code m.room.power_levels}, missing when the room has none. */
  static PowerLevelRoles of(JsonNode powerLevels, UserId user) {
    if (powerLevels == null || !powerLevels.isObject()) {
      return PARTICIPANT;
    }
    int usersDefault = powerLevels.path("users_default").asInt(0);
    int level = powerLevels.path("users").path(user.value()).asInt(usersDefault);
    int send = powerLevels.path("events").path("m.room.message").asInt(powerLevels.path("events_default").asInt(0));
    if (level >= 100) {
      return new PowerLevelRoles(MUCAffiliation.owner, MUCRole.moderator);
    }
    if (level >= 50) {
      return new PowerLevelRoles(MUCAffiliation.admin, MUCRole.moderator);
    }
    MUCAffiliation affiliation = level > usersDefault ? MUCAffiliation.member : MUCAffiliation.none;
    return new PowerLevelRoles(affiliation, level < send ? MUCRole.visitor : MUCRole.participant);
  }
}
