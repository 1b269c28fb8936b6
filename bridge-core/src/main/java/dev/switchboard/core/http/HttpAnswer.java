package dev.switchboard.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One answer of a Switchboard listener (AS API, provisioning, metrics, and the shared pipeline's own refusals):
 * status, content type ({@code null} for none) and body. Built and written here only, so length, keep-alive and the
 * close after a last answer are done one way.
 */
public record HttpAnswer(HttpResponseStatus status, String contentType, byte[] body) {
  private static final byte[] EMPTY_OBJECT = {'{', '}'};
  private static final byte[] UNWRITABLE =
      "{\"errcode\":\"M_UNKNOWN\",\"error\":\"internal error\"}".getBytes(StandardCharsets.UTF_8);

  /** {@code body} as JSON; a body Jackson cannot write becomes a Matrix-style internal error with the same status. */
  public static HttpAnswer json(HttpResponseStatus status, Object body, ObjectMapper json) {
    byte[] bytes;
    if (body instanceof com.fasterxml.jackson.databind.node.ObjectNode o && o.isEmpty()) {
      // Every acknowledged transaction's answer: not worth a generator each time (issue 19, ingest).
      return new HttpAnswer(status, HttpHeaderValues.APPLICATION_JSON.toString(), EMPTY_OBJECT.clone());
    }
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      bytes = UNWRITABLE;
    }
    return new HttpAnswer(status, HttpHeaderValues.APPLICATION_JSON.toString(), bytes);
  }

  /** A Matrix-style error, {@code {"errcode":..., "error":...}}. */
  public static HttpAnswer error(HttpResponseStatus status, String errcode, String message) {
    String body = JsonNodeFactory.instance.objectNode().put("errcode", errcode).put("error", message).toString();
    return new HttpAnswer(status, HttpHeaderValues.APPLICATION_JSON.toString(),
        body.getBytes(StandardCharsets.UTF_8));
  }

  /** Plain UTF-8 text. */
  public static HttpAnswer text(HttpResponseStatus status, String body) {
    return new HttpAnswer(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
  }

  /** No body at all (e.g. {@code 204} to a CORS preflight). */
  public static HttpAnswer empty(HttpResponseStatus status) {
    return new HttpAnswer(status, null, new byte[0]);
  }

  /** The response, with {@code headers} adding the listener's own (CORS, caching). */
  public FullHttpResponse response(Consumer<HttpHeaders> headers) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.wrappedBuffer(body));
    if (contentType != null) {
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    headers.accept(response.headers());
    HttpUtil.setContentLength(response, body.length);
    return response;
  }

  /**
   * Writes the answer to a request whose client asked for {@code keepAlive} (or not): without it, the connection
   * closes once the answer is out.
   */
  public void writeTo(ChannelHandlerContext ctx, boolean keepAlive, Consumer<HttpHeaders> headers) {
    FullHttpResponse response = response(headers);
    HttpUtil.setKeepAlive(response, keepAlive);
    var written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** As {@link #writeTo(ChannelHandlerContext, boolean, Consumer)}, with no headers of the listener's own. */
  public void writeTo(ChannelHandlerContext ctx, boolean keepAlive) {
    writeTo(ctx, keepAlive, headers -> { });
  }
}
