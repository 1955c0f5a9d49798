/** livepush's long-polling transport: JSON batches from the shared replay log, with SSE's ids and resets. */
module io.livepush.longpoll {
  requires transitive io.livepush.core;
  requires com.fasterxml.jackson.core;
  requires org.slf4j;

  exports io.livepush.longpoll;
}
