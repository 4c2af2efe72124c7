"""The error answers every API operation can give, written into the OpenAPI schema.

drf-spectacular documents the successful answers a view declares; DRF itself adds the errors:
400 with field errors, 403 for staff-only operations, 404 for a row or a format that does not
exist, 405, 406, 413 (towerwatch/request_limits.py), 415, and 429 with Retry-After once a
throttle says so. Documenting them lets clients (and the schema fuzzing in
reliability/schema_fuzz.py) hold every answer to the schema, error bodies included. An
operation's own documentation of a status stays, with the generic body as an alternative.
"""

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "What went wrong, in one sentence.",
}
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
        ]
    },
    "description": "Per field (or `detail`, or `non_field_errors`): why the value was refused.",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "seconds until the throttle admits a request again",
    }
}
ERRORS = {
    "400": ("FieldErrors", "A parameter or the body was refused."),
    "403": ("Error", "Not allowed (staff-only operations, or a refused declaration)."),
    "404": ("Error", "No such row, page or format."),
    "405": ("Error", "Method not allowed."),
    "406": ("Error", "No renderer for the requested Accept header."),
    "413": ("Error", "The request body is over the size limit."),
    "415": ("Error", "Unsupported request media type."),
    "429": ("Error", "Too many requests: throttled; see Retry-After."),
}


def also_generic(response: dict, component: str) -> None:
    """An operation's own error body, or the generic one: requests refused before the view
    (NUL bytes, throttles) get the generic body whatever the view documents."""
    for media in response.get("content", {}).values():
        generic = {"$ref": f"#/components/schemas/{component}"}
        if "schema" in media and media["schema"] != generic:
            media["schema"] = {"anyOf": [media["schema"], generic]}


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the error answers to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", DETAIL)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, (component, description) in ERRORS.items():
                answer = {
                    "description": description,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{component}"}
                        }
                    },
                }
                if status == "429":
                    answer["headers"] = RETRY_AFTER
                own = responses.setdefault(status, answer)
                if own is not answer:
                    also_generic(own, component)
    return result
