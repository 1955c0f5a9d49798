/**
 * Spring Boot auto-configuration for livepush: {@link io.livepush.spring.boot.LivePushProperties}
 * ({@code livepush.*}), the server bean started and stopped by {@link io.livepush.spring.boot.LivePushLifecycle},
 * customizer beans, an Actuator health indicator, Micrometer metrics, the Redis bus and a Spring Security JWT
 * authenticator. See {@code docs/spring-boot.md}.
 */
package io.livepush.spring.boot;
