package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChannelLineFilterTest {
  private ChannelLineFilter filter;

  @BeforeEach
  void registeredAsBob() {
    filter = new ChannelLineFilter();
    assertThat(filter.keep(":irc.test 001 bob :Welcome to the test network")).isTrue();
  }

  @Test
  void otherPeoplesChannelMessagesAreDropped() {
    assertThat(filter.keep(":alice!a@host PRIVMSG #room :hello")).isFalse();
    assertThat(filter.keep(":alice!a@host NOTICE #room :a notice")).isFalse();
    assertThat(filter.keep(":alice!a@host PRIVMSG #room :\u0001ACTION waves\u0001")).isFalse();
    assertThat(filter.keep("@+typing=active :alice!a@host TAGMSG #room")).isFalse();
    assertThat(filter.keep("@time=2026-12-07T17:00:00.000Z;msgid=abc :alice!a@host PRIVMSG #room :tagged")).isFalse();
    assertThat(filter.keep(":alice!a@host privmsg #room :lowercase command")).isFalse();
    assertThat(filter.keep(":alice PRIVMSG #room :prefix without user and host")).isFalse();
    assertThat(filter.keep(":alice!a@host   PRIVMSG   #room   :extra spaces")).isFalse();
  }

  @Test
  void everyKindOfChannelAndStatusTargetIsDropped() {
    for (String target : new String[] {"&local", "!ABCDEsafe", "+modeless", "@#room", "%#room", "~#room", "#"}) {
      assertThat(filter.keep(":alice!a@host PRIVMSG " + target + " :hi")).as(target).isFalse();
    }
  }

  @Test
  void ourOwnEchoesAreKept() {
    assertThat(filter.keep("@msgid=x1 :bob!sb@host PRIVMSG #room :my line")).isTrue();
    assertThat(filter.keep(":BOB!sb@host NOTICE #room :case does not matter")).isTrue();
    assertThat(filter.keep(":bob!sb@host TAGMSG #room")).isTrue();
  }

  @Test
  void messagesToUsAndServerBroadcastsAreKept() {
    assertThat(filter.keep(":alice!a@host PRIVMSG bob :private")).isTrue();
    assertThat(filter.keep(":alice!a@host PRIVMSG Bob :\u0001VERSION\u0001")).isTrue();
    assertThat(filter.keep(":alice!a@host NOTICE bob :private notice")).isTrue();
    assertThat(filter.keep(":oper!o@host NOTICE $*.test :global notice")).isTrue();
    assertThat(filter.keep(":irc.test NOTICE bob :*** server notice")).isTrue();
  }

  @Test
  void everythingThatChangesStateIsKept() {
    for (String line : new String[] {
        ":alice!a@host JOIN #room", ":alice!a@host JOIN #room account :Real Name", ":alice!a@host PART #room :bye",
        ":op!o@host KICK #room alice :out", ":alice!a@host NICK :alice2", ":op!o@host MODE #room +o bob",
        ":op!o@host TOPIC #room :new topic", ":alice!a@host QUIT :gone", ":irc.test 353 bob = #room :bob @op alice",
        ":irc.test 404 bob #room :Cannot send to channel", "@batch=ns1 :alice!a@host QUIT :*.net *.split",
        ":alice!a@host AWAY :lunch", ":irc.test 005 bob CHANTYPES=#& :are supported"}) {
      assertThat(filter.keep(line)).as(line).isTrue();
    }
  }

  @Test
  void oddAndHostileLinesAreKeptForKittehToJudge() {
    for (String line : new String[] {
        "PING :irc.test", "ERROR :Closing link", "PRIVMSG #room :no prefix", "", " ", ":", ":alice", ":alice PRIVMSG",
        ":alice PRIVMSG ", "@tags-only", "@tags ", "@tags :alice", ":alice!a@host PRIVMSG :#room not a target",
        "AUTHENTICATE +"}) {
      assertThat(filter.keep(line)).as("[" + line + "]").isTrue();
    }
  }

  @Test
  void nothingIsDroppedBeforeRegistration() {
    ChannelLineFilter fresh = new ChannelLineFilter();
    assertThat(fresh.keep(":alice!a@host PRIVMSG #room :before 001")).isTrue();
    assertThat(fresh.keep(":alice!a@host NICK :bob")).isTrue();
    assertThat(fresh.keep(":bob!a@host PRIVMSG #room :still not registered")).isTrue();
  }

  @Test
  void theFilterFollowsOurNickChangesInSocketOrder() {
    assertThat(filter.keep(":bob!sb@host NICK :bob_away")).isTrue();
    assertThat(filter.keep(":bob_away!sb@host PRIVMSG #room :echo under the new nick")).isTrue();
    assertThat(filter.keep(":bob!x@elsewhere PRIVMSG #room :someone who took the old nick")).isFalse();
    assertThat(filter.keep(":BOB_AWAY!sb@host NICK bob2")).isTrue(); // trailing parameter without a colon
    assertThat(filter.keep(":bob2!sb@host PRIVMSG #room :again")).isTrue();
    assertThat(filter.keep(":alice!a@host NICK :carol")).isTrue();
    assertThat(filter.keep(":carol!a@host PRIVMSG #room :not us")).isFalse();
  }

  @Test
  void aNewRegistrationSetsTheNickAgain() {
    assertThat(filter.keep(":irc.test 001 bob_ :Welcome")).isTrue();
    assertThat(filter.keep(":bob_!sb@host PRIVMSG #room :echo")).isTrue();
    assertThat(filter.keep(":bob!sb@host PRIVMSG #room :the other bob")).isFalse();
  }
}
