"""Clients for an exported InfoGAN behind TF Serving (or `keras-infogan serve`).

`RestClient` needs only numpy and the standard library, so it can run where
TensorFlow is not installed. `GrpcClient` uses the published
`tensorflow-serving-api` stubs (and so TensorFlow for tensor conversion); it
imports them when constructed.

Both speak the serving contract of `keras_infogan.contract`:

- `generate(noise, categorical, continuous)` -> images (`serving_default`)
- `sample(seeds)` -> images and the codes drawn for each seed (`sample`)
- `sample_class(class_names, seeds)` -> the same, each of the asked-for class (`sample_class`)
- `encode(images)` -> the recognition network's code estimates (`encode`)

and raise `ServingError` (or its subclass `ServingTimeout`) for every failed
request, carrying the HTTP status or gRPC code and the server's message.
"""

from __future__ import annotations

import abc
import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from keras_infogan import contract

if TYPE_CHECKING:
    import grpc

__all__ = ["GrpcClient", "RestClient", "ServingError", "ServingTimeout"]


class ServingError(RuntimeError):
    """A request to the model server failed.

    Attributes:
        http_status: HTTP status code (REST), else None.
        grpc_code: `grpc.StatusCode` (gRPC), else None.
        server_message: the server's own error message, if it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        grpc_code: grpc.StatusCode | None = None,
        server_message: str | None = None,
    ):
        super().__init__(message)
        self.http_status = http_status
        self.grpc_code = grpc_code
        self.server_message = server_message


class ServingTimeout(ServingError):
    """The server did not answer within the client's timeout."""


def _as_input(name: str, value: ArrayLike) -> np.ndarray:
    """`value` as the contract dtype of input `name`, refusing lossy casts."""
    if contract.DTYPES[name] == "string":
        return np.asarray(value, dtype=object)
    array = np.asarray(value)
    dtype = np.dtype(contract.DTYPES[name])
    if dtype.kind in "iu" and array.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integer indices, got dtype {array.dtype}; "
            f"pass e.g. np.asarray({name}, dtype=np.int32)."
        )
    return array.astype(dtype, copy=False)


def _generator_inputs(
    noise: ArrayLike, categorical: ArrayLike | None, continuous: ArrayLike | None
) -> dict[str, np.ndarray]:
    given = {"noise": noise, "categorical": categorical, "continuous": continuous}
    return {name: _as_input(name, v) for name, v in given.items() if v is not None}


class _Client(abc.ABC):
    """The contract's signatures on top of a transport's `_predict`."""

    @abc.abstractmethod
    def _predict(
        self, signature: str, inputs: dict[str, np.ndarray], single_output: str | None = None
    ) -> dict[str, np.ndarray]:
        """Runs `signature`; a bare single-output REST result is named `single_output`."""

    def generate(
        self,
        noise: ArrayLike,
        categorical: ArrayLike | None = None,
        continuous: ArrayLike | None = None,
    ) -> np.ndarray:
        """Images [N, H, W, C] in [0, 1] for the given noise and codes.

        `categorical` holds the index of each categorical code, shape
        [N, n_categorical]; leave out a kind of code the model has none of.
        """
        inputs = _generator_inputs(noise, categorical, continuous)
        return self._predict(contract.GENERATE, inputs, single_output="images")["images"]

    def sample(self, seeds: ArrayLike) -> dict[str, np.ndarray]:
        """Images plus `noise`, `categorical`, `continuous` drawn for each seed."""
        return self._predict(contract.SAMPLE, {"seed": _as_input("seed", seeds)})

    def sample_class(self, class_names: ArrayLike, seeds: ArrayLike) -> dict[str, np.ndarray]:
        """What `sample` returns, with the first categorical code set to each
        row's class, by the model's class name ("0", "1", ... without names)."""
        inputs = {"class_name": _as_input("class_name", class_names), "seed": _as_input("seed", seeds)}
        return self._predict(contract.SAMPLE_CLASS, inputs)

    def encode(self, images: ArrayLike) -> dict[str, np.ndarray]:
        """`categorical`, `categorical_probs`, `continuous`, `continuous_std` of images."""
        return self._predict(contract.ENCODE, {"images": _as_input("images", images)})

    @abc.abstractmethod
    def metadata(self) -> dict[str, Any]:
        """TF Serving's model metadata JSON: `model_spec` and `metadata.signature_def`."""

    def close(self) -> None:
        """Releases connections (nothing to do for REST)."""

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _named_outputs(outputs: dict[str, Any]) -> dict[str, np.ndarray]:
    """JSON lists as arrays of each output's contract dtype."""
    return {name: np.asarray(value, dtype=contract.DTYPES.get(name)) for name, value in outputs.items()}


class RestClient(_Client):
    """Client for TF Serving's REST API (`http://host:8501`).

    Args:
        base_url: e.g. `"http://localhost:8501"`.
        model_name: the served model's name.
        version: a model version number; None asks for the latest.
        timeout: seconds to wait for each response.
        format: `"instances"` sends row format (one object per example);
            `"inputs"` sends columnar format (one list per input tensor).
    """

    def __init__(
        self,
        base_url: str,
        model_name: str = contract.MODEL_NAME,
        version: int | None = None,
        timeout: float = 10.0,
        format: Literal["instances", "inputs"] = "instances",  # noqa: A002
    ):
        if format not in ("instances", "inputs"):
            raise ValueError(f"format must be 'instances' or 'inputs', got {format!r}.")
        path = f"/v1/models/{model_name}"
        if version is not None:
            path += f"/versions/{version}"
        self.model_url = base_url.rstrip("/") + path
        self.timeout = timeout
        self.format = format

    def metadata(self) -> dict[str, Any]:
        return self._request(self.model_url + "/metadata")

    def _predict(
        self, signature: str, inputs: dict[str, np.ndarray], single_output: str | None = None
    ) -> dict[str, np.ndarray]:
        body: dict[str, Any] = {"signature_name": signature}
        if self.format == "inputs":
            body["inputs"] = {name: value.tolist() for name, value in inputs.items()}
        else:
            sizes = {name: v.shape[0] if v.ndim else None for name, v in inputs.items()}
            if None in sizes.values() or len(set(sizes.values())) > 1:
                raise ValueError(
                    f"Every input needs a batch dimension of the same size, got {sizes} rows."
                )
            lists = {name: value.tolist() for name, value in inputs.items()}
            rows = next(iter(sizes.values()))
            body["instances"] = [
                {name: col[i] for name, col in lists.items()} for i in range(rows)
            ]
        response = self._request(self.model_url + ":predict", body)
        return self._decode(response.get("predictions", response.get("outputs")), single_output)

    def _decode(self, result: Any, single_output: str | None) -> dict[str, np.ndarray]:
        """Turns `predictions` (row) or `outputs` (columnar) back into named arrays."""
        if isinstance(result, dict):  # Columnar, several outputs.
            return _named_outputs(result)
        if isinstance(result, list) and result and isinstance(result[0], dict):  # Row.
            return _named_outputs({name: [row[name] for row in result] for name in result[0]})
        if isinstance(result, list) and single_output is not None:
            return _named_outputs({single_output: result})
        raise ServingError(
            f"Unexpected response from {self.model_url}: {json.dumps(result)[:200]}"
        )

    def _request(self, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            message = _error_message(error.read())
            raise ServingError(
                f"HTTP {error.code} from {url}: {message}",
                http_status=error.code,
                server_message=message,
            ) from error
        except TimeoutError as error:
            raise ServingTimeout(f"No response from {url} within {self.timeout} s.") from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise ServingTimeout(
                    f"No response from {url} within {self.timeout} s."
                ) from error
            raise ServingError(
                f"Cannot reach {url}: {error.reason}. Is the model server running?"
            ) from error


def _error_message(body: bytes) -> str:
    """The `error` field of TF Serving's JSON error body, else the raw body."""
    try:
        return str(json.loads(body)["error"])
    except (ValueError, KeyError, TypeError):
        return body.decode(errors="replace")


class GrpcClient(_Client):
    """Client for TF Serving's gRPC API (`host:8500`), via PredictionServiceStub.

    Args:
        target: e.g. `"localhost:8500"`.
        model_name: the served model's name.
        version: a model version number; None asks for the latest.
        timeout: seconds to wait for each response (the gRPC deadline).
    """

    def __init__(
        self,
        target: str,
        model_name: str = contract.MODEL_NAME,
        version: int | None = None,
        timeout: float = 10.0,
    ):
        import grpc
        import tensorflow as tf
        from tensorflow_serving.apis import (
            get_model_metadata_pb2,
            predict_pb2,
            prediction_service_pb2_grpc,
        )

        self._grpc, self._tf = grpc, tf
        self._predict_pb2, self._metadata_pb2 = predict_pb2, get_model_metadata_pb2
        self.target = target
        self.model_name = model_name
        self.version = version
        self.timeout = timeout
        self._channel = grpc.insecure_channel(
            target,
            options=[
                ("grpc.max_send_message_length", -1),
                ("grpc.max_receive_message_length", -1),
            ],
        )
        self._stub = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)

    def _fill_model_spec(self, model_spec: Any, signature: str = "") -> None:
        model_spec.name = self.model_name
        model_spec.signature_name = signature
        if self.version is not None:
            model_spec.version.value = self.version

    def _call(self, method: Any, request: Any) -> Any:
        try:
            return method(request, timeout=self.timeout)
        except self._grpc.RpcError as error:
            code, details = error.code(), error.details()
            timed_out = code == self._grpc.StatusCode.DEADLINE_EXCEEDED
            kind = ServingTimeout if timed_out else ServingError
            raise kind(
                f"gRPC {code.name} from {self.target}: {details}",
                grpc_code=code,
                server_message=details,
            ) from error

    def _predict(
        self, signature: str, inputs: dict[str, np.ndarray], single_output: str | None = None
    ) -> dict[str, np.ndarray]:
        request = self._predict_pb2.PredictRequest()
        self._fill_model_spec(request.model_spec, signature)
        for name, value in inputs.items():
            request.inputs[name].CopyFrom(self._tf.make_tensor_proto(value))
        response = self._call(self._stub.Predict, request)
        return {name: self._tf.make_ndarray(proto) for name, proto in response.outputs.items()}

    def metadata(self) -> dict[str, Any]:
        from keras_infogan.serving.metadata import metadata_to_json

        request = self._metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
        self._fill_model_spec(request.model_spec)
        return metadata_to_json(self._call(self._stub.GetModelMetadata, request))

    def close(self) -> None:
        """Closes the gRPC channel."""
        self._channel.close()
