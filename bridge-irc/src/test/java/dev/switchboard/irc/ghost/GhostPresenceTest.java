package dev.switchboard.irc.ghost;

import dev.switchboard.irc.RecordingIntents;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.irc.network.IrcEvent;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** IRC away state → ghost presence, without a homeserver: which calls are made for which events. */
class GhostPresenceTest {
  private final RecordingIntents intents = new RecordingIntents("test.local");
  private final GhostPresence presence = new GhostPresence("libera", intents, new GhostIds("_irc_", "test.local"),
      nick -> nick.equals("switchboard") || nick.equals("bob"));

  private List<String> presenceCalls() {
    return intents.calls().stream().filter(c -> c.method().equals("setPresence"))
        .map(c -> c.user().value() + " " + c.argument()).toList();
  }

  @Test
  void awayBackQuitAndRejoinBecomeUnavailableOnlineOfflineOnline() {
    presence.handle(new IrcEvent.Away("alice", Optional.of("lunch")));
    presence.handle(new IrcEvent.Away("alice", Optional.empty()));
    presence.handle(new IrcEvent.Quit("alice", List.of("#room"), "bye"));
    presence.handle(new IrcEvent.Joined("#room", "alice", false));

    assertThat(presenceCalls()).containsExactly(
        "@_irc_libera_alice:test.local unavailable lunch",
        "@_irc_libera_alice:test.local online",
        "@_irc_libera_alice:test.local offline",
        "@_irc_libera_alice:test.local online");
  }

  @Test
  void theBotAndPuppetsAreNeverTouchedAndRepeatsCostNothing() {
    presence.handle(new IrcEvent.Away("bob", Optional.of("lunch")));
    presence.handle(new IrcEvent.Away("switchboard", Optional.of("gone")));
    presence.handle(new IrcEvent.Away("carol", Optional.of("")));
    presence.handle(new IrcEvent.Away("carol", Optional.of("")));
    presence.handle(new IrcEvent.Away("dave", Optional.of("lunch")));
    presence.handle(new IrcEvent.Away("dave", Optional.of(""))); // a WHO list: away, no message

    assertThat(presenceCalls()).containsExactly("@_irc_libera_carol:test.local unavailable",
        "@_irc_libera_dave:test.local unavailable lunch");
  }

  @Test
  void usersNeverSeenAwayCostNoCallWhenHereJoiningOrQuitting() {
    presence.handle(new IrcEvent.Away("dave", Optional.empty()));
    presence.handle(new IrcEvent.Joined("#room", "dave", false));
    presence.handle(new IrcEvent.Quit("dave", List.of("#room"), "netsplit"));

    assertThat(presenceCalls()).isEmpty();
  }

  @Test
  void aNewNickTakesTheAwayStateAndTheOldGhostGoesOffline() {
    presence.handle(new IrcEvent.Away("alice", Optional.of("lunch")));
    presence.handle(new IrcEvent.NickChanged("alice", "alice_away", List.of("#room")));

    assertThat(presenceCalls()).containsExactly(
        "@_irc_libera_alice:test.local unavailable lunch",
        "@_irc_libera_alice:test.local offline",
        "@_irc_libera_alice_away:test.local unavailable lunch");
  }
}
