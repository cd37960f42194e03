"""One error hierarchy; each class means one thing to the caller and carries its HTTP status."""

from __future__ import annotations

from typing import Any


class SummarizerError(Exception):
    """Base of every error the service raises on purpose."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


# --- input errors (4xx) ---------------------------------------------------------------------


class InputError(SummarizerError):
    """The client sent something we cannot work with."""

    status_code = 422
    code = "invalid_input"


class EmptyArticleError(InputError):
    code = "empty_article"


class ArticleTooLongError(InputError):
    status_code = 413
    code = "article_too_long"


class UnknownPromptVersionError(InputError):
    code = "unknown_prompt_version"


class MarkupInTextError(InputError):
    """A JSON `text` that is really HTML: evidence offsets would index tags, not the article."""

    status_code = 400
    code = "bad_request"


class ClientDisconnectedError(SummarizerError):
    """The client went away before its answer was ready; its model work was cancelled.

    Nobody reads the answer: the status (nginx's 499) is what the request is counted as.
    """

    status_code = 499
    code = "client_disconnected"


# --- upstream errors (the model endpoint) ---------------------------------------------------


class UpstreamError(SummarizerError):
    """The model endpoint failed us."""

    status_code = 503
    code = "upstream_unavailable"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class UpstreamRateLimitedError(UpstreamError):
    status_code = 503
    code = "upstream_rate_limited"


class OverloadedError(UpstreamError):
    """Our own queue is full; the client should come back after Retry-After."""

    status_code = 503
    code = "overloaded"


class DeadlineExceededError(UpstreamError):
    """The request's overall deadline passed before the model finished."""

    status_code = 504
    code = "deadline_exceeded"


class UpstreamTimeoutError(UpstreamError):
    status_code = 504
    code = "upstream_timeout"


class UpstreamBadRequestError(UpstreamError):
    """The endpoint refused our request (bad model name, bad key, context overflow)."""

    status_code = 502
    code = "upstream_rejected"


class UpstreamProtocolError(UpstreamError):
    """The endpoint answered 2xx with something that is not a chat completion (a proxy's page)."""

    status_code = 502
    code = "upstream_bad_response"


# --- output errors (the model answered, but not usefully) -----------------------------------


class ModelOutputError(SummarizerError):
    """The model's answer failed validation after every allowed repair attempt."""

    status_code = 502
    code = "invalid_model_output"

    def __init__(
        self,
        message: str,
        *,
        attempts: int,
        usage: dict[str, int] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details={"attempts": attempts, **(details or {})})
        self.attempts = attempts
        self.usage = usage or {}


class OutputTruncatedError(ModelOutputError):
    code = "model_output_truncated"


# --- prompt errors (our own files) ----------------------------------------------------------


class PromptError(SummarizerError):
    """A prompt file is malformed or cannot be rendered."""

    status_code = 500
    code = "prompt_error"
