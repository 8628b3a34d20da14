//! `qinqing-server`: the service centre's shared service (issue 17). Routes
//! are one-line calls into `qinqing-core`; this crate only authenticates a
//! bearer token into an actor (the core decides what that actor may do),
//! limits and parses requests, and maps the domain's errors to HTTP.
//!
//! The core is synchronous (rusqlite; tokio-postgres driven by a one-thread
//! runtime per connection), so it never runs on the async runtime's threads:
//! a fixed pool of worker threads each owns one `Qinqing` (one database
//! connection) and takes jobs from a queue; a handler waits for its answer
//! without blocking the runtime.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use qinqing_core::api::Call;
use qinqing_core::authz::Actor;
use qinqing_core::{Code, Error, Kind, Qinqing};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub mod openapi;

/// Largest request body accepted (a document photo comes later with its own limit).
pub const BODY_LIMIT: usize = 64 * 1024;
/// Largest body read at all (see [`app`]).
pub const READ_LIMIT: usize = 1024 * 1024;
/// Largest document upload (`document_upload`): a 20 MB file as base64, and
/// its arguments.
pub const UPLOAD_LIMIT: usize = 30 * 1024 * 1024;

type Job = Box<dyn FnOnce(&mut Qinqing) + Send>;

/// Worker threads, each with its own `Qinqing` on the ledger.
pub struct Pool {
    jobs: Mutex<mpsc::Sender<Job>>,
    /// The sessions of the centre's kiosks (staff log-ins, residents served).
    kiosks: Arc<qinqing_core::kiosk::Kiosks>,
}

impl Pool {
    /// Open `workers` connections to the ledger at `db` (each on its own
    /// thread); fails if the ledger cannot be opened.
    pub fn open(db: &std::path::Path, workers: usize) -> Result<Pool, Error> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers.max(1) {
            let (ready_tx, ready_rx) = mpsc::channel();
            let rx = rx.clone();
            let db = db.to_path_buf();
            std::thread::Builder::new()
                .name(format!("ledger-{i}"))
                .spawn(move || {
                    let mut q = match Qinqing::open_existing(&db) {
                        Ok(q) => {
                            let _ = ready_tx.send(Ok(()));
                            q
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut q),
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| Error::internal(format!("worker thread: {e}")))?;
            ready_rx.recv().map_err(|_| Error::internal("worker thread ended"))??;
        }
        Ok(Pool { jobs: Mutex::new(tx), kiosks: Arc::default() })
    }

    /// Run `f` on a worker's `Qinqing` and wait (asynchronously) for its answer.
    pub async fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Qinqing) -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |q| {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(q)))
                .unwrap_or_else(|_| Err(Error::internal("the request failed inside the ledger")));
            // Whatever happened, the next job starts as nobody, at no kiosk.
            q.set_actor(Actor::Nobody);
            q.set_kiosk(None);
            let _ = tx.send(r);
        });
        self.jobs.lock().map_err(|_| Error::internal("job queue"))?.send(job).map_err(|_| Error::internal("no ledger worker is running"))?;
        rx.await.map_err(|_| Error::internal("the ledger worker stopped"))?
    }

    /// As [`Pool::run`], acting as whoever `token` proves to be.
    pub async fn as_bearer<T: Send + 'static>(
        &self,
        token: Option<String>,
        f: impl FnOnce(&mut Qinqing) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let token = token.ok_or_else(Error::token_unknown)?;
        let kiosks = self.kiosks.clone();
        self.run(move |q| {
            match q.who(&token)? {
                qinqing_core::credential::Bearer::Actor(actor) => q.set_actor(actor),
                // A kiosk acts as whoever is logged in at it, by its rules.
                qinqing_core::credential::Bearer::Kiosk { device } => {
                    q.set_kiosk(Some(kiosks.of(device)?));
                    q.act_as_kiosk()?;
                }
            }
            f(q)
        })
        .await
    }
}

/// Seconds a client has to send a request's headers, and a whole request
/// may take (by default): see [`Config::request_secs`].
pub const REQUEST_SECS: u64 = 30;

/// Attempts per address and per account within a minute (log-in).
const LOGIN_PER_MINUTE: u32 = 10;

/// A fixed one-minute window of attempts per key.
#[derive(Default)]
pub struct Limiter {
    seen: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    /// Count one attempt for `key`; refused once `max` were made this minute.
    pub fn check(&self, key: &str, max: u32) -> Result<(), Error> {
        let mut seen = self.seen.lock().map_err(|_| Error::internal("limiter"))?;
        let now = Instant::now();
        if seen.len() > 100_000 {
            seen.retain(|_, (t, _)| now.duration_since(*t) < Duration::from_secs(60));
        }
        let e = seen.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(e.0) >= Duration::from_secs(60) {
            *e = (now, 0);
        }
        if e.1 >= max {
            let left = 60 - now.duration_since(e.0).as_secs() as i64;
            return Err(Error::rate_limited(left.max(1)));
        }
        e.1 += 1;
        Ok(())
    }
}

/// What every handler shares.
pub struct AppState {
    pub pool: Pool,
    pub limiter: Limiter,
    /// Renders the Prometheus metrics (`/metrics`).
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// See [`Config::request_secs`].
    pub request_secs: u64,
}

/// The process's Prometheus recorder (installed once): requests by route and
/// status, their latency, refusals by code, settlements.
pub fn metrics_handle() -> Result<metrics_exporter_prometheus::PrometheusHandle, String> {
    static HANDLE: std::sync::OnceLock<Result<metrics_exporter_prometheus::PrometheusHandle, String>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("qinqing_request_seconds".into()), &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
                .and_then(|b| b.install_recorder())
                .map_err(|e| format!("metrics: {e}"))
        })
        .clone()
}

/// The HTTP status of a domain error.
pub fn status_of(e: &Error) -> StatusCode {
    match e.code {
        Code::TokenUnknown | Code::TokenExpired | Code::TokenRevoked | Code::NotLoggedIn => StatusCode::UNAUTHORIZED,
        Code::Forbidden => StatusCode::FORBIDDEN,
        Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Code::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::RequestMalformed => StatusCode::BAD_REQUEST,
        Code::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        _ => match e.kind {
            Kind::Refused => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        },
    }
}

/// A domain error as an HTTP answer: `{"error": {code, kind, message_zh, message_en, …}}`,
/// the same document `qinqing-cli --json` prints.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        if status.is_server_error() {
            tracing::error!(code = self.0.code.as_str(), message = %self.0.message_en, "request failed");
        } else {
            tracing::info!(code = self.0.code.as_str(), "refused");
        }
        let mut r = (status, Json(serde_json::json!({ "error": self.0 }))).into_response();
        r.extensions_mut().insert(self.0.code);
        r
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// A request body of at most `N` bytes ([`BODY_LIMIT`] unless said); a
/// larger one (or one that cannot be read) is refused with the domain's JSON
/// error.
pub struct Body<const N: usize = BODY_LIMIT>(Bytes);

impl<S: Send + Sync, const N: usize> axum::extract::FromRequest<S> for Body<N> {
    type Rejection = ApiError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match Bytes::from_request(req, state).await {
            Ok(b) if b.len() > N => Err(ApiError(Error::request_too_large(N))),
            Ok(b) => Ok(Body(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError(Error::request_too_large(N))),
            Err(e) => Err(ApiError(Error::request_malformed(&e.body_text()))),
        }
    }
}

/// The body as `T`: well-formed JSON, no field `T` does not know (a
/// misspelt field is an error, not silently ignored).
fn parse<T: DeserializeOwned>(Body(body): &Body) -> Result<T, Error> {
    let mut unknown = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let v: T = serde_ignored::deserialize(&mut de, |path| unknown.push(path.to_string())).map_err(|e| Error::request_malformed(&e.to_string()))?;
    de.end().map_err(|e| Error::request_malformed(&e.to_string()))?;
    if !unknown.is_empty() {
        return Err(Error::request_malformed(&format!("unknown field {}", unknown.join(", "))));
    }
    Ok(v)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

#[derive(Deserialize)]
struct LoginRequest {
    staff: i64,
    password: String,
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(State(s): State<Arc<AppState>>) -> Response {
    match s.pool.run(|q| q.conn().query_row("SELECT 1", [], |r| r.get::<_, i64>(0))).await {
        Ok(_) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        Err(e) => {
            let mut r = ApiError(e).into_response();
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r
        }
    }
}

async fn login(State(s): State<Arc<AppState>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, body: Body) -> ApiResult<qinqing_core::credential::Session> {
    let req: LoginRequest = parse(&body)?;
    s.limiter.check(&format!("addr:{}", client_ip(peer)), LOGIN_PER_MINUTE)?;
    s.limiter.check(&format!("staff:{}", req.staff), LOGIN_PER_MINUTE)?;
    Ok(Json(s.pool.run(move |q| q.login(req.staff, &req.password)).await?))
}

#[derive(Deserialize)]
struct PairRequest {
    code: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
}

/// A family computer redeems a pairing code (no token yet): limited per
/// address like log-in, since a code is guessed by trying.
async fn pair(State(s): State<Arc<AppState>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, body: Body) -> ApiResult<qinqing_core::credential::Device> {
    let req: PairRequest = parse(&body)?;
    s.limiter.check(&format!("pair:{}", client_ip(peer)), LOGIN_PER_MINUTE)?;
    Ok(Json(s.pool.run(move |q| q.pair(&req.code, req.label.as_deref(), req.public_key.as_deref())).await?))
}

fn client_ip(peer: SocketAddr) -> IpAddr {
    peer.ip()
}

async fn logout(State(s): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<serde_json::Value> {
    let token = bearer(&headers).ok_or_else(Error::token_unknown)?;
    s.pool.run(move |q| q.logout(&token)).await?;
    Ok(Json(serde_json::json!({ "logged_out": true })))
}

/// Every operation of the service interface: `POST /api/v1/{op}`, the
/// call's arguments as the JSON body, as whoever the bearer token proves.
async fn operation(State(s): State<Arc<AppState>>, headers: HeaderMap, Path(op): Path<String>, body: Body) -> Result<Json<serde_json::Value>, ApiError> {
    answer(s, headers, op, body.0).await
}

/// A document upload: the one operation with a larger body.
async fn upload(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body<UPLOAD_LIMIT>) -> Result<Json<serde_json::Value>, ApiError> {
    answer(s, headers, "document_upload".into(), body.0).await
}

async fn answer(s: Arc<AppState>, headers: HeaderMap, op: String, body: Bytes) -> Result<Json<serde_json::Value>, ApiError> {
    let body = Body::<0>(body);
    let args: serde_json::Value = if body.0.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&body.0).map_err(|e| Error::request_malformed(&e.to_string()))?
    };
    let mut unknown = Vec::new();
    let call = Call::parse(&op, args, &mut unknown)?;
    if !unknown.is_empty() {
        return Err(Error::request_malformed(&format!("unknown field {}", unknown.join(", "))).into());
    }
    let settle = matches!(call, Call::Settle(_));
    let v = s.pool.as_bearer(bearer(&headers), move |q| q.call(call)).await?;
    if settle && v["replayed"] == serde_json::Value::Bool(false) {
        metrics::counter!("qinqing_settlements_total").increment(1);
        metrics::counter!("qinqing_settled_fen_total").increment(v["total_fen"].as_u64().unwrap_or(0));
    }
    Ok(Json(v))
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi::document())
}

async fn metrics_text(State(s): State<Arc<AppState>>) -> Response {
    ([("content-type", "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

async fn not_found() -> ApiError {
    ApiError(Error::request_malformed("no such path (see /api/openapi.json)"))
}

async fn wrong_method() -> ApiError {
    ApiError(Error::request_malformed("this path does not answer this method (operations are POST; see /api/openapi.json)"))
}

static REQUEST: AtomicU64 = AtomicU64::new(1);

/// Whether `op` names an operation of the service interface.
fn known_op(op: &str) -> bool {
    static OPS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    OPS.get_or_init(|| {
        qinqing_core::api::openapi_schema()["oneOf"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.pointer("/properties/op/enum/0").and_then(|o| o.as_str()).map(str::to_string)).collect())
            .unwrap_or_default()
    })
    .iter()
    .any(|o| o == op)
}

/// Every answer carries a request id (`x-request-id`; the caller's own if it
/// sent a sane one), and every request is logged once with it, its status,
/// its error code if refused, and its duration.
async fn request_id(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:x}-{}", std::process::id(), REQUEST.fetch_add(1, Ordering::Relaxed)));
    let method = req.method().clone();
    // The route as a metric label: an operation by its name when it is one
    // (a bounded set), anything else by the route that matched.
    let matched = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_string());
    let path = match matched.as_deref() {
        Some("/api/v1/{op}") if known_op(req.uri().path().trim_start_matches("/api/v1/")) => req.uri().path().to_string(),
        Some(m) => m.to_string(),
        None => "unmatched".to_string(),
    };
    let span = tracing::info_span!("request", id = %id, method = %method, path = %path);
    let started = Instant::now();
    let mut resp = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    let code = resp.extensions().get::<Code>().map(|c| c.as_str()).unwrap_or("");
    let status = resp.status().as_u16().to_string();
    metrics::counter!("qinqing_requests_total", "route" => path.clone(), "status" => status).increment(1);
    metrics::histogram!("qinqing_request_seconds", "route" => path.clone()).record(started.elapsed().as_secs_f64());
    if !code.is_empty() {
        metrics::counter!("qinqing_refusals_total", "code" => code).increment(1);
    }
    span.in_scope(|| {
        tracing::info!(status = resp.status().as_u16(), code, ms = started.elapsed().as_secs_f64() * 1000.0, "answered");
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// A request that takes longer than [`Config::request_secs`] (a body
/// trickled in, a ledger that does not answer) is answered with
/// `REQUEST_TIMEOUT`. Work already handed to a ledger worker finishes or
/// rolls back there on its own: a timeout never leaves half a write.
async fn deadline(State(s): State<Arc<AppState>>, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    match tokio::time::timeout(Duration::from_secs(s.request_secs), next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError(Error::request_timeout(s.request_secs)).into_response(),
    }
}

/// The service's routes over `state`.
pub fn app(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/pair", post(pair))
        .route("/document_upload", post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT + READ_LIMIT)))
        .route("/{op}", post(operation))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/api/openapi.json", get(openapi_json))
        .nest("/api/v1", api)
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(state.clone(), deadline))
        .layer(axum::middleware::from_fn(request_id))
        // A body up to READ_LIMIT is read whole, so an oversized one gets the
        // JSON refusal (REQUEST_TOO_LARGE) rather than a reset connection;
        // beyond that the connection is closed.
        .layer(DefaultBodyLimit::max(READ_LIMIT))
        .with_state(state)
}

/// Where and how to serve.
pub struct Config {
    pub db: PathBuf,
    pub listen: SocketAddr,
    pub workers: usize,
    /// PEM certificate chain and private key: serve HTTPS (rustls).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Seconds a client has to send a request's headers, and a whole
    /// request may take (a slow or stalled client cannot hold a connection).
    pub request_secs: u64,
}

/// Plain HTTP only on loopback: anything else carries passwords and keys
/// over a network and needs TLS (`--tls-cert`, `--tls-key`).
pub fn check_listen(addr: &SocketAddr, tls: bool) -> Result<(), String> {
    if tls || addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "refusing to serve plain HTTP on {addr}: passwords and terminal keys would cross the network unencrypted. \
             Give --tls-cert and --tls-key, or listen on 127.0.0.1 / \
             拒绝在非本机地址上提供明文HTTP服务：请用 --tls-cert 和 --tls-key 启用TLS，或只监听127.0.0.1。"
        ))
    }
}

fn announce(addr: SocketAddr, scheme: &str) {
    tracing::info!(%addr, scheme, "listening");
    println!("listening on {addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// Serve until SIGTERM or Ctrl-C; requests in flight finish first. Prints
/// `listening on ADDR` (the real port when 0 was asked) once ready.
pub async fn serve(cfg: Config) -> Result<(), String> {
    check_listen(&cfg.listen, cfg.tls.is_some())?;
    let tls = match &cfg.tls {
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .map_err(|e| format!("TLS certificate {} / key {}: {e}", cert.display(), key.display()))?,
            )
        }
        None => None,
    };
    let pool = Pool::open(&cfg.db, cfg.workers).map_err(|e| format!("{}: {}", e.code.as_str(), e.message_en))?;
    let state = Arc::new(AppState { pool, limiter: Limiter::default(), metrics: metrics_handle()?, request_secs: cfg.request_secs.max(1) });
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown().await;
        stopper.graceful_shutdown(Some(Duration::from_secs(30)));
    });
    let (server, scheme) = match tls {
        None => {
            let mut server = axum_server::bind(cfg.listen);
            limit_headers(server.http_builder(), cfg.request_secs);
            (tokio::spawn(server.handle(handle.clone()).serve(service)), "http")
        }
        Some(tls) => {
            let mut server = axum_server::bind_rustls(cfg.listen, tls);
            limit_headers(server.http_builder(), cfg.request_secs);
            (tokio::spawn(server.handle(handle.clone()).serve(service)), "https")
        }
    };
    match handle.listening().await {
        Some(addr) => announce(addr, scheme),
        None => {
            let why = match server.await {
                Ok(Err(e)) => e.to_string(),
                _ => "the server stopped".into(),
            };
            return Err(format!("cannot listen on {}: {why}", cfg.listen));
        }
    }
    server.await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())
}

/// A client has `secs` to send a request's headers (a slow or stalled
/// client cannot hold a connection open by trickling them).
fn limit_headers(b: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>, secs: u64) {
    b.http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(Duration::from_secs(secs.max(1)));
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
