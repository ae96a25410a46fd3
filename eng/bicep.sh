#!/usr/bin/env bash
# Compiles and lints infra/main.bicep with the Bicep CLI of the Azure.Bicep.CommandLine.linux-x64 NuGet package (the
# version in Directory.Packages.props, restored through eng/tools/bicep/bicep.csproj). Exits non-zero when the
# template has an error; lint warnings are printed. The ARM JSON goes to .artifacts/bicep/main.json.
# ETL_BICEP=/path/to/bicep uses another compiler.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
out="$root/.artifacts/bicep"
mkdir -p "$out"

bicep="${ETL_BICEP:-}"
if [ -z "$bicep" ]; then
  if ! dotnet restore eng/tools/bicep/bicep.csproj -nologo -v:q >"$out/restore.log" 2>&1; then
    cat "$out/restore.log" >&2
    echo "error: could not restore the Bicep CLI package (eng/tools/bicep/bicep.csproj); see the messages above." >&2
    exit 1
  fi
  version="$(sed -n 's/.*Include="Azure.Bicep.CommandLine.linux-x64" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)"
  packages="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')"
  bicep="${packages%/}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
  [ -x "$bicep" ] || chmod u+x "$bicep" 2>/dev/null || true
fi
[ -x "$bicep" ] || { echo "error: no Bicep CLI at $bicep." >&2; exit 1; }

echo "== bicep build infra/main.bicep ($("$bicep" --version))" >&2
"$bicep" build infra/main.bicep --outdir "$out"
echo "== bicep lint infra/main.bicep" >&2
"$bicep" lint infra/main.bicep
echo "bicep: infra/main.bicep compiles and lints without errors ($out/main.json)"
