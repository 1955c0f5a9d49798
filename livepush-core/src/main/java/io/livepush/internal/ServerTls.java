package io.livepush.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * The server's TLS settings, kept as JDK-typed key material so the public API needs no Netty type, and turned
 * into Netty {@link SslContext}s here, one per list of ALPN protocols (RFC 7301): {@link #H2_HTTP_1_1} with
 * HTTP/2 on (the default), {@link #HTTP_1_1} without.
 *
 * <p>Key material given as PEM files or a {@link KeyManagerFactory} is served by OpenSSL (BoringSSL) when
 * {@code netty-tcnative} is on the class path, else by the JDK engine; a ready {@link SSLContext} always uses
 * the JDK engine (Netty's {@link JdkSslContext} wraps it, keeping its protocols and cipher suites). Contexts are
 * built once per protocol list and shared by every connection (thread-safe).
 */
public final class ServerTls {
  /** The ALPN list every HTTP/1.1 connection offers. */
  public static final List<String> HTTP_1_1 = List.of(ApplicationProtocolNames.HTTP_1_1);
  /** The ALPN list with HTTP/2 on: {@code h2} preferred, then {@code http/1.1}. */
  public static final List<String> H2_HTTP_1_1 =
      List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

  private final Function<ApplicationProtocolConfig, SslContext> factory;
  private final String provider;
  private final ConcurrentHashMap<List<String>, SslContext> contexts = new ConcurrentHashMap<>();

  private ServerTls(Function<ApplicationProtocolConfig, SslContext> factory, String provider) {
    this.factory = factory;
    this.provider = provider;
    // Fail now, at build time, on unusable key material: neither engine checks that the key fits the
    // certificate, and a server that fails every handshake logs nothing (scanners would flood the log).
    testHandshake(context(HTTP_1_1));
  }

  /**
   * One TLS handshake in memory between {@code server} and a JDK client that trusts any certificate: it
   * succeeds exactly when the server can prove it holds the key of the certificate it sends.
   *
   * @throws IllegalArgumentException when it fails
   */
  private static void testHandshake(SslContext server) {
    SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
    SSLEngine c = null;
    try {
      c = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
          .trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null).build()
          .newEngine(ByteBufAllocator.DEFAULT, "localhost", 443);
      c.beginHandshake();
      s.beginHandshake();
      ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
      ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
      ByteBuffer app = ByteBuffer.allocate(1 << 17);
      for (int i = 0; i < 100 && !(finished(c) && finished(s)); i++) {
        step(c, toServer, toClient, app);
        step(s, toClient, toServer, app);
      }
      if (!(finished(c) && finished(s))) {
        throw new SSLException("the test handshake did not finish");
      }
    } catch (SSLException e) {
      throw new IllegalArgumentException("a test handshake failed (does the private key fit the first "
          + "certificate of the chain?): " + e.getMessage(), e);
    } finally {
      ReferenceCountUtil.release(s);
      ReferenceCountUtil.release(c);
    }
  }

  private static boolean finished(SSLEngine e) {
    HandshakeStatus h = e.getHandshakeStatus();
    return h == HandshakeStatus.NOT_HANDSHAKING || h == HandshakeStatus.FINISHED;
  }

  /** Moves {@code e}'s handshake one step: wraps into {@code out}, or unwraps from {@code in}. */
  private static void step(SSLEngine e, ByteBuffer out, ByteBuffer in, ByteBuffer app) throws SSLException {
    switch (e.getHandshakeStatus()) {
      case NEED_TASK -> {
        Runnable task;
        while ((task = e.getDelegatedTask()) != null) {
          task.run();
        }
      }
      case NEED_WRAP -> e.wrap(ByteBuffer.allocate(0), out);
      case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
        in.flip();
        try {
          e.unwrap(in, app);
        } finally {
          in.compact();
        }
        app.clear();
      }
      default -> { }
    }
  }

  /**
   * PEM certificate chain and PKCS#8 key (unencrypted), read now: the contexts built later (one per ALPN list)
   * use these bytes, so the files may be deleted or replaced afterwards ({@code tlsSelfSigned()} deletes its own).
   *
   * @throws IllegalArgumentException if the files cannot be read or do not match
   */
  public static ServerTls pem(java.nio.file.Path certChain, java.nio.file.Path privateKey) {
    String what = certChain + ", " + privateKey + " (expected: readable PEM certificate chain and PKCS#8 key)";
    byte[] chain;
    byte[] key;
    try {
      chain = java.nio.file.Files.readAllBytes(certChain);
      key = java.nio.file.Files.readAllBytes(privateKey);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("tls: " + what + ": " + e, e);
    }
    return build(() -> SslContextBuilder.forServer(new java.io.ByteArrayInputStream(chain),
        new java.io.ByteArrayInputStream(key)), what);
  }

  /**
   * Key material from a key store, e.g. PKCS#12.
   *
   * @throws IllegalArgumentException if the factory holds no usable key
   */
  public static ServerTls keyManager(KeyManagerFactory keys) {
    Objects.requireNonNull(keys, "keyManagerFactory");
    if (!holdsServerKey(keys)) { // Netty builds a context without one; every handshake would then fail
      throw new IllegalArgumentException("tls: key manager (expected: a server key and chain): no server key");
    }
    return build(() -> SslContextBuilder.forServer(keys), "key manager (expected: a server key and chain)");
  }

  private static boolean holdsServerKey(KeyManagerFactory keys) {
    for (javax.net.ssl.KeyManager km : keys.getKeyManagers()) {
      if (!(km instanceof javax.net.ssl.X509KeyManager x509)) {
        return true; // not ours to judge
      }
      for (String type : new String[] {"RSA", "EC", "RSASSA-PSS", "EdDSA", "DSA"}) {
        String[] aliases = x509.getServerAliases(type, null);
        if (aliases != null && aliases.length > 0) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A ready JDK context (server mode); served by the JDK engine.
   *
   * @throws IllegalArgumentException if the context is not initialised
   */
  public static ServerTls jdk(SSLContext context) {
    Objects.requireNonNull(context, "sslContext");
    return build(alpn -> {
      context.createSSLEngine(); // IllegalStateException when not initialised (JdkSslContext does not check)
      return new JdkSslContext(context, false, null, IdentityCipherSuiteFilter.INSTANCE, alpn,
          ClientAuth.NONE, null, false);
    }, "JDK", "SSLContext (expected: initialised with a key manager)");
  }

  private interface BuilderSupplier {
    SslContextBuilder get() throws Exception;
  }

  private static ServerTls build(BuilderSupplier builder, String what) {
    SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    return build(alpn -> {
      try {
        return builder.get().sslProvider(provider).applicationProtocolConfig(alpn).build();
      } catch (Exception e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    }, provider == SslProvider.OPENSSL ? "OpenSSL" : "JDK", what);
  }

  private static ServerTls build(Function<ApplicationProtocolConfig, SslContext> factory, String provider,
      String what) {
    try {
      return new ServerTls(factory, provider); // builds the HTTP/1.1 context: bad key material fails here
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("tls: " + what + ": " + e.getMessage(), e);
    }
  }

  /**
   * The context offering {@code protocols} by ALPN, in preference order. A client that offers none of them, or
   * no ALPN at all, is served without ALPN (the connection then speaks HTTP/1.1).
   */
  public SslContext context(List<String> protocols) {
    return contexts.computeIfAbsent(List.copyOf(protocols), p -> factory.apply(new ApplicationProtocolConfig(
        Protocol.ALPN, SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT, p)));
  }

  /** {@code "OpenSSL"} or {@code "JDK"}: the engine that serves connections. */
  public String provider() {
    return provider;
  }
}
