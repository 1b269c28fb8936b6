package dev.switchboard.xmpp.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fetching files XMPP users link to: one deadline, the checked address only, a cap on fetches at once. */
class MediaFetcherTest {
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  /** A raw HTTP server on 127.0.0.1: each connection's request head is recorded, then {@code answer} runs. */
  private final class Server implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final List<List<String>> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger open = new AtomicInteger();

    interface Answer {
      void write(OutputStream out) throws Exception;
    }

    Server(Answer answer) throws IOException {
      closing.add(this);
      Thread accept = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            Socket s = socket.accept();
            open.incrementAndGet();
            Thread t = new Thread(() -> {
              try (s) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.ISO_8859_1));
                List<String> head = new ArrayList<>();
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                  head.add(line);
                }
                requests.add(head);
                answer.write(s.getOutputStream());
              } catch (Exception e) {
                // the client gave up: what the tests expect of it
              } finally {
                open.decrementAndGet();
              }
            });
            t.setDaemon(true);
            t.start();
          } catch (IOException e) {
            return;
          }
        }
      });
      accept.setDaemon(true);
      accept.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private MediaFetcher fetcher(Duration deadline, int maxConcurrent, Set<String> allowed,
      MediaFetcher.Resolver resolver) {
    MediaFetcher f = new MediaFetcher(1000, allowed, deadline, maxConcurrent, resolver);
    closing.add(f);
    return f;
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  @Test
  void aServerThatDribblesTheBodyIsCutOffAtTheDeadline() throws Exception {
    Server server = new Server(out -> {
      write(out, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 900\r\n\r\n");
      for (int i = 0; i < 900; i++) {
        write(out, "x");
        Thread.sleep(100); // headers at once, then a byte every 100 ms: 90 s for the file
      }
    });
    MediaFetcher fetcher = fetcher(Duration.ofSeconds(1), 4, Set.of("127.0.0.1"), InetAddress::getAllByName);

    long start = System.nanoTime();
    CompletableFuture<MediaFetcher.Fetched> fetch = fetcher.fetch("http://127.0.0.1:" + server.port() + "/a.png");

    assertThat(fetch).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
        .withRootCauseInstanceOf(SocketTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
    await().atMost(Duration.ofSeconds(5)).until(() -> server.open.get() == 0); // and the connection is closed
  }

  @Test
  void aNameThatResolvesToAPrivateAddressIsRefusedWithoutConnecting() throws Exception {
    Server server = new Server(out -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
    MediaFetcher fetcher = fetcher(Duration.ofSeconds(5), 4, Set.of(),
        host -> new InetAddress[] {InetAddress.getByAddress(host, new byte[] {10, 1, 2, 3}),
            InetAddress.getLoopbackAddress()});

    assertThat(fetcher.fetch("http://files.example.net:" + server.port() + "/a.png"))
        .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(MediaFetcher.RefusedException.class)
        .withMessageContaining("internal address");
    assertThat(fetcher.fetch("http://localhost:" + server.port() + "/a.png"))
        .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(MediaFetcher.RefusedException.class);
    assertThat(server.requests).isEmpty();
  }

  @Test
  void theHostIsResolvedOnceAndTheCheckedAddressIsWhereTheRequestGoes() throws Exception {
    Server server = new Server(out -> write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n"));
    AtomicInteger lookups = new AtomicInteger();
    // An allowed host (as an admin lists their upload service): a second look-up could have said anything.
    MediaFetcher fetcher = fetcher(Duration.ofSeconds(5), 4, Set.of("upload.example.net"), host -> {
      lookups.incrementAndGet();
      return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
    });

    MediaFetcher.Fetched file = fetcher.fetch("http://upload.example.net:" + server.port() + "/dir/notes.txt?v=1")
        .get();

    assertThat(new String(file.bytes(), StandardCharsets.UTF_8)).isEqualTo("hello world");
    assertThat(file.fileName()).isEqualTo("notes.txt");
    assertThat(file.contentType()).isEqualTo("text/plain");
    assertThat(lookups).hasValue(1);
    assertThat(server.requests.get(0)).contains("GET /dir/notes.txt?v=1 HTTP/1.1",
        "Host: upload.example.net:" + server.port());
  }

  @Test
  void atMostTheCapOfFetchesRunAtOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Server server = new Server(out -> {
      release.await();
      write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    MediaFetcher fetcher = fetcher(Duration.ofSeconds(20), 2, Set.of("127.0.0.1"), InetAddress::getAllByName);

    List<CompletableFuture<MediaFetcher.Fetched>> fetches = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      fetches.add(fetcher.fetch("http://127.0.0.1:" + server.port() + "/f" + i));
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> server.requests.size() == 2);
    await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5)).until(() -> server.open.get() <= 2);
    release.countDown();
    assertThat(CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)))
        .succeedsWithin(Duration.ofSeconds(10));
    assertThat(server.requests).hasSize(6);
  }

  @Test
  void aFileOverTheLimitIsRefused() throws Exception {
    Server server = new Server(out -> write(out, "HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(1500)));
    MediaFetcher fetcher = fetcher(Duration.ofSeconds(5), 4, Set.of("127.0.0.1"), InetAddress::getAllByName);

    assertThat(fetcher.fetch("http://127.0.0.1:" + server.port() + "/big"))
        .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(MediaFetcher.RefusedException.class);
  }
}
