package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.LoginStore.Login;
import dev.switchboard.core.store.LoginStore.LoginKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class LoginStoreTest {
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  private static final UserId ALICE = UserId.of("@alice:example.org");
  private static final UserId MALLORY = UserId.of("@mallory:example.org");
  private static final LoginKey ALICE_ON_LIBERA = new LoginKey(ALICE, "irc", "libera");
  private static final String PASSWORD = "correct horse battery staple";

  @Parameter Engine engine;
  @TempDir Path tempDir;
  private Database database;
  private LoginStore logins;

  @BeforeEach
  void open() {
    database = engine.openFresh(tempDir);
    logins = storeWith(randomBox());
  }

  @AfterEach
  void close() {
    if (database != null) { // null when opening skipped or failed
      database.close();
    }
  }

  private LoginStore storeWith(SecretBox box) {
    return new LoginStore(database, box, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private static SecretBox randomBox() {
    byte[] key = new byte[SecretBox.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return new SecretBox(key, new SecureRandom());
  }

  private byte[] storedSecret(UserId userId) {
    // list, not one: the column may be NULL, and one() cannot hold a null.
    return database.inTransaction(c -> Sql.list(c, "SELECT secret FROM login WHERE user_id = ?",
        row -> row.getBytes("secret"), userId.value())).get(0);
  }

  @Test
  void aSavedLoginReadsBackWithItsSecret() {
    logins.save(ALICE_ON_LIBERA, "alice_m", "{\"sasl\":true}", new Secret(PASSWORD));

    assertThat(logins.find(ALICE_ON_LIBERA)).contains(new Login(ALICE_ON_LIBERA, Optional.of("alice_m"),
        Optional.of("{\"sasl\":true}"), Optional.of(new Secret(PASSWORD)), NOW));
  }

  @Test
  void theSecretRestsEncryptedWithAFreshNonceEachSave() {
    logins.save(ALICE_ON_LIBERA, "alice_m", null, new Secret(PASSWORD));
    byte[] first = storedSecret(ALICE);
    logins.save(ALICE_ON_LIBERA, "alice_m", null, new Secret(PASSWORD));
    byte[] second = storedSecret(ALICE);

    byte[] plaintext = PASSWORD.getBytes(StandardCharsets.UTF_8);
    assertThat(new String(first, StandardCharsets.ISO_8859_1)).doesNotContain(PASSWORD);
    assertThat(first).hasSize(SecretBox.NONCE_BYTES + plaintext.length + 16);
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void aSecretDoesNotDecryptWithAnotherKey() {
    logins.save(ALICE_ON_LIBERA, "alice_m", null, new Secret(PASSWORD));

    assertThatThrownBy(() -> storeWith(randomBox()).find(ALICE_ON_LIBERA))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("does not decrypt")
        .hasMessageNotContaining(PASSWORD);
  }

  @Test
  void aRowCopiedToAnotherUserDoesNotDecrypt() {
    logins.save(ALICE_ON_LIBERA, "alice_m", null, new Secret(PASSWORD));
    database.inTransaction(c -> Sql.update(c,
        "INSERT INTO login (user_id, protocol, network, remote_id, settings, secret, updated_at)"
            + " SELECT ?, protocol, network, remote_id, settings, secret, updated_at FROM login WHERE user_id = ?",
        MALLORY.value(), ALICE.value()));

    assertThatThrownBy(() -> logins.find(new LoginKey(MALLORY, "irc", "libera")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("@mallory:example.org");
    assertThat(logins.find(ALICE_ON_LIBERA).flatMap(Login::secret)).contains(new Secret(PASSWORD));
  }

  @Test
  void aLoginWithoutSecretStoresNone() {
    logins.save(ALICE_ON_LIBERA, "alice_m", null, new Secret(PASSWORD));

    logins.save(ALICE_ON_LIBERA, "alice_m", null, null);

    assertThat(logins.find(ALICE_ON_LIBERA).orElseThrow().secret()).isEmpty();
    assertThat(storedSecret(ALICE)).isNull();
  }

  @Test
  void aPrintedLoginHidesItsSecret() {
    Login login = logins.save(ALICE_ON_LIBERA, "alice_m", null, new Secret(PASSWORD));

    assertThat(login.toString()).doesNotContain(PASSWORD).contains("alice_m");
  }

  @Test
  void loginsAreListedPerUserAndPerNetwork() {
    LoginKey aliceOnOftc = new LoginKey(ALICE, "irc", "oftc");
    LoginKey aliceOnXmpp = new LoginKey(ALICE, "xmpp", "example.net");
    LoginKey bobOnLibera = new LoginKey(UserId.of("@bob:example.org"), "irc", "libera");
    for (LoginKey key : List.of(aliceOnXmpp, bobOnLibera, ALICE_ON_LIBERA, aliceOnOftc)) {
      logins.save(key, null, null, new Secret("pw of " + key.userId()));
    }

    assertThat(logins.loginsOf(ALICE)).extracting(Login::key)
        .containsExactly(ALICE_ON_LIBERA, aliceOnOftc, aliceOnXmpp);
    assertThat(logins.loginsOn("irc", "libera")).extracting(Login::key)
        .containsExactly(ALICE_ON_LIBERA, bobOnLibera);
    assertThat(logins.loginsOn("irc", "libera")).extracting(l -> l.secret().orElseThrow().value())
        .containsExactly("pw of @alice:example.org", "pw of @bob:example.org");
  }

  @Test
  void aDeletedLoginIsGone() {
    logins.save(ALICE_ON_LIBERA, "alice_m", null, new Secret(PASSWORD));

    assertThat(logins.delete(ALICE_ON_LIBERA)).isTrue();
    assertThat(logins.delete(ALICE_ON_LIBERA)).isFalse();
    assertThat(logins.find(ALICE_ON_LIBERA)).isEmpty();
  }
}
