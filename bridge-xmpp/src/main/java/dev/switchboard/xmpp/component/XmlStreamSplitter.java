package dev.switchboard.xmpp.component;

import dev.switchboard.xmpp.stanza.LogText;
import dev.switchboard.xmpp.stanza.StartTag;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of the pipeline: bytes in, {@link StreamEvent}s out. It tracks only nesting (tags, quoted attribute
 * values, comments, CDATA, processing instructions), so a stanza with bad content still comes out whole and is
 * dropped later on its own; what it cannot get past (no XMPP stream, an element over the size limit) ends the
 * connection, which then reconnects.
 *
 * <p>It works on the bytes: every byte of XML markup is ASCII, and no byte of a multi-byte UTF-8 sequence is, so an
 * element is found without decoding, and only the elements kept become text (invalid UTF-8 becomes U+FFFD there).
 * A top-level element whose start tag {@code skips} accepts is not kept at all: its bytes are only scanned for its
 * end. With 50 of our users in a MUC, 50 of every 51 copies of a message are such elements (see the listener's
 * {@code skipsUnparsed}), and decoding and copying them was most of this thread's work.
 */
final class XmlStreamSplitter extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(XmlStreamSplitter.class);
  private static final String STREAMS_NS = "http://etherx.jabber.org/streams";
  private static final int INITIAL_BUFFER = 8 * 1024;

  /** Where the scan is: in text, right after {@code <}, or inside a kind of markup. */
  private enum State { TEXT, LT, START_TAG, END_TAG, BANG, COMMENT, CDATA, DECLARATION, PI }

  private final int maxElementBytes;
  private final Predicate<String> skips;
  private final List<StreamEvent> found = new ArrayList<>();

  /** Bytes from the first one still needed; {@code len} of them are valid, all of them scanned. */
  private byte[] buf = new byte[INITIAL_BUFFER];
  private int len;
  /** The stream offset of {@code buf[0]}. */
  private long base;
  private State state = State.TEXT;
  /** 0 before the stream opens, 1 inside it, 2 and more inside a top-level element. */
  private int depth;
  /** In {@code buf}, the {@code <} of the tag being read, while its text is needed (at depth 0 and 1). */
  private int tagStart = -1;
  private long tagOffset = -1;
  /** In {@code buf}, the {@code <} of the top-level element being read, when it is kept. */
  private int elementStart = -1;
  /** The stream offset where the top-level element being read began (kept or skipped), or -1. */
  private long elementOffset = -1;
  private boolean skipping;
  /** In a start tag: the open quote, or 0. */
  private byte quote;
  /** In a start tag: the last byte outside quotes that was not white space ({@code /} before {@code >}: empty). */
  private byte lastMark;
  /** How many of the bytes that end a comment, CDATA section or processing instruction were just seen. */
  private int run;

  /**
   * @param skips given the start tag of a top-level element (from {@code <} to {@code >}), whether to drop the
   *     element unread; it must be cheap, and an exception from it keeps the element
   */
  XmlStreamSplitter(int maxElementBytes, Predicate<String> skips) {
    this.maxElementBytes = maxElementBytes;
    this.skips = skips;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    try {
      int from = append(in);
      scan(from);
      checkLimits();
      compact();
    } catch (IOException | RuntimeException e) {
      log.warn("Unreadable XML stream from the XMPP server ({}); reconnecting", LogText.of(e.getMessage()));
      found.clear();
      ctx.close();
      return;
    } finally {
      in.release();
    }
    List<StreamEvent> events = List.copyOf(found);
    found.clear();
    for (StreamEvent event : events) {
      ctx.fireChannelRead(event);
    }
  }

  /** Adds the read to the buffer; returns where the new bytes start. */
  private int append(ByteBuf in) {
    int n = in.readableBytes();
    if (len + n > buf.length) {
      byte[] bigger = new byte[Math.max(buf.length * 2, len + n)];
      System.arraycopy(buf, 0, bigger, 0, len);
      buf = bigger;
    }
    in.readBytes(buf, len, n);
    int from = len;
    len += n;
    return from;
  }

  private void scan(int from) throws IOException {
    byte[] b = buf;
    int i = from;
    int n = len;
    while (i < n) {
      switch (state) {
        case TEXT -> {
          while (i < n && b[i] != '<') {
            i++;
          }
          if (i < n) {
            tagStart = i;
            tagOffset = base + i;
            state = State.LT;
            i++;
          }
        }
        case LT -> {
          byte c = b[i];
          run = 0;
          if (c == '/') {
            state = State.END_TAG;
            i++;
          } else if (c == '!') {
            state = State.BANG;
            i++;
          } else if (c == '?') {
            state = State.PI;
            i++;
          } else {
            state = State.START_TAG; // this byte is the name's first: read it there
            quote = 0;
            lastMark = 0;
          }
        }
        case START_TAG -> {
          for (; i < n; i++) {
            byte c = b[i];
            if (quote != 0) {
              if (c == quote) {
                quote = 0;
                lastMark = c;
              }
            } else if (c == '>') {
              break;
            } else if (c == '\'' || c == '"') {
              quote = c;
              lastMark = c;
            } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
              lastMark = c;
            }
          }
          if (i < n) {
            startTagDone(i);
            state = State.TEXT;
            i++;
          }
        }
        case END_TAG -> {
          while (i < n && b[i] != '>') {
            i++;
          }
          if (i < n) {
            endTagDone(i);
            state = State.TEXT;
            i++;
          }
        }
        case BANG -> {
          byte c = b[i];
          state = c == '-' ? State.COMMENT : c == '[' ? State.CDATA : State.DECLARATION;
          run = c == '-' ? -1 : 0; // the comment's opening "--" is not half of its closing "-->"
          i++;
        }
        case COMMENT -> i = markupEnd(b, i, n, (byte) '-', 2);
        case CDATA -> i = markupEnd(b, i, n, (byte) ']', 2);
        case PI -> i = markupEnd(b, i, n, (byte) '?', 1);
        case DECLARATION -> {
          while (i < n && b[i] != '>') {
            i++;
          }
          if (i < n) {
            state = State.TEXT;
            i++;
          }
        }
      }
    }
  }

  /**
   * Scans for {@code >} right after at least {@code needed} of {@code mark} ({@code -->}, {@code ]]>}, {@code ?>});
   * returns where the scan stopped, in text again if the markup ended.
   */
  private int markupEnd(byte[] b, int i, int n, byte mark, int needed) {
    for (; i < n; i++) {
      byte c = b[i];
      if (c == mark) {
        run++;
      } else if (c == '>' && run >= needed) {
        state = State.TEXT;
        return i + 1;
      } else {
        run = 0;
      }
    }
    return i;
  }

  /** A start tag ended at {@code end} (its {@code >}). */
  private void startTagDone(int end) throws IOException {
    boolean empty = lastMark == '/';
    if (depth == 0) {
      String tag = text(tagStart, end);
      found.add(new StreamEvent.Opened(streamAttributes(tag)));
      depth = 1;
      if (empty) {
        found.add(new StreamEvent.Closed());
        depth = 0;
      }
    } else if (depth == 1) {
      skipping = skips(text(tagStart, end));
      elementStart = skipping ? -1 : tagStart;
      elementOffset = tagOffset;
      if (empty) {
        elementDone(end);
      } else {
        depth = 2;
      }
    } else if (!empty) {
      depth++;
    }
    tagStart = -1;
  }

  /** An end tag ended at {@code end}. */
  private void endTagDone(int end) throws IOException {
    tagStart = -1;
    if (depth == 0) {
      throw new IOException("an end tag outside the stream");
    }
    depth--;
    if (depth == 1) {
      elementDone(end);
    } else if (depth == 0) {
      found.add(new StreamEvent.Closed());
    }
  }

  private void elementDone(int end) {
    if (!skipping) {
      found.add(new StreamEvent.Element(text(elementStart, end)));
    }
    skipping = false;
    elementStart = -1;
    elementOffset = -1;
  }

  private boolean skips(String startTag) {
    try {
      return skips.test(startTag);
    } catch (RuntimeException e) {
      log.debug("Look at a start tag failed; reading the element: {}", e.toString());
      return false;
    }
  }

  /** The text of {@code buf} from {@code from} to {@code end}, both included. */
  private String text(int from, int end) {
    return new String(buf, from, end + 1 - from, StandardCharsets.UTF_8);
  }

  /** The attributes of the server's stream header; it must be one (RFC 6120 § 4.2). */
  private static Map<String, String> streamAttributes(String tag) throws IOException {
    String name = StartTag.name(tag);
    Map<String, String> attributes = StartTag.attributes(tag);
    int colon = name == null ? -1 : name.indexOf(':');
    String namespace = colon < 0 ? "xmlns" : "xmlns:" + name.substring(0, colon);
    if (name == null || attributes == null || !name.substring(colon + 1).equals("stream")
        || !STREAMS_NS.equals(attributes.get(namespace))) {
      throw new IOException("the server did not open an XMPP stream: " + tag);
    }
    return Map.copyOf(attributes);
  }

  /** An element (or a tag outside one) may not outgrow the limit, whether it is kept or not. */
  private void checkLimits() throws IOException {
    long at = base + len;
    boolean headerTag = depth <= 1 && (state == State.LT || state == State.START_TAG);
    if ((elementOffset >= 0 && at - elementOffset > maxElementBytes)
        || (headerTag && at - tagOffset > maxElementBytes)) {
      throw new IOException("an element over " + maxElementBytes + " bytes");
    }
  }

  /** Drops the bytes no longer needed: all but the kept element's and the top-level tag's being read. */
  private void compact() {
    int keep = len;
    if (depth <= 1 && (state == State.LT || state == State.START_TAG)) {
      keep = tagStart;
    }
    if (elementStart >= 0) {
      keep = Math.min(keep, elementStart);
    }
    if (keep > 0) {
      System.arraycopy(buf, keep, buf, 0, len - keep);
      len -= keep;
      base += keep;
      tagStart = tagStart >= keep ? tagStart - keep : -1;
      elementStart = elementStart >= 0 ? elementStart - keep : -1;
    }
    if (len == 0 && buf.length > 8 * INITIAL_BUFFER) {
      buf = new byte[INITIAL_BUFFER]; // after a large element, do not hold its buffer
    }
  }
}
