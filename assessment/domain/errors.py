"""Errors raised by the domain; each names the question or field at fault so views can attach it."""
from __future__ import annotations


class DomainError(Exception):
    """Base class: something the user or an admin can fix, never a bug."""


class InvalidAnswer(DomainError):
    def __init__(self, question_key: str, reason: str) -> None:
        super().__init__(f"{question_key}: {reason}")
        self.question_key = question_key
        self.reason = reason


class InvalidAnswers(DomainError):
    """Several answers are wrong at once: {question_key: reason}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class InvalidField(DomainError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
