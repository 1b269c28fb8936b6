package dev.switchboard.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.testkit.RealServers;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresServerTest {

  @BeforeAll
  static void needsPostgres() {
    RealServers.require("PostgreSQL", PostgresServer.isInstalled(), "apt-get install postgresql");
  }

  @Test
  void aStartedServerListensOnLoopbackUntilClosedAndLeavesNoFilesBehind() throws IOException {
    PostgresServer server = PostgresServer.start();
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      assertThat(socket.isConnected()).isTrue();
    }
    assertThat(server.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + server.port() + "/switchboard");
    assertThat(server.user()).isEqualTo("switchboard");

    server.close();

    assertThatThrownBy(() -> new Socket("127.0.0.1", server.port()).close()).isInstanceOf(IOException.class);
    assertThat(Files.exists(server.directory())).isFalse();
  }

  @Test
  void eachCreatedDatabaseIsNew() {
    PostgresServer server = PostgresServer.shared();

    String first = server.createDatabase();
    String second = server.createDatabase();

    assertThat(first).startsWith("jdbc:postgresql://127.0.0.1:" + server.port() + "/").isNotEqualTo(second);
    assertThat(PostgresServer.shared()).isSameAs(server);
  }
}
