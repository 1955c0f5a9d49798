package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
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

  @Test
  void ioUringIovecArrayIsCappedAtIovMaxUnlessTheOperatorSetIt() {
    Properties unset = new Properties();
    assertThat(IoChoice.capIovecArray(unset)).isTrue();
    assertThat(unset.getProperty("io.netty.iouring.numElementsIoVec")).isEqualTo("1024");
    assertThat(IoChoice.capIovecArray(unset)).as("second call leaves it").isFalse();

    Properties operator = new Properties();
    operator.setProperty("io.netty.iouring.numElementsIoVec", "4096");
    assertThat(IoChoice.capIovecArray(operator)).isFalse();
    assertThat(operator.getProperty("io.netty.iouring.numElementsIoVec")).isEqualTo("4096");
  }

  @Test
  void resolvingIoUringSetsTheCapBeforeNettyReadsIt() {
    // An operator's value (or this fork's earlier resolve) stays; otherwise resolving sets the cap.
    String before = System.getProperty(IoChoice.IOVEC_ARRAY_PROPERTY);
    IoChoice.resolve(IoTransport.IO_URING);
    assertThat(System.getProperty(IoChoice.IOVEC_ARRAY_PROPERTY)).isEqualTo(before != null ? before : "1024");
  }
}
