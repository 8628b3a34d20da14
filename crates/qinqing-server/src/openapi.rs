//! The OpenAPI 3.0 document of the service (`GET /api/openapi.json`),
//! generated from the service interface ([`qinqing_core::api::Call`]): one
//! `POST /api/v1/{op}` path per operation, its arguments' schema as the
//! request body, the domain's error as every refusal. Nothing in it is
//! written by hand but the few transport paths (log-in, health, metrics).

use serde_json::{json, Map, Value};

fn error_response(what: &str) -> Value {
    json!({ "description": what, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorAnswer" } } } })
}

fn refusals() -> Map<String, Value> {
    let mut r = Map::new();
    r.insert("400".into(), error_response("REQUEST_MALFORMED: not JSON, a wrong type, an unknown field"));
    r.insert("401".into(), error_response("TOKEN_UNKNOWN, TOKEN_EXPIRED, TOKEN_REVOKED: log in again or ask for a new key"));
    r.insert("403".into(), error_response("FORBIDDEN: this actor may not do this"));
    r.insert("404".into(), error_response("The thing asked for does not exist"));
    r.insert("413".into(), error_response("REQUEST_TOO_LARGE"));
    r.insert("415".into(), error_response("REQUEST_MEDIA_TYPE: every POST must be Content-Type: application/json"));
    r.insert(
        "429".into(),
        error_response(
            "RATE_LIMITED: wrong guesses at a password or code from this address (or for this account) make the next attempt wait; Retry-After says how long",
        ),
    );
    r.insert("422".into(), error_response("Refused by a rule of the domain; nothing was changed"));
    r.insert("503".into(), error_response("The ledger is busy or unreachable, or SERVER_BUSY (too many uploads at once; Retry-After); retry"));
    r
}

/// The whole document.
pub fn document() -> Value {
    let root = qinqing_core::api::openapi_schema();
    let mut schemas: Map<String, Value> = root.get("definitions").and_then(Value::as_object).cloned().unwrap_or_default();
    schemas.insert(
        "ErrorAnswer".into(),
        json!({
            "type": "object",
            "required": ["error"],
            "properties": { "error": {
                "type": "object",
                "required": ["code", "kind", "message_zh", "message_en"],
                "properties": {
                    "code": { "type": "string", "description": "Stable error code, e.g. TOKEN_EXPIRED" },
                    "kind": { "type": "string", "enum": ["refused", "not_found", "unavailable", "internal"] },
                    "field": { "type": "string", "nullable": true },
                    "message_zh": { "type": "string" },
                    "message_en": { "type": "string" },
                    "also": { "type": "array", "items": { "type": "object" } }
                }
            } }
        }),
    );
    let mut paths = Map::new();
    let variants = root.get("oneOf").and_then(Value::as_array).cloned().unwrap_or_default();
    for v in variants {
        let Some(op) = v.pointer("/properties/op/enum/0").and_then(Value::as_str) else { continue };
        let mut post = Map::new();
        post.insert("operationId".into(), json!(op));
        post.insert("summary".into(), v.get("description").cloned().unwrap_or(json!(op)));
        post.insert("tags".into(), json!(["operations"]));
        post.insert("security".into(), json!([{ "bearer": [] }]));
        if let Some(args) = v.pointer("/properties/args") {
            post.insert("requestBody".into(), json!({ "required": true, "content": { "application/json": { "schema": args } } }));
        }
        let mut responses = refusals();
        responses.insert("200".into(), json!({ "description": "The operation's answer", "content": { "application/json": { "schema": {} } } }));
        post.insert("responses".into(), Value::Object(responses));
        paths.insert(format!("/api/v1/{op}"), json!({ "post": post }));
    }
    let mut login_responses = refusals();
    login_responses.insert(
        "200".into(),
        json!({ "description": "A session: token (shown once), expires_at, idle_secs, staff",
        "content": { "application/json": { "schema": { "type": "object", "required": ["token"], "properties": { "token": { "type": "string" } } } } } }),
    );
    login_responses.insert(
        "429".into(),
        error_response("RATE_LIMITED: after wrong passwords from this address (10) or for this account (5) each attempt waits 2, 4, 8 … s (at most 15 min); Retry-After says how long"),
    );
    paths.insert(
        "/api/v1/login".into(),
        json!({ "post": {
        "operationId": "login", "summary": "A staff member logs in with their password: a session token.", "tags": ["session"],
        "requestBody": { "required": true, "content": { "application/json": { "schema": {
            "type": "object", "required": ["staff", "password"], "additionalProperties": false,
            "properties": { "staff": { "type": "integer", "format": "int64" }, "password": { "type": "string" } } } } } },
        "responses": login_responses } }),
    );
    let mut pair_responses = refusals();
    pair_responses.insert(
        "200".into(),
        json!({ "description": "The paired device: id, holder, holder_name_masked and its token (shown once)",
        "content": { "application/json": { "schema": { "type": "object", "required": ["token", "holder"],
            "properties": { "token": { "type": "string" }, "holder": { "type": "integer", "format": "int64" } } } } } }),
    );
    pair_responses
        .insert("429".into(), error_response("RATE_LIMITED: after 10 wrong codes from this address each attempt waits 2, 4, 8 … s; Retry-After says how long"));
    paths.insert("/api/v1/pair".into(), json!({ "post": {
        "operationId": "pair", "summary": "A family computer redeems the one-time pairing code staff gave (10 minutes, single use): a device token for that household only.",
        "tags": ["session"],
        "requestBody": { "required": true, "content": { "application/json": { "schema": {
            "type": "object", "required": ["code"], "additionalProperties": false,
            "properties": { "code": { "type": "string" }, "label": { "type": "string", "nullable": true },
                "public_key": { "type": "string", "nullable": true, "description": "The device's Ed25519 public key, 64 hex characters" } } } } } },
        "responses": pair_responses } }));
    let mut logout_responses = refusals();
    logout_responses.insert("200".into(), json!({ "description": "Logged out", "content": { "application/json": { "schema": { "type": "object" } } } }));
    paths.insert(
        "/api/v1/logout".into(),
        json!({ "post": { "operationId": "logout", "summary": "End this session at once.", "tags": ["session"],
        "security": [{ "bearer": [] }], "responses": logout_responses } }),
    );
    for (path, id, what) in [
        ("/healthz", "healthz", "The process answers."),
        ("/readyz", "readyz", "The ledger answers (503 when it does not)."),
        ("/metrics", "metrics", "Prometheus metrics (text): an administrator's session token, or served without one on --metrics-listen instead."),
    ] {
        paths.insert(
            path.into(),
            json!({ "get": { "operationId": id, "summary": what, "tags": ["operations-staff"],
            "responses": { "200": { "description": what }, "503": error_response("The ledger does not answer") } } }),
        );
    }
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Qinqing service centre API (亲情医保)", "version": env!("CARGO_PKG_VERSION"),
            "description": "Every operation is POST /api/v1/{op} with its arguments as the JSON body and a bearer token (a staff session, a counter terminal's key). Errors carry a stable code and messages in Chinese and English." },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }
        }
    })
}
