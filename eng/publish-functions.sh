#!/usr/bin/env bash
# Builds the Azure Functions app's deploy package: one zip of `dotnet publish src/Etl.Functions`, as
# `az functionapp deployment source config-zip` and Flex Consumption's one-deploy take it. It holds host.json (the
# top-level file, linked into the project), functions.metadata, extensions.json, worker.config.json, the
# .azurefunctions/ extension bundle, and the pipeline definition under pipeline/ (pipeline.yaml, its models and the
# reference tables of its lake), which the app reads relative to its own folder.
#
# Usage: eng/publish-functions.sh [--output FILE] [--pipeline DIR] [--configuration Release|Debug] [--no-build]
#   --output         the zip to write (default .artifacts/functions/etl-functions.zip)
#   --pipeline       the folder holding pipeline.yaml to pack (default samples/store-sales)
#   --no-build       publish what the last build of that configuration left (CI builds first, then tests this)
# Prints the zip's path as its last line.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output="$root/.artifacts/functions/etl-functions.zip"
pipeline=""
configuration=Release
build_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --output) output="$2"; shift 2 ;;
    --pipeline) pipeline="$2"; shift 2 ;;
    --configuration|-c) configuration="$2"; shift 2 ;;
    --no-build) build_args+=(--no-build); shift ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$1' (see eng/publish-functions.sh --help)" >&2; exit 2 ;;
  esac
done

if [ -n "$pipeline" ]; then
  pipeline="$(cd "$pipeline" 2>/dev/null && pwd)" || { echo "error: --pipeline folder '$pipeline' does not exist." >&2; exit 2; }
  [ -f "$pipeline/pipeline.yaml" ] || { echo "error: $pipeline has no pipeline.yaml; --pipeline names the folder that holds it." >&2; exit 2; }
  build_args+=("-p:EtlPipelineDir=$pipeline/")
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
publish_dir="$(mktemp -d "${TMPDIR:-/tmp}/etl-functions-publish.XXXXXX")"
trap 'rm -rf "$publish_dir"' EXIT

if ! dotnet publish "$root/src/Etl.Functions/Etl.Functions.csproj" -c "$configuration" -o "$publish_dir" --nologo -v:q "${build_args[@]}" >"$publish_dir.log" 2>&1; then
  grep -E "error" "$publish_dir.log" | sort -u | head -20 >&2
  echo "error: dotnet publish of src/Etl.Functions failed (full log: $publish_dir.log)." >&2
  exit 1
fi
rm -f "$publish_dir.log"

missing=()
for f in host.json functions.metadata extensions.json worker.config.json Etl.Functions.dll pipeline/pipeline.yaml; do
  [ -e "$publish_dir/$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "error: the published app lacks ${missing[*]}; without them the Functions host cannot start it." >&2
  exit 1
fi

mkdir -p "$(dirname "$output")"
rm -f "$output"
# Python's zipfile keeps the dot-folders (.azurefunctions) and needs no zip package on the machine.
python3 - "$publish_dir" "$output" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            z.write(path, os.path.relpath(path, src))
PY
echo "$output"
