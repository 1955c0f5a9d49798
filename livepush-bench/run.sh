#!/usr/bin/env bash
# Runs one benchmark scenario end to end: builds what it needs, starts each server under test pinned to core 0
# and the load generator(s) pinned to core 1, prints the result tables and appends them to
# livepush-bench/results/results.tsv.
#
#   livepush-bench/run.sh <idle|capacity|fanout|io-compare|replay|plot|jmh|wt-idle|wt-fanout|cluster|all>
#   (cluster through Kafka instead of Redis: CLUSTER_BUS=kafka livepush-bench/run.sh cluster)
#
# Sizes are the issue's targets by default; SMALL=1 scales everything down for a smoke test.
# IO=io_uring (or epoll, nio) starts the livepush server on that I/O transport; `io-compare` runs the livepush
# fan-out rows on epoll and then on io_uring in one run. Before each fan-out run the generator checks that the
# server stamps its events with the generator's clock base (ClockCheck) and stops if not.
# Every process is started with a bounded lifetime and killed (by pid) when the script exits.
# Only 127.0.0.0/8 is ever targeted.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:?usage: run.sh <idle|capacity|fanout|io-compare|replay|plot|jmh|wt-idle|wt-fanout|cluster|all>}
BENCH=livepush-bench
RESULTS=${RESULTS:-$BENCH/results/results.tsv}
SMALL=${SMALL:-0}
HOLD_S=${HOLD_S:-180}
mkdir -p "$(dirname "$RESULTS")"

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  ./mvnw -q -o package -DskipTests -pl $BENCH -am
  (cd $BENCH/peer && { [[ -d node_modules/ws ]] || npm ci --no-audit --no-fund; })
  # Bun 1.4.4 from its npm package, pinned by peer/bun/package-lock.json (linux-x64 only).
  (cd $BENCH/peer/bun && { [[ -x node_modules/@oven/bun-linux-x64/bin/bun ]] || npm ci --no-audit --no-fund \
    || echo "npm ci for Bun failed (the package is linux-x64 only): Bun rows skipped" >&2; })
fi
BUN=$BENCH/peer/bun/node_modules/@oven/bun-linux-x64/bin/bun
HAS_BUN=0
if [[ -x $BUN ]]; then HAS_BUN=1; else echo "no Bun at $BUN (npm ci in $BENCH/peer/bun): Bun rows skipped" >&2; fi
CP="$BENCH/target/classes:$(cat $BENCH/target/classpath.txt)"
# Java 24+ warns at Netty's native library load unless native access is enabled (JEP 472; Java 17 accepts the flag).
NATIVE_ACCESS=--enable-native-access=ALL-UNNAMED
# Leak detection off (it samples and records stacks), so the server does what production does.
# LP_JAVA (default `java` on the PATH) is the java binary of the livepush server, e.g. a JDK 25 for
# `LP_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java LP_JVM_OPTS=-XX:+UseCompactObjectHeaders` (docs/benchmarks.md,
# "JVM choice"). LP_GC (default -XX:+UseG1GC), LP_XMS (initial heap; default the maximum) and LP_JVM_OPTS (more
# flags) vary its flags, e.g. for the memory settings of docs/operations.md:
# `LP_GC=-XX:+UseSerialGC LP_XMS=16m IDLE_ONLY=sse,ws livepush-bench/run.sh idle`.
# None of them touches the peers (the stock Netty peer runs on `java` with G1) or the generators (`java`, G1).
LP_JAVA=${LP_JAVA:-java}
JVM_COMMON=(-Dio.netty.leakDetection.level=disabled -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
JAVA_SERVER=("$LP_JAVA" $NATIVE_ACCESS ${LP_GC:--XX:+UseG1GC} ${LP_JVM_OPTS:-} "${JVM_COMMON[@]}")
JAVA_NETTY_PEER=(java $NATIVE_ACCESS -XX:+UseG1GC "${JVM_COMMON[@]}")
# Printed in every scenario's header, so each result says which JVM ran the livepush server.
LP_JVM_DESC="$("$LP_JAVA" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/^ *java.vm.vendor =/ {v=$2} /^ *java.runtime.version =/ {r=$2} END {print v " " r}'), ${LP_GC:--XX:+UseG1GC}${LP_JVM_OPTS:+ $LP_JVM_OPTS}"
[[ $LP_JVM_DESC != " ,"* ]] || { echo "LP_JAVA=$LP_JAVA does not run" >&2; exit 1; }
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
DIRS=() # throwaway data (the cluster's Kafka broker), removed at exit once its processes are gone
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null || true; done
  if (( ${#DIRS[@]} > 0 )); then
    for p in "${PIDS[@]:-}"; do [[ -n $p ]] && stop_pid "$p"; done
    for d in "${DIRS[@]}"; do rm -rf "$d"; done
  fi
}
trap cleanup EXIT

wait_port() { # wait (bounded: $2 tenths of a second, default 200) until the control endpoint answers
  for _ in $(seq 1 "${2:-200}"); do
    curl -sf "http://127.0.0.1:$1/bench/conns" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2; return 1
}
SERVER_PID=
# LP_PORT moves the livepush server off 8090 (NODE_PORT, NETTY_PORT, BUN_PORT the peers off 8091-8093), so two
# people benchmarking on one machine do not cross-connect.
LP_PORT=${LP_PORT:-8090}; NODE_PORT=${NODE_PORT:-8091}; NETTY_PORT=${NETTY_PORT:-8092}; BUN_PORT=${BUN_PORT:-8093}
IO=${IO:-auto}
# HTTP/2 rows: SUBS streams on H2_CONNS connections (the issue's figure: 10,000 streams on 100 connections).
H2_CONNS=${H2_CONNS:-100}
start_livepush() { # $1 = heap (e.g. 1g), extra args follow (a later --io wins over $IO)
  local heap=$1; shift
  taskset -c 0 "${JAVA_SERVER[@]}" -Xms"${LP_XMS:-$heap}" -Xmx"$heap" -cp "$CP" io.livepush.bench.Main server \
    --port "$LP_PORT" --max-seconds 1200 --io "$IO" --h2-max-streams "$H2_MAX_STREAMS" "$@" &
  SERVER_PID=$!; PIDS+=("$SERVER_PID"); wait_port "$LP_PORT"; TARGET=127.0.0.1:$LP_PORT
}
start_wspeer() {
  taskset -c 0 node --expose-gc $BENCH/peer/ws-peer.js "$NODE_PORT" 15 1200 &
  SERVER_PID=$!; PIDS+=("$SERVER_PID"); wait_port "$NODE_PORT"; TARGET=127.0.0.1:$NODE_PORT
}
start_bunpeer() {
  taskset -c 0 "$BUN" $BENCH/peer/bun/bun-peer.js "$BUN_PORT" 15 1200 &
  SERVER_PID=$!; PIDS+=("$SERVER_PID"); wait_port "$BUN_PORT"; TARGET=127.0.0.1:$BUN_PORT
}
start_nettypeer() {
  taskset -c 0 "${JAVA_NETTY_PEER[@]}" -Xms1g -Xmx1g -cp "$CP" io.livepush.bench.Main netty-peer \
    --port "$NETTY_PORT" --max-seconds 1200 &
  SERVER_PID=$!; PIDS+=("$SERVER_PID"); wait_port "$NETTY_PORT"; TARGET=127.0.0.1:$NETTY_PORT
}
stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
stop_pid() { # SIGTERM, then (bounded: 30 s, e.g. a broker's controlled shutdown) SIGKILL; reaps it
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true
}

if [[ $SMALL == 1 ]]; then N1=200; N2=1000; SUBS=500; RATE=20; SECS=5; WARM=2; CLIENTS=500; CAP=500
else N1=2000; N2=10000; SUBS=10000; RATE=10; SECS=20; WARM=5; CLIENTS=10000; CAP=19500; fi
# Overrides for a reduced fan-out (e.g. FANOUT_SUBS=2000 SUFFIX=-2k): labels and the plot get the suffix.
SUBS=${FANOUT_SUBS:-$SUBS}; RATE=${FANOUT_RATE:-$RATE}; SUFFIX=${SUFFIX:-}
# Idle scenario: IDLE_N1/IDLE_N2 override the two counts; IDLE_ONLY=sse,h2,ws,longpoll,node,netty,bun runs only
# those rows, e.g. `IDLE_ONLY=ws IDLE_N1=2000 IDLE_N2=6000 livepush-bench/run.sh idle` for a quick check.
N1=${IDLE_N1:-$N1}; N2=${IDLE_N2:-$N2}; IDLE_ONLY=${IDLE_ONLY:-}
idle_runs() { [[ -z $IDLE_ONLY || ",$IDLE_ONLY," == *",$1,"* ]]; }
# Fan-out rows: FANOUT_ONLY=ws,sse,h2,node,bun,netty runs only those (default: all).
FANOUT_ONLY=${FANOUT_ONLY:-}
fanout_runs() { [[ -z $FANOUT_ONLY || ",$FANOUT_ONLY," == *",$1,"* ]]; }
# Streams per HTTP/2 connection, and the server's SETTINGS_MAX_CONCURRENT_STREAMS to allow them.
h2_spc() { local n=$1; echo $(( (n + H2_CONNS - 1) / H2_CONNS )); }
H2_SPC=$(h2_spc "$SUBS"); H2_IDLE_SPC=$(h2_spc "$N2")
H2_MAX_STREAMS=$(( H2_SPC > H2_IDLE_SPC ? H2_SPC : H2_IDLE_SPC )); (( H2_MAX_STREAMS >= 100 )) || H2_MAX_STREAMS=100

# IDLE_WARM: warm (the slope's two counts lie above a warm-up: IDLE_WARM_ROUNDS rounds, default N2/N1 rounded
# up, of opening and closing N1 connections, the same for every server), cold (no warm-up: the JIT's and the
# thread pools' one-time growth is charged to the connections) or both (default: each row twice, a fresh server
# each time). Why the warm slope is the per-connection cost: docs/benchmarks.md, "RSS per idle connection".
IDLE_WARM=${IDLE_WARM:-both}; IDLE_WARM_ROUNDS=${IDLE_WARM_ROUNDS:-$(( (N2 + N1 - 1) / N1 ))}
idle_row() { # idle_row <label> <start function and its args, one word list> <transport> [generator args...]
  local label=$1 start=$2 transport=$3 w; shift 3
  for w in cold warm; do
    [[ $IDLE_WARM == both || $IDLE_WARM == "$w" ]] || continue
    local warm=(); if [[ $w == warm ]]; then # the warm-up connects from addresses of its own
      warm=(--warm "$N1" --warm-rounds "$IDLE_WARM_ROUNDS" --warm-src "127.0.$SRC_BASE.$((200 + SRC_N))"); fi
    $start
    gen idle --target $TARGET --pid $SERVER_PID --transport "$transport" --n1 $N1 --n2 $N2 --label "$label" \
      "${warm[@]}" "$@" --results "$RESULTS"
    stop_server
  done
}

idle() {
  echo "== idle: retained heap and RSS per idle subscriber, slope between $N1 and $N2 (livepush I/O: $IO;" \
    "JVM: $LP_JVM_DESC; $IDLE_WARM)"
  local first; first=$(( $(wc -l < "$RESULTS" 2>/dev/null || echo 0) + 1 ))
  if idle_runs sse; then idle_row livepush-sse "start_livepush 1g" sse; fi
  if idle_runs h2; then # per stream: N2/H2_CONNS streams per connection, so N2 streams are H2_CONNS connections
    idle_row livepush-sse-h2 "start_livepush 1g" h2 --streams-per-conn $H2_IDLE_SPC
  fi
  if [[ $HAS_WS == 1 ]] && idle_runs ws; then idle_row livepush-ws "start_livepush 1g" ws; fi
  if idle_runs longpoll; then # held polls; the server's poll timeout (25 s) answers some, which poll again
    idle_row livepush-longpoll "start_livepush 1g" longpoll
  fi
  if idle_runs node; then idle_row node-ws start_wspeer ws; fi
  if idle_runs netty; then idle_row netty-stock-ws start_nettypeer ws; fi
  if [[ $HAS_BUN == 1 ]] && idle_runs bun; then # compare Bun by RSS: its "heap" is JavaScriptCore's, not comparable
    idle_row bun-ws start_bunpeer ws
  fi
  echo "== idle, cold and warm side by side (B per connection; RSS n2 = the server's VmRSS at $N2)"
  tail -n +"$first" "$RESULTS" | awk -F'\t' '
    $1 == "idle" && $2 == "label" { for (i = 2; i <= NF; i++) col[$i] = i; next }
    $1 == "idle" && ("heap B/conn" in col) {
      k = $col["label"]; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
      w = $col["warm-up"] == "cold" ? "cold" : "warm"
      heap[k, w] = $col["heap B/conn"]; rss[k, w] = $col["RSS B/conn"]; top[k, w] = $col["RSS n2"]
    }
    END {
      printf "| %-18s | %10s | %10s | %10s | %10s | %12s | %12s |\n", "server", "heap cold", "heap warm", \
        "RSS cold", "RSS warm", "RSS n2 cold", "RSS n2 warm"
      for (i = 1; i <= n; i++) { k = order[i]
        printf "| %-18s | %10s | %10s | %10s | %10s | %12s | %12s |\n", k, heap[k, "cold"], heap[k, "warm"], \
          rss[k, "cold"], rss[k, "warm"], top[k, "cold"], top[k, "warm"] }
    }'
}

fanout() {
  echo "== fanout: $SUBS subscribers, $RATE broadcasts/s, ${SECS}s measured after ${WARM}s warm-up (livepush I/O: $IO; JVM: $LP_JVM_DESC)"
  local args=(--subs $SUBS --rate $RATE --seconds $SECS --warmup $WARM --results "$RESULTS")
  local io_suffix=""; [[ $IO == auto ]] || io_suffix="-$IO"
  if [[ $HAS_WS == 1 ]] && fanout_runs ws; then
    start_livepush 1g; gen fanout --target $TARGET --pid $SERVER_PID --transport ws --label livepush-ws$io_suffix$SUFFIX "${args[@]}"; stop_server
  fi
  if fanout_runs sse; then
    start_livepush 1g; gen fanout --target $TARGET --pid $SERVER_PID --transport sse --label livepush-sse$io_suffix$SUFFIX "${args[@]}"; stop_server
  fi
  if fanout_runs h2; then # the same SSE over HTTP/2: SUBS streams on H2_CONNS connections
    start_livepush 1g; gen fanout --target $TARGET --pid $SERVER_PID --transport h2 --streams-per-conn $H2_SPC --label livepush-sse-h2$io_suffix$SUFFIX "${args[@]}"; stop_server
  fi
  [[ -z ${FANOUT_LIVEPUSH_ONLY:-} ]] || return 0
  if fanout_runs node; then
    start_wspeer; gen fanout --target $TARGET --pid $SERVER_PID --transport ws --label node-ws$SUFFIX "${args[@]}"; stop_server
  fi
  if [[ $HAS_BUN == 1 ]] && fanout_runs bun; then
    start_bunpeer; gen fanout --target $TARGET --pid $SERVER_PID --transport ws --label bun-ws$SUFFIX "${args[@]}"; stop_server
  fi
  if [[ ${NETTY_FANOUT:-1} == 1 ]] && fanout_runs netty; then
    start_nettypeer; gen fanout --target $TARGET --pid $SERVER_PID --transport ws --label netty-stock-ws$SUFFIX "${args[@]}"; stop_server
  fi
}

io_compare() { # the livepush rows on epoll, then on io_uring, in one run (the server logs what it chose)
  local saved=$IO
  for IO in epoll io_uring; do FANOUT_LIVEPUSH_ONLY=1 fanout; done
  IO=$saved
}

# WebTransport (issue 16): the same server with --webtransport 1 (UDP at its port number, path /wt), and the
# WebTransport generator (WtLoadGen: one QUIC connection per session, on Netty's QUIC/HTTP3 codecs). Sizes:
# WT_N1/WT_N2 (idle), WT_SUBS (fan-out; default the WebSocket fan-out's SUBS), RATE/SECS/WARM as above.
WT_N1=${WT_N1:-$N1}; WT_N2=${WT_N2:-$N2}; WT_SUBS=${WT_SUBS:-$SUBS}
# WT_GENS > 1 splits the fan-out's sessions over that many generator processes (see multi_gen), default 2.
WT_GENS=${WT_GENS:-2}
wt_idle() {
  echo "== wt-idle: heap, direct memory and RSS per idle WebTransport session, slope between $WT_N1 and $WT_N2 (JVM: $LP_JVM_DESC)"
  start_livepush 1g --webtransport 1
  gen wt-idle --target $TARGET --pid $SERVER_PID --n1 $WT_N1 --n2 $WT_N2 --label livepush-wt --results "$RESULTS"
  stop_server
}

wt_fanout() {
  echo "== wt-fanout: $WT_SUBS WebTransport sessions, $RATE broadcasts/s, ${SECS}s measured after ${WARM}s warm-up (JVM: $LP_JVM_DESC)"
  start_livepush 1g --webtransport 1
  if (( WT_GENS > 1 )); then # the sessions split over WT_GENS generator processes, results merged (ClusterRun)
    multi_gen livepush-wt$SUFFIX "$TARGET" "$SERVER_PID" -1 "$WT_SUBS" "$WT_GENS" wt "$RATE" \
      "$(awk "BEGIN { print int($RATE * ($WARM + $SECS)) }")" "$(awk "BEGIN { print int($RATE * $WARM) }")" one
  else
    gen wt-fanout --target $TARGET --pid $SERVER_PID --subs $WT_SUBS --rate $RATE --seconds $SECS --warmup $WARM \
      --label livepush-wt$SUFFIX --results "$RESULTS"
  fi
  stop_server
}

# Multi-generator runs (cluster, and wt-fanout with WT_GENS > 1): generator processes (ClusterGen) pinned to
# GEN_CPUS, each with its share of the connections and its own source addresses (127.<30+g>.<run>.1-4), write
# ready files into the run directory; then one publish schedule starts (ClusterRun publish) and each generator
# counts every subscriber's events 1..n exactly once, in order; ClusterRun merge adds the results up.
GEN_CPUS=${GEN_CPUS:-1}; GEN_HEAP=${GEN_HEAP:-512m}
# multi_gen label nodes(csv) node-pids(csv) bus-pid conns gens transport rate events warmup-events publish-mode
#   [bus name: redis|kafka|none]
multi_gen() {
  local label=$1 nodes=$2 npids=$3 bpid=$4 conns=$5 gens=$6 transport=$7 rate=$8 events=$9 warm=${10} mode=${11}
  local bus=${12:-none}
  local dir; dir=$(dirname "$RESULTS")/$label.run; rm -rf "$dir"; mkdir -p "$dir"
  local gpids=() g p
  for ((g = 0; g < gens; g++)); do
    local a="127.$((30 + g)).$SRC_BASE"
    taskset -c "$GEN_CPUS" java $NATIVE_ACCESS -Xmx"$GEN_HEAP" -XX:+UseG1GC -Dio.netty.leakDetection.level=disabled \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" io.livepush.bench.Main cluster-gen --nodes "$nodes" \
      --conns "$conns" --gens "$gens" --gen "$g" --transport "$transport" --ws-percent "${CLUSTER_WS_PERCENT:-50}" \
      --events "$events" --warmup-events "$warm" --rate "$rate" --src "$a.1,$a.2,$a.3,$a.4" --dir "$dir" &
    gpids+=("$!"); PIDS+=("$!")
  done
  local t0=$SECONDS ready
  while :; do # every generator ready (its connections open), or stop when one died first; bounded
    ready=0
    for ((g = 0; g < gens; g++)); do
      if [[ -f $dir/gen-$g.ready ]]; then ready=$((ready + 1))
      elif ! kill -0 "${gpids[$g]}" 2>/dev/null; then echo "generator $g exited before it was ready" >&2; return 1; fi
    done
    (( ready < gens )) || break
    (( SECONDS - t0 < 900 )) || { echo "generators not ready after 900 s" >&2; return 1; }
    sleep 0.5
  done
  echo "all $gens generators ready after $((SECONDS - t0)) s"
  local established; established=$(cat "$dir"/gen-*.ready | sed -n 's/^established=//p' | paste -sd+ | bc)
  java $NATIVE_ACCESS -cp "$CP" io.livepush.bench.Main cluster-publish --nodes "$nodes" --pids "$npids" \
    --bus-pid "$bpid" --conns "$established" --rate "$rate" --events "$events" --mode "$mode" --dir "$dir"
  t0=$SECONDS
  while :; do # every generator's result (it then holds its connections for the merge's memory readings)
    ready=0
    for ((g = 0; g < gens; g++)); do
      if [[ -f $dir/gen-$g.result ]]; then ready=$((ready + 1))
      elif ! kill -0 "${gpids[$g]}" 2>/dev/null; then ready=$((ready + 1)); fi # died: merge reports it missing
    done
    (( ready < gens )) || break
    (( SECONDS - t0 < 1200 )) || { echo "generators gave no result after 1200 s; merging what there is" >&2; break; }
    sleep 0.5
  done
  java $NATIVE_ACCESS -cp "$CP" io.livepush.bench.Main cluster-merge --dir "$dir" --nodes "$nodes" --pids "$npids" \
    --bus "$bus" --bus-pid "$bpid" --gens "$gens" --conns "$conns" --label "$label" --results "$RESULTS"
  touch "$dir/release"
  for p in "${gpids[@]}"; do wait "$p" || echo "a generator failed (status $?)" >&2; done
}

# Cluster (issue 18): CLUSTER_NODES livepush nodes (BenchServer --redis, pinned to core 0, heap CLUSTER_HEAP each)
# on one throwaway redis-server, or with CLUSTER_BUS=kafka (BenchServer --kafka) on one fresh topic of a throwaway
# one-node KRaft broker (KafkaBrokerLauncher; data under livepush-bench/target/kafka-cluster.*, removed after);
# CLUSTER_CONNS subscribers (CLUSTER_WS_PERCENT % WebSocket, the rest SSE) spread evenly over the nodes and held
# by CLUSTER_GENS generator processes; CLUSTER_EVENTS events (the first CLUSTER_WARM_EVENTS not measured) at
# CLUSTER_RATE/s, published by the nodes in turn (CLUSTER_PUBLISH=all) or by node 0 (one). Every publish reaches
# every subscriber: at 100,000 subscribers one publish is 100,000 deliveries, about a second of one core, so the
# default 0.5/s lets each burst drain before the next. CLUSTER_SERVER_ARGS adds node options, e.g.
# "--heartbeat-s 120": at 100,000 connections the generators' one core answers pings later than the default 15 s
# heartbeat allows, and the nodes close those WebSocket clients as dead peers (docs/benchmarks.md, night results).
if [[ $SMALL == 1 ]]; then CLUSTER_CONNS=${CLUSTER_CONNS:-3000}; CLUSTER_EVENTS=${CLUSTER_EVENTS:-10}
  CLUSTER_RATE=${CLUSTER_RATE:-1}; CLUSTER_WARM_EVENTS=${CLUSTER_WARM_EVENTS:-2}; fi
CLUSTER_NODES=${CLUSTER_NODES:-6}; CLUSTER_CONNS=${CLUSTER_CONNS:-100000}; CLUSTER_EVENTS=${CLUSTER_EVENTS:-30}
CLUSTER_RATE=${CLUSTER_RATE:-0.5}; CLUSTER_WARM_EVENTS=${CLUSTER_WARM_EVENTS:-5}; CLUSTER_HEAP=${CLUSTER_HEAP:-192m}
CLUSTER_PUBLISH=${CLUSTER_PUBLISH:-all}; CLUSTER_PORT=${CLUSTER_PORT:-8100}; CLUSTER_REDIS_PORT=${CLUSTER_REDIS_PORT:-16380}
CLUSTER_BUS=${CLUSTER_BUS:-redis}; CLUSTER_KAFKA_PORT=${CLUSTER_KAFKA_PORT:-19094} # and +1 for its controller
# Generators: enough that none holds more than 18,000 connections (20,000 open files per process), at least 2.
CLUSTER_GENS=${CLUSTER_GENS:-$(( (CLUSTER_CONNS + 17999) / 18000 > 2 ? (CLUSTER_CONNS + 17999) / 18000 : 2 ))}
cluster() {
  echo "== cluster: $CLUSTER_CONNS subscribers on $CLUSTER_NODES nodes through $CLUSTER_BUS, $CLUSTER_GENS generators," \
    "$CLUSTER_EVENTS events at $CLUSTER_RATE/s (publish: $CLUSTER_PUBLISH; JVM: $LP_JVM_DESC)"
  local bpid bus_args label=livepush-cluster-$CLUSTER_NODES-$CLUSTER_CONNS$SUFFIX kdir=
  case $CLUSTER_BUS in
    redis)
      redis-server --bind 127.0.0.1 --port "$CLUSTER_REDIS_PORT" --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
      bpid=$!; PIDS+=("$bpid")
      for _ in $(seq 1 50); do redis-cli -p "$CLUSTER_REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
      bus_args=(--redis "redis://127.0.0.1:$CLUSTER_REDIS_PORT") ;;
    kafka) # not pinned, like redis-server; the broker's own JVM (as bus-compare's), its CPU counted like Redis's
      kdir=$(mktemp -d "$PWD/$BENCH/target/kafka-cluster.XXXXXX"); DIRS+=("$kdir")
      java -Xmx512m -XX:+UseSerialGC -cp "$CP" \
        io.livepush.bench.KafkaBrokerLauncher "$kdir" "$CLUSTER_KAFKA_PORT" $((CLUSTER_KAFKA_PORT + 1)) \
        >"$kdir/broker.log" 2>&1 &
      bpid=$!; PIDS+=("$bpid")
      for _ in $(seq 1 300); do
        grep -q "Kafka Server started" "$kdir/broker.log" && break
        kill -0 "$bpid" 2>/dev/null || { echo "the Kafka broker exited:" >&2; tail -20 "$kdir/broker.log" >&2; return 1; }
        sleep 1
      done
      grep -q "Kafka Server started" "$kdir/broker.log" || { echo "the Kafka broker did not start in 300 s" >&2; return 1; }
      # A fresh topic per run (the nodes create it: one partition); the first node to start creates it.
      bus_args=(--kafka "127.0.0.1:$CLUSTER_KAFKA_PORT" --kafka-topic "livepush-cluster-$(date +%s)")
      label=livepush-cluster-kafka-$CLUSTER_NODES-$CLUSTER_CONNS$SUFFIX ;;
    *) echo "CLUSTER_BUS is redis or kafka, not $CLUSTER_BUS" >&2; return 2 ;;
  esac
  local nodes=() npids=() i
  for ((i = 0; i < CLUSTER_NODES; i++)); do
    taskset -c 0 "${JAVA_SERVER[@]}" -Xms32m -Xmx"$CLUSTER_HEAP" -cp "$CP" io.livepush.bench.Main server \
      --port $((CLUSTER_PORT + i)) --max-seconds 1800 --io "$IO" "${bus_args[@]}" ${CLUSTER_SERVER_ARGS:-} &
    npids+=("$!"); PIDS+=("$!"); nodes+=("127.0.0.1:$((CLUSTER_PORT + i))")
  done
  for ((i = 0; i < CLUSTER_NODES; i++)); do wait_port $((CLUSTER_PORT + i)) 1200; done
  multi_gen "$label" "$(IFS=,; echo "${nodes[*]}")" "$(IFS=,; echo "${npids[*]}")" "$bpid" "$CLUSTER_CONNS" \
    "$CLUSTER_GENS" mix "$CLUSTER_RATE" "$CLUSTER_EVENTS" "$CLUSTER_WARM_EVENTS" "$CLUSTER_PUBLISH" "$CLUSTER_BUS" \
    || true
  for i in "${npids[@]}"; do kill "$i" 2>/dev/null || true; done
  for i in "${npids[@]}"; do wait "$i" 2>/dev/null || true; done
  if [[ $CLUSTER_BUS == redis ]]; then redis-cli -p "$CLUSTER_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  else stop_pid "$bpid"; rm -rf "$kdir"; fi
}

capacity() {
  local half=$((CAP / 2)); local sse1=$((half / 2)); local sse2=$((half - sse1))
  local ws1=0 ws2=0
  if [[ $HAS_WS == 1 ]]; then ws1=$((half / 2)); ws2=$((half - ws1)); else sse1=$((CAP / 2)); sse2=$((CAP - sse1)); fi
  echo "== capacity: $CAP connections (SSE $((sse1 + sse2)), WS $((ws1 + ws2))) in a -Xmx64m server, held ${HOLD_S}s, heartbeats every 5 s (JVM: $LP_JVM_DESC)"
  start_livepush 64m --heartbeat-s 5
  gen capacity --target $TARGET --pid $SERVER_PID --sse $sse1 --ws $ws1 --hold-s "$HOLD_S" --src 127.0.$SRC_BASE.200 --label livepush-gen1 --results "$RESULTS" &
  local g1=$!; PIDS+=("$g1")
  gen capacity --target $TARGET --pid $SERVER_PID --sse $sse2 --ws $ws2 --hold-s "$HOLD_S" --src 127.0.$SRC_BASE.201 --label livepush-gen2 --results "$RESULTS" &
  local g2=$!; PIDS+=("$g2")
  wait $g1; wait $g2
  stop_server
}

replay() {
  echo "== replay storm: $CLIENTS clients connect at once, resume id 1000 events behind (JVM: $LP_JVM_DESC)"
  start_livepush 1g; gen replay --target $TARGET --pid $SERVER_PID --transport sse --clients $CLIENTS --behind 1000 --label livepush-sse --results "$RESULTS"; stop_server
  if [[ $HAS_WS == 1 ]]; then
    start_livepush 1g; gen replay --target $TARGET --pid $SERVER_PID --transport ws --clients $CLIENTS --behind 1000 --label livepush-ws --results "$RESULTS"; stop_server
  fi
}

plot() {
  local files=(); for l in livepush-ws livepush-sse livepush-sse-h2 livepush-wt node-ws bun-ws netty-stock-ws; do
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
  cluster) cluster ;;
  redis-publish) redis_publish ;;
  bus-compare) bus_compare ;;
  io-compare) io_compare ;;
  all) idle; fanout; plot; replay; capacity ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac
