package dev.switchboard.irc.network;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the bot's connection to a network proves who it is and checks the server: an optional SHA-256 pin of the
 * server's certificate (for self-signed servers; without a pin the certificate chain is checked against the JVM's
 * trust store), an optional client certificate (CertFP), and optional SASL.
 *
 * @param pinSha256 the server certificate's SHA-256 fingerprint, lower-case hex without separators
 * @param clientCert PEM certificate chain presented to the server
 * @param clientKey PEM (PKCS#8) private key of {@code clientCert}
 */
public record ConnectionSecurity(Optional<String> pinSha256, Optional<Path> clientCert, Optional<Path> clientKey,
    Optional<Sasl> sasl) {

  public static final ConnectionSecurity NONE = new ConnectionSecurity(Optional.empty(), Optional.empty(),
      Optional.empty(), Optional.empty());

  /** SASL for the bot: {@code PLAIN} with an account and password, or {@code EXTERNAL} (the client certificate). */
  public record Sasl(Mechanism mechanism, Optional<String> account, Optional<String> password) {
    /** Never print the password. */
    @Override
    public String toString() {
      return "Sasl[" + mechanism + account.map(a -> " " + a).orElse("") + "]";
    }
  }

  /** The SASL mechanisms we speak. */
  public enum Mechanism { PLAIN, EXTERNAL }

  /** Parses {@code AB:CD:...} or {@code abcd...} into the canonical form; empty when it is not 32 hex bytes. */
  public static Optional<String> fingerprint(String text) {
    String hex = text.replace(":", "").replace(" ", "").toLowerCase(Locale.ROOT);
    if (!hex.matches("[0-9a-f]{64}")) {
      return Optional.empty();
    }
    return Optional.of(hex);
  }

  /** A trust manager factory that accepts exactly the pinned certificate, when there is a pin. */
  public Optional<TrustManagerFactory> pinnedTrust() {
    return pinSha256.map(PinnedTrust::new);
  }
}
