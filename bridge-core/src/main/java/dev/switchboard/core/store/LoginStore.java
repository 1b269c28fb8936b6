package dev.switchboard.core.store;

import dev.switchboard.core.id.UserId;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.crypto.AEADBadTagException;

/** Matrix users' own identities on remote networks (puppets), with their secrets encrypted at rest. */
public final class LoginStore {
  private static final String COLUMNS = "user_id, protocol, network, remote_id, settings, secret, updated_at";

  /** Versions the AAD layout, so a future change cannot open old rows under a different meaning. */
  private static final byte[] CONTEXT_LABEL = "switchboard/login-secret/v1".getBytes(StandardCharsets.US_ASCII);

  private final Database database;
  private final SecretBox secretBox;
  private final Clock clock;

  public LoginStore(Database database, SecretBox secretBox, Clock clock) {
    this.database = database;
    this.secretBox = secretBox;
    this.clock = clock;
  }

  /**
   * Whose login on which network.
   *
   * @param network the connector's network name, e.g. {@code libera}; a connector with one network uses one name
   */
  public record LoginKey(UserId userId, String protocol, String network) {}

  /**
   * A Matrix user's identity on a remote network.
   *
   * @param remoteId their name there: nick, JID, SIP address
   * @param settings the connector's JSON for this login; never holds secrets
   * @param secret the password or key, decrypted; its toString hides it
   */
  public record Login(
      LoginKey key, Optional<String> remoteId, Optional<String> settings, Optional<Secret> secret, Instant updatedAt) {}

  /**
   * Saves the login, replacing what was stored for its key; the secret is sealed with a fresh nonce.
   *
   * @param remoteId null when not known yet
   * @param settings JSON, or null
   * @param secret null when the login has none
   */
  public Login save(LoginKey key, String remoteId, String settings, Secret secret) {
    byte[] sealed = secret == null ? null
        : secretBox.seal(secret.value().getBytes(StandardCharsets.UTF_8), context(key));
    Instant now = Instant.ofEpochMilli(clock.millis());
    database.inTransaction(c -> Sql.update(c,
        "INSERT INTO login (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (user_id, protocol, network) DO UPDATE SET remote_id = excluded.remote_id,"
            + " settings = excluded.settings, secret = excluded.secret, updated_at = excluded.updated_at",
        key.userId().value(), key.protocol(), key.network(), remoteId, settings, sealed, now.toEpochMilli()));
    return new Login(key, Optional.ofNullable(remoteId), Optional.ofNullable(settings), Optional.ofNullable(secret),
        now);
  }

  /**
   * The login for the key, if any.
   *
   * @throws StoreException when its secret does not decrypt: another key than the one it was sealed with, or a row
   *     copied from another user or network
   */
  public Optional<Login> find(LoginKey key) {
    return database.inTransaction(c -> Sql.one(c,
        "SELECT " + COLUMNS + " FROM login WHERE user_id = ? AND protocol = ? AND network = ?",
        this::readLogin, key.userId().value(), key.protocol(), key.network()));
  }

  /** Every login of one Matrix user, by protocol and network. */
  public List<Login> loginsOf(UserId userId) {
    return database.inTransaction(c -> Sql.list(c,
        "SELECT " + COLUMNS + " FROM login WHERE user_id = ? ORDER BY protocol, network",
        this::readLogin, userId.value()));
  }

  /** Every login on one network, e.g. to reconnect its puppets at start. */
  public List<Login> loginsOn(String protocol, String network) {
    return database.inTransaction(c -> Sql.list(c,
        "SELECT " + COLUMNS + " FROM login WHERE protocol = ? AND network = ? ORDER BY user_id",
        this::readLogin, protocol, network));
  }

  /** Forgets the login and its secret. Returns false when there was none. */
  public boolean delete(LoginKey key) {
    return database.inTransaction(c -> Sql.update(c,
        "DELETE FROM login WHERE user_id = ? AND protocol = ? AND network = ?",
        key.userId().value(), key.protocol(), key.network()) > 0);
  }

  private Login readLogin(ResultSet row) throws SQLException {
    LoginKey key = new LoginKey(UserId.of(row.getString("user_id")), row.getString("protocol"),
        row.getString("network"));
    byte[] sealed = row.getBytes("secret");
    Optional<Secret> secret = Optional.empty();
    if (sealed != null) {
      try {
        secret = Optional.of(new Secret(new String(secretBox.open(sealed, context(key)), StandardCharsets.UTF_8)));
      } catch (AEADBadTagException e) {
        throw new StoreException("the secret of the " + key.protocol() + " login of " + key.userId() + " on "
            + key.network() + " does not decrypt: the secret key is not the one it was stored with, or the row"
            + " was copied from another user or network");
      }
    }
    return new Login(key, Optional.ofNullable(row.getString("remote_id")),
        Optional.ofNullable(row.getString("settings")), secret, Instant.ofEpochMilli(row.getLong("updated_at")));
  }

  /**
   * The AAD that binds a sealed secret to its row. Each part is length-prefixed, so ("ab", "c") and ("a", "bc")
   * differ.
   */
  static byte[] context(LoginKey key) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(CONTEXT_LABEL);
    for (String part : List.of(key.userId().value(), key.protocol(), key.network())) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }
}
