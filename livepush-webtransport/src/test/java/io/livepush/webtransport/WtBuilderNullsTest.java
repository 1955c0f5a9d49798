package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.testing.WebTransportCertificate;
import java.security.cert.X509Certificate;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * {@link WebTransportTransport.Builder} refuses {@code null} like {@code WebSocketTransport.Builder}: a
 * {@link NullPointerException} naming the parameter, at the setter (not later, at {@code build()} or at start).
 */
class WtBuilderNullsTest {
  @Test
  void everyReferenceSetterRefusesNullNamingItsParameter() throws Exception {
    WebTransportCertificate cert = WebTransportCertificate.generate();
    WebTransportTransport.Builder b = WebTransportTransport.builder();
    refused(() -> b.path(null), "path");
    refused(() -> b.certificate(null, cert.certificate()), "key");
    refused(() -> b.certificate(cert.key(), (X509Certificate[]) null), "chain");
    refused(() -> b.certificate(cert.key(), cert.certificate(), null), "chain");
    refused(() -> b.allowedOrigins((String[]) null), "origins");
    refused(() -> b.allowedOrigins("https://a.example", null), "origin");
    refused(() -> b.idleTimeout(null), "timeout");
    refused(() -> b.messageHandler(null), "handler");
    refused(() -> b.handlerExecutor(null), "executor");
    refused(() -> b.altSvcMaxAge(null), "maxAge");
  }

  private static void refused(ThrowingCallable call, String parameter) {
    assertThatThrownBy(call).isInstanceOf(NullPointerException.class).hasMessage(parameter);
  }
}
