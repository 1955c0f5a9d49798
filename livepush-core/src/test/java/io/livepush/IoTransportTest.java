package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The I/O transport choice: names and validation (what a started server resolves it to is tested with real
 * transports in livepush-websocket's {@code IoUringTransportTest}).
 */
class IoTransportTest {
  @Test
  void labelsRoundTripAndBadNamesAreRefused() {
    for (IoTransport t : IoTransport.values()) {
      assertThat(IoTransport.fromLabel(t.label())).isEqualTo(t);
    }
    assertThat(IoTransport.fromLabel(" IO-URING ")).isEqualTo(IoTransport.IO_URING);
    assertThat(IoTransport.fromLabel("iouring")).isEqualTo(IoTransport.IO_URING);
    assertThatThrownBy(() -> IoTransport.fromLabel("kqueue\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ioTransport: kqueue\\u000a (expected: auto, epoll, io_uring or nio)");
    assertThatThrownBy(() -> LivePushServer.builder().ioTransport(null)).isInstanceOf(NullPointerException.class);
  }
}
