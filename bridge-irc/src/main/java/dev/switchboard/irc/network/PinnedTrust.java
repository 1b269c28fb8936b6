package dev.switchboard.irc.network;

import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import java.net.Socket;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly one server certificate, by its SHA-256 fingerprint: the way to reach an IRC server with a
 * self-signed certificate. The pin identifies the server, so the host name is not compared with the certificate
 * (an extended trust manager does that check itself, and this one leaves it out on purpose; without a pin the JVM's
 * default checks, host name included, apply).
 */
final class PinnedTrust extends SimpleTrustManagerFactory {
  private final TrustManager manager;

  PinnedTrust(String sha256Hex) {
    byte[] pin = HexFormat.of().parseHex(sha256Hex);
    this.manager = new X509ExtendedTrustManager() {
      private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
          throw new CertificateException("the server sent no certificate");
        }
        try {
          byte[] actual = MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
          if (!MessageDigest.isEqual(actual, pin)) {
            throw new CertificateException("the server certificate's SHA-256 fingerprint "
                + HexFormat.of().formatHex(actual) + " is not the pinned one (tls_fingerprint_sha256)");
          }
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
          throw new CertificateException(e);
        }
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        check(chain);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        check(chain);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        throw new CertificateException("a client connection never checks clients");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        throw new CertificateException("a client connection never checks clients");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client connection never checks clients");
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }

  @Override
  protected void engineInit(KeyStore keyStore) {}

  @Override
  protected void engineInit(ManagerFactoryParameters params) {}

  @Override
  protected TrustManager[] engineGetTrustManagers() {
    return new TrustManager[] {manager};
  }
}
