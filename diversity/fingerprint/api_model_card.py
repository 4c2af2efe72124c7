"""REST API of the model card and of release shares: how sure the fingerprinting is, and who
runs which release.

Routes (under /api/):
  model-card/          the latest evaluation's figures, when the model was last retrained and
                       on how many declared members
  evaluations/         every kept evaluation (list, detail); ?network=
  release-shares/      members per implementation and release now, or ?at=; ?kind=
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from diversity.fingerprint.api import TIME_HELP, _moment, _network
from diversity.fingerprint.assignments import KINDS
from diversity.fingerprint.model_card import model_card
from diversity.fingerprint.shares import ShareBook
from diversity.models import Kind, ModelEvaluation
from votes.page_cache import CachedByState
from votes.state import CHAIN, DECLARATIONS, FINGERPRINT

RATE = {"allow_null": True, "min_value": 0.0, "max_value": 1.0}


class ImplementationRateSerializer(serializers.Serializer):
    implementation = serializers.CharField(help_text='an implementation, or "unknown"')
    members = serializers.IntegerField(help_text="members that really ran it")
    member_days = serializers.IntegerField(help_text="held-out member-days that really ran it")
    named = serializers.IntegerField(help_text="member-days the model named it")
    tpr = serializers.FloatField(help_text="true-positive rate: of member-days that ran it, "
                                 "the share named it", **RATE)  # fmt: skip
    ppv = serializers.FloatField(help_text="positive predictive value: of member-days named "
                                 "it, the share that ran it", **RATE)  # fmt: skip


class CalibrationBinSerializer(serializers.Serializer):
    confidence = serializers.CharField(help_text="the confidence range, e.g. 0.8-0.9")
    count = serializers.IntegerField()
    mean_confidence = serializers.FloatField(allow_null=True)
    accuracy = serializers.FloatField(allow_null=True)


class GeneralisationOutcomeSerializer(serializers.Serializer):
    member_days = serializers.IntegerField()
    right = serializers.IntegerField(help_text="named the implementation, or unknown for a new one")
    rate = serializers.FloatField(**RATE)
    flagged_unrecognised_release = serializers.IntegerField()
    flagged_unknown_implementation = serializers.IntegerField()


class GeneralisationSerializer(serializers.Serializer):
    """Behaviour the model was not built from (releases and implementations only the
    evaluation's extra profiles describe)."""

    new_releases = GeneralisationOutcomeSerializer(help_text="should be named their implementation")
    new_implementations = GeneralisationOutcomeSerializer(help_text="should be called unknown")
    by_release = serializers.DictField(
        child=GeneralisationOutcomeSerializer(), help_text="per name@version"
    )


class ReleaseAccuracySerializer(serializers.Serializer):
    member_days = serializers.IntegerField(help_text="on a known release, implementation right")
    right = serializers.IntegerField()
    not_named = serializers.IntegerField()
    wrong = serializers.IntegerField()
    rate = serializers.FloatField(**RATE)


class KindFiguresSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    evaluated = serializers.IntegerField(help_text="members at the end of the history")
    declared = serializers.IntegerField()
    member_days = serializers.IntegerField(help_text="held-out member-days scored")
    skipped_member_days = serializers.DictField(child=serializers.IntegerField())
    implementations = ImplementationRateSerializer(many=True)
    labels = serializers.ListField(child=serializers.CharField())
    confusion = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="member-days; rows: the truth, columns: the model's label (labels' order)",
    )
    calibration = CalibrationBinSerializer(many=True)
    generalisation = GeneralisationSerializer()
    releases = ReleaseAccuracySerializer()


class EvaluationSerializer(serializers.ModelSerializer):
    kinds = KindFiguresSerializer(many=True, source="kind_figures")

    class Meta:
        model = ModelEvaluation
        fields = ["id", "network", "evaluated_at", "as_of", "source", "declared_members", "kinds"]


class EvaluationViewSet(CachedByState, viewsets.ReadOnlyModelViewSet):
    state_parts = (FINGERPRINT,)
    queryset = ModelEvaluation.objects.all()
    serializer_class = EvaluationSerializer
    filterset_fields = ["network"]


class TrainingSerializer(serializers.Serializer):
    retrained_at = serializers.DateTimeField(allow_null=True, help_text="the latest refresh")
    as_of = serializers.DateTimeField(allow_null=True, help_text="the chain time it reached")
    declared_members = serializers.DictField(child=serializers.IntegerField(),
                                             help_text="per kind: the training set")  # fmt: skip


@extend_schema_serializer(many=False)  # one object, although the route is the list action
class ModelCardSerializer(serializers.Serializer):
    network = serializers.CharField()
    training = TrainingSerializer()
    evaluation = EvaluationSerializer(allow_null=True, help_text="the latest, of any network")
    stale = serializers.BooleanField(
        help_text="the model now trains on another number of declared members than evaluated"
    )


class ModelCardViewSet(CachedByState, viewsets.ViewSet):
    """How sure the fingerprinting is: what blockprint publishes for its classifier."""

    state_parts = (CHAIN, DECLARATIONS, FINGERPRINT)

    @extend_schema(responses=ModelCardSerializer, parameters=[OpenApiParameter("network", str)])
    def list(self, request, format=None):
        card = model_card(_network(request))
        return Response(ModelCardSerializer(card).data)


class ReleaseShareSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    implementation = serializers.CharField(help_text='"unknown": no implementation recognised')
    release = serializers.CharField(help_text='a version, "unrecognised" or "not told"')
    members = serializers.IntegerField()
    total = serializers.IntegerField()
    share = serializers.FloatField()


class ReleaseSharesViewSet(CachedByState, viewsets.ViewSet):
    """Members per implementation and release: for upgrade coordination."""

    state_parts = (CHAIN, DECLARATIONS, FINGERPRINT)

    @extend_schema(responses=ReleaseShareSerializer(many=True), parameters=[
        OpenApiParameter("at", str, description=f"{TIME_HELP}; default: the latest indexed"),
        OpenApiParameter("kind", str, enum=list(KINDS)), OpenApiParameter("network", str),
    ])  # fmt: skip
    def list(self, request, format=None):
        network = _network(request)
        moment = _moment(request, network)
        if moment is None:
            return Response([])
        book = ShareBook(network, at=moment)
        kind = request.query_params.get("kind")
        if kind and kind not in KINDS:
            raise ValidationError({"kind": f"one of {', '.join(KINDS)}"})
        kinds = [kind] if kind else KINDS
        rows = [row.as_dict() for kind in kinds for row in book.release_shares(kind, moment)]
        return Response(ReleaseShareSerializer(rows, many=True).data)


def register_model_card_routes(router) -> None:
    router.register("model-card", ModelCardViewSet, basename="model-card")
    router.register("evaluations", EvaluationViewSet)
    router.register("release-shares", ReleaseSharesViewSet, basename="release-shares")
