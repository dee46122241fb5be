#!/usr/bin/env bash
# The steps of a GPU session, run on a lent GPU machine from the repository root (README: "On a GPU").
# That machine has torch with CUDA, pandas, scipy, seaborn, scikit-learn, but neither papermill, jupytext
# nor ipykernel, and no internet: `make device-wheels` downloads those as wheels into .whl/ here; carry .whl.
#
#   VARLIB_COMMIT=<sha> OUT=<dir> bash .ci/device.sh tests                GPU tests
#   VARLIB_COMMIT=<sha> OUT=<dir> bash .ci/device.sh bench [ARGS...]      python -m benchmarks, record into $OUT
#   VARLIB_COMMIT=<sha> OUT=<dir> bash .ci/device.sh book CHAPTER...      full profile of these chapters,
#                                                                         archived into $OUT
# Back here: `python -m varlib import-run <archives>`, then `python -m varlib book --profile full --render-only`.
set -euo pipefail
PY=${PY:-python3}
OUT=${OUT:-/tmp/device-out}
DEVICE=${DEVICE:-cuda}     # DEVICE=cpu PROFILE=smoke try the script on a machine without a GPU
PROFILE=${PROFILE:-full}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if ! "$PY" -c "import papermill, jupytext, ipykernel" 2>/dev/null; then
  [ -d .whl ] || { echo "error: papermill/jupytext/ipykernel missing and no .whl/ folder: run 'make device-wheels' and carry .whl" >&2; exit 1; }
  "$PY" -m pip install --quiet --no-index --find-links .whl papermill==2.7.0 jupytext==1.19.6 ipykernel==7.4.0 \
    nbformat==5.11.1 nbclient==0.11.0
fi
if [ "$DEVICE" = cuda ]; then
  "$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA GPU visible to torch'; \
print('torch', torch.__version__, 'on', torch.cuda.get_device_name())"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi
step=${1:?usage: bash .ci/device.sh tests | bench [ARGS] | book CHAPTER...}
shift
case "$step" in
  tests)
    "$PY" -m pytest -q -m gpu -p no:cacheprovider --ignore=tests/test_book.py --ignore=tests/test_browser.py tests ;;
  bench)
    "$PY" -m benchmarks --device "$DEVICE" --out "$OUT" "$@" ;;
  book)
    [ $# -gt 0 ] || { echo "error: name the chapters, e.g. book family variability" >&2; exit 1; }
    args=()
    for chapter in "$@"; do args+=(--chapter "$chapter"); done
    # Stop short of the device tool's 10-minute limit so that what was computed is still archived: stored
    # results resume an interrupted sweep (import them here, carry results/ in the next call).
    status=0
    timeout "${BOOK_TIMEOUT:-540}" "$PY" -m varlib book --profile "$PROFILE" --device "$DEVICE" --no-html "${args[@]}" \
      || status=$?
    [ "$status" = 124 ] && echo "book step stopped after ${BOOK_TIMEOUT:-540} s; the archives keep what finished" >&2
    "$PY" -m varlib archive --profile "$PROFILE" --out "$OUT"
    exit $status ;;
  *)
    echo "error: unknown step '$step'; allowed: tests, bench, book" >&2; exit 1 ;;
esac
