package dev.switchboard.xmpp.component;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class XmlStreamSplitterTest {
  @Test
  void fourByteUtf8SurvivesEvenWhenSplitAcrossReads() {
    EmbeddedChannel channel = new EmbeddedChannel(new XmlStreamSplitter(64 * 1024));
    byte[] bytes = ("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>"
        + "<message><body>👀 ❤ 🎉 é</body></message>").getBytes(StandardCharsets.UTF_8);

    // One byte at a time: every multi-byte sequence is split.
    for (int i = 0; i < bytes.length; i++) {
      channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, i, i + 1)));
    }

    channel.readInbound(); // the stream open
    StreamEvent.Element element = channel.readInbound();
    assertThat(element.xml()).isEqualTo("<message><body>👀 ❤ 🎉 é</body></message>");
  }
}
