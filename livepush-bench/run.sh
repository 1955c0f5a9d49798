#!/usr/bin/env bash
# Runs one benchmark scenario end to end: builds what it needs, starts each server under test pinned to core 0
# and the load generator(s) pinned to core 1, prints the result tables and appends them to
# livepush-bench/results/results.tsv.
#
#   livepush-bench/run.sh <idle|capacity|fanout|replay|plot|jmh|wt-idle|wt-fanout|all>
#
# Sizes are the issue's targets by default; SMALL=1 scales everything down for a smoke test.
# Every process is started with a bounded lifetime and killed (by pid) when the script exits.
# Only 127.0.0.0/8 is ever targeted.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:?usage: run.sh <idle|capacity|fanout|replay|plot|jmh|wt-idle|wt-fanout|all>}
BENCH=livepush-bench
RESULTS=${RESULTS:-$BENCH/results/results.tsv}
SMALL=${SMALL:-0}
HOLD_S=${HOLD_S:-180}
mkdir -p "$(dirname "$RESULTS")"

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  ./mvnw -q -o package -DskipTests -pl $BENCH -am
  (cd $BENCH/peer && { [[ -d node_modules/ws ]] || npm ci --no-audit --no-fund; })
fi
CP="$BENCH/target/classes:$(cat $BENCH/target/classpath.txt)"
# Java 24+ warns at Netty's native library load unless native access is enabled (JEP 472; Java 17 accepts the flag).
NATIVE_ACCESS=--enable-native-access=ALL-UNNAMED
# Leak detection off (it samples and records stacks), so the server does what production does.
JAVA_SERVER=(java $NATIVE_ACCESS -XX:+UseG1GC -Dio.netty.leakDetection.level=disabled -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
JAVA_GEN_CMD=(taskset -c 1 java $NATIVE_ACCESS -Xmx2g -XX:+UseG1GC -Dio.netty.leakDetection.level=disabled
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" io.livepush.bench.Main)
# Each generator run connects from fresh source addresses (127.0.x.y): with tcp_tw_reuse=2 the kernel reuses
# loopback ports still in TIME_WAIT, and a 4-tuple still known to a previous run's server gets a RST
# ("connection refused"), which we saw after back-to-back runs.
SRC_BASE=$(( (RANDOM % 200) + 10 ))
SRC_N=0
gen() {
  SRC_N=$((SRC_N + 1))
  local ip="127.0.$SRC_BASE.$((SRC_N + 1))"
  if [[ " $* " != *" --src "* ]]; then "${JAVA_GEN_CMD[@]}" "$@" --src "$ip"; else "${JAVA_GEN_CMD[@]}" "$@"; fi
}
HAS_WS=0
if grep -q livepush-websocket $BENCH/target/classpath.txt; then HAS_WS=1; fi

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() { # wait (bounded) until the control endpoint answers
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$1/bench/conns" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2; return 1
}
SERVER_PID=
# LP_PORT moves the livepush server off 8090, so two people benchmarking on one machine do not cross-connect.
LP_PORT=${LP_PORT:-8090}
start_livepush() { # $1 = heap (e.g. 1g), extra args follow
  local heap=$1; shift
  taskset -c 0 "${JAVA_SERVER[@]}" -Xms"$heap" -Xmx"$heap" -cp "$CP" io.livepush.bench.Main server \
    --port "$LP_PORT" --max-seconds 1200 "$@" &
  SERVER_PID=$!; PIDS+=("$SERVER_PID"); wait_port "$LP_PORT"; TARGET=127.0.0.1:$LP_PORT
}
start_wspeer() {
  taskset -c 0 node --expose-gc $BENCH/peer/ws-peer.js 8091 15 1200 &
  SERVER_PID=$!; PIDS+=("$SERVER_PID"); wait_port 8091; TARGET=127.0.0.1:8091
}
start_nettypeer() {
  taskset -c 0 "${JAVA_SERVER[@]}" -Xms1g -Xmx1g -cp "$CP" io.livepush.bench.Main netty-peer \
    --port 8092 --max-seconds 1200 &
  SERVER_PID=$!; PIDS+=("$SERVER_PID"); wait_port 8092; TARGET=127.0.0.1:8092
}
stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }

if [[ $SMALL == 1 ]]; then N1=200; N2=1000; SUBS=500; RATE=20; SECS=5; WARM=2; CLIENTS=500; CAP=500
else N1=2000; N2=10000; SUBS=10000; RATE=10; SECS=20; WARM=5; CLIENTS=10000; CAP=19500; fi
# Overrides for a reduced fan-out (e.g. FANOUT_SUBS=2000 SUFFIX=-2k): labels and the plot get the suffix.
SUBS=${FANOUT_SUBS:-$SUBS}; RATE=${FANOUT_RATE:-$RATE}; SUFFIX=${SUFFIX:-}
# Idle scenario: IDLE_N1/IDLE_N2 override the two counts; IDLE_ONLY=sse,ws runs only those livepush rows
# (no peers), e.g. `IDLE_ONLY=ws IDLE_N1=2000 IDLE_N2=6000 livepush-bench/run.sh idle` for a quick check.
N1=${IDLE_N1:-$N1}; N2=${IDLE_N2:-$N2}; IDLE_ONLY=${IDLE_ONLY:-}
idle_runs() { [[ -z $IDLE_ONLY || ",$IDLE_ONLY," == *",$1,"* ]]; }

idle() {
  echo "== idle: retained heap per idle connection, slope between $N1 and $N2"
  if idle_runs sse; then
    start_livepush 1g; gen idle --target $TARGET --pid $SERVER_PID --transport sse --n1 $N1 --n2 $N2 --label livepush-sse --results "$RESULTS"; stop_server
  fi
  if [[ $HAS_WS == 1 ]] && idle_runs ws; then
    start_livepush 1g; gen idle --target $TARGET --pid $SERVER_PID --transport ws --n1 $N1 --n2 $N2 --label livepush-ws --results "$RESULTS"; stop_server
  fi
  [[ -z $IDLE_ONLY ]] || return 0
  start_wspeer; gen idle --target $TARGET --pid $SERVER_PID --transport ws --n1 $N1 --n2 $N2 --label node-ws --results "$RESULTS"; stop_server
  start_nettypeer; gen idle --target $TARGET --pid $SERVER_PID --transport ws --n1 $N1 --n2 $N2 --label netty-stock-ws --results "$RESULTS"; stop_server
}

fanout() {
  echo "== fanout: $SUBS subscribers, $RATE broadcasts/s, ${SECS}s measured after ${WARM}s warm-up"
  local args=(--subs $SUBS --rate $RATE --seconds $SECS --warmup $WARM --results "$RESULTS")
  if [[ $HAS_WS == 1 ]]; then
    start_livepush 1g; gen fanout --target $TARGET --pid $SERVER_PID --transport ws --label livepush-ws$SUFFIX "${args[@]}"; stop_server
  fi
  start_livepush 1g; gen fanout --target $TARGET --pid $SERVER_PID --transport sse --label livepush-sse$SUFFIX "${args[@]}"; stop_server
  start_wspeer; gen fanout --target $TARGET --pid $SERVER_PID --transport ws --label node-ws$SUFFIX "${args[@]}"; stop_server
  if [[ ${NETTY_FANOUT:-1} == 1 ]]; then
    start_nettypeer; gen fanout --target $TARGET --pid $SERVER_PID --transport ws --label netty-stock-ws$SUFFIX "${args[@]}"; stop_server
  fi
}

# WebTransport (issue 16): the same server with --webtransport 1 (UDP at its port number, path /wt), and the
# WebTransport generator (WtLoadGen: one QUIC connection per session, on Netty's QUIC/HTTP3 codecs). Sizes:
# WT_N1/WT_N2 (idle), WT_SUBS (fan-out; default the WebSocket fan-out's SUBS), RATE/SECS/WARM as above.
WT_N1=${WT_N1:-$N1}; WT_N2=${WT_N2:-$N2}; WT_SUBS=${WT_SUBS:-$SUBS}
wt_idle() {
  echo "== wt-idle: heap, direct memory and RSS per idle WebTransport session, slope between $WT_N1 and $WT_N2"
  start_livepush 1g --webtransport 1
  gen wt-idle --target $TARGET --pid $SERVER_PID --n1 $WT_N1 --n2 $WT_N2 --label livepush-wt --results "$RESULTS"
  stop_server
}

wt_fanout() {
  echo "== wt-fanout: $WT_SUBS WebTransport sessions, $RATE broadcasts/s, ${SECS}s measured after ${WARM}s warm-up"
  start_livepush 1g --webtransport 1
  gen wt-fanout --target $TARGET --pid $SERVER_PID --subs $WT_SUBS --rate $RATE --seconds $SECS --warmup $WARM \
    --label livepush-wt$SUFFIX --results "$RESULTS"
  stop_server
}

capacity() {
  local half=$((CAP / 2)); local sse1=$((half / 2)); local sse2=$((half - sse1))
  local ws1=0 ws2=0
  if [[ $HAS_WS == 1 ]]; then ws1=$((half / 2)); ws2=$((half - ws1)); else sse1=$((CAP / 2)); sse2=$((CAP - sse1)); fi
  echo "== capacity: $CAP connections (SSE $((sse1 + sse2)), WS $((ws1 + ws2))) in a -Xmx64m server, held ${HOLD_S}s, heartbeats every 5 s"
  start_livepush 64m --heartbeat-s 5
  gen capacity --target $TARGET --pid $SERVER_PID --sse $sse1 --ws $ws1 --hold-s "$HOLD_S" --src 127.0.$SRC_BASE.200 --label livepush-gen1 --results "$RESULTS" &
  local g1=$!; PIDS+=("$g1")
  gen capacity --target $TARGET --pid $SERVER_PID --sse $sse2 --ws $ws2 --hold-s "$HOLD_S" --src 127.0.$SRC_BASE.201 --label livepush-gen2 --results "$RESULTS" &
  local g2=$!; PIDS+=("$g2")
  wait $g1; wait $g2
  stop_server
}

replay() {
  echo "== replay storm: $CLIENTS clients connect at once, resume id 1000 events behind"
  start_livepush 1g; gen replay --target $TARGET --pid $SERVER_PID --transport sse --clients $CLIENTS --behind 1000 --label livepush-sse --results "$RESULTS"; stop_server
  if [[ $HAS_WS == 1 ]]; then
    start_livepush 1g; gen replay --target $TARGET --pid $SERVER_PID --transport ws --clients $CLIENTS --behind 1000 --label livepush-ws --results "$RESULTS"; stop_server
  fi
}

plot() {
  local files=(); for l in livepush-ws livepush-sse livepush-wt node-ws netty-stock-ws; do
    [[ -f $(dirname "$RESULTS")/$l$SUFFIX.hist ]] && files+=("$(dirname "$RESULTS")/$l$SUFFIX.hist"); done
  java $NATIVE_ACCESS -Djava.awt.headless=true -cp "$CP" io.livepush.bench.Main plot --out docs/benchmarks-fanout-latency$SUFFIX.png \
    --title "Fan-out: $SUBS subscribers, $((SUBS * ${RATE%.*})) deliveries/s (open loop)" "${files[@]}"
}

jmh() {
  # Short settings so a run fits the time box; raise -wi/-i/-f for publishable numbers.
  # Not pinned: the fan-out and replay benchmarks run a server loop and a client loop besides the JMH thread.
  java $NATIVE_ACCESS -Dio.netty.leakDetection.level=disabled -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$CP" org.openjdk.jmh.Main ${JMH_ARGS:--wi 2 -w 2s -i 3 -r 2s -f 1} -rf text -rff $BENCH/results/jmh.txt "${JMH_FILTER:-io.livepush.bench.jmh}"
}

redis_publish() { # cluster publish throughput through a RedisBus against a throwaway redis-server
  local port=${REDIS_PORT:-16379}
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
  local rp=$!; PIDS+=("$rp")
  for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  taskset -c 0 "${JAVA_SERVER[@]}" -Xmx1g -cp "$CP" io.livepush.bench.RedisPublishBench "$port" 5000 5
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
}

bus_compare() { # publishes/s and publish-to-delivery p99 through a RedisBus and a KafkaBus, same run
  local rport=${REDIS_PORT:-16379} kport=${KAFKA_PORT:-19092} cport=${KAFKA_CONTROLLER_PORT:-19093}
  local kdir; kdir=$(mktemp -d /tmp/livepush-bench-kafka.XXXXXX)
  redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
  PIDS+=("$!")
  java -Xmx512m -XX:+UseSerialGC -cp "$CP" \
    io.livepush.bench.KafkaBrokerLauncher "$kdir" "$kport" "$cport" >"$kdir/broker.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  for _ in $(seq 1 300); do grep -q "Kafka Server started" "$kdir/broker.log" && break; sleep 1; done
  taskset -c 0 "${JAVA_SERVER[@]}" -Xmx1g -cp "$CP" io.livepush.bench.BusCompareBench "$rport" "127.0.0.1:$kport" \
    "${BUS_COUNT:-5000}" "${BUS_ROUNDS:-5}" "${BUS_RATE:-500}" "${BUS_SECONDS:-10}"
  redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$kdir"
}

case $scenario in
  idle|capacity|fanout|replay|plot|jmh) $scenario ;;
  wt-idle) wt_idle ;;
  wt-fanout) wt_fanout ;;
  redis-publish) redis_publish ;;
  bus-compare) bus_compare ;;
  all) idle; fanout; plot; replay; capacity ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac
