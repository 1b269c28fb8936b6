package dev.switchboard.xmpp.component;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class XmlStreamSplitterTest {
  private static final String OPEN = "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept'"
      + " xmlns:stream='http://etherx.jabber.org/streams' id='s-1' from='xmpp.localhost'>";
  /** Top-level elements with what a nesting tracker can trip on: quoted {@code >} and {@code /}, empty tags. */
  private static final List<String> ELEMENTS = List.of(
      "<handshake/>",
      "<message to='a@b/c' type=\"groupchat\" id='x>y/z'><body>1 &gt; 0 &amp; a/b</body><x xmlns='q'/></message>",
      "<presence from='m@muc/n' to='a@b'><x xmlns='http://jabber.org/protocol/muc#user'><item role='none'/>"
          + "</x><status code='110'/></presence>",
      "<message><message><body>nested, same name</body></message><empty/></message>",
      "<iq type='get' id='1' to='xmpp.localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
      "<message><body>👀 ❤ é</body><!-- a > comment --><![CDATA[<not a tag> ]] ]]><?pi x > y?></message>");

  private static EmbeddedChannel channel(Predicate<String> skips) {
    return new EmbeddedChannel(new XmlStreamSplitter(64 * 1024, skips));
  }

  /** Feeds {@code stream} in pieces of {@code size} bytes; returns what came out, the elements as their text. */
  private static List<Object> split(EmbeddedChannel channel, String stream, int size) {
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length && channel.isOpen(); i += size) {
      channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size))));
    }
    List<Object> out = new ArrayList<>();
    for (Object event; (event = channel.readInbound()) != null; ) {
      out.add(event instanceof StreamEvent.Element element ? element.xml() : event);
    }
    return out;
  }

  @Test
  void fourByteUtf8SurvivesEvenWhenSplitAcrossReads() {
    EmbeddedChannel channel = channel(tag -> false);

    // One byte at a time: every multi-byte sequence is split.
    List<Object> out = split(channel, OPEN + "<message><body>👀 ❤ 🎉 é</body></message>", 1);

    assertThat(out).element(1).isEqualTo("<message><body>👀 ❤ 🎉 é</body></message>");
  }

  @Test
  void everyElementComesOutWholeHoweverTheReadsCutTheStream() {
    String stream = OPEN + " \n" + String.join(" ", ELEMENTS) + "\n</stream:stream>";
    for (int size = 1; size <= stream.length(); size += size < 40 ? 1 : 97) {
      List<Object> out = split(channel(tag -> false), stream, size);

      assertThat(out).as("reads of %d bytes", size).hasSize(ELEMENTS.size() + 2);
      assertThat(out.get(0)).isInstanceOfSatisfying(StreamEvent.Opened.class, opened -> assertThat(
          opened.attributes()).containsEntry("id", "s-1").containsEntry("from", "xmpp.localhost"));
      assertThat(out.subList(1, ELEMENTS.size() + 1)).as("reads of %d bytes", size).isEqualTo(ELEMENTS);
      assertThat(out.get(ELEMENTS.size() + 1)).isInstanceOf(StreamEvent.Closed.class);
    }
  }

  @Test
  void anElementWhoseStartTagIsSkippedNeverComesOutAndTheNextOnesDo() {
    String skipped = "<message to='alice@xmpp.localhost/bridge' type='groupchat' x='</message>'>"
        + "<body>not for us <message/></body></message>";
    String stream = OPEN + skipped + ELEMENTS.get(1) + skipped + "<message to='alice@xmpp.localhost' type='groupchat'/>"
        + ELEMENTS.get(2);
    for (int size = 1; size <= stream.length(); size += size < 40 ? 1 : 61) {
      List<String> asked = new ArrayList<>();
      List<Object> out = split(channel(tag -> asked.add(tag) && tag.contains("alice@")), stream, size);

      assertThat(out.subList(1, out.size())).as("reads of %d bytes", size).containsExactly(ELEMENTS.get(1),
          ELEMENTS.get(2));
      // The look is at the start tag alone, as it came.
      assertThat(asked).as("reads of %d bytes", size).containsExactly(
          "<message to='alice@xmpp.localhost/bridge' type='groupchat' x='</message>'>",
          "<message to='a@b/c' type=\"groupchat\" id='x>y/z'>",
          "<message to='alice@xmpp.localhost/bridge' type='groupchat' x='</message>'>",
          "<message to='alice@xmpp.localhost' type='groupchat'/>", "<presence from='m@muc/n' to='a@b'>");
    }
  }

  @Test
  void aLookThatFailsKeepsTheElement() {
    List<Object> out = split(channel(tag -> {
      throw new IllegalStateException("broken look");
    }), OPEN + ELEMENTS.get(1), 7);

    assertThat(out).element(1).isEqualTo(ELEMENTS.get(1));
  }

  @Test
  void aStanzaWithBadContentComesOutWholeAndTheStreamGoesOn() {
    // Mismatched end tag, bare & and >, an unquoted attribute: nesting is all the splitter reads.
    String bad = "<message to='a@b'><body>5 > 4 & so</bod><x a=1 b></x></message>";
    EmbeddedChannel channel = channel(tag -> false);

    List<Object> out = split(channel, OPEN + bad + ELEMENTS.get(4), 5);

    assertThat(out.subList(1, out.size())).containsExactly(bad, ELEMENTS.get(4));
    assertThat(channel.isOpen()).isTrue();
  }

  @Test
  void invalidUtf8BecomesReplacementCharacters() {
    EmbeddedChannel channel = channel(tag -> false);
    channel.writeInbound(Unpooled.wrappedBuffer(OPEN.getBytes(StandardCharsets.UTF_8)));
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'<', 'a', '>', (byte) 0xff, (byte) 0xc3, '<', '/', 'a',
        '>'}));

    channel.readInbound();
    StreamEvent.Element element = channel.readInbound();
    assertThat(element.xml()).isEqualTo("<a>\uFFFD\uFFFD</a>");
  }

  @Test
  void anElementOverTheLimitEndsTheConnectionWhetherKeptOrSkipped() {
    String big = "<message to='x' type='groupchat'><body>" + "y".repeat(2000) + "</body></message>";
    for (boolean skip : new boolean[] {false, true}) {
      EmbeddedChannel channel = new EmbeddedChannel(new XmlStreamSplitter(1024, tag -> skip));

      List<Object> out = split(channel, OPEN + big, 100);

      assertThat(out).as("skipped: %s", skip).hasSize(1);
      assertThat(channel.isOpen()).isFalse();
    }
    // An endless start tag too.
    EmbeddedChannel channel = new EmbeddedChannel(new XmlStreamSplitter(1024, tag -> false));
    split(channel, OPEN + "<message to='" + "z".repeat(2000), 100);
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void somethingThatIsNotAnXmppStreamEndsTheConnection() {
    for (String stream : new String[] {"<html><body>hello</body></html>", "</stream:stream>",
        "<stream:stream xmlns:stream='urn:other'>", "<stream:stream id='no namespace'>", "<>"}) {
      EmbeddedChannel channel = channel(tag -> false);

      List<Object> out = split(channel, stream, 3);

      assertThat(out).as(stream).isEmpty();
      assertThat(channel.isOpen()).as(stream).isFalse();
    }
  }
}
