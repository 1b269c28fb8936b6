package dev.switchboard.xmpp.muc;

import org.jivesoftware.smackx.muc.MUCAffiliation;
import org.jivesoftware.smackx.muc.MUCRole;

/**
 * XEP-0045 affiliations and roles as Matrix power levels. The higher of the two wins:
 *
 * <ul>
 *   <li>owner → 100 (may change room config; in Matrix, may change power levels)
 *   <li>admin, or the moderator role → 50 (may kick and ban; Matrix's default kick/ban/redact level)
 *   <li>member, participant, visitor, none → 0
 * </ul>
 */
final class MucRoles {
  static final int OWNER = 100;
  static final int MODERATOR = 50;

  private MucRoles() {}

  static int powerLevel(MUCAffiliation affiliation, MUCRole role) {
    if (affiliation == MUCAffiliation.owner) {
      return OWNER;
    }
    if (affiliation == MUCAffiliation.admin || role == MUCRole.moderator) {
      return MODERATOR;
    }
    return 0;
  }
}
