package dev.switchboard.core.appservice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.http.HttpAnswer;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes and parses authenticated AS API requests, then runs the endpoint on the blocking executor, transactions
 * on their own (never on the event loop: the transaction endpoint commits to the database before answering).
 */
@ChannelHandler.Sharable
final class AppServiceHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(AppServiceHandler.class);

  private final AppServiceApi api;
  private final Executor blocking;
  private final Executor transactions;
  private final ObjectMapper json;

  private final java.util.function.Consumer<String> rejected;

  AppServiceHandler(AppServiceApi api, Executor blocking, Executor transactions, ObjectMapper json,
      java.util.function.Consumer<String> rejected) {
    this.rejected = rejected;
    this.api = api;
    this.blocking = blocking;
    this.transactions = transactions;
    this.json = json;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!request.decoderResult().isSuccess()) {
      write(ctx, Reply.error(400, "M_UNKNOWN", "malformed HTTP request"), false);
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    Endpoint.Routing routing = Endpoint.route(request.method(), uri.rawPath());
    if (routing instanceof Endpoint.NotFound) {
      write(ctx, Reply.error(404, "M_UNRECOGNIZED", "Unrecognized request"), keepAlive);
      return;
    }
    if (routing instanceof Endpoint.WrongMethod) {
      write(ctx, Reply.error(405, "M_UNRECOGNIZED", "Unrecognized request: method not allowed"), keepAlive);
      return;
    }
    Endpoint.Match match = ((Endpoint.Found) routing).match();
    Map<String, List<String>> query = uri.parameters(); // the hs_token was checked on the head (HsTokenCheck)
    byte[] raw = ByteBufUtil.getBytes(request.content());
    JsonNode body = JsonNodeFactory.instance.objectNode();
    if (request.method().equals(HttpMethod.PUT) || request.method().equals(HttpMethod.POST)) {
      // Transactions are parsed once, streaming, by the inbox; other bodies are small.
      if (raw.length > 0 && match.endpoint() != Endpoint.TRANSACTION) {
        try {
          body = json.readTree(raw);
          if (body == null || body.isMissingNode()) {
            throw new IOException("empty body");
          }
        } catch (IOException e) {
          rejected.accept("not_json");
          write(ctx, Reply.error(400, "M_NOT_JSON", "Request body is not valid JSON"), keepAlive);
          return;
        }
      }
    }
    JsonNode parsed = body;
    // The first reply wins: an endpoint may acknowledge before its work is over (see AppServiceApi.handle).
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    reply.thenAccept(r -> write(ctx, r, keepAlive));
    try {
      (match.endpoint() == Endpoint.TRANSACTION ? transactions : blocking).execute(() -> {
        try {
          api.handle(match, query, raw, parsed, reply::complete).whenComplete((r, err) -> {
            if (err != null) {
              reply.complete(failure(match, err)); // logs it, also when the 200 has already gone
            } else {
              reply.complete(r);
            }
          });
        } catch (RuntimeException e) {
          reply.complete(failure(match, e));
        }
      });
    } catch (RejectedExecutionException e) {
      reply.complete(Reply.error(503, "M_UNKNOWN", "bridge is shutting down"));
    }
  }

  private void write(ChannelHandlerContext ctx, Reply reply, boolean keepAlive) {
    HttpAnswer.json(HttpResponseStatus.valueOf(reply.status()), reply.body(), json).writeTo(ctx, keepAlive);
  }

  private static Reply failure(Endpoint.Match match, Throwable err) {
    Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    if (cause instanceof TimeoutException) {
      return Reply.error(504, "M_UNKNOWN", "the bridge did not answer in time");
    }
    log.error("Internal error in {}", match.endpoint(), cause);
    return Reply.error(500, "M_UNKNOWN", "internal error");
  }
}
