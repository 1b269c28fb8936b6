package dev.switchboard.xmpp.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.RelayFormat;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import org.junit.jupiter.api.Test;

class RelayTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UserId RITA = UserId.of("@rita:example.org");
  private final RelayText text = new RelayText(RelayFormat.defaults(),
      new XmppMediaLinks(dev.switchboard.core.media.MediaLinks.homeserverDownload("https://matrix.example.org")));

  private static ObjectNode content(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  @Test
  void textNoticeAndEmoteBecomeOneLineInTheRelayFormat() throws Exception {
    assertThat(text.of(RITA, "Rita", content("{\"msgtype\":\"m.text\",\"body\":\"hi\"}")).orElseThrow().text())
        .isEqualTo("<Rita> hi");
    assertThat(text.of(RITA, "Rita", content("{\"msgtype\":\"m.notice\",\"body\":\"fyi\"}")).orElseThrow().text())
        .isEqualTo("<Rita> fyi");
    assertThat(text.of(RITA, "", content("{\"msgtype\":\"m.emote\",\"body\":\"waves\"}")).orElseThrow().text())
        .isEqualTo("* rita waves");
  }

  @Test
  void htmlBecomesStylingAndAReplyLosesMatrixsQuoteWithItsRawIds() throws Exception {
    assertThat(text.of(RITA, "Rita", content("""
        {"msgtype":"m.text","body":"**bold**","format":"org.matrix.custom.html",
         "formatted_body":"<strong>bold</strong>"}""")).orElseThrow().text()).isEqualTo("<Rita> *bold*");
    String reply = text.of(RITA, "Rita", content("""
        {"msgtype":"m.text","body":"> <@alice:example.org> question\\n\\nanswer",
         "m.relates_to":{"m.in_reply_to":{"event_id":"$q"}}}""")).orElseThrow().text();
    assertThat(reply).isEqualTo("<Rita> answer").doesNotContain("@alice");
  }

  @Test
  void mediaIsItsLinkWithOobDataAndOtherTypesAreNotRelayed() throws Exception {
    RelayText.Line line = text.of(RITA, "Rita", content("""
        {"msgtype":"m.image","body":"cat.png","url":"mxc://example.org/abc"}""")).orElseThrow();
    assertThat(line.text()).startsWith("<Rita> ").contains("https://matrix.example.org/_matrix/media/");
    assertThat(line.media()).isPresent();
    assertThat(text.of(RITA, "Rita", content("{\"msgtype\":\"m.location\",\"body\":\"here\"}"))).isEmpty();
    assertThat(text.of(RITA, "Rita", content("{\"msgtype\":\"m.text\",\"body\":\" \"}"))).isEmpty();
  }
}
