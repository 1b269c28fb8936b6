package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config and usage mistakes as an admin meets them on the console: one line naming the key, exit status 2. */
class CliErrorsTest {
  @TempDir
  Path dir;

  /** What a command printed, and its exit status. */
  private record Outcome(int status, String stderr, String stdout) {
    /** Stack trace lines on either stream: stdout is where the bridge's log goes once the config is read. */
    long traceLines() {
      return (stderr + stdout).lines().filter(l -> l.startsWith("\tat ")).count();
    }
  }

  private static Outcome run(String... args) {
    PrintStream previousErr = System.err;
    PrintStream previousOut = System.out;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int status = Main.execute(args);
      return new Outcome(status, err.toString(StandardCharsets.UTF_8), out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(previousErr);
      System.setOut(previousOut);
    }
  }

  /** A config core accepts, with an IRC network that lacks the bot's nick (IrcConnector parses it at start). */
  private Path configWithIrcNetworkWithoutNick() throws Exception {
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, """
        homeserver: { url: "http://127.0.0.1:9", domain: example.org }
        appservice: { port: 29399, url: "http://127.0.0.1:29399" }
        database: { url: "jdbc:sqlite:bridge.db" }
        irc:
          enabled: true
          networks:
            test: { host: 127.0.0.1, port: 6667 }
        """);
    return config;
  }

  @Test
  void aConnectorsConfigMistakeAtStartIsOneLineNamingTheKeyWithExitStatus2() throws Exception {
    Path config = configWithIrcNetworkWithoutNick();
    assertThat(run("registration", "--config", config.toString()).status()).as("the first start's registration")
        .isZero();

    Outcome outcome = run("run", "--config", config.toString());

    assertThat(outcome.status()).isEqualTo(2);
    assertThat(outcome.stderr().lines()).singleElement().asString()
        .startsWith("error: irc.networks.test.nick is required");
    assertThat(outcome.traceLines()).isZero();
  }

  @Test
  void withDebugTheStackTraceFollowsTheLine() throws Exception {
    Path config = configWithIrcNetworkWithoutNick();
    run("registration", "--config", config.toString());

    for (String[] args : new String[][] {{"run", "--debug", "--config", config.toString()},
        {"--debug", "run", "--config", config.toString()}}) {
      Outcome outcome = run(args);

      assertThat(outcome.status()).isEqualTo(2);
      assertThat(outcome.stderr().lines().findFirst()).get().asString()
          .startsWith("error: irc.networks.test.nick is required");
      assertThat(outcome.traceLines()).as(String.join(" ", args)).isPositive();
      assertThat(outcome.stderr()).contains("at dev.switchboard.irc.");
    }
  }

  @Test
  void aMistakeTheConfigLoaderFindsIsOneLine() throws Exception {
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, "homeserver: { url: nope, domain: example.org }\nappservice: {}\n");

    for (String command : new String[] {"run", "registration"}) {
      Outcome outcome = run(command, "--config", config.toString());

      assertThat(outcome.status()).as(command).isEqualTo(2);
      assertThat(outcome.stderr().lines()).as(command).singleElement().asString()
          .startsWith("error: homeserver.url ");
    }
  }

  @Test
  void aMissingConfigIsOneLineWhereItIsNotTheFirstStart() {
    Path missing = dir.resolve("nowhere.yaml");

    Outcome outcome = run("registration", "--config", missing.toString());

    assertThat(outcome.status()).isEqualTo(2);
    assertThat(outcome.stderr().lines()).singleElement().asString()
        .isEqualTo("error: config file " + missing + " does not exist (`switchboard run --config " + missing
            + "` writes a commented sample there)");
    assertThat(missing).doesNotExist();
  }

  @Test
  void anUnwritableRegistrationOutputIsOneLineSayingWhy() throws Exception {
    Path config = configWithIrcNetworkWithoutNick();
    Path aFile = Files.writeString(dir.resolve("not-a-directory"), "x");

    Outcome outcome = run("registration", "--config", config.toString(), "--output",
        aFile.resolve("registration.yaml").toString());

    assertThat(outcome.status()).isEqualTo(2);
    assertThat(outcome.stderr().lines()).singleElement().asString()
        .isEqualTo("error: cannot write registration file " + aFile.resolve("registration.yaml") + ": " + aFile
            + " is in the way (a file where a directory is needed)");
  }

  @Test
  void aFirstStartThatCannotWriteTheSampleIsOneLine() throws Exception {
    Path aFile = Files.writeString(dir.resolve("not-a-directory"), "x");

    Outcome outcome = run("run", "--config", aFile.resolve("config.yaml").toString());

    assertThat(outcome.status()).isEqualTo(2);
    assertThat(outcome.stderr().lines()).singleElement().asString()
        .startsWith("error: cannot write the sample config to " + aFile.resolve("config.yaml") + ": ");
    assertThat(outcome.traceLines()).isZero();
  }

  @Test
  void anUnknownOptionOrSubcommandStaysPicocliUsageErrorWithStatus2() {
    assertThat(run("run", "--no-such-option").status()).isEqualTo(2);
    assertThat(run("frobnicate").status()).isEqualTo(2);
  }
}
