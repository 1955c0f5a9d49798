package io.livepush.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A fresh self-signed ECDSA P-256 certificate valid for 13 days, as browsers accept through WebTransport's
 * {@code serverCertificateHashes} (W3C WebTransport: ECDSA P-256 or better, validity at most 14 days). Made by the
 * JDK's {@code keytool}, so no certificate library is needed.
 */
public final class WebTransportCertificate {
  private static final char[] PASSWORD = "livepush".toCharArray();

  private final PrivateKey key;
  private final X509Certificate certificate;

  private WebTransportCertificate(PrivateKey key, X509Certificate certificate) {
    this.key = key;
    this.certificate = certificate;
  }

  /**
   * Generates one for {@code 127.0.0.1} and {@code localhost}.
   *
   * @return the key and certificate
   * @throws IOException if keytool fails
   * @throws InterruptedException if interrupted while keytool runs
   * @throws GeneralSecurityException if the keystore cannot be read
   */
  public static WebTransportCertificate generate()
      throws IOException, InterruptedException, GeneralSecurityException {
    Path dir = Files.createTempDirectory("livepush-wt-cert");
    Path store = dir.resolve("wt.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "wt", "-keyalg", "EC",
        "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "13",
        "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + output);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD);
    } finally {
      Files.deleteIfExists(store);
      Files.deleteIfExists(dir);
    }
    return new WebTransportCertificate((PrivateKey) ks.getKey("wt", PASSWORD),
        (X509Certificate) ks.getCertificate("wt"));
  }

  /**
   * The private key.
   *
   * @return the EC private key
   */
  public PrivateKey key() {
    return key;
  }

  /**
   * The certificate.
   *
   * @return the self-signed certificate
   */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * The SHA-256 of the certificate's DER encoding, base64: the {@code serverCertificateHashes} value.
   *
   * @return the base64 hash
   * @throws GeneralSecurityException if the certificate cannot be encoded
   */
  public String sha256Base64() throws GeneralSecurityException {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
  }
}
