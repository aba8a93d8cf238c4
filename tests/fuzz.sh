#!/usr/bin/env bash
# Runs the fuzz targets (decoders, safetensors reader, model files) alone. CI runs them with the rest of the tests at their
# CI sizes; `tests/fuzz.sh --long` runs at least 20,000 cases per target. FACEPARSE_FUZZ_SEED=N picks another seed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--long" ]; then export FACEPARSE_FUZZ=long; fi
status=0
for project in FaceParse.Imaging.Tests FaceParse.Tensors.Tests FaceParse.Tests; do
  dotnet build "tests/$project" -c Release -v quiet -nologo >/dev/null
  dotnet "tests/$project/bin/Release/net10.0/$project.dll" -trait Category=Fuzz -parallel none -showliveoutput \
    | grep -E "cases in|FAIL|Total:" || status=1
done
exit $status
