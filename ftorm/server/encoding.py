"""``encode_media`` on the embedded server: the job and its component are recorded, the file
is not transcoded.

ftrack encodes a ``FileComponent`` of its ``ftrack.server`` location into browser-playable
media in a background ``Job``. Here the job is recorded as ``done`` at once: one new
``FileComponent`` holding the same bytes (named ``ftrackreview-<kind>``, ``kind`` the
media's MIME type's major part: ``image``, ``mp4`` for video ...) is registered in
``ftrack.server``, attached to the version (``version_id``, else the source's) and linked to
the job through a ``JobComponent``; the job's ``data`` is ftrack's JSON (``output``,
``source_component_id``, ``keep_original``). Without ``keep_original`` the source
component and its file are deleted, as ftrack does.
"""

from __future__ import annotations

import json
import mimetypes
import shutil
from typing import Final

from ftorm._typing import JSONObject
from ftorm.errors import ValidationError, excerpt
from ftorm.protocol.operations import EncodeMediaOp
from ftorm.schema.workspace import LOCATIONS
from ftorm.server.files import FileStore
from ftorm.server.writes import Writer

__all__ = ["ENCODE_JOB_TYPE", "encode_media"]

ENCODE_JOB_TYPE: Final = "api_job"
"""The ``Job.type`` of an encoding job."""

_SERVER_LOCATION: Final = LOCATIONS["ftrack.server"]


def _review_name(mime: str) -> str:
    major, _, minor = mime.partition("/")
    if major == "video":
        return "ftrackreview-mp4"
    if major == "image":
        return "ftrackreview-image"
    return f"ftrackreview-{minor or major or 'file'}"


def encode_media(
    writer: Writer, files: FileStore, op: EncodeMediaOp, user_id: str | None
) -> JSONObject:
    """Record the encoding of ``op.component_id`` (see the module); ``{"job_id": ...}``.

    Raises:
        ValidationError: when the component does not exist or has no stored file.
    """
    source = writer.find("Component", (op.component_id,))
    if source is None or not files.exists(op.component_id):
        msg = f"encode_media: no file is stored for the component {excerpt(op.component_id)}"
        raise ValidationError(msg)
    file_type = str(source.columns.get("file_type") or "")
    mime = mimetypes.guess_type(f"media{file_type}")[0] or "application/octet-stream"
    version_id = op.version_id or source.columns.get("version_id")
    _, (output_id,) = writer.create(
        "FileComponent",
        {
            "name": _review_name(mime),
            "file_type": file_type or None,
            "size": source.columns.get("size") or 0,
            "version_id": version_id,
        },
        None,
    )
    writer.create(
        "ComponentLocation",
        {
            "component_id": output_id,
            "location_id": _SERVER_LOCATION,
            "resource_identifier": output_id,
        },
        None,
    )
    data = {
        "output": [{"format": mime, "component_id": output_id}],
        "source_component_id": op.component_id,
        "keep_original": op.keep_original,
    }
    job_values: dict[str, object] = {
        "type": ENCODE_JOB_TYPE,
        "status": "done",
        "data": json.dumps(data),
    }
    if user_id is not None:
        job_values["user_id"] = user_id
    _, (job_id,) = writer.create("Job", job_values, None)
    writer.create("JobComponent", {"job_id": job_id, "component_id": output_id}, None)
    staged = files.incoming()
    shutil.copyfile(files.path(op.component_id), staged)
    files.keep(staged, output_id)
    if not op.keep_original:
        writer.delete(source.type_id, (op.component_id,))
        files.remove(op.component_id)
    return {"job_id": job_id}
