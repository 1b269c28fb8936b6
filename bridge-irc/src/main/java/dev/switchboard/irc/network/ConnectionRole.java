package dev.switchboard.irc.network;

/** Whose connection this is, which decides a few behaviours. */
public enum ConnectionRole {
  /**
   * The bot: after a kick it joins again after the first reconnect delay, or the portal would go quiet for good;
   * it asks the server for channel details (WHO, MODE) on joining, as Kitteh does by default.
   */
  BOT,
  /**
   * A Matrix user's puppet: after a kick it stays out until its user speaks there again (which joins again); it
   * does not query WHO and MODE on every join, which would cost the server a full member list per puppet and
   * take flood tokens from the user's first lines.
   */
  PUPPET
}
