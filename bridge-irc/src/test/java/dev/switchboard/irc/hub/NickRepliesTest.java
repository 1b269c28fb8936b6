package dev.switchboard.irc.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.EventId;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.portal.ChannelRef;
import org.junit.jupiter.api.Test;

/** {@code nick: text} on IRC answers that puppet's last line in the channel. */
class NickRepliesTest {
  private static final ChannelRef HUB = new ChannelRef("test", ChannelName.parse("#hub").orElseThrow());
  private static final ChannelRef OTHER = new ChannelRef("test", ChannelName.parse("#other").orElseThrow());

  private final NickReplies replies = new NickReplies();

  @Test
  void aLineAddressedToAPuppetAnswersItsLastLineInThatChannel() {
    replies.sent(HUB, "carol[xmpp]", EventId.of("$first"));
    replies.sent(HUB, "carol[xmpp]", EventId.of("$second"));

    assertThat(replies.answered(HUB, "carol[xmpp]: sure")).contains(EventId.of("$second"));
    assertThat(replies.answered(HUB, "Carol[XMPP], sure")).contains(EventId.of("$second"));
  }

  @Test
  void otherLinesOtherChannelsAndUnknownNicksAreNoReplies() {
    replies.sent(HUB, "alice", EventId.of("$a"));

    assertThat(replies.answered(HUB, "alice:")).isEmpty(); // nothing said after the nick
    assertThat(replies.answered(HUB, "hello alice: hi")).isEmpty();
    assertThat(replies.answered(HUB, "bob: hi")).isEmpty();
    assertThat(replies.answered(OTHER, "alice: hi")).isEmpty();
    assertThat(replies.answered(HUB, "http://example.org")).isEmpty();
  }
}
