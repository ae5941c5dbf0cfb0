"""Serving: the export contract, the development server, the clients, TF Serving config.

The server always runs TensorFlow, whatever KERAS_BACKEND is, so these tests
run once, against two versions of a real `keras_infogan.export` of a tiny
InfoGAN (`build_export`).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.apis import (
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)
from tensorflow_serving.config import model_server_config_pb2

from keras_infogan import contract
from keras_infogan.serving.client import GrpcClient, RestClient, ServingError, ServingTimeout
from keras_infogan.serving.server import DevServer

pytestmark = pytest.mark.once

REPO = Path(__file__).resolve().parents[1]
MAX_BATCH = 32  # The test server's limit; small so over-limit requests stay cheap.
ATOL = 1e-6  # Served vs in-process float32 outputs (same graph, same CPU kernels).


@dataclass(frozen=True)
class Export:
    """An export directory (holding numeric versions) and its latent layout."""

    path: Path
    versions: tuple[int, ...]
    noise_dim: int
    categorical: tuple[int, ...]
    continuous: int
    image_shape: tuple[int, int, int]


def contract_signatures(export: Export) -> dict[str, dict[str, dict[str, tuple]]]:
    """The contract: signature -> inputs/outputs -> name -> (dtype, shape)."""
    n_cat, n_cont = len(export.categorical), export.continuous
    images = ("DT_FLOAT", (-1, *export.image_shape))
    codes = {"categorical": ("DT_INT32", (-1, n_cat)), "continuous": ("DT_FLOAT", (-1, n_cont))}
    generator_inputs = {"noise": ("DT_FLOAT", (-1, export.noise_dim)), **codes}
    return {
        "serving_default": {"inputs": generator_inputs, "outputs": {"images": images}},
        "sample": {
            "inputs": {"seed": ("DT_INT64", (-1,))},
            "outputs": {"images": images, **generator_inputs},
        },
        "sample_class": {
            "inputs": {"class_name": ("DT_STRING", (-1,)), "seed": ("DT_INT64", (-1,))},
            "outputs": {"images": images, **generator_inputs},
        },
        "encode": {
            "inputs": {"images": images},
            "outputs": {
                **codes,
                "categorical_probs": ("DT_FLOAT", (-1, sum(export.categorical))),
                "continuous_std": ("DT_FLOAT", (-1, n_cont)),
            },
        },
    }


def build_export(export_dir: Path, versions: tuple[int, ...] = (1, 2)) -> Export:
    """Exports a tiny InfoGAN once per version, each with other weights."""
    import keras_infogan as ki

    from conftest import tiny_model

    for version in versions:
        model = tiny_model(seed=version)
        model.compile()
        ki.export(model, str(export_dir), version=version)
    spec = model.spec
    return Export(export_dir, versions, spec.noise_dim, tuple(spec.categorical), spec.continuous, model.image_shape)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    return build_export(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def server(export: Export):
    with DevServer(
        export.path, rest_port=0, grpc_port=0, max_batch=MAX_BATCH, num_versions=2
    ) as dev_server:
        yield dev_server


@pytest.fixture(scope="module")
def reference(export: Export) -> Any:
    """The latest version, loaded in this process: what the served numbers must equal."""
    return tf.saved_model.load(str(export.path / str(max(export.versions))))


@pytest.fixture(scope="module")
def stub(server: DevServer):
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield prediction_service_pb2_grpc.PredictionServiceStub(channel)


@pytest.fixture(params=["rest-instances", "rest-inputs", "grpc"])
def client(request: pytest.FixtureRequest, server: DevServer):
    if request.param == "grpc":
        with GrpcClient(server.grpc_target) as grpc_client:
            yield grpc_client
    else:
        yield RestClient(server.rest_url, format=request.param.split("-")[1])


def generator_inputs(export: Export, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "noise": rng.normal(size=(n, export.noise_dim)).astype(np.float32),
        "categorical": np.stack(
            [rng.integers(0, k, n) for k in export.categorical], axis=-1
        ).astype(np.int32),
        "continuous": rng.uniform(-1, 1, (n, export.continuous)).astype(np.float32),
    }


def in_process(reference: Any, signature: str, **inputs: np.ndarray) -> dict[str, np.ndarray]:
    outputs = reference.signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()})
    return {name: value.numpy() for name, value in outputs.items()}


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """(status, parsed JSON) of a raw request; `body` is JSON-encoded unless bytes."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# ----------------------------------------------------------------------------
# The SavedModel itself, as saved_model_cli shows it.


def parse_saved_model_cli(text: str) -> dict[str, dict[str, dict[str, tuple]]]:
    """`saved_model_cli show --all` output -> signature -> inputs/outputs -> (dtype, shape)."""
    signatures: dict[str, dict[str, dict[str, tuple]]] = {}
    pattern = re.compile(
        r"(inputs|outputs)\['([^']+)'\] tensor_info:\s+dtype: (\w+)\s+shape: (\([^)]*\)|\w+)"
    )
    for block in re.split(r"^signature_def\['", text, flags=re.M)[1:]:
        name = block.split("'", 1)[0]
        entry = signatures[name] = {"inputs": {}, "outputs": {}}
        for kind, tensor, dtype, shape in pattern.findall(block):
            dims = None if shape == "unknown_rank" else tuple(
                int(d) for d in shape.strip("()").split(",") if d.strip()
            )
            entry[kind][tensor] = (dtype, dims)
    return signatures


def test_saved_model_cli_shows_the_contract(export: Export) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "show",
         "--dir", str(export.path / str(export.versions[0])), "--all"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    shown = parse_saved_model_cli(result.stdout)
    for name, expected in contract_signatures(export).items():
        assert shown[name] == expected, name


# ----------------------------------------------------------------------------
# Round trips: every client against the in-process SavedModel.


def test_generate_matches_in_process(client, export: Export, reference: Any) -> None:
    inputs = generator_inputs(export, 5)
    images = client.generate(**inputs)
    expected = in_process(reference, "serving_default", **inputs)["images"]
    assert images.dtype == np.float32 and images.shape == (5, *export.image_shape)
    np.testing.assert_allclose(images, expected, rtol=0, atol=ATOL)
    assert 0.0 <= images.min() and images.max() <= 1.0


def test_sample_is_deterministic_per_seed(client, export: Export, reference: Any) -> None:
    seeds = np.array([3, 11, 3], dtype=np.int64)
    drawn = client.sample(seeds)
    expected = in_process(reference, "sample", seed=seeds)
    assert set(drawn) == {"images", "noise", "categorical", "continuous"}
    for name, value in expected.items():
        assert drawn[name].dtype == value.dtype, name
        np.testing.assert_allclose(drawn[name], value, rtol=0, atol=ATOL, err_msg=name)
    np.testing.assert_array_equal(drawn["images"][0], drawn["images"][2])
    assert not np.array_equal(drawn["images"][0], drawn["images"][1])
    regenerated = client.generate(drawn["noise"], drawn["categorical"], drawn["continuous"])
    np.testing.assert_allclose(regenerated, drawn["images"], rtol=0, atol=ATOL)


def test_sample_class_takes_strings(client, export: Export, reference: Any) -> None:
    names, seeds = np.array(["2", "0"]), np.array([4, 5], dtype=np.int64)
    drawn = client.sample_class(names, seeds)
    expected = in_process(reference, "sample_class", class_name=names, seed=seeds)
    for name, value in expected.items():
        np.testing.assert_allclose(drawn[name], value, rtol=0, atol=ATOL, err_msg=name)
    assert drawn["categorical"][:, 0].tolist() == [2, 0]
    with pytest.raises(ServingError, match="class_name must be one of: 0, 1, 2"):
        client.sample_class(["7"], [1])


def test_encode_matches_in_process(client, export: Export, reference: Any) -> None:
    images = in_process(reference, "serving_default", **generator_inputs(export, 4))["images"]
    codes = client.encode(images)
    expected = in_process(reference, "encode", images=images)
    assert {k: (v.dtype, v.shape) for k, v in codes.items()} == {
        k: (v.dtype, v.shape) for k, v in expected.items()
    }
    for name, value in expected.items():
        np.testing.assert_allclose(codes[name], value, rtol=0, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(codes["categorical_probs"].sum(-1), 1.0, atol=1e-5)
    assert (codes["continuous_std"] > 0).all()


def test_versions_are_addressable(server: DevServer, export: Export, reference: Any) -> None:
    inputs = generator_inputs(export, 2)
    latest = RestClient(server.rest_url).generate(**inputs)
    by_version = {v: RestClient(server.rest_url, version=v).generate(**inputs)
                  for v in export.versions}
    np.testing.assert_array_equal(latest, by_version[max(export.versions)])
    assert not np.allclose(by_version[export.versions[0]], by_version[export.versions[1]])
    with GrpcClient(server.grpc_target, version=export.versions[0]) as old:
        np.testing.assert_allclose(old.generate(**inputs), by_version[export.versions[0]],
                                   rtol=0, atol=ATOL)


# ----------------------------------------------------------------------------
# TF Serving's REST JSON shapes.


def test_rest_response_shapes(server: DevServer, export: Export) -> None:
    url = f"{server.rest_url}/v1/models/infogan:predict"
    row = {k: v[0].tolist() for k, v in generator_inputs(export, 1).items()}
    status, body = http("POST", url, {"instances": [row, row]})  # Single output, row format.
    assert status == 200 and list(body) == ["predictions"]
    assert np.shape(body["predictions"]) == (2, *export.image_shape)

    status, body = http("POST", url, {"signature_name": "sample", "instances": [1, 2]})
    assert status == 200 and len(body["predictions"]) == 2  # Plain list: one input.
    assert set(body["predictions"][0]) == {"images", "noise", "categorical", "continuous"}

    columns = {k: v.tolist() for k, v in generator_inputs(export, 3).items()}
    status, body = http("POST", url, {"inputs": columns})
    assert status == 200 and list(body) == ["outputs"]
    assert np.shape(body["outputs"]) == (3, *export.image_shape)  # One output: bare list.

    status, body = http("POST", url, {"signature_name": "sample", "inputs": [5, 6, 7]})
    assert status == 200 and np.shape(body["outputs"]["noise"]) == (3, export.noise_dim)


def test_rest_model_status(server: DevServer, export: Export) -> None:
    available = {"state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
    status, body = http("GET", f"{server.rest_url}/v1/models/infogan")
    assert status == 200
    assert body == {"model_version_status": [
        {"version": str(v), **available} for v in export.versions
    ]}
    status, body = http("GET", f"{server.rest_url}/v1/models/infogan/versions/1")
    assert status == 200 and body == {"model_version_status": [{"version": "1", **available}]}


def test_rest_and_grpc_metadata(server: DevServer, export: Export) -> None:
    rest = RestClient(server.rest_url).metadata()
    assert rest["model_spec"] == {
        "name": "infogan", "signature_name": "", "version": str(max(export.versions))
    }
    signature_defs = rest["metadata"]["signature_def"]["signature_def"]
    noise = signature_defs["serving_default"]["inputs"]["noise"]
    assert noise["dtype"] == "DT_FLOAT"
    assert [d["size"] for d in noise["tensor_shape"]["dim"]] == ["-1", str(export.noise_dim)]
    assert signature_defs["sample"]["method_name"] == "tensorflow/serving/predict"
    for name, expected in contract_signatures(export).items():
        for kind in ("inputs", "outputs"):
            served = {
                tensor: (info["dtype"], tuple(int(d["size"]) for d in info["tensor_shape"]["dim"]))
                for tensor, info in signature_defs[name][kind].items()
            }
            assert served == expected[kind], (name, kind)
    with GrpcClient(server.grpc_target) as grpc_client:
        assert grpc_client.metadata() == rest
    status, body = http("GET", f"{server.rest_url}/v1/models/infogan/versions/1/metadata")
    assert status == 200 and body["model_spec"]["version"] == "1"


def test_grpc_model_status(server: DevServer, export: Export) -> None:
    with grpc.insecure_channel(server.grpc_target) as channel:
        stub = model_service_pb2_grpc.ModelServiceStub(channel)
        request = get_model_status_pb2.GetModelStatusRequest()
        request.model_spec.name = "infogan"
        response = stub.GetModelStatus(request, timeout=10)
        assert [s.version for s in response.model_version_status] == list(export.versions)
        assert {s.state for s in response.model_version_status} == {
            get_model_status_pb2.ModelVersionStatus.AVAILABLE
        }
        request.model_spec.name = "nope"
        with pytest.raises(grpc.RpcError) as raised:
            stub.GetModelStatus(request, timeout=10)
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND


# ----------------------------------------------------------------------------
# Errors: TF Serving's shapes, and the server keeps serving afterwards.


def _rows(export: Export, n: int, **override: Any) -> list[dict[str, Any]]:
    columns = {k: v.tolist() for k, v in generator_inputs(export, n).items()}
    rows = [{k: col[i] for k, col in columns.items()} for i in range(n)]
    for row in rows:
        row.update(override)
    return rows


MALFORMED_REST = {
    "bad json": (lambda e: b'{"instances": [', "JSON Parse error"),
    "empty body": (lambda e: b"", "The document is empty"),
    "not an object": (lambda e: [1, 2], "Is not object"),
    "no instances or inputs": (lambda e: {"signature_name": "sample"}, "Missing 'inputs'"),
    "unknown signature": (
        lambda e: {"signature_name": "nope", "instances": [1]},
        'Serving signature key "nope" not found',
    ),
    "missing input (row)": (
        lambda e: {"instances": [{"noise": [0.0] * e.noise_dim}]},
        "Each object needs exactly the keys categorical, continuous, noise",
    ),
    "missing input (columnar)": (
        lambda e: {"inputs": {"noise": [[0.0] * e.noise_dim]}},
        "missing input(s) categorical, continuous",
    ),
    "unknown input (columnar)": (
        lambda e: {"inputs": {**{k: v.tolist() for k, v in generator_inputs(e, 1).items()},
                              "extra": [1]}},
        "unknown input(s) extra",
    ),
    "wrong dtype": (
        lambda e: {"instances": _rows(e, 1, categorical=[1.5] * len(e.categorical))},
        "Input 'categorical' of signature 'serving_default' must be int32",
    ),
    "string for float": (
        lambda e: {"instances": _rows(e, 1, noise=["a"] * e.noise_dim)},
        "Input 'noise' of signature 'serving_default' must be float32",
    ),
    "number for string": (
        lambda e: {"signature_name": "sample_class", "instances": [{"class_name": 2, "seed": 1}]},
        "Input 'class_name' of signature 'sample_class' must be string (strings)",
    ),
    "wrong shape": (
        lambda e: {"instances": _rows(e, 1, noise=[0.0] * (e.noise_dim + 1))},
        "Input 'noise' of signature 'serving_default' must have shape [N, ",
    ),
    "ragged rows": (
        lambda e: {"inputs": {**{k: v.tolist() for k, v in generator_inputs(e, 2).items()},
                              "noise": [[0.0] * e.noise_dim, [0.0]]}},
        "ragged list",
    ),
    "mismatched batch": (
        lambda e: {"inputs": {**{k: v.tolist() for k, v in generator_inputs(e, 2).items()},
                              "noise": [[0.0] * e.noise_dim] * 3}},
        "different batch sizes",
    ),
    "code too large": (
        lambda e: {"instances": _rows(e, 2, categorical=list(e.categorical))},
        "categorical code 0 takes values 0..2",
    ),
    "negative code": (
        lambda e: {"instances": _rows(e, 1, categorical=[-1] * len(e.categorical))},
        "categorical code 0 takes values 0..2",
    ),
    "batch over max_batch": (
        lambda e: {"instances": _rows(e, MAX_BATCH + 1)},
        f"Batch size {MAX_BATCH + 1} is larger than the server's max_batch {MAX_BATCH}",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED_REST))
def test_rest_malformed_request_is_400_and_server_recovers(
    case: str, server: DevServer, export: Export
) -> None:
    make_body, message = MALFORMED_REST[case]
    status, body = http("POST", f"{server.rest_url}/v1/models/infogan:predict", make_body(export))
    assert status == 400 and list(body) == ["error"], body
    assert message in body["error"]
    assert RestClient(server.rest_url).generate(**generator_inputs(export, 1)).shape[0] == 1


@pytest.mark.parametrize("path", [
    "/v1/models/nope:predict", "/v1/models/infogan/versions/9:predict",
    "/v1/models/nope", "/v1/models/infogan/versions/9/metadata",
])
def test_rest_unknown_model_or_version_is_404(
    path: str, server: DevServer, export: Export
) -> None:
    method = "POST" if path.endswith(":predict") else "GET"
    body = {"instances": _rows(export, 1)} if method == "POST" else None
    status, response = http(method, server.rest_url + path, body)
    assert status == 404 and "Servable not found" in response["error"]


def test_rest_malformed_path_is_400(server: DevServer) -> None:
    status, body = http("POST", f"{server.rest_url}/v1/models/infogan:classify", {})
    assert status == 400 and body["error"].startswith("Malformed request")


def _predict_request(signature: str = "serving_default", **inputs: np.ndarray):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "infogan"
    request.model_spec.signature_name = signature
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    return request


def _grpc_case(export: Export, **override: np.ndarray) -> dict[str, np.ndarray]:
    return {**generator_inputs(export, 2), **override}


MALFORMED_GRPC = {
    "wrong dtype": (
        lambda e: _grpc_case(e, categorical=np.zeros((2, len(e.categorical)), np.float32)),
        grpc.StatusCode.INVALID_ARGUMENT, "must be int32, got float32",
    ),
    "wrong shape": (
        lambda e: _grpc_case(e, noise=np.zeros((2, e.noise_dim, 1), np.float32)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "Input 'noise' of signature 'serving_default' must have shape",
    ),
    "missing input": (
        lambda e: {"noise": np.zeros((1, e.noise_dim), np.float32)},
        grpc.StatusCode.INVALID_ARGUMENT, "missing input(s) categorical, continuous",
    ),
    "code too large": (
        lambda e: _grpc_case(e, categorical=np.array([e.categorical] * 2, np.int32)),
        grpc.StatusCode.INVALID_ARGUMENT, "categorical code 0 takes values 0..2",
    ),
    "batch over max_batch": (
        lambda e: generator_inputs(e, MAX_BATCH + 1),
        grpc.StatusCode.INVALID_ARGUMENT, "larger than the server's max_batch",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED_GRPC))
def test_grpc_malformed_request_and_server_recovers(
    case: str, stub: Any, export: Export
) -> None:
    make_inputs, code, message = MALFORMED_GRPC[case]
    with pytest.raises(grpc.RpcError) as raised:
        stub.Predict(_predict_request(**make_inputs(export)), timeout=10)
    assert raised.value.code() == code and message in raised.value.details()
    response = stub.Predict(_predict_request(**generator_inputs(export, 1)), timeout=10)
    assert tf.make_ndarray(response.outputs["images"]).shape == (1, *export.image_shape)


def test_grpc_unknown_signature_model_and_version(stub: Any, export: Export) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        stub.Predict(_predict_request("nope", seed=np.array([1])), timeout=10)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # As TF Serving.
    request = _predict_request(**generator_inputs(export, 1))
    request.model_spec.version.value = 9
    with pytest.raises(grpc.RpcError) as raised:
        stub.Predict(request, timeout=10)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def test_grpc_output_filter(stub: Any) -> None:
    request = _predict_request("sample", seed=np.array([1, 2], np.int64))
    request.output_filter.append("noise")
    assert list(stub.Predict(request, timeout=10).outputs) == ["noise"]


def test_client_errors_carry_status_and_message(server: DevServer, export: Export) -> None:
    bad = generator_inputs(export, 1)
    bad["categorical"][:] = export.categorical
    with pytest.raises(ServingError) as raised:
        RestClient(server.rest_url).generate(**bad)
    assert raised.value.http_status == 400
    assert "takes values 0..2" in raised.value.server_message
    with pytest.raises(ServingError) as raised:
        RestClient(server.rest_url, model_name="nope").sample([1])
    assert raised.value.http_status == 404
    with GrpcClient(server.grpc_target) as grpc_client, pytest.raises(ServingError) as raised:
        grpc_client.generate(**bad)
    assert raised.value.grpc_code == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(TypeError, match="integer indices"):
        RestClient(server.rest_url).generate(bad["noise"], bad["categorical"] * 0.5)


def test_client_timeouts_and_unreachable_server() -> None:
    with socket.socket() as silent:  # Accepts connections, never answers.
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        with pytest.raises(ServingTimeout):
            RestClient(f"http://127.0.0.1:{port}", timeout=0.3).sample([1])
        with GrpcClient(f"127.0.0.1:{port}", timeout=0.3) as grpc_client:
            with pytest.raises(ServingTimeout) as raised:
                grpc_client.sample([1])
        assert raised.value.grpc_code == grpc.StatusCode.DEADLINE_EXCEEDED
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        free_port = closed.getsockname()[1]
    with pytest.raises(ServingError, match="Is the model server running") as raised:
        RestClient(f"http://127.0.0.1:{free_port}", timeout=2).sample([1])
    assert not isinstance(raised.value, ServingTimeout)


def test_rest_body_over_the_limit_is_413_unread(server: DevServer, export: Export) -> None:
    """The limit follows max_batch: a body that cannot hold max_batch rows'
    worth more is refused from its Content-Length, before it is read."""
    limit = server.repository.body_limit(MAX_BATCH, 64)
    assert limit > len(json.dumps({"instances": _rows(export, MAX_BATCH)}))
    with socket.create_connection(("127.0.0.1", server.rest_port), timeout=10) as sock:
        sock.sendall(
            f"POST /v1/models/infogan:predict HTTP/1.1\r\nHost: x\r\nContent-Length: {10**12}\r\n\r\n".encode()
        )
        reply = sock.makefile("rb").read().decode()  # The server answers and closes at once.
    status_line, _, body = reply.partition("\r\n")
    assert status_line.startswith("HTTP/1.1 413")
    assert f"larger than the {limit} bytes that max_batch {MAX_BATCH} rows need" in body
    status, _ = http("GET", f"{server.rest_url}/v1/models/infogan")
    assert status == 200
    big = json.dumps({"instances": [1] * (limit // 2)}).encode()  # Sent whole; the answer still arrives.
    status, answer = http("POST", f"{server.rest_url}/v1/models/infogan:predict", big)
    assert status == 413 and "max_batch" in answer["error"]
    indented = json.dumps({"instances": _rows(export, MAX_BATCH)}, indent=2).encode()  # Within the limit.
    assert len(indented) <= limit
    with socket.create_connection(("127.0.0.1", server.rest_port), timeout=10) as sock:
        sock.sendall(b"POST /v1/models/infogan:predict HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
        assert sock.makefile("rb").readline().startswith(b"HTTP/1.1 400")


def test_grpc_message_over_the_limit_is_refused(stub: Any, server: DevServer, export: Export) -> None:
    limit = server.repository.body_limit(MAX_BATCH, 8)
    rows = limit // (4 * export.noise_dim) + 1
    request = _predict_request(**{**generator_inputs(export, 1), "noise": np.zeros((rows, export.noise_dim), "float32")})
    with pytest.raises(grpc.RpcError) as raised:
        stub.Predict(request, timeout=30)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    response = stub.Predict(_predict_request(**generator_inputs(export, 2)), timeout=30)  # The server still serves.
    assert tf.make_ndarray(response.outputs["images"]).shape == (2, *export.image_shape)


# ----------------------------------------------------------------------------
# Concurrency, lifecycle, export layout.


def test_concurrent_clients(server: DevServer, export: Export, reference: Any) -> None:
    """8 clients (4 REST, 4 gRPC) x 50 requests, each checked against in-process output."""
    inputs = [generator_inputs(export, 2, seed=i) for i in range(50)]
    expected = [in_process(reference, "serving_default", **x)["images"] for x in inputs]

    def run(worker: int) -> int:
        if worker % 2:
            client = GrpcClient(server.grpc_target)
        else:
            client = RestClient(server.rest_url, format=("instances", "inputs")[worker % 4 // 2])
        with client:
            for x, want in zip(inputs, expected):
                np.testing.assert_allclose(client.generate(**x), want, rtol=0, atol=ATOL)
        return len(inputs)

    with futures.ThreadPoolExecutor(8) as pool:
        done = [job.result(timeout=60) for job in [pool.submit(run, w) for w in range(8)]]
    assert done == [50] * 8


def test_dev_server_lifecycle_and_banner(export: Export, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="keras_infogan.serving.server"):
        dev_server = DevServer(export.path, rest_port=0, grpc_port=0).start()
    try:
        assert dev_server.rest_port > 0 and dev_server.grpc_port > 0
        assert sorted(dev_server.repository.servables) == [max(export.versions)]
        assert "development server" in caplog.text and "serving/README.md" in caplog.text
        status, _ = http("GET", f"{dev_server.rest_url}/v1/models/infogan")
        assert status == 200
    finally:
        dev_server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{dev_server.rest_url}/v1/models/infogan", timeout=2)


@pytest.mark.parametrize("taken", ["rest", "grpc"])
def test_port_in_use_fails_clearly(taken: str, server: DevServer, export: Export) -> None:
    ports = {"rest_port": 0, "grpc_port": 0, f"{taken}_port": getattr(server, f"{taken}_port")}
    with pytest.raises(OSError, match="Is another server"):
        DevServer(export.path, **ports).start()


def test_export_layout_errors(tmp_path: Path, export: Export) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        DevServer(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="No numeric version folders"):
        DevServer(tmp_path)
    with pytest.raises(ValueError, match="pass its parent directory"):
        DevServer(export.path / str(export.versions[0]))


# ----------------------------------------------------------------------------
# serving/: the real TF Serving's configuration, parsed with its own protos.


def batching_parameters_class() -> type:
    """tensorflow.serving.BatchingParameters.

    The tensorflow-serving-api wheel does not ship session_bundle_config_pb2,
    so when it is missing the message is rebuilt field for field from
    tensorflow_serving/servables/tensorflow/session_bundle_config.proto.
    """
    try:
        from tensorflow_serving.servables.tensorflow import session_bundle_config_pb2
    except ImportError:
        pass
    else:
        return session_bundle_config_pb2.BatchingParameters
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, wrappers_pb2

    field = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="tensorflow_serving/servables/tensorflow/session_bundle_config.proto",
        package="tensorflow.serving",
        syntax="proto3",
        dependency=["google/protobuf/wrappers.proto"],
    )
    message = proto.message_type.add(name="BatchingParameters")
    for name, number, wrapper in [
        ("max_batch_size", 1, "Int64Value"),
        ("batch_timeout_micros", 2, "Int64Value"),
        ("max_enqueued_batches", 3, "Int64Value"),
        ("num_batch_threads", 4, "Int64Value"),
        ("thread_pool_name", 5, "StringValue"),
        ("enable_large_batch_splitting", 8, "BoolValue"),
        ("max_execution_batch_size", 9, "Int64Value"),
    ]:
        message.field.add(name=name, number=number, type=field.TYPE_MESSAGE,
                          label=field.LABEL_OPTIONAL, type_name=f".google.protobuf.{wrapper}")
    message.field.add(name="allowed_batch_sizes", number=6, type=field.TYPE_INT64,
                      label=field.LABEL_REPEATED)
    message.field.add(name="pad_variable_length_inputs", number=7, type=field.TYPE_BOOL,
                      label=field.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(wrappers_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(proto)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName("tensorflow.serving.BatchingParameters")
    )


def test_models_config_parses() -> None:
    config = text_format.Parse(
        (REPO / "serving" / "models.config").read_text(),
        model_server_config_pb2.ModelServerConfig(),
    )
    (model,) = config.model_config_list.config
    assert (model.name, model.base_path, model.model_platform) == (
        "infogan", "/models/infogan", "tensorflow"
    )
    assert model.model_version_policy.latest.num_versions >= 1


def test_batching_parameters_parse() -> None:
    params = text_format.Parse(
        (REPO / "serving" / "batching_parameters.txt").read_text(), batching_parameters_class()()
    )
    sizes = list(params.allowed_batch_sizes)
    assert params.max_batch_size.value == contract.DEFAULT_MAX_BATCH  # Same limit as the dev server.
    assert sizes == sorted(sizes) and sizes[-1] == params.max_batch_size.value
    assert params.batch_timeout_micros.value > 0 and params.num_batch_threads.value >= 1
    assert params.max_enqueued_batches.value >= 1


SERVER_FLAGS = ("--model_config_file=", "--enable_batching", "--batching_parameters_file=",
                "--file_system_poll_wait_seconds=")


def test_run_sh() -> None:
    run_sh = (REPO / "serving" / "run.sh").read_text()
    subprocess.run(["bash", "-n", str(REPO / "serving" / "run.sh")], check=True)
    for flag in SERVER_FLAGS:
        assert flag in run_sh, flag
    assert "/models/infogan" in run_sh and "8500:8500" in run_sh and "8501:8501" in run_sh


def test_docker_compose() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((REPO / "serving" / "docker-compose.yml").read_text())
    (service,) = compose["services"].values()
    assert "tensorflow/serving" in service["image"]
    assert {"8500:8500", "8501:8501"} <= {str(p) for p in service["ports"]}
    assert any(":/models/infogan:" in str(v) for v in service["volumes"])
    command = " ".join(service["command"])
    for flag in SERVER_FLAGS:
        assert flag in command, flag


def test_string_outputs_are_json_text_as_tf_serving_writes_them():
    """A table model's columns come back as text, in both REST formats."""
    from keras_infogan.serving.server import _outputs_to_json

    outputs = {"colour": np.array([b"red", "gr\u00fcn".encode()], dtype=object), "size": np.array([1.5, np.nan])}
    rows = json.loads(json.dumps(_outputs_to_json(outputs, row_format=True)))
    assert [r["colour"] for r in rows["predictions"]] == ["red", "gr\u00fcn"]
    columns = _outputs_to_json(outputs, row_format=False)["outputs"]
    assert columns["colour"] == ["red", "gr\u00fcn"] and columns["size"][0] == 1.5
