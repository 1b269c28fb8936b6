package dev.switchboard.app.bench;

import java.nio.file.Path;

/**
 * Where the benchmarks that run the bridge as its own process find it: the packaged jar, the shipped launcher and
 * this JVM's {@code java} (for the stand-ins and the JVM-default runs), and the bot's localpart in the sample config.
 */
final class BenchProcesses {
  /** {@code bridge-app/target/switchboard.jar}: run {@code ./mvnw -pl bridge-app -am package} first. */
  static final Path JAR = Path.of("target", "switchboard.jar").toAbsolutePath();
  /** {@code bin/switchboard}, with the JVM settings the bridge ships with. */
  static final Path LAUNCHER = Path.of("..", "bin", "switchboard").toAbsolutePath().normalize();
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  /** The bot's localpart (and IRC nick) in the sample config. */
  static final String BOT = "switchboard";

  private BenchProcesses() {
  }
}
