package dev.switchboard.xmpp.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.xmpp.stanza.StanzaCodec;
import org.jivesoftware.smack.packet.Message;
import org.junit.jupiter.api.Test;

class MatrixHtmlTest {
  private static ObjectNode html(String body, String html) {
    return JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", body)
        .put("format", "org.matrix.custom.html").put("formatted_body", html);
  }

  @Test
  void inlineFormattingBecomesStylingAndXhtml() {
    MatrixHtml.Rendered r = MatrixHtml.render(html("md", "<strong>bold</strong> <em> it </em> <del>gone</del> "
        + "<code>x&lt;y</code> <a href=\"https://example.org/?a=1&amp;b=2\">site</a> "
        + "<a href=\"https://matrix.to/#/@alice:example.org\">Alice</a> <a href=\"javascript:alert(1)\">js</a>"), "")
        .orElseThrow();
    assertThat(r.body()).isEqualTo("*bold*  _it_  ~gone~ `x<y` site (https://example.org/?a=1&b=2) Alice js");
    String xml = r.xhtml().toXML().toString();
    assertThat(xml).startsWith("<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>")
        .contains("<strong>bold</strong>", "<em> it </em>", "<span style='text-decoration: line-through'>gone</span>",
            "<code>x&lt;y</code>", "<a href='https://example.org/?a=1&amp;b=2'>site</a>")
        .doesNotContain("matrix.to", "javascript");
  }

  @Test
  void blocks() {
    MatrixHtml.Rendered r = MatrixHtml.render(html("md", "<p>first</p><pre><code>a &lt; b\n  c\n</code></pre>"
        + "<blockquote><p>quoted <b>x</b></p></blockquote><ul>\n<li>one</li>\n<li>two</li>\n</ul>"), "/me ")
        .orElseThrow();
    assertThat(r.body()).isEqualTo("/me first\n```\na < b\n  c\n```\n> quoted *x*\n• one\n• two");
    assertThat(r.xhtml().toXML().toString()).contains("<body xmlns='http://www.w3.org/1999/xhtml'>/me <p>first</p>",
        "<code>a &lt; b<br/>  c</code>", "<blockquote><p>quoted <strong>x</strong></p></blockquote>",
        "<ul><li>one</li><li>two</li></ul>");
  }

  @Test
  void replyFallbackAndPlainMessagesAreLeftOut() {
    assertThat(MatrixHtml.render(html("x", "<mx-reply><blockquote>@bob:example.org said</blockquote></mx-reply>hi"),
        "").orElseThrow().body()).isEqualTo("hi");
    assertThat(MatrixHtml.render(JsonNodeFactory.instance.objectNode().put("body", "plain"), "")).isEmpty();
  }

  @Test
  void xhtmlImIsSanitisedForMatrix() throws Exception {
    Message m = (Message) StanzaCodec.parse("<message from='a@b/c' to='d@e' type='chat'><body>x</body>"
        + "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>"
        + "/me <span style='font-weight: bold'>big</span> <em onclick='evil()'>it</em>"
        + "<script>alert(1)</script><a href='javascript:alert(1)'>bad</a> <a href='https://ok.example/'>ok</a>"
        + "<img src='http://x/y.png' alt='pic'/><p style='color: red'>para &amp; more</p></body></html></message>");
    assertThat(XmppFormatting.xhtmlOf(m, true)).hasValue("<strong>big</strong> <em>it</em>"
        + "bad <a href=\"https://ok.example/\">ok</a><p>para &amp; more</p>");
    Message plain = (Message) StanzaCodec.parse("<message from='a@b/c' to='d@e' type='chat'><body>x</body>"
        + "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>"
        + "<p>just text</p></body></html></message>");
    assertThat(XmppFormatting.xhtmlOf(plain, false)).hasValue("<p>just text</p>");
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("body", "*styled*");
    XmppFormatting.apply((Message) StanzaCodec.parse("<message from='a@b/c' to='d@e'><body>*styled*</body></message>"),
        content, false);
    assertThat(content.path("formatted_body").asText()).isEqualTo("<strong>styled</strong>");
  }
}
