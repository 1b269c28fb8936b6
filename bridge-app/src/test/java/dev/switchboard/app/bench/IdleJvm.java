package dev.switchboard.app.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The JVM's own floor for {@link MemoryBenchmark}: a process that starts the JDK's HTTP server on loopback and idles.
 * Started with the same launcher and settings as the bridge, its RSS and threads are what any Java service costs on
 * this machine before it does anything, so the bridge's figures can be read against it.
 */
public final class IdleJvm {
  /** The line the reference prints once it listens. */
  static final String READY = "idle-jvm ready";

  private IdleJvm() {
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    server.start();
    System.out.println(READY + " on port " + server.getAddress().getPort());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** Writes {@code dir/idle-jvm.jar}: this class and a {@code Main-Class}, for a launcher's {@code -jar}. */
  static Path jar(Path dir) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, IdleJvm.class.getName());
    String entry = IdleJvm.class.getName().replace('.', '/') + ".class";
    Path jar = dir.resolve("idle-jvm.jar");
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
        InputStream classFile = IdleJvm.class.getClassLoader().getResourceAsStream(entry)) {
      if (classFile == null) {
        throw new IOException("no class file " + entry + " on the test classpath");
      }
      out.putNextEntry(new JarEntry(entry));
      classFile.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }
}
