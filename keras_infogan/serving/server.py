"""A development stand-in for TensorFlow Serving.

`keras-infogan serve EXPORT_DIR` runs this server so an export can be tried
without Docker. It answers the parts of TF Serving's REST and gRPC APIs that
the exported InfoGAN uses (predict, model status, model metadata), with TF
Serving's request and response JSON, error shapes and status codes, so clients
written against it work unchanged against the real server.

It is not a production server: it has no request batching, no model hot reload
and no version labels. Production uses the `tensorflow/serving` image with the
configuration in `serving/` (see `serving/README.md`).
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import math
import re
import signal
import threading
import urllib.parse
from concurrent import futures
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from keras_infogan import contract
from keras_infogan.serving.metadata import SIGNATURE_DEF_FIELD, metadata_to_json

__all__ = ["DevServer", "ModelRepository", "RequestError", "serve"]

logger = logging.getLogger(__name__)

# A request body may hold `max_batch` rows of the widest signature's inputs,
# at most this many bytes a value (JSON text, or a TensorProto), plus slack
# for names and framing; a larger one is refused before it is read.
_JSON_BYTES_PER_VALUE = 64  # Room for indented JSON too.
_PROTO_BYTES_PER_VALUE = 8
_BODY_SLACK = 64 * 1024

_HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: HTTPStatus.BAD_REQUEST,
    grpc.StatusCode.FAILED_PRECONDITION: HTTPStatus.BAD_REQUEST,
    grpc.StatusCode.OUT_OF_RANGE: HTTPStatus.BAD_REQUEST,
    grpc.StatusCode.NOT_FOUND: HTTPStatus.NOT_FOUND,
    grpc.StatusCode.RESOURCE_EXHAUSTED: HTTPStatus.TOO_MANY_REQUESTS,
    grpc.StatusCode.DEADLINE_EXCEEDED: HTTPStatus.GATEWAY_TIMEOUT,
    grpc.StatusCode.UNIMPLEMENTED: HTTPStatus.NOT_IMPLEMENTED,
}
"""gRPC code -> HTTP status, as TF Serving's HTTP server maps them; others are 500."""

_GRPC_CODE_BY_TF_CODE = {code.value[0]: code for code in grpc.StatusCode}

_PREDICT_PATH = re.compile(r"/v1/models/([^/:]+)(?:/versions/(\d+))?:predict", re.I)
_MODEL_PATH = re.compile(r"/v1/models/([^/:]+)(?:/versions/(\d+))?(/metadata)?", re.I)
_EAGER_PREFIX = re.compile(
    r"^Graph execution error:\s*(?:Detected at node .*?\n<stack traces unavailable>\n)?",
    re.S,
)


class RequestError(Exception):
    """A request the server refuses; carries the gRPC code TF Serving would use."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        """The HTTP status TF Serving's REST API answers for this code."""
        return int(_HTTP_STATUS.get(self.code, HTTPStatus.INTERNAL_SERVER_ERROR))


def _invalid(message: str) -> RequestError:
    return RequestError(grpc.StatusCode.INVALID_ARGUMENT, message)


@dataclass(frozen=True)
class _Signature:
    """One callable signature of a loaded SavedModel."""

    name: str
    function: Any
    inputs: dict[str, tf.TensorSpec]
    outputs: tuple[str, ...]

    @property
    def values_per_row(self) -> int:
        """How many values one row of this signature's inputs holds."""
        return sum(math.prod(d or 1 for d in spec.shape.as_list()[1:]) for spec in self.inputs.values())


class Servable:
    """One loaded version of the model: its signatures and their metadata."""

    def __init__(self, version: int, path: Path):
        self.version = version
        self.path = path
        self._module = tf.saved_model.load(str(path))
        self.signatures = {
            name: _Signature(
                name=name,
                function=fn,
                inputs=dict(fn.structured_input_signature[1]),
                outputs=tuple(sorted(fn.structured_outputs)),
            )
            for name, fn in self._module.signatures.items()
        }
        # TF Serving reports the SignatureDefs of the "serve" MetaGraph in
        # saved_model.pb (`__saved_model_init_op` too), so read them from there.
        saved_model = saved_model_pb2.SavedModel.FromString(
            (path / "saved_model.pb").read_bytes()
        )
        (meta_graph,) = [m for m in saved_model.meta_graphs if "serve" in m.meta_info_def.tags]
        self.signature_def_map = get_model_metadata_pb2.SignatureDefMap()
        for key, signature_def in meta_graph.signature_def.items():
            self.signature_def_map.signature_def[key].CopyFrom(signature_def)

    def signature(self, name: str) -> _Signature:
        """The signature `name` (empty = serving_default) or FAILED_PRECONDITION."""
        name = name or contract.GENERATE
        if name not in self.signatures:
            raise RequestError(
                grpc.StatusCode.FAILED_PRECONDITION,
                f'Serving signature key "{name}" not found. This model has: '
                f"{', '.join(sorted(self.signatures))}.",
            )
        return self.signatures[name]

    def predict(
        self, signature: _Signature, inputs: dict[str, np.ndarray], max_batch: int
    ) -> dict[str, np.ndarray]:
        """Validates `inputs` against `signature` and runs it."""
        _validate_inputs(signature, inputs, max_batch)
        tensors = {
            name: tf.constant(value, dtype=signature.inputs[name].dtype)
            for name, value in inputs.items()
        }
        try:
            outputs = signature.function(**tensors)
        except tf.errors.OpError as error:
            code = _GRPC_CODE_BY_TF_CODE.get(error.error_code, grpc.StatusCode.UNKNOWN)
            raise RequestError(code, _EAGER_PREFIX.sub("", error.message)) from error
        return {name: outputs[name].numpy() for name in signature.outputs}


def _validate_inputs(
    signature: _Signature, inputs: dict[str, np.ndarray], max_batch: int
) -> None:
    """Checks names, dtypes, shapes and batch size, so errors name the problem."""
    _check_input_names(signature, inputs)
    batch_sizes = {}
    for name in sorted(signature.inputs):
        value, spec = inputs[name], signature.inputs[name]
        where = _where(signature, name)
        if value.dtype != spec.dtype.as_numpy_dtype:
            raise _invalid(
                f"{where} must be {spec.dtype.name}, got {value.dtype.name}."
            )
        if not spec.shape.is_compatible_with(value.shape):
            raise _invalid(
                f"{where} must have shape {_shape_text(spec.shape)}, "
                f"got {list(value.shape)}."
            )
        if value.ndim:
            batch_sizes[name] = value.shape[0]
    if len(set(batch_sizes.values())) > 1:
        sizes = ", ".join(f"{name}={size}" for name, size in batch_sizes.items())
        raise _invalid(
            f"Inputs of signature '{signature.name}' have different batch sizes "
            f"({sizes}); every input needs the same first dimension."
        )
    batch = max(batch_sizes.values(), default=0)
    if batch > max_batch:
        raise _invalid(
            f"Batch size {batch} is larger than the server's max_batch {max_batch}. "
            f"Send at most {max_batch} rows per request or raise max_batch."
        )


def _where(signature: _Signature, name: str) -> str:
    return f"Input '{name}' of signature '{signature.name}'"


def _check_input_names(signature: _Signature, given: Any) -> None:
    """Raises INVALID_ARGUMENT naming missing and unknown inputs."""
    expected = sorted(signature.inputs)
    missing = sorted(set(expected) - set(given))
    extra = sorted(set(given) - set(expected))
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"missing input(s) {', '.join(missing)}")
        if extra:
            problems.append(f"unknown input(s) {', '.join(extra)}")
        raise _invalid(
            f"Signature '{signature.name}' takes inputs {{{', '.join(expected)}}}; "
            f"the request has {' and '.join(problems)}."
        )


def _shape_text(shape: tf.TensorShape) -> str:
    if shape.rank is None:
        return "of any rank"
    return "[" + ", ".join("N" if d is None else str(d) for d in shape.as_list()) + "]"


class ModelRepository:
    """The versions of one model loaded from `EXPORT_DIR/<version>/`."""

    def __init__(self, export_dir: str | Path, model_name: str, num_versions: int = 1):
        if num_versions < 1:
            raise ValueError(f"num_versions must be >= 1, got {num_versions}.")
        export_dir = Path(export_dir)
        if not export_dir.is_dir():
            raise FileNotFoundError(
                f"Export directory {export_dir} does not exist. Pass the directory "
                "that keras_infogan.saved_model.export wrote (it holds numeric version folders)."
            )
        if (export_dir / "saved_model.pb").exists():
            raise ValueError(
                f"{export_dir} is a SavedModel itself; pass its parent directory, "
                "which holds numeric version folders like 1/, 2/ (TF Serving's layout)."
            )
        versions = sorted(
            int(p.name) for p in export_dir.iterdir() if p.is_dir() and p.name.isdigit()
        )
        if not versions:
            raise FileNotFoundError(
                f"No numeric version folders under {export_dir}; expected "
                f"{export_dir}/<version>/saved_model.pb as written by keras_infogan.saved_model.export."
            )
        self.model_name = model_name
        self.servables = {
            v: Servable(v, export_dir / str(v)) for v in versions[-num_versions:]
        }

    def body_limit(self, max_batch: int, bytes_per_value: int) -> int:
        """The largest request, in bytes, that `max_batch` rows of the widest
        signature's inputs need at `bytes_per_value` bytes a value."""
        widest = max(
            signature.values_per_row
            for servable in self.servables.values()
            for signature in servable.signatures.values()
        )
        return _BODY_SLACK + max_batch * widest * bytes_per_value

    def get(self, model_name: str, version: int | None) -> Servable:
        """The requested servable (latest when `version` is None) or NOT_FOUND."""
        wanted = (
            f"Latest({model_name})" if version is None else f"Specific({model_name}, {version})"
        )
        if model_name != self.model_name:
            raise RequestError(
                grpc.StatusCode.NOT_FOUND,
                f"Servable not found for request: {wanted}. "
                f"This server serves the model '{self.model_name}'.",
            )
        if version is None:
            return self.servables[max(self.servables)]
        if version not in self.servables:
            raise RequestError(
                grpc.StatusCode.NOT_FOUND,
                f"Servable not found for request: {wanted}. "
                f"Loaded versions: {', '.join(map(str, sorted(self.servables)))}.",
            )
        return self.servables[version]

    def status(
        self, model_name: str, version: int | None
    ) -> get_model_status_pb2.GetModelStatusResponse:
        """GetModelStatusResponse for one version, or every loaded one."""
        servable = self.get(model_name, version)  # NOT_FOUND for unknown ones.
        versions = sorted(self.servables) if version is None else [servable.version]
        response = get_model_status_pb2.GetModelStatusResponse()
        for v in versions:
            entry = response.model_version_status.add()
            entry.version = v
            entry.state = get_model_status_pb2.ModelVersionStatus.AVAILABLE
            entry.status.SetInParent()  # error_code OK, error_message "".
        return response

    def metadata(
        self, model_name: str, version: int | None
    ) -> get_model_metadata_pb2.GetModelMetadataResponse:
        """GetModelMetadataResponse with the signature_def map, as TF Serving packs it."""
        servable = self.get(model_name, version)
        response = get_model_metadata_pb2.GetModelMetadataResponse()
        response.model_spec.name = model_name
        response.model_spec.version.value = servable.version
        response.metadata[SIGNATURE_DEF_FIELD].Pack(servable.signature_def_map)
        return response


# ----------------------------------------------------------------------------
# REST: JSON <-> arrays, following tensorflow_serving/util/json_tensor.cc.


def _json_to_array(value: Any, spec: tf.TensorSpec, where: str) -> np.ndarray:
    """Converts a JSON (nested) list to an array of `spec`'s dtype or raises."""
    try:
        array = np.asarray(value)
    except ValueError as error:
        raise _invalid(
            f"{where} is a ragged list; every row must have the same length ({error})."
        ) from error
    dtype = np.dtype(spec.dtype.as_numpy_dtype)
    if array.size == 0:
        return array.astype(dtype)
    if dtype.kind == "f":
        ok = array.dtype.kind in "iuf"
        wanted = "numbers"
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        ok = array.dtype.kind in "iu" and info.min <= array.min() and array.max() <= info.max
        wanted = f"integers that fit {spec.dtype.name}"
    elif spec.dtype == tf.string:
        ok, wanted = array.dtype.kind == "U", "strings"
    else:
        raise RequestError(
            grpc.StatusCode.UNIMPLEMENTED,
            f"{where} has dtype {spec.dtype.name}, which the development server "
            "cannot read from JSON.",
        )
    if not ok:
        raise _invalid(
            f"{where} must be {spec.dtype.name} ({wanted}); got JSON values "
            f"{_json_preview(value)}."
        )
    return array.astype(dtype)


def _json_preview(value: Any, limit: int = 80) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _instances_to_inputs(instances: Any, signature: _Signature) -> dict[str, np.ndarray]:
    """Row format: a list with one entry (object, or plain value) per example."""
    if not isinstance(instances, list):
        raise _invalid("Expecting 'instances' to be a list/array.")
    if not instances:
        raise _invalid("No values in 'instances' array.")
    names = sorted(signature.inputs)
    if isinstance(instances[0], dict):
        for i, row in enumerate(instances):
            if not isinstance(row, dict) or sorted(row) != names:
                raise _invalid(
                    f"Failed to process element: {i} of 'instances' list. Each "
                    f"object needs exactly the keys {', '.join(names)}; got "
                    f"{_json_preview(row)}."
                )
        columns = {name: [row[name] for row in instances] for name in names}
    elif len(names) > 1:
        raise _invalid(
            "instances is a plain list, but expecting list of objects as multiple "
            f"input tensors required: give each instance the keys {', '.join(names)}."
        )
    else:
        columns = {names[0]: instances}
    return {
        name: _json_to_array(col, signature.inputs[name], _where(signature, name))
        for name, col in columns.items()
    }


def _columnar_to_inputs(inputs: Any, signature: _Signature) -> dict[str, np.ndarray]:
    """Columnar format: an object of whole tensors (or one tensor if one input)."""
    names = sorted(signature.inputs)
    if not isinstance(inputs, dict):
        if len(names) > 1:
            raise _invalid(
                "inputs is a plain value/list, but expecting an object as multiple "
                f"input tensors required: give 'inputs' the keys {', '.join(names)}."
            )
        inputs = {names[0]: inputs}
    _check_input_names(signature, inputs)
    return {
        name: _json_to_array(value, signature.inputs[name], _where(signature, name))
        for name, value in inputs.items()
    }


def _to_list(value: np.ndarray) -> list[Any]:
    """A tensor as JSON lists; strings (bytes) as UTF-8 text, as TF Serving writes them."""
    if value.dtype.kind in "SO":
        value = np.vectorize(lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else v, otypes=[object])(value)
    return value.tolist()


def _outputs_to_json(outputs: dict[str, np.ndarray], row_format: bool) -> dict[str, Any]:
    """TF Serving's response body: `predictions` (row) or `outputs` (columnar)."""
    if not row_format:
        if len(outputs) == 1:
            return {"outputs": _to_list(next(iter(outputs.values())))}
        return {"outputs": {name: _to_list(value) for name, value in outputs.items()}}
    if len(outputs) == 1:
        return {"predictions": _to_list(next(iter(outputs.values())))}
    lists = {name: _to_list(value) for name, value in outputs.items()}
    batch = len(next(iter(lists.values())))
    return {"predictions": [{name: col[i] for name, col in lists.items()} for i in range(batch)]}


class _RestApp:
    """Request handling for TF Serving's REST API, independent of the transport."""

    def __init__(self, repository: ModelRepository, max_batch: int):
        self.repository = repository
        self.max_batch = max_batch
        self.max_body = repository.body_limit(max_batch, _JSON_BYTES_PER_VALUE)

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Returns (HTTP status, JSON body); errors become `{"error": ...}`."""
        try:
            return HTTPStatus.OK, self._route(method, path, body)
        except RequestError as error:
            return error.http_status, {"error": error.message}
        except Exception as error:  # Keep serving; report like TF Serving does.
            logger.exception("Unexpected error handling %s %s", method, path)
            return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"Internal: {error}"}

    def _route(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        path = urllib.parse.urlsplit(path).path
        match = (_PREDICT_PATH if method == "POST" else _MODEL_PATH).fullmatch(path)
        if match is None:
            if not path.lower().startswith("/v1/"):
                raise RequestError(grpc.StatusCode.NOT_FOUND, f"Not found: {path}")
            raise _invalid(
                f"Malformed request: {method} {path}. The development server answers "
                "POST /v1/models/NAME[/versions/N]:predict and "
                "GET /v1/models/NAME[/versions/N][/metadata]."
            )
        name = urllib.parse.unquote(match.group(1))
        version = int(match.group(2)) if match.group(2) else None
        if method == "POST":
            return self._predict(name, version, body)
        if match.group(3):
            return metadata_to_json(self.repository.metadata(name, version))
        return json_format.MessageToDict(
            self.repository.status(name, version),
            always_print_fields_with_no_presence=True,
        )

    def _predict(self, name: str, version: int | None, body: bytes) -> dict[str, Any]:
        servable = self.repository.get(name, version)
        request = _parse_json_object(body)
        signature_name = request.get("signature_name", "")
        if not isinstance(signature_name, str):
            raise _invalid("'signature_name' key must be a string value.")
        if ("instances" in request) == ("inputs" in request):
            raise _invalid(
                "Missing 'inputs' or 'instances' key"
                if "inputs" not in request
                else "Expecting only one of 'inputs' or 'instances' keys, got both."
            )
        signature = servable.signature(signature_name)
        row_format = "instances" in request
        inputs = (
            _instances_to_inputs(request["instances"], signature)
            if row_format
            else _columnar_to_inputs(request["inputs"], signature)
        )
        outputs = servable.predict(signature, inputs, self.max_batch)
        return _outputs_to_json(outputs, row_format)


def _parse_json_object(body: bytes) -> dict[str, Any]:
    if not body:
        raise _invalid("JSON Parse error: The document is empty")
    try:
        request = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _invalid(f"JSON Parse error: {error}") from error
    if not isinstance(request, dict):
        raise _invalid(f"JSON Value: {_json_preview(request)} Is not object")
    return request


class _RestHandler(BaseHTTPRequestHandler):
    """HTTP transport for `_RestApp` (one thread per connection)."""

    protocol_version = "HTTP/1.1"
    server_version = "keras-infogan-dev-server"
    # Headers and body go out as two writes; with Nagle on, the body waits for
    # the client's delayed ACK of the headers (tens of ms per response).
    disable_nagle_algorithm = True
    server: _RestServer

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._reply(*self.server.app.handle("GET", self.path, b""))

    def do_POST(self) -> None:  # noqa: N802
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._reply(HTTPStatus.BAD_REQUEST, {"error": "Invalid Content-Length header."})
            return
        limit = self.server.app.max_body
        if length > limit:
            self.close_connection = True
            self._reply(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                {
                    "error": f"Request body of {length} bytes is larger than the {limit} bytes that "
                    f"max_batch {self.server.app.max_batch} rows need; send fewer rows per request "
                    "or raise the server's max_batch."
                },
            )
            self._discard(length)
            return
        self._reply(*self.server.app.handle("POST", self.path, self.rfile.read(length)))

    def _discard(self, length: int, most: int = 16 * 1024 * 1024, wait: float = 0.5) -> None:
        """Reads and drops up to `most` bytes of a refused body, while they keep
        coming within `wait` seconds, so that a client still sending it gets
        to read the answer."""
        self.connection.settimeout(wait)
        left = min(length, most)
        try:
            while left > 0:
                chunk = self.rfile.read1(min(left, 64 * 1024))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:  # Nothing more within `wait`: the client stopped sending.
            pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("%s %s", self.address_string(), format % args)


class _RestServer(ThreadingHTTPServer):
    """Threaded HTTP server holding the `_RestApp` its handlers call."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: _RestApp):
        super().__init__(address, _RestHandler)
        self.app = app


# ----------------------------------------------------------------------------
# gRPC: tensorflow.serving.PredictionService and ModelService.


def _model_version(model_spec: Any) -> int | None:
    if model_spec.version_label:
        raise RequestError(
            grpc.StatusCode.NOT_FOUND,
            f"Unrecognized servable version label: {model_spec.version_label}. The "
            "development server has no labels; ask for a version number instead.",
        )
    return model_spec.version.value if model_spec.HasField("version") else None


def _dtype_name(datatype: int) -> str:
    try:
        return tf.dtypes.as_dtype(datatype).name
    except TypeError:
        return f"DataType enum {datatype}"


def _abort_on_error(method: Any) -> Any:
    """Turns RequestError (and crashes) into gRPC status codes for the caller."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except RequestError as error:
            context.abort(error.code, error.message)
        except Exception as error:
            logger.exception("Unexpected error in gRPC %s", method.__name__)
            context.abort(grpc.StatusCode.INTERNAL, f"Internal: {error}")

    return wrapper


class _PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, repository: ModelRepository, max_batch: int):
        self.repository = repository
        self.max_batch = max_batch

    @_abort_on_error
    def Predict(  # noqa: N802 (gRPC method name)
        self, request: predict_pb2.PredictRequest, context: grpc.ServicerContext
    ) -> predict_pb2.PredictResponse:
        """Runs a signature on TensorProto inputs."""
        spec = request.model_spec
        servable = self.repository.get(spec.name, _model_version(spec))
        signature = servable.signature(spec.signature_name)
        inputs = {}
        for name, proto in request.inputs.items():
            expected = signature.inputs.get(name)
            if expected is not None and proto.dtype != expected.dtype.as_datatype_enum:
                raise _invalid(
                    f"{_where(signature, name)} must be {expected.dtype.name}, "
                    f"got {_dtype_name(proto.dtype)}."
                )
            try:
                inputs[name] = tf.make_ndarray(proto)
            except (TypeError, ValueError) as error:
                raise _invalid(
                    f"{_where(signature, name)} is not a valid TensorProto: {error}"
                ) from error
        outputs = servable.predict(signature, inputs, self.max_batch)
        unknown = sorted(set(request.output_filter) - set(outputs))
        if unknown:
            raise _invalid(
                f"output tensor alias not found in signature: {', '.join(unknown)}. "
                f"Outputs expected to be in the set {{{','.join(signature.outputs)}}}."
            )
        response = predict_pb2.PredictResponse()
        response.model_spec.name = spec.name
        response.model_spec.version.value = servable.version
        response.model_spec.signature_name = signature.name
        for name in request.output_filter or outputs:
            response.outputs[name].CopyFrom(tf.make_tensor_proto(outputs[name]))
        return response

    @_abort_on_error
    def GetModelMetadata(  # noqa: N802
        self,
        request: get_model_metadata_pb2.GetModelMetadataRequest,
        context: grpc.ServicerContext,
    ) -> get_model_metadata_pb2.GetModelMetadataResponse:
        """Returns the signature_def map (the only metadata field TF Serving has)."""
        if not request.HasField("model_spec"):
            raise _invalid("Missing ModelSpec")
        if list(request.metadata_field) != [SIGNATURE_DEF_FIELD]:
            raise _invalid(
                f"Metadata field(s) {list(request.metadata_field)} not supported; "
                f"ask for metadata_field=['{SIGNATURE_DEF_FIELD}']."
            )
        spec = request.model_spec
        return self.repository.metadata(spec.name, _model_version(spec))


class _ModelService(model_service_pb2_grpc.ModelServiceServicer):
    def __init__(self, repository: ModelRepository):
        self.repository = repository

    @_abort_on_error
    def GetModelStatus(  # noqa: N802
        self,
        request: get_model_status_pb2.GetModelStatusRequest,
        context: grpc.ServicerContext,
    ) -> get_model_status_pb2.GetModelStatusResponse:
        """Every loaded version is AVAILABLE (the dev server loads before serving)."""
        spec = request.model_spec
        return self.repository.status(spec.name, _model_version(spec))


# ----------------------------------------------------------------------------


class DevServer:
    """REST and gRPC development server for an export directory.

    Loads the newest `num_versions` numeric versions under `export_dir` when
    constructed, then `start()` binds both ports (0 = pick a free one; read the
    bound ports from `rest_port` / `grpc_port`) and serves in background
    threads until `stop()`. Usable as a context manager.

    Example:

    >>> with DevServer("runs/export", rest_port=0, grpc_port=0) as server:  # doctest: +SKIP
    ...     RestClient(server.rest_url).generate(noise)
    """

    def __init__(
        self,
        export_dir: str | Path,
        host: str = "127.0.0.1",
        rest_port: int = 8501,
        grpc_port: int = 8500,
        model_name: str = contract.MODEL_NAME,
        max_batch: int = contract.DEFAULT_MAX_BATCH,
        num_versions: int = 1,
        grpc_workers: int = 16,
    ):
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}.")
        self.host = host
        self.repository = ModelRepository(export_dir, model_name, num_versions)
        self.max_batch = max_batch
        self._requested_ports = (rest_port, grpc_port)
        self._grpc_workers = grpc_workers
        self._http: _RestServer | None = None
        self._grpc: grpc.Server | None = None
        self._http_thread: threading.Thread | None = None
        self.rest_port = 0
        self.grpc_port = 0

    @property
    def rest_url(self) -> str:
        """Base URL of the REST API, e.g. http://127.0.0.1:8501."""
        return f"http://{self.host}:{self.rest_port}"

    @property
    def grpc_target(self) -> str:
        """host:port of the gRPC API."""
        return f"{self.host}:{self.grpc_port}"

    def start(self) -> DevServer:
        """Binds the ports and starts serving; returns self."""
        if self._http is not None:
            raise RuntimeError("DevServer is already running; call stop() first.")
        rest_port, grpc_port = self._requested_ports
        options = [
            ("grpc.max_send_message_length", -1),
            ("grpc.max_receive_message_length", self.repository.body_limit(self.max_batch, _PROTO_BYTES_PER_VALUE)),
            ("grpc.so_reuseport", 0),  # Fail, rather than share a port in use.
        ]
        self._grpc = grpc.server(
            futures.ThreadPoolExecutor(max_workers=self._grpc_workers), options=options
        )
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
            _PredictionService(self.repository, self.max_batch), self._grpc
        )
        model_service_pb2_grpc.add_ModelServiceServicer_to_server(
            _ModelService(self.repository), self._grpc
        )
        try:
            self.grpc_port = self._grpc.add_insecure_port(f"{self.host}:{grpc_port}")
            if not self.grpc_port:  # Older grpcio reports a failed bind as port 0.
                raise RuntimeError("bind failed")
            self._http = _RestServer(
                (self.host, rest_port), _RestApp(self.repository, self.max_batch)
            )
        except (OSError, RuntimeError) as error:
            self._grpc.stop(None)
            self._grpc = None
            raise OSError(
                f"Cannot bind REST port {rest_port} and gRPC port {grpc_port} on "
                f"{self.host}: {error}. Is another server (TF Serving?) using them? "
                "Pick other ports, or 0 for free ones."
            ) from error
        self.rest_port = self._http.server_address[1]
        self._grpc.start()
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, name="infogan-dev-rest", daemon=True
        )
        self._http_thread.start()
        logger.warning(
            "keras-infogan development server: this is NOT TensorFlow Serving. Use it "
            "to try an export locally; production runs the tensorflow/serving image "
            "(see serving/README.md)."
        )
        logger.info(
            "Serving model '%s' version(s) %s: REST %s, gRPC %s",
            self.repository.model_name,
            ", ".join(map(str, sorted(self.repository.servables))),
            self.rest_url,
            self.grpc_target,
        )
        return self

    def stop(self, grace: float = 1.0) -> None:
        """Stops both servers, letting in-flight gRPC calls finish for `grace` s."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http_thread.join()
            self._http = self._http_thread = None
        if self._grpc is not None:
            self._grpc.stop(grace).wait()
            self._grpc = None

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def serve(export_dir: str | Path, **options: Any) -> None:
    """Runs the development server until Ctrl-C or SIGTERM (`keras-infogan serve`).

    `options` are `DevServer`'s; its defaults are TF Serving's ports (REST
    8501, gRPC 8500), so clients switch to the real server by changing only
    the host.
    """
    logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s")  # If unconfigured.
    logger.setLevel(logging.INFO)
    stopped = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    server = DevServer(export_dir, **options).start()
    # TensorFlow leaves ~400k long-lived Python objects; without freezing them,
    # every full GC pass walks them all and stalls requests for ~0.2 s.
    gc.freeze()
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        logger.info("Shutting down the development server.")
        server.stop()
