package dev.switchboard.xmpp.component;

import dev.switchboard.xmpp.stanza.LogText;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jxmpp.xml.splitter.XmppElementCallback;
import org.jxmpp.xml.splitter.XmppXmlSplitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of the pipeline: bytes in, {@link StreamEvent}s out, using jxmpp's streaming splitter (UTF-8 aware
 * across reads). The splitter only tracks nesting, so a stanza with bad content still comes out whole and is dropped
 * later on its own; what it cannot get past (an element over the size limit) ends the connection, which then
 * reconnects.
 */
final class XmlStreamSplitter extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(XmlStreamSplitter.class);

  private final List<StreamEvent> found = new ArrayList<>();
  private final XmppXmlSplitter splitter;
  /**
   * UTF-8 decoding that carries a sequence split across reads over to the next one. Not jxmpp's
   * {@code Utf8ByteXmppXmlSplitter}: 1.0.3 decodes four-byte sequences wrongly (U+1F440 came out as U+10040), which
   * broke every emoji from XMPP.
   */
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
  private ByteBuffer carry = ByteBuffer.allocate(0);

  XmlStreamSplitter(int maxElementBytes) {
    this.splitter = new XmppXmlSplitter(maxElementBytes, new XmppElementCallback() {
      @Override
      public void onCompleteElement(String element) {
        found.add(new StreamEvent.Element(element));
      }

      @Override
      public void streamOpened(String prefix, Map<String, String> attributes) {
        found.add(new StreamEvent.Opened(Map.copyOf(attributes)));
      }

      @Override
      public void streamClosed() {
        found.add(new StreamEvent.Closed());
      }
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      ByteBuffer in = ByteBuffer.allocate(carry.remaining() + buf.readableBytes());
      in.put(carry);
      buf.readBytes(in);
      in.flip();
      CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
      decoder.decode(in, out, false); // leaves an incomplete trailing sequence in 'in'
      carry = in.slice();
      out.flip();
      splitter.write(out.array(), 0, out.limit());
    } catch (IOException | RuntimeException e) {
      log.warn("Unreadable XML stream from the XMPP server ({}); reconnecting", LogText.of(e.getMessage()));
      ctx.close();
      return;
    } finally {
      buf.release();
    }
    List<StreamEvent> events = List.copyOf(found);
    found.clear();
    for (StreamEvent event : events) {
      ctx.fireChannelRead(event);
    }
  }
}
