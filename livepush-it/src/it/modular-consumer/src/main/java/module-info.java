/** A user's app on the module path: requiring io.livepush.sse must bring everything its API needs. */
module consumer {
  requires io.livepush.sse;
  requires java.net.http;
}
