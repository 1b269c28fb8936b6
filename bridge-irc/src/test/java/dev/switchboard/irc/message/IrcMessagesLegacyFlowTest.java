package dev.switchboard.irc.message;

/** {@link IrcMessagesFlowTest} against a homeserver in legacy mode (r0-era endpoints). */
class IrcMessagesLegacyFlowTest extends IrcMessagesFlowTest {
  @Override
  boolean legacy() {
    return true;
  }
}
