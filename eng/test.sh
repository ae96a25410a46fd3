#!/usr/bin/env bash
# Runs every test against real services. Does all its own set-up: installs the npm tools (Azurite, s3rver,
# @duckdb/node-api, hyparquet) into .tools/, starts a throwaway PostgreSQL 15 cluster, Azurite and s3rver on free
# loopback ports, builds and runs all test projects, compiles and lints infra/main.bicep (eng/bicep.sh), stops the
# services, and prints as its last line:
#   tests: N passed, N failed, N skipped
# Exit code: 0 only when every test project ran and no test failed.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Parquet").
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="$root/.artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

stopped=0
stop_services() { if [ $stopped -eq 0 ]; then stopped=1; "$root/eng/services.sh" stop >/dev/null 2>&1 || true; fi; }
trap stop_services EXIT INT TERM

exports="$("$root/eng/services.sh" start)" || { echo "error: could not start the test services (see messages above)." >&2; echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }
eval "$exports"

echo "== building" >&2
# -warnnotaserror:NU1603: a solution-wide restore logs every project's NuGet warnings outside the project, where the
# Functions projects' WarningsNotAsErrors cannot reach; every other project still fails on NU1603 through its own
# TreatWarningsAsErrors (NuGet applies that per project).
if ! dotnet build Etl.Tests.slnf -c Release -warnaserror -warnnotaserror:NU1603 -nologo -v:q >"$results/build.log" 2>&1; then
  grep -E "error|warning" "$results/build.log" | sort -u | head -50 >&2
  stop_services
  echo "tests: 0 passed, 1 failed, 0 skipped"
  exit 1
fi

# The infrastructure template: a Bicep error fails the run like a failed test.
bicep_failed=0
if ! bash "$root/eng/bicep.sh" >"$results/bicep.log" 2>&1; then
  cat "$results/bicep.log" >&2
  echo "error: infra/main.bicep does not compile (eng/bicep.sh; log above)." >&2
  bicep_failed=1
fi

echo "== testing" >&2
# One dotnet test per project, each into its own results folder, so no two TRX files can collide.
test_rc=0
for proj in $(python3 -c 'import json;print("\n".join(p for p in json.load(open("Etl.Tests.slnf"))["solution"]["projects"] if p.startswith("tests/") and p.endswith(".Tests.csproj")))'); do
  name="$(basename "$proj" .csproj)"
  dotnet test "$proj" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results/$name" \
    --blame-hang-timeout 10m "$@" || test_rc=$?
done

stop_services

summary="$(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        o = r.get("outcome")
        if o == "Passed": passed += 1
        elif o in ("NotExecuted", "Inconclusive", "Skipped"): skipped += 1
        else: failed += 1
print(passed, failed, skipped)
PY
)"
read -r passed failed skipped <<<"$summary"
passed=${passed:-0}; failed=${failed:-0}; skipped=${skipped:-0}
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "error: dotnet test exited $test_rc (a test host crashed or hung; see above)." >&2; fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then echo "error: no test ran." >&2; failed=1; fi
failed=$((failed + bicep_failed))
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
