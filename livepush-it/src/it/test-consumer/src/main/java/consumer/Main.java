package consumer;

import consumer.check.OneNetty;
import io.livepush.test.LivePushExtension;

/** livepush-test alone: the extension is built from the published jar with everything it needs. */
public final class Main {
  public static void main(String[] args) {
    OneNetty.require(args[0]);
    LivePushExtension extension = LivePushExtension.builder().build();
    System.out.println("test consumer: " + extension.getClass().getName() + " serves SSE at "
        + LivePushExtension.DEFAULT_SSE_PATH + " and WebSocket at " + LivePushExtension.DEFAULT_WEBSOCKET_PATH);
  }
}
