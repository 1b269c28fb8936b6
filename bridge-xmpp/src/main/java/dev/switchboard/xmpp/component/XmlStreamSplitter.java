package dev.switchboard.xmpp.component;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jxmpp.xml.splitter.Utf8ByteXmppXmlSplitter;
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
  private final Utf8ByteXmppXmlSplitter splitter;

  XmlStreamSplitter(int maxElementBytes) {
    this.splitter = new Utf8ByteXmppXmlSplitter(new XmppXmlSplitter(maxElementBytes, new XmppElementCallback() {
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
    }));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      splitter.write(bytes, 0, bytes.length);
    } catch (IOException | RuntimeException e) {
      log.warn("Unreadable XML stream from the XMPP server ({}); reconnecting", e.getMessage());
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
