"""TF Serving's model metadata as its REST API writes it, for the server's
REST answer and the gRPC client's, from the published protos."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from tensorflow_serving.apis import get_model_metadata_pb2

__all__ = ["SIGNATURE_DEF_FIELD", "metadata_to_json"]

SIGNATURE_DEF_FIELD = "signature_def"
"""The one metadata field TF Serving has."""


def metadata_to_json(response: get_model_metadata_pb2.GetModelMetadataResponse) -> dict[str, Any]:
    """TF Serving's REST metadata body: model_spec plus the unpacked signature_def map."""
    signature_def_map = get_model_metadata_pb2.SignatureDefMap()
    response.metadata[SIGNATURE_DEF_FIELD].Unpack(signature_def_map)
    options = dict(
        preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    signature_defs = json_format.MessageToDict(signature_def_map, **options)
    return {
        "model_spec": json_format.MessageToDict(response.model_spec, **options),
        "metadata": {SIGNATURE_DEF_FIELD: signature_defs},
    }
