"""The public surface is deliberate: each public module's ``__all__`` is pinned here.

Adding a public name is a decision: make it here as well as in the module.
"""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

import ftorm
import ftorm.errors
import ftorm.models
import ftorm.testing

ERRORS = [
    "AccessorError",
    "AnswerTooLargeError",
    "AuthenticationError",
    "ComponentInLocationError",
    "ComponentNotInLocationError",
    "ComponentSourceError",
    "ConfigurationError",
    "ConnectError",
    "CustomAttributeConflictWarning",
    "DiskFullError",
    "DownloadError",
    "EventHubConnectionError",
    "EventHubError",
    "EventRejectedError",
    "EventStreamOverflowError",
    "EventSubscriptionRefusedError",
    "FixtureError",
    "FtormError",
    "ImmutableAttributeError",
    "InvalidValueError",
    "LocationError",
    "ModelSetError",
    "MultipleResultsError",
    "NotFoundError",
    "NotInCollectionError",
    "NotLoadedError",
    "PermissionDeniedError",
    "QueryCompileError",
    "QuerySyntaxError",
    "SchemaError",
    "ServerCompatibilityError",
    "ServerError",
    "SessionClosedError",
    "StorageError",
    "StructureError",
    "SubscriptionSyntaxError",
    "TimerRunningError",
    "TransportError",
    "UnboundQueryError",
    "UnknownAttributeError",
    "UnknownKeyError",
    "UnknownTypeError",
    "ValidationError",
]

FTORM = [
    "UNSET",
    "AccessorError",
    "AnswerTooLargeError",
    "AsyncQuery",
    "AsyncSession",
    "Attr",
    "AuthenticationError",
    "ComponentInLocationError",
    "ComponentNotInLocationError",
    "ComponentSourceError",
    "ConfigurationError",
    "ConnectError",
    "CustomAttributeConflictWarning",
    "DiskFullError",
    "DownloadError",
    "EventHubConnectionError",
    "EventHubError",
    "EventRejectedError",
    "EventStreamOverflowError",
    "EventSubscriptionRefusedError",
    "FixtureError",
    "FtormError",
    "ImmutableAttributeError",
    "InvalidValueError",
    "LocationError",
    "Many",
    "Model",
    "ModelSetError",
    "MultipleResultsError",
    "NotFoundError",
    "NotInCollectionError",
    "NotLoadedError",
    "PermissionDeniedError",
    "Query",
    "QueryCompileError",
    "QuerySyntaxError",
    "Ref",
    "Related",
    "SchemaError",
    "ServerCompatibilityError",
    "ServerError",
    "Session",
    "SessionClosedError",
    "Stats",
    "StorageError",
    "StructureError",
    "SubscriptionSyntaxError",
    "TimerRunningError",
    "TransportError",
    "UnboundQueryError",
    "UnknownAttributeError",
    "UnknownKeyError",
    "UnknownTypeError",
    "ValidationError",
    "__version__",
    "and_",
    "attr",
    "many",
    "new_id",
    "not_",
    "or_",
    "parse",
    "ref",
]

TESTING = [
    "EventRecorder",
    "RequestBudget",
    "assert_max_requests",
    "load_fixtures",
    "local_session",
    "record_events",
]

# ftorm.models is generated from the standard schema: pin its size and a few names only.
STANDARD_MODEL_COUNT = 116
SOME_MODELS = ["AssetVersion", "Context", "Project", "Sequence", "Shot", "Task", "User"]

PINNED: dict[str, tuple[ModuleType, list[str]]] = {
    "ftorm": (ftorm, FTORM),
    "ftorm.errors": (ftorm.errors, ERRORS),
    "ftorm.testing": (ftorm.testing, TESTING),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_all_is_pinned(name: str) -> None:
    module, expected = PINNED[name]
    assert module.__all__ == expected


@pytest.mark.parametrize("module", [ftorm, ftorm.errors, ftorm.testing, ftorm.models])
def test_every_exported_name_exists(module: ModuleType) -> None:
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("module", [ftorm, ftorm.errors, ftorm.testing, ftorm.models])
def test_all_has_no_duplicates(module: ModuleType) -> None:
    assert len(set(module.__all__)) == len(module.__all__)


def test_models_exports_only_model_classes() -> None:
    assert len(ftorm.models.__all__) == STANDARD_MODEL_COUNT
    assert set(SOME_MODELS) <= set(ftorm.models.__all__)
    for name in ftorm.models.__all__:
        value = getattr(ftorm.models, name)
        assert inspect.isclass(value), name
        assert issubclass(value, ftorm.Model), name
        assert value is not ftorm.Model, name


def test_ftorm_exports_every_error_as_the_same_object() -> None:
    assert set(ERRORS) <= set(FTORM)
    for name in ftorm.errors.__all__:
        assert getattr(ftorm, name) is getattr(ftorm.errors, name)


def test_every_exception_class_is_an_ftorm_error() -> None:
    classes = [
        value
        for _, value in inspect.getmembers(ftorm.errors, inspect.isclass)
        if issubclass(value, BaseException)
    ]
    assert ftorm.errors.FtormError in classes
    for cls in classes:
        assert issubclass(cls, ftorm.errors.FtormError), cls.__name__


def test_every_exception_class_is_exported() -> None:
    public = {
        name
        for name, value in inspect.getmembers(ftorm.errors, inspect.isclass)
        if issubclass(value, BaseException) and not name.startswith("_")
    }
    assert public == set(ftorm.errors.__all__)


def test_server_error_from_payload_is_internal() -> None:
    assert "server_error_from_payload" not in ftorm.__all__
    assert "server_error_from_payload" not in ftorm.errors.__all__
    assert not hasattr(ftorm, "server_error_from_payload")
    error = ftorm.errors.server_error_from_payload({"exception": "ValidationError"})
    assert isinstance(error, ftorm.ValidationError)
