/** A user's app on the module path following its own server: the client and server modules must not split a package. */
module consumer {
  requires io.livepush.client;
  requires io.livepush.sse;
}
