/** The Spring Boot example: scores and chat pushed with livepush, see docs/spring-boot.md. */
package io.livepush.spring.example;
