"""The transparency log's read API: checkpoints, the verifier key, and proofs. Readable by any signed-in
account or device — it reveals only sizes and hashes."""
from __future__ import annotations

import datetime

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.openapi import client_error
from greenshield import merkle
from greenshield.errors import NotFound, ValidationFailed

from .. import services
from ..keys import log_verifier

NO_CHECKPOINT = client_error("The log has no signed checkpoint yet.", "not_found")


def _integer(request, name: str) -> int:
    raw = request.query_params.get(name, "")
    if not raw.isdigit() or len(raw) > 19:
        raise ValidationFailed(f"{name} must be a non-negative integer.", code="invalid_proof_request", attr=name)
    return int(raw)


def _hex(hashes) -> list[str]:
    return [h.hex() for h in hashes]


class CheckpointView(APIView):
    @extend_schema(operation_id="log_checkpoint", summary="The latest signed checkpoint (C2SP tlog-checkpoint)",
                   responses={(200, "text/plain"): OpenApiTypes.STR, 404: NO_CHECKPOINT})
    def get(self, request):
        latest = services.checkpoint_latest()
        if latest is None:
            raise NotFound("The log has no signed checkpoint yet.")
        return HttpResponse(latest.note, content_type="text/plain; charset=utf-8")


class VerifierKeyView(APIView):
    @extend_schema(operation_id="log_key", summary="The log's verifier key (signed-note format)",
                   responses=inline_serializer("LogVerifierKey", {"verifier_key": serializers.CharField()}))
    def get(self, request):
        return Response({"verifier_key": log_verifier().encode()})


CheckpointItem = inline_serializer("LogCheckpointItem", {
    "size": serializers.IntegerField(), "signed_at": serializers.DateTimeField(),
    "checkpoint": serializers.CharField()})


@extend_validation_errors(["invalid"], field_name="date")
class CheckpointHistoryView(APIView):
    @extend_schema(operation_id="log_checkpoints", summary="Every checkpoint signed on a day (China calendar day)",
                   parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=False,
                                                description="YYYY-MM-DD; default today")],
                   responses={200: CheckpointItem.__class__(many=True)})
    def get(self, request):
        raw = request.query_params.get("date")
        if raw:
            try:
                day = datetime.date.fromisoformat(raw)
            except ValueError:
                raise ValidationFailed("date is YYYY-MM-DD.", code="invalid", attr="date") from None
        else:
            day = timezone.localdate()
        rows = services.checkpoints_of_day(day).values_list("size", "signed_at", "note")
        return Response([{"size": size, "signed_at": signed_at, "checkpoint": note_text}
                         for size, signed_at, note_text in rows])


@extend_validation_errors(["invalid_proof_request"], field_name="index")
@extend_validation_errors(["invalid_proof_request"], field_name="size")
class InclusionProofView(APIView):
    @extend_schema(operation_id="log_inclusion_proof", summary="Proof that leaf `index` is in the tree of `size`",
                   parameters=[OpenApiParameter("index", OpenApiTypes.INT, required=True),
                               OpenApiParameter("size", OpenApiTypes.INT, required=True)],
                   responses={200: inline_serializer("LogInclusionProof", {
                       "index": serializers.IntegerField(), "size": serializers.IntegerField(),
                       "leaf_hash": serializers.CharField(), "hashes": serializers.ListField(
                           child=serializers.CharField())})})
    def get(self, request):
        index, size = _integer(request, "index"), _integer(request, "size")
        current = services.tree_size()
        if index >= size or size > current:
            raise ValidationFailed(f"Need index < size ≤ {current} (the latest checkpoint).",
                                   code="invalid_proof_request", attr="index" if index >= size else "size")
        try:
            proof, leaf = services.with_tree(size, lambda tree: (tree.inclusion_proof(index), tree.node(0, index)))
        except merkle.ProofError as exc:
            raise ValidationFailed(str(exc), code="invalid_proof_request", attr="size") from None
        return Response({"index": index, "size": size, "leaf_hash": leaf.hex(), "hashes": _hex(proof)})


@extend_validation_errors(["invalid_proof_request"], field_name="from")
@extend_validation_errors(["invalid_proof_request"], field_name="to")
class ConsistencyProofView(APIView):
    @extend_schema(operation_id="log_consistency_proof",
                   summary="Proof that the tree of size `to` extends the tree of size `from`",
                   parameters=[OpenApiParameter("from", OpenApiTypes.INT, required=True),
                               OpenApiParameter("to", OpenApiTypes.INT, required=True)],
                   responses={200: inline_serializer("LogConsistencyProof", {
                       "from": serializers.IntegerField(), "to": serializers.IntegerField(),
                       "hashes": serializers.ListField(child=serializers.CharField())})})
    def get(self, request):
        old, new = _integer(request, "from"), _integer(request, "to")
        current = services.tree_size()
        if not 0 < old <= new or new > current:
            raise ValidationFailed(f"Need 0 < from ≤ to ≤ {current} (the latest checkpoint).",
                                   code="invalid_proof_request", attr="from" if not 0 < old <= new else "to")
        try:
            proof = services.with_tree(new, lambda tree: tree.consistency_proof(old))
        except merkle.ProofError as exc:
            raise ValidationFailed(str(exc), code="invalid_proof_request", attr="to") from None
        return Response({"from": old, "to": new, "hashes": _hex(proof)})


