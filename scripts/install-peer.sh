#!/usr/bin/env bash
# Create .venv-peer with LangChain, for benchmarks/peer.py only. Idempotent.
#
# A separate venv, so LangChain's dependencies (langgraph, langsmith, its openai and tiktoken
# ranges) can never move the service's own pins in .venv. The peer runs as a subprocess
# (benchmarks/peer_langchain_chain.py) and talks to the model over HTTP only. In LangChain 1.x
# the map-reduce summarize chain (load_summarize_chain) lives in langchain-classic.
# About 20-25 s on a fresh machine; a second run finds the stamp and returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
VENV=.venv-peer
PACKAGES=(
    "langchain==1.5.0"
    "langchain-classic==1.0.8"
    "langchain-core==1.8.1"
    "langchain-openai==1.7.4"
    "langchain-text-splitters==1.1.3"
    # what LangChain drives: its HTTP client, and the tokenizer its splitter and reduce count with
    "openai==3.57.0"
    "tiktoken==0.14.0"
)
STAMP=$VENV/.installed-$(sha256sum scripts/install-peer.sh | cut -c1-16)

if [ -f "$STAMP" ]; then
    echo "install-peer: $VENV is up to date"
    exit 0
fi

start=$SECONDS
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "${PACKAGES[@]}"
"$VENV/bin/python" -c "
from langchain_classic.chains.summarize import load_summarize_chain
from langchain_openai import ChatOpenAI
from langchain_text_splitters import RecursiveCharacterTextSplitter
"

rm -f "$VENV"/.installed-*
touch "$STAMP"
echo "install-peer: done in $((SECONDS - start))s"
