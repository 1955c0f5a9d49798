package io.livepush.spring.boot;

import io.livepush.Authenticator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;

/**
 * The Spring Security bridge: when Spring Security's resource server and JOSE support are on the class path and
 * the application has a {@link JwtDecoder} bean (its own, or Boot's from
 * {@code spring.security.oauth2.resourceserver.jwt.*}), livepush connections authenticate with the same tokens
 * through {@link JwtBearerAuthenticator}. An application {@link Authenticator} bean replaces it;
 * {@code livepush.security.enabled=false} turns it off.
 */
@AutoConfiguration(before = LivePushAutoConfiguration.class, afterName = {
    "org.springframework.boot.security.oauth2.server.resource.autoconfigure.servlet."
        + "OAuth2ResourceServerAutoConfiguration",
    "org.springframework.boot.security.oauth2.server.resource.autoconfigure.reactive."
        + "ReactiveOAuth2ResourceServerAutoConfiguration"})
@ConditionalOnClass({JwtDecoder.class, JwtAuthenticationProvider.class})
@ConditionalOnBean(JwtDecoder.class)
@ConditionalOnBooleanProperty(name = "livepush.security.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LivePushProperties.class)
public class LivePushSecurityAutoConfiguration {
  /** For Spring. */
  public LivePushSecurityAutoConfiguration() {}

  /**
   * The authenticator.
   *
   * @param decoder the application's JWT decoder
   * @param converter the application's {@link JwtAuthenticationConverter} bean, if one (authorities mapping)
   * @param properties {@code livepush.security.*}
   * @return the authenticator the server bean picks up
   */
  @Bean
  @ConditionalOnMissingBean(Authenticator.class)
  public JwtBearerAuthenticator livePushJwtAuthenticator(JwtDecoder decoder,
      ObjectProvider<JwtAuthenticationConverter> converter, LivePushProperties properties) {
    LivePushProperties.Security s = properties.security();
    return new JwtBearerAuthenticator(decoder, converter.getIfUnique(), s.queryParameter(), s.allowAnonymous());
  }
}
