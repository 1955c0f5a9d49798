#!/usr/bin/env bash
# Where each byte of an idle connection goes (issue 18): the class histogram of a server holding N idle
# connections of one transport, minus the same server empty, per connection (rows of at least 4 B).
#
#   livepush-bench/histo.sh <sse|ws> [N]                       # livepush's bench server (default N = 10,000)
#   MODE=netty-floor livepush-bench/histo.sh sse [N]           # Netty's floor: a bare channel, one shared handler
#   MODE=netty-floor APP_OPTS="--recv shared" livepush-bench/histo.sh sse
#   LP_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java LP_JVM_OPTS=-XX:+UseCompactObjectHeaders TAG=-jdk25-coh \
#     livepush-bench/histo.sh sse                              # the server on another JVM, with more flags
#
# LP_JAVA (the server's java, default `java` on the PATH) and LP_JVM_OPTS (more server flags) are run.sh's; the
# histograms are taken with the jcmd next to LP_JAVA. TAG suffixes the output files.
# Byte counts are exact (jcmd GC.class_histogram counts live objects after a full GC), so a busy machine does not
# change them. Build first: ./mvnw -q -o package -DskipTests -pl livepush-bench -am. PORT (default 8195) keeps it
# off run.sh's ports; OUT (default livepush-bench/results/histo) receives the raw and per-connection histograms.
set -uo pipefail
cd "$(dirname "$0")/.."
T=${1:?usage: histo.sh <sse|ws> [N]}; N=${2:-10000}
PORT=${PORT:-8195}; OUT=${OUT:-livepush-bench/results/histo}; TAG=${TAG:-}; MODE=${MODE:-server}
mkdir -p "$OUT"
CP="livepush-bench/target/classes:$(cat livepush-bench/target/classpath.txt)"
LP_JAVA=${LP_JAVA:-java}; JCMD=$(dirname "$(readlink -f "$(command -v "$LP_JAVA")")")/jcmd
echo "server JVM: $("$LP_JAVA" -version 2>&1 | sed -n 2p) ${LP_JVM_OPTS:-}"
taskset -c 0 "$LP_JAVA" --enable-native-access=ALL-UNNAMED -XX:+UseG1GC ${LP_JVM_OPTS:-} -Dio.netty.leakDetection.level=disabled \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Xms1g -Xmx1g -cp "$CP" io.livepush.bench.Main "$MODE" \
  ${APP_OPTS:-} --port "$PORT" --max-seconds 300 &
SP=$!
trap 'kill $SP 2>/dev/null' EXIT
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/bench/conns" >/dev/null 2>&1 && break; sleep 0.1; done
"$JCMD" $SP GC.class_histogram > "$OUT/histo-empty-$T$TAG.txt"
if [[ $T == ws ]]; then a=(--sse 0 --ws "$N"); else a=(--sse "$N" --ws 0); fi
taskset -c 1 java -Xmx2g -Dio.netty.leakDetection.level=disabled -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$CP" io.livepush.bench.Main capacity --target "127.0.0.1:$PORT" --pid $SP "${a[@]}" --hold-s 40 \
  --label "histo-$T" --src "127.0.77.$((RANDOM % 200 + 2))" --results /tmp/histo.tsv > "$OUT/histo-gen-$T$TAG.log" 2>&1 &
GP=$!
for _ in $(seq 1 600); do # wait (bounded) until the server holds N connections
  c=$(curl -sf "http://127.0.0.1:$PORT/bench/conns"); [[ ${c:-0} -ge $N ]] && break; sleep 0.2
done
sleep 3 # the last connections' first bytes (subscribe, marker) are written
"$JCMD" $SP GC.class_histogram > "$OUT/histo-$N-$T$TAG.txt"
echo "conns: $(curl -sf "http://127.0.0.1:$PORT/bench/conns")"
wait $GP; kill $SP; wait $SP 2>/dev/null
python3 - "$OUT/histo-empty-$T$TAG.txt" "$OUT/histo-$N-$T$TAG.txt" "$N" <<'PY' > "$OUT/histo-per-conn-$T$TAG.txt"
import sys, re
def load(p):
    d = {}
    for l in open(p):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', l)
        if m:
            d[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return d
a, b, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
rows = []
for k, (c, s) in b.items():
    c0, s0 = a.get(k, (0, 0))
    if (s - s0) / n >= 4:
        rows.append(((s - s0) / n, (c - c0) / n, k))
rows.sort(reverse=True); tot = 0
for bpc, ipc, k in rows:
    tot += bpc; print(f"{bpc:8.1f} B {ipc:6.2f} inst  {k}")
print(f"{tot:8.1f} B total of rows >= 4 B/conn")
PY
cat "$OUT/histo-per-conn-$T$TAG.txt"
