"""REST API of fingerprinting: implementations, declarations (POST to declare), assignments and
shares (now, at any time, and as a time series in JSON or CSV for the dashboard's charts).

Routes (under /api/):
  implementations/                 list, detail; ?kind=&name=
  declarations/                    list, detail; ?member=&network=&watchtower=&treegen=
  declarations/  POST              {"message", "signature"} or Smartnode's {"msg", "sig"}
  declarations/message/            text to sign: ?member=&watchtower=&treegen=[&nonce=&timestamp=]
  assignments/                     list, detail; ?member=&kind=&source=&flag=&as_of=&current=true
  shares/                          shares with bounds now, or ?at=<ISO time or unix seconds>
  shares/series/                   every day's shares; ?kind=&start=&end=&format=csv

Reads are served from the cache while the state they show is unchanged (votes/page_cache.py).
"""

import csv
import io
from datetime import UTC, datetime

import django_filters
from django.conf import settings
from django.db.models import Max
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response

from diversity.fingerprint.declarations import (
    Claim,
    DeclarationError,
    declaration_text,
    parse_declaration,
    record_declaration,
)
from diversity.fingerprint.membership import latest_indexed_time
from diversity.fingerprint.shares import ShareBook
from diversity.models import Assignment, Declaration, Implementation
from towerwatch.throttling import DeclarationThrottle, ExpensiveReadThrottle
from votes.filters import UTCDateTimeFilter
from votes.page_cache import CachedByState
from votes.state import CHAIN, DECLARATIONS, FINGERPRINT

REFUSAL_STATUS = {"forged": 403, "not_member": 403, "replayed": 409}


def _network(request) -> str:
    return request.query_params.get("network") or settings.TOWERWATCH_NETWORK


def _time(value: str, name: str) -> datetime:
    """An ISO 8601 time (UTC if no zone) or unix seconds."""
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        raise ValidationError({name: "expected an ISO 8601 time or unix seconds"}) from None


def _moment(request, network: str) -> datetime | None:
    """The `at` query parameter, else the latest indexed time (None before anything is)."""
    at = request.query_params.get("at")
    return _time(at, "at") if at else latest_indexed_time(network)


class CSVRenderer(renderers.BaseRenderer):
    """Flat rows as CSV, the columns those of the first row (for `?format=csv`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> str:
        rows = data.get("results", [data]) if isinstance(data, dict) else list(data or [])
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        return buffer.getvalue()


SERIES_RENDERERS = [renderers.JSONRenderer, CSVRenderer]


# --- implementations --------------------------------------------------------------------------
class ImplementationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Implementation
        fields = ["id", "kind", "name", "version", "source"]


class ImplementationViewSet(CachedByState, viewsets.ReadOnlyModelViewSet):
    state_parts = (FINGERPRINT, DECLARATIONS)  # the catalogue, and what declarations add
    queryset = Implementation.objects.all()
    serializer_class = ImplementationSerializer
    filterset_fields = ["kind", "name"]


# --- declarations -----------------------------------------------------------------------------
class DeclarationSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.address")
    watchtower = serializers.CharField(source="watchtower.name")
    treegen = serializers.CharField(source="treegen.name")

    class Meta:
        model = Declaration
        fields = ["id", "network", "member", "watchtower", "watchtower_version", "treegen",
                  "treegen_version", "declared_at", "nonce", "message", "signature",
                  "received_at"]  # fmt: skip


class DeclareSerializer(serializers.Serializer):
    """The signed text and its signature; Smartnode's `node sign-message` output also fits."""

    message = serializers.CharField(trim_whitespace=False, max_length=1000)
    signature = serializers.CharField(max_length=200)

    def to_internal_value(self, data):
        if hasattr(data, "get") and "message" not in data and "msg" in data:
            data = {"message": data.get("msg"), "signature": data.get("sig")}
        return super().to_internal_value(data)


REFUSAL = inline_serializer("DeclarationRefusal", {
    "error": serializers.ChoiceField(choices=list(DeclarationError.REASONS)),
    "detail": serializers.CharField(), "meaning": serializers.CharField(),
})  # fmt: skip


DECLARATION_TEXT = inline_serializer("DeclarationText", {"message": serializers.CharField()})


def refusal(error: DeclarationError) -> Response:
    body = {"error": error.reason, "detail": error.detail,
            "meaning": DeclarationError.REASONS[error.reason]}  # fmt: skip
    return Response(body, status=REFUSAL_STATUS.get(error.reason, 400))


def one_line(detail) -> str:
    """DRF's error detail (a dict or list of messages) as one line."""
    if isinstance(detail, dict):
        return "; ".join(f"{name}: {one_line(value)}" for name, value in detail.items())
    if isinstance(detail, list):
        return " ".join(one_line(item) for item in detail)
    return str(detail)


class DeclarationFilter(django_filters.FilterSet):
    member = django_filters.CharFilter(field_name="member__address", lookup_expr="iexact")
    watchtower = django_filters.CharFilter(field_name="watchtower__name")
    treegen = django_filters.CharFilter(field_name="treegen__name")

    class Meta:
        model = Declaration
        fields = ["network", "member", "watchtower", "treegen"]


class DeclarationViewSet(CachedByState, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    state_parts = (DECLARATIONS,)
    queryset = Declaration.objects.select_related("member", "watchtower", "treegen")
    filterset_class = DeclarationFilter

    def get_serializer_class(self):
        return DeclareSerializer if self.action == "create" else DeclarationSerializer

    def get_throttles(self):
        return [DeclarationThrottle()] if self.action == "create" else super().get_throttles()

    @extend_schema(request=DeclareSerializer, responses={
        201: DeclarationSerializer, 400: REFUSAL, 403: REFUSAL, 409: REFUSAL,
    })  # fmt: skip
    def create(self, request, *args, **kwargs):
        """Verify and record a signed declaration; a refusal says why, by a stable `error`
        (a body that is not {"message", "signature"} at all is `malformed` too)."""
        try:
            incoming = DeclareSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            declaration = record_declaration(settings.TOWERWATCH_NETWORK, **incoming.validated_data)
        except (ParseError, ValidationError) as error:
            return refusal(DeclarationError("malformed", one_line(error.detail)))
        except DeclarationError as error:
            return refusal(error)
        return Response(DeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=DECLARATION_TEXT, parameters=[
        *(OpenApiParameter(name, str, required=True) for name in ("member", "watchtower",
                                                                   "treegen")),
        OpenApiParameter("timestamp", int), OpenApiParameter("nonce", int),
    ])  # fmt: skip
    @action(detail=False, methods=["get"])
    def message(self, request, format=None):
        """The exact text to sign, with the next nonce and the current time by default."""
        params = request.query_params
        missing = [name for name in ("member", "watchtower", "treegen") if not params.get(name)]
        if missing:
            raise ValidationError({name: "required" for name in missing})
        network = _network(request)
        mine = Declaration.objects.filter(network=network, member__address__iexact=params["member"])
        next_nonce = (mine.aggregate(Max("nonce"))["nonce__max"] or 0) + 1
        watchtower, _, watchtower_version = params["watchtower"].partition("@")
        treegen, _, treegen_version = params["treegen"].partition("@")
        try:
            timestamp = int(params.get("timestamp") or datetime.now(UTC).timestamp())
            nonce = int(params.get("nonce") or next_nonce)
            claim = Claim(network, params["member"], watchtower, watchtower_version, treegen,
                          treegen_version, timestamp, nonce)  # fmt: skip
            text = declaration_text(claim)
            parse_declaration(text)
        except (ValueError, DeclarationError) as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response({"message": text})


# --- assignments ------------------------------------------------------------------------------
class AssignmentSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.address")
    implementation = serializers.CharField(source="implementation.name", allow_null=True)
    inferred = serializers.CharField(source="inferred.name", allow_null=True)

    class Meta:
        model = Assignment
        fields = ["id", "network", "member", "kind", "as_of", "window_days", "implementation",
                  "source", "confidence", "declaration", "inferred", "inferred_probability",
                  "probabilities", "novelty", "evidence", "flags", "features",
                  "computed_at"]  # fmt: skip


class AssignmentFilter(django_filters.FilterSet):
    member = django_filters.CharFilter(field_name="member__address", lookup_expr="iexact")
    as_of = UTCDateTimeFilter()
    flag = django_filters.ChoiceFilter(choices=Assignment.Flag.choices, method="with_flag")
    current = django_filters.BooleanFilter(method="only_current", label="only the latest as_of")

    class Meta:
        model = Assignment
        fields = ["network", "member", "kind", "source", "as_of", "flag", "current"]

    def with_flag(self, queryset, name, value):
        return queryset.filter(flags__icontains=f'"{value}"')  # one JSON list element, any DB

    def only_current(self, queryset, name, value):
        if not value:
            return queryset
        latest = queryset.aggregate(Max("as_of"))["as_of__max"]
        return queryset.filter(as_of=latest)


class AssignmentViewSet(CachedByState, viewsets.ReadOnlyModelViewSet):
    state_parts = (FINGERPRINT,)
    queryset = Assignment.objects.select_related("member", "implementation", "inferred")
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter


# --- shares -----------------------------------------------------------------------------------
class ShareSerializer(serializers.Serializer):
    """One implementation's share of the members; `unknown` holds the members with no guess."""

    kind = serializers.CharField()
    implementation = serializers.CharField()
    members = serializers.IntegerField(help_text="members whose best guess it is")
    certain = serializers.IntegerField(help_text="of which declared or confidently inferred")
    total = serializers.IntegerField(help_text="oDAO members at the time")
    share = serializers.FloatField()
    lower = serializers.FloatField(help_text="certain members only")
    upper = serializers.FloatField(help_text="plus every unknown or low-confidence member")


@extend_schema_serializer(many=False)  # one object, although the route is the list action
class SharesNowSerializer(serializers.Serializer):
    network = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    watchtower = ShareSerializer(many=True)
    treegen = ShareSerializer(many=True)


class SharePointSerializer(ShareSerializer):
    at = serializers.DateTimeField()


TIME_HELP = "ISO 8601 time (UTC if no zone) or unix seconds"


class SharesViewSet(CachedByState, viewsets.ViewSet):
    """Shares of the oDAO vote per implementation, with lower and upper bounds."""

    def finalize_response(self, request, response, *args, **kwargs):
        """An error is JSON even when CSV was asked for: as CSV it would read as data."""
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    state_parts = (CHAIN, DECLARATIONS, FINGERPRINT)  # membership, declarations, assignments
    cached_actions = ("list", "series")

    @extend_schema(responses=SharesNowSerializer, parameters=[
        OpenApiParameter("at", str, description=f"{TIME_HELP}; default: the latest indexed"),
        OpenApiParameter("network", str),
    ])  # fmt: skip
    def list(self, request, format=None):
        network = _network(request)
        moment = _moment(request, network)
        if moment is None:
            return Response({"network": network, "at": None, "watchtower": [], "treegen": []})
        shares = ShareBook(network, at=moment).all_shares(moment)
        by_kind = {kind: [row.as_dict() for row in rows] for kind, rows in shares.items()}
        return Response({"network": network, "at": moment, **by_kind})

    @extend_schema(responses={
        (200, "application/json"): SharePointSerializer(many=True),
        (200, "text/csv"): OpenApiTypes.STR,
    }, parameters=[
        OpenApiParameter("kind", str, enum=["watchtower", "treegen"]),
        OpenApiParameter("start", str, description=TIME_HELP),
        OpenApiParameter("end", str, description=TIME_HELP),
        OpenApiParameter("network", str),
    ])  # fmt: skip
    @action(detail=False, methods=["get"], renderer_classes=SERIES_RENDERERS,
            throttle_classes=[ExpensiveReadThrottle])  # fmt: skip
    def series(self, request, format=None):
        """One row per day, kind and implementation: the dashboard's stacked area, or a CSV."""
        params = request.query_params
        start = _time(params["start"], "start") if params.get("start") else None
        end = _time(params["end"], "end") if params.get("end") else None
        rows = ShareBook(_network(request)).series(start, end)
        if params.get("kind"):
            rows = [row for row in rows if row["kind"] == params["kind"]]
        return Response([{**row, "at": row["at"].isoformat(), "kind": str(row["kind"])}
                         for row in rows])  # fmt: skip


def register_routes(router) -> None:
    router.register("implementations", ImplementationViewSet)
    router.register("declarations", DeclarationViewSet)
    router.register("assignments", AssignmentViewSet)
    router.register("shares", SharesViewSet, basename="shares")
