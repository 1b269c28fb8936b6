package dev.switchboard.testkit.irc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class InspircdServerTest {

  @Test
  void usersWithMessageTagsGetAMsgidOnEveryMessageAndClientTagsPassThrough() throws Exception {
    try (InspircdServer server = InspircdServer.start();
        IrcTestUser alice = IrcTestUser.connect(server, "alice", "message-tags", "server-time");
        IrcTestUser bob = IrcTestUser.connect(server, "bob", "message-tags")) {
      alice.join("#room");
      bob.join("#room");

      alice.send("@+draft/reply=abc PRIVMSG #room :hi bob");

      String line = bob.awaitMessage("alice", "#room", "hi bob", Duration.ofSeconds(5));
      assertThat(IrcTestUser.tag(line, "msgid")).isNotBlank();
      assertThat(IrcTestUser.tag(line, "+draft/reply")).isEqualTo("abc");
      assertThat(bob.messagesTo("#room")).containsExactly("alice: hi bob");
    }
  }

  @Test
  void theServerAnnouncesTheConfiguredNickLength() throws Exception {
    try (InspircdServer server = InspircdServer.start();
        IrcTestUser alice = IrcTestUser.connect(server, "alice")) {
      String isupport = alice.awaitLine(l -> IrcTestUser.command(l).equals("005") && l.contains("NICKLEN="),
          Duration.ofSeconds(5));
      assertThat(isupport).contains("NICKLEN=" + IrcServer.NICK_LENGTH);
    }
  }
}
