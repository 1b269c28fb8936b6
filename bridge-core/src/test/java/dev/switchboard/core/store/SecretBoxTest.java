package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
  private static final byte[] PASSWORD = "hunter2".getBytes(StandardCharsets.UTF_8);
  private static final byte[] ALICE = "alice".getBytes(StandardCharsets.UTF_8);
  private static final byte[] BOB = "bob".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  private static SecretBox randomBox() {
    byte[] key = new byte[SecretBox.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return new SecretBox(key, new SecureRandom());
  }

  @Test
  void aSealedValueOpensWithTheSameKeyAndContext() throws AEADBadTagException {
    SecretBox box = randomBox();

    byte[] sealed = box.seal(PASSWORD, ALICE);

    assertThat(sealed).hasSize(SecretBox.NONCE_BYTES + PASSWORD.length + 16);
    assertThat(box.open(sealed, ALICE)).isEqualTo(PASSWORD);
  }

  @Test
  void sealingTheSameValueTwiceGivesDifferentBytes() {
    SecretBox box = randomBox();

    assertThat(box.seal(PASSWORD, ALICE)).isNotEqualTo(box.seal(PASSWORD, ALICE));
  }

  @Test
  void anotherContextAnotherKeyOrAnAlteredByteDoNotOpen() {
    SecretBox box = randomBox();
    byte[] sealed = box.seal(PASSWORD, ALICE);
    byte[] altered = sealed.clone();
    altered[altered.length - 1] ^= 1;

    assertThatThrownBy(() -> box.open(sealed, BOB)).isInstanceOf(AEADBadTagException.class);
    assertThatThrownBy(() -> randomBox().open(sealed, ALICE)).isInstanceOf(AEADBadTagException.class);
    assertThatThrownBy(() -> box.open(altered, ALICE)).isInstanceOf(AEADBadTagException.class);
    assertThatThrownBy(() -> box.open(new byte[5], ALICE)).isInstanceOf(AEADBadTagException.class);
  }

  @Test
  void theFirstStartCreatesAKeyFileOnlyItsOwnerCanRead() throws Exception {
    Path keyFile = dir.resolve("switchboard.key");

    byte[] sealed = SecretBox.loadOrCreate(keyFile).seal(PASSWORD, ALICE);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    assertThat(Base64.getDecoder().decode(Files.readString(keyFile).strip())).hasSize(SecretBox.KEY_BYTES);
    assertThat(SecretBox.loadOrCreate(keyFile).open(sealed, ALICE)).isEqualTo(PASSWORD);
    assertThat(SecretBox.fromKeyFile(keyFile).open(sealed, ALICE)).isEqualTo(PASSWORD);
  }

  @Test
  void aKeyFromConfigMustBeBase64Of32BytesAndIsNeverEchoed() throws AEADBadTagException {
    String key = Base64.getEncoder().encodeToString(new byte[32]);
    String shortKey = Base64.getEncoder().encodeToString("sixteen byte key".getBytes(StandardCharsets.US_ASCII));

    assertThat(SecretBox.fromBase64(key).open(SecretBox.fromBase64(key).seal(PASSWORD, ALICE), ALICE))
        .isEqualTo(PASSWORD);
    assertThatThrownBy(() -> SecretBox.fromBase64(shortKey))
        .hasMessageContaining("must be 32 bytes, got 16")
        .hasMessageNotContaining(shortKey);
    assertThatThrownBy(() -> SecretBox.fromBase64("not base64!"))
        .hasMessageContaining("not valid base64")
        .hasMessageNotContaining("not base64!");
  }

  @Test
  void aDamagedKeyFileIsNamedInTheError() throws Exception {
    Path keyFile = Files.writeString(dir.resolve("broken.key"), "abc");

    assertThatThrownBy(() -> SecretBox.loadOrCreate(keyFile))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(keyFile.toString());
  }

  @Test
  void theDefaultKeyFileSitsBesideAnSqliteDatabaseOrInTheConfigDirectory() {
    Path config = Path.of("/etc/switchboard");

    assertThat(SecretBox.defaultKeyFile("jdbc:sqlite:/var/lib/switchboard/bridge.db", config))
        .isEqualTo(Path.of("/var/lib/switchboard/bridge.key"));
    assertThat(SecretBox.defaultKeyFile("jdbc:sqlite:file:/var/lib/sb/bridge.db?mode=rwc", config))
        .isEqualTo(Path.of("/var/lib/sb/bridge.key"));
    assertThat(SecretBox.defaultKeyFile("jdbc:postgresql://db/switchboard", config))
        .isEqualTo(Path.of("/etc/switchboard/switchboard.key"));
    assertThat(SecretBox.defaultKeyFile("jdbc:sqlite::memory:", config))
        .isEqualTo(Path.of("/etc/switchboard/switchboard.key"));
  }

  @Test
  void neitherTheBoxNorASecretShowItsContentWhenPrinted() {
    assertThat(randomBox().toString()).isEqualTo("SecretBox[AES-256-GCM]");
    assertThat(new Secret("hunter2").toString()).doesNotContain("hunter2");
  }
}
