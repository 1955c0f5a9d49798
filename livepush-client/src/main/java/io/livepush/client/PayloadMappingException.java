package io.livepush.client;

/** {@link PushEvent#as(Class)} could not read the payload as the requested type. The client is unaffected. */
public final class PayloadMappingException extends LivePushClientException {
  private static final long serialVersionUID = 1L;

  /**
   * With a message and the mapper's exception.
   *
   * @param message the detail message
   * @param cause the cause
   */
  public PayloadMappingException(String message, Throwable cause) {
    super(message, cause);
  }
}
