#!/usr/bin/env bash
# Runs the Autobahn|Testsuite 0.8.2 fuzzing client against a WebSocket server that is already listening.
#
#   fuzzingclient.sh URL OUTDIR [CASES] [EXCLUDE]
#     URL      ws://127.0.0.1:PORT/path of an echo server (it must echo every text and binary message)
#     OUTDIR   where reports/<agent>/index.{json,html}, summary.md and wstest.log go
#     CASES    comma-separated case patterns, default '*' (e.g. '1.*,2.*,12.1.*,13.1.*')
#     EXCLUDE  comma-separated patterns to leave out, default none
#   Environment: AGENT (report name, default livepush), FAILBYDROP (true|false, default true = the suite's
#   default), OPEN_TIMEOUT (seconds the client waits for the opening handshake, default 60 instead of the
#   suite's 5, which a server starved of CPU on a busy machine misses: the case then FAILs though nothing is wrong),
#   WAIT_FACTOR (multiplies each case's time limit, default 5, for the same reason),
#   PY2 (a CPython 2.7, default pyenv's 2.7.18), PLUGIN_JAR (the autobahntestsuite Maven plugin jar,
#   whose bundled pure-Python Twisted 13 and zope.interface are reused; the build copies it to
#   livepush-websocket/target/autobahn/ with maven-dependency-plugin).
# Needs bash, python3 (spec and summary) and the CPython 2.7 (the suite). Vendored from the team's tools folder,
# with four changes: OPEN_TIMEOUT; WAIT_FACTOR (in autobahntestsuite/case/case.py); the jar is extracted with
# python3's zipfile instead of unzip; and pylib-vendor.tar.gz's
# autobahn/websocket/xormasker.py masks with one big-integer XOR per call instead of a Python loop per byte (the
# same result, about 10 times faster; client-side masking of large messages dominated the run's CPU).
# Exits 0 when the run finished and no case FAILED, 1 otherwise. summary.md has per-group counts and the details
# of every FAILED / NON-STRICT / UNIMPLEMENTED case.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
URL=${1:?usage: fuzzingclient.sh URL OUTDIR [CASES] [EXCLUDE]}
OUT=${2:?usage: fuzzingclient.sh URL OUTDIR [CASES] [EXCLUDE]}
CASES=${3:-*}
EXCLUDE=${4:-}
AGENT=${AGENT:-livepush}
FAILBYDROP=${FAILBYDROP:-true}
OPEN_TIMEOUT=${OPEN_TIMEOUT:-60}
# Scales every case's own time limit (WAITSECS, e.g. 60 s for 1,000 small compressed messages): on a machine busy
# with other work such cases failed by time alone. Read by the vendored suite's case.py.
export WAIT_FACTOR=${WAIT_FACTOR:-5}
PY2=${PY2:-$HOME/.pyenv/versions/2.7.18/bin/python2.7}
PLUGIN_JAR=${PLUGIN_JAR:-$HOME/.m2/repository/me/normanmaurer/maven/autobahntestsuite/autobahntestsuite-maven-plugin/0.1.5/autobahntestsuite-maven-plugin-0.1.5.jar}
[ -x "$PY2" ] || { echo "no CPython 2.7 at $PY2 (set PY2)"; exit 1; }
[ -f "$PLUGIN_JAR" ] || { echo "no Autobahn Maven plugin jar at $PLUGIN_JAR (run the build once, or set PLUGIN_JAR)"; exit 1; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ ! -d "$OUT/pylib/autobahntestsuite" ]; then
  mkdir -p "$OUT/pylib"
  tar -xzf "$HERE/pylib-vendor.tar.gz" -C "$OUT/pylib"
  python3 - "$PLUGIN_JAR" "$OUT/pylib" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
keep = ("twisted", "zope", "klein", "werkzeug", "jinja2", "markupsafe")
z.extractall(sys.argv[2], [n for n in z.namelist() if n.split("/")[0] in keep])
PY
fi
python3 - "$OUT/spec.json" "$OUT/reports" "$AGENT" "$URL" "$CASES" "$EXCLUDE" "$FAILBYDROP" "$OPEN_TIMEOUT" <<'PY'
import json, sys
out, outdir, agent, url, cases, exclude, fbd, open_timeout = sys.argv[1:]
json.dump({"options": {"failByDrop": fbd == "true", "openHandshakeTimeout": int(open_timeout)}, "outdir": outdir,
           "servers": [{"agent": agent, "url": url}],
           "cases": cases.split(","), "exclude-cases": [c for c in exclude.split(",") if c],
           "exclude-agent-cases": {}}, open(out, "w"), indent=1)
PY
start=$(date +%s)
(cd "$OUT" && PYTHONPATH="$OUT/pylib" "$PY2" -c "import sys; from autobahntestsuite import wstest; sys.argv=['wstest','-m','fuzzingclient','-s','$OUT/spec.json']; wstest.run()") \
  >"$OUT/wstest.log" 2>&1 || true
echo "wstest finished in $(( $(date +%s) - start )) s (log: $OUT/wstest.log)"
[ -f "$OUT/reports/index.json" ] || { tail -n 20 "$OUT/wstest.log"; echo "no report written"; exit 1; }
python3 "$HERE/summarize.py" "$OUT/reports" "$AGENT" | tee "$OUT/summary.md"
if grep -q '"behavior": *"FAILED"' "$OUT/reports/index.json"; then exit 1; fi
