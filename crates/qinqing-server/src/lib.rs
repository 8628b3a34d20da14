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

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use qinqing_core::api::Call;
use qinqing_core::authz::Actor;
use qinqing_core::credential::Bearer;
use qinqing_core::settle::Settlement;
use qinqing_core::throttle::{self, Policy};
use qinqing_core::{Caller, Code, Error, Kind, Qinqing};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub mod body;
pub mod net;
pub mod openapi;

pub use net::Cidr;

/// Largest request body accepted (a document photo comes later with its own limit).
pub const BODY_LIMIT: usize = 64 * 1024;
/// Largest body read at all: a body over its limit (up to this) is read to
/// its end and thrown away, so the client gets the JSON refusal
/// (REQUEST_TOO_LARGE) rather than a reset connection.
pub const READ_LIMIT: usize = 1024 * 1024;
/// Largest document upload (`document_upload`): a 20 MB file as base64, and
/// its arguments.
pub const UPLOAD_LIMIT: usize = 30 * 1024 * 1024;
/// Uploads read and stored at once ([`Config::upload_slots`] by default):
/// each holds up to [`UPLOAD_LIMIT`] in memory; one more is answered
/// `SERVER_BUSY` (503, `Retry-After`).
pub const UPLOAD_SLOTS: usize = 2;
/// Seconds a busy upload is told to wait.
pub const BUSY_RETRY_SECS: i64 = 5;

/// A request for a ledger worker: run on its `Qinqing`, or (`None`) answered
/// that the ledger cannot be reached; whether it found the connection lost.
type Job = Box<dyn FnOnce(Option<&mut Qinqing>) -> bool + Send>;

/// Whether the ledger is out of reach, for the log: one line when an outage
/// begins, one when it is over (with the requests refused meanwhile), not one
/// per refused request.
#[derive(Default)]
struct Outage {
    down: std::sync::atomic::AtomicBool,
    refused: AtomicU64,
}

impl Outage {
    fn began(&self, worker: usize, e: &Error) {
        if !self.down.swap(true, Ordering::SeqCst) {
            tracing::warn!(worker, code = e.code.as_str(), error = %e.message_en, "the ledger is not reachable: requests are answered 503 DB_LOST (Retry-After) until it is");
        }
    }
    /// A request was answered DB_LOST (its connection broke, or none was open).
    fn refused(&self, worker: usize) {
        self.refused.fetch_add(1, Ordering::Relaxed);
        if !self.down.swap(true, Ordering::SeqCst) {
            tracing::warn!(worker, "the connection to the ledger broke: opening it again before the next request");
        }
    }
    fn over(&self, worker: usize) {
        if self.down.swap(false, Ordering::SeqCst) {
            let refused = self.refused.swap(0, Ordering::Relaxed);
            tracing::warn!(worker, refused, "the ledger is reachable again");
        }
    }
}

/// Worker threads, each with its own `Qinqing` on the ledger.
pub struct Pool {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Pool {
    /// Open `workers` connections to the ledger at `db` (each on its own
    /// thread); fails if the ledger cannot be opened.
    pub fn open(db: &std::path::Path, workers: usize) -> Result<Pool, Error> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let outage = Arc::new(Outage::default());
        for i in 0..workers.max(1) {
            let (ready_tx, ready_rx) = mpsc::channel();
            let rx = rx.clone();
            let outage = outage.clone();
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
                    // Fail-over (issue 34): a connection that broke is opened
                    // again before the next job — on a multi-host URL with
                    // target_session_attrs=read-write that finds the new
                    // primary. While none answers, jobs are refused at once
                    // (DB_LOST: 503 with Retry-After), and the next job tries again.
                    let mut lost = false;
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        if lost || q.conn().is_lost() {
                            match Qinqing::open_existing(&db) {
                                Ok(fresh) => {
                                    q = fresh;
                                    lost = false;
                                    outage.over(i);
                                }
                                Err(e) => {
                                    outage.began(i, &e);
                                    lost = true;
                                }
                            }
                        }
                        lost = if lost { job(None) } else { job(Some(&mut q)) };
                        if lost {
                            outage.refused(i);
                        }
                    }
                })
                .map_err(|e| Error::internal(format!("worker thread: {e}")))?;
            ready_rx.recv().map_err(|_| Error::internal("worker thread ended"))??;
        }
        Ok(Pool { jobs: Mutex::new(tx) })
    }

    /// Run `f` on a worker's `Qinqing` as nobody (before a token is
    /// checked, a log-in, a pairing) and wait (asynchronously) for its answer.
    pub async fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Qinqing) -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
        self.run_as(Caller::nobody(), f).await
    }

    /// Run `f` on a worker's `Qinqing` as `caller`, for this job only
    /// ([`Qinqing::as_caller`]: the handle is back to nobody afterwards,
    /// even if `f` panics), and wait for its answer.
    pub async fn run_as<T: Send + 'static>(&self, caller: Caller, f: impl FnOnce(&mut Qinqing) -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |q| {
            let r = match q {
                Some(q) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.as_caller(&caller, f)))
                    .unwrap_or_else(|_| Err(Error::internal("the request failed inside the ledger"))),
                None => Err(Error::db_lost("no writable PostgreSQL server")),
            };
            let lost = matches!(&r, Err(e) if e.code == Code::DbLost);
            let _ = tx.send(r);
            lost
        });
        self.jobs.lock().map_err(|_| Error::internal("job queue"))?.send(job).map_err(|_| Error::internal("no ledger worker is running"))?;
        rx.await.map_err(|_| Error::internal("the ledger worker stopped"))?
    }

    /// Who `token` proves to be (a ledger worker checks it): done before a
    /// request's body is read, so a stranger's body is never read at all.
    pub async fn who(&self, token: Option<String>) -> Result<Bearer, Error> {
        let token = token.ok_or_else(Error::token_unknown)?;
        self.run(move |q| q.who(&token)).await
    }

    /// As [`Pool::run_as`], acting as `bearer` ([`Pool::who`]) from `client`:
    /// a kiosk acts as whoever is logged in at it, by its rules. A kiosk's
    /// sessions live in the ledger (issue 34): read for the request, written
    /// back if it changed them, so any replica serves the kiosk's next one.
    pub async fn as_bearer<T: Send + 'static>(
        &self,
        bearer: Bearer,
        client: Option<String>,
        f: impl FnOnce(&mut Qinqing) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let actor = match bearer {
            Bearer::Actor(actor) => actor,
            Bearer::Kiosk { device } => {
                return self
                    .run(move |q| {
                        let stored = qinqing_core::kiosk::load(q.conn(), device)?;
                        let r = q.as_caller(&Caller::kiosk(stored.sessions()).from(client), f);
                        let saved = stored.save(q.conn(), q.now());
                        if let (Err(e), Err(_)) = (&saved, &r) {
                            tracing::error!(code = e.code.as_str(), message = %e.message_en, device, "kiosk sessions not saved");
                        }
                        r.and_then(|v| saved.map(|_| v))
                    })
                    .await
            }
        };
        self.run_as(Caller::actor(actor).from(client), f).await
    }
}

/// Seconds a client has to send a request's headers, and a whole request
/// may take (by default): see [`Config::request_secs`].
pub const REQUEST_SECS: u64 = 30;

/// What every handler shares.
pub struct AppState {
    pub pool: Pool,
    /// Renders the Prometheus metrics (`/metrics`).
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// See [`Config::request_secs`].
    pub request_secs: u64,
    /// See [`Config::trusted_proxies`].
    pub trusted_proxies: Vec<Cidr>,
    /// Uploads read at once ([`UPLOAD_SLOTS`]).
    pub uploads: tokio::sync::Semaphore,
    /// Who is uploading now: one upload at a time per caller, so one token
    /// cannot hold every slot.
    pub uploading: Mutex<std::collections::HashSet<String>>,
    /// `/metrics` is served on its own address ([`Config::metrics_listen`]),
    /// not on this one.
    pub metrics_elsewhere: bool,
}

impl AppState {
    pub fn new(pool: Pool, request_secs: u64) -> Result<AppState, String> {
        Ok(AppState {
            pool,
            metrics: metrics_handle()?,
            request_secs: request_secs.max(1),
            trusted_proxies: Vec::new(),
            uploads: tokio::sync::Semaphore::new(UPLOAD_SLOTS),
            uploading: Mutex::default(),
            metrics_elsewhere: false,
        })
    }

    /// The client's address ([`net::client_ip`]).
    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        net::client_ip(&self.trusted_proxies, peer, headers)
    }
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
        // Refusals of whose a thing is, however they are worded.
        Code::Forbidden | Code::ConsentOwnerOnly | Code::PairingInPerson => StatusCode::FORBIDDEN,
        Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Code::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::RequestMalformed => StatusCode::BAD_REQUEST,
        Code::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        Code::RequestMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::ServerBusy => StatusCode::SERVICE_UNAVAILABLE,
        _ => match e.kind {
            Kind::Refused => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        },
    }
}

/// The seconds a `RATE_LIMITED` or `SERVER_BUSY` refusal asks the client to
/// wait (they are in its message, "… in N s …"), for `Retry-After`.
fn retry_after(e: &Error) -> Option<u64> {
    if e.code == Code::DbLost {
        return Some(qinqing_core::error::DB_LOST_RETRY_SECS as u64);
    }
    if !matches!(e.code, Code::RateLimited | Code::ServerBusy) {
        return None;
    }
    let rest = e.message_en.split(" in ").nth(1)?;
    rest.split(' ').next()?.parse().ok()
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
        if self.0.code == Code::DbLost {
            // The pool's workers log an outage once as it begins and ends.
            tracing::debug!(code = self.0.code.as_str(), "refused while the ledger is out of reach");
        } else if status.is_server_error() {
            tracing::error!(code = self.0.code.as_str(), message = %self.0.message_en, "request failed");
        } else {
            tracing::info!(code = self.0.code.as_str(), "refused");
        }
        let wait = retry_after(&self.0);
        let mut r = (status, Json(serde_json::json!({ "error": self.0 }))).into_response();
        if let Some(secs) = wait {
            r.headers_mut().insert("retry-after", HeaderValue::from(secs));
        }
        r.extensions_mut().insert(self.0.code);
        r
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// Whether a request says its body is JSON: `application/json`, any
/// parameters (`; charset=utf-8`) allowed.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(v) = headers.get("content-type").and_then(|v| v.to_str().ok()) else { return false };
    v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// Every POST must say its body is JSON (`415 REQUEST_MEDIA_TYPE`
/// otherwise): a web page can make a browser send a cross-site form or
/// `text/plain` post without asking, but not an `application/json` one.
async fn json_only(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.method() == Method::POST && !is_json(req.headers()) {
        return ApiError(Error::request_media_type()).into_response();
    }
    next.run(req).await
}

/// What a wrong guess at a secret answers, by what is guessed.
const STAFF_WRONG: &[Code] = &[Code::StaffPasswordWrong, Code::StaffNotFound, Code::StaffInactive];
const PAIRING_WRONG: &[Code] = &[Code::PairingCodeInvalid];
const REMOTE_WRONG: &[Code] = &[Code::RemoteCodeWrong];
const PAY_WRONG: &[Code] = &[Code::PayPasswordWrong, Code::PayCodeWrong];
const UNMATCHED: &[Code] = &[Code::MemberUnmatched];

/// How a client address's guesses at a secret are throttled ([`throttle`]):
/// the key's prefix, the policy, the answers that count as a wrong guess,
/// and whether the attempt is counted before it runs (refunded when it was
/// not wrong) or only checked before and counted after a wrong answer.
struct Guard {
    what: &'static str,
    policy: &'static Policy,
    wrong: &'static [Code],
    count_first: bool,
}

const LOGIN_GUARD: Guard = Guard { what: "login", policy: &throttle::PER_ADDRESS, wrong: STAFF_WRONG, count_first: true };
const PAIR_GUARD: Guard = Guard { what: "pair", policy: &throttle::PER_ADDRESS, wrong: PAIRING_WRONG, count_first: true };

/// The guard of an operation that checks a secret, if it is one.
fn guard_of(call: &Call) -> Option<Guard> {
    Some(match call {
        Call::KioskLogin { .. } | Call::KioskExit { .. } => Guard { what: "kiosk", policy: &throttle::PER_ADDRESS, wrong: STAFF_WRONG, count_first: true },
        Call::BindingConfirmRemote { .. } => Guard { what: "remote", policy: &throttle::PER_ADDRESS, wrong: REMOTE_WRONG, count_first: true },
        Call::PayPasswordSet { .. } => Guard { what: "pay", policy: &throttle::PAY_PER_ADDRESS, wrong: PAY_WRONG, count_first: true },
        // The owner's payment password confirming their own money (consent).
        Call::AidAuthorize(_)
        | Call::AidSetCap { .. }
        | Call::AidSetOnlineCap { .. }
        | Call::AidUnfreeze { .. }
        | Call::PremiumPay(_)
        | Call::PremiumPayAmount { .. } => Guard { what: "pay", policy: &throttle::PAY_PER_ADDRESS, wrong: PAY_WRONG, count_first: true },
        // Starting an application by name and ID number: a match is worth
        // guessing at, so every "no" counts.
        Call::BindingApply { .. } => Guard { what: "apply", policy: &throttle::PER_ADDRESS, wrong: UNMATCHED, count_first: true },
        // A counter's settlements are many and mostly right: only checked
        // (one read) before, counted after a wrong payment password.
        Call::Settle(r) if r.pay_password.is_some() || r.sms_code.is_some() => {
            Guard { what: "pay", policy: &throttle::PAY_PER_ADDRESS, wrong: PAY_WRONG, count_first: false }
        }
        Call::Admit(r) if r.pay_password.is_some() => Guard { what: "pay", policy: &throttle::PAY_PER_ADDRESS, wrong: PAY_WRONG, count_first: false },
        _ => return None,
    })
}

/// Run `f` under `guard` for the client at `ip` (on a ledger worker): a
/// waiting address is refused (`RATE_LIMITED`, the seconds to wait) before
/// `f` runs and its secret is checked; a wrong guess is counted in the
/// ledger, shared by every replica.
fn guarded<T>(q: &mut Qinqing, guard: &Guard, ip: IpAddr, f: impl FnOnce(&mut Qinqing) -> Result<T, Error>) -> Result<T, Error> {
    let who = net::throttle_id(ip);
    let key = format!("{}:addr:{who}", guard.what);
    let now = q.now().timestamp();
    if guard.count_first {
        throttle::begin(q.conn(), &key, now, guard.policy)?;
    } else {
        throttle::check(q.conn(), &key, now)?;
    }
    let r = f(q);
    let wrong = matches!(&r, Err(e) if guard.wrong.contains(&e.code));
    let kept = match (guard.count_first, wrong) {
        (true, false) => throttle::refund(q.conn(), &key, guard.policy),
        (false, true) => throttle::fail(q.conn(), &key, now, guard.policy).map(|_| ()),
        _ => Ok(()),
    };
    if let Err(e) = kept {
        tracing::error!(code = e.code.as_str(), message = %e.message_en, key, "throttle not updated");
    }
    r
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

/// A staff member logs in. Guesses are throttled per client address here
/// (`login:addr:IP`) and per account in the core (`login:acct:ID`): growing
/// waits, never a lock anyone can set off.
async fn login(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> ApiResult<qinqing_core::credential::Session> {
    let bytes = body::read(req.into_body(), BODY_LIMIT, READ_LIMIT).await?;
    let req: LoginRequest = body::parse(&bytes)?;
    let ip = s.client_ip(peer, &headers);
    let from = Caller::nobody().from(Some(net::throttle_id(ip)));
    Ok(Json(s.pool.run_as(from, move |q| guarded(q, &LOGIN_GUARD, ip, |q| q.login(req.staff, &req.password))).await?))
}

#[derive(Deserialize)]
struct PairRequest {
    code: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
}

/// A family computer redeems a pairing code (no token yet): throttled per
/// client address like log-in, since a code is guessed by trying.
async fn pair(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> ApiResult<qinqing_core::credential::Device> {
    let bytes = body::read(req.into_body(), BODY_LIMIT, READ_LIMIT).await?;
    let req: PairRequest = body::parse(&bytes)?;
    let ip = s.client_ip(peer, &headers);
    let from = Caller::nobody().from(Some(net::throttle_id(ip)));
    Ok(Json(s.pool.run_as(from, move |q| guarded(q, &PAIR_GUARD, ip, |q| q.pair(&req.code, req.label.as_deref(), req.public_key.as_deref()))).await?))
}

async fn logout(State(s): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<serde_json::Value> {
    let token = bearer(&headers).ok_or_else(Error::token_unknown)?;
    s.pool.run(move |q| q.logout(&token)).await?;
    Ok(Json(serde_json::json!({ "logged_out": true })))
}

/// Every operation of the service interface: `POST /api/v1/{op}`, the
/// call's arguments as the JSON body, as whoever the bearer token proves.
async fn operation(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(op): Path<String>,
    req: axum::extract::Request,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (parts, body) = req.into_parts();
    // The caller first: a stranger's body is never read.
    let who = s.pool.who(bearer(&parts.headers)).await?;
    let bytes = body::read(body, BODY_LIMIT, READ_LIMIT).await?;
    let ip = s.client_ip(peer, &parts.headers);
    answer(&s, who, ip, &op, bytes).await
}

/// A document upload: the one operation with a large body. The caller is
/// known before a byte of it is read, and only [`UPLOAD_SLOTS`] are read at
/// once (more: `SERVER_BUSY`, 503, `Retry-After`), so uploads hold at most
/// that many times [`UPLOAD_LIMIT`] of memory.
async fn upload(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (parts, body) = req.into_parts();
    let who = s.pool.who(bearer(&parts.headers)).await?;
    // A counter uploads no documents: refused before it can take a slot.
    if matches!(who, Bearer::Actor(Actor::Terminal { .. } | Actor::Nobody)) {
        return Err(Error::forbidden().into());
    }
    // One upload at a time per caller, then one of the shared slots.
    let _mine = Uploading::start(&s.uploading, format!("{who:?}"))?;
    let _slot = s.uploads.try_acquire().map_err(|_| Error::server_busy(BUSY_RETRY_SECS))?;
    let bytes = body::read(body, UPLOAD_LIMIT, UPLOAD_LIMIT + READ_LIMIT).await?;
    let ip = s.client_ip(peer, &parts.headers);
    answer(&s, who, ip, "document_upload", bytes).await
}

/// A caller's one upload in progress (released when dropped).
struct Uploading<'a> {
    set: &'a Mutex<std::collections::HashSet<String>>,
    key: String,
}

impl<'a> Uploading<'a> {
    fn start(set: &'a Mutex<std::collections::HashSet<String>>, key: String) -> Result<Uploading<'a>, Error> {
        let mut now = set.lock().map_err(|_| Error::internal("uploads"))?;
        if !now.insert(key.clone()) {
            return Err(Error::server_busy(BUSY_RETRY_SECS));
        }
        Ok(Uploading { set, key })
    }
}

impl Drop for Uploading<'_> {
    fn drop(&mut self) {
        if let Ok(mut now) = self.set.lock() {
            now.remove(&self.key);
        }
    }
}

async fn answer(s: &AppState, who: Bearer, ip: IpAddr, op: &str, bytes: axum::body::Bytes) -> Result<Json<serde_json::Value>, ApiError> {
    let call = body::call(op, &bytes)?;
    // The call holds what it needs; the raw body goes now, not after the answer.
    drop(bytes);
    let guard = guard_of(&call);
    // A settlement is answered as its typed value, so the metrics read what
    // was settled (not the answer's JSON); any other call as its JSON.
    let answer = move |q: &mut Qinqing| -> Result<(serde_json::Value, Option<Settlement>), Error> {
        match call {
            Call::Settle(r) => {
                let done = q.settle(&r)?;
                let v = serde_json::to_value(&done).map_err(|e| Error::internal(format!("answer: {e}")))?;
                Ok((v, Some(done)))
            }
            other => Ok((q.call(other)?, None)),
        }
    };
    let (v, settled) = s
        .pool
        .as_bearer(who, Some(net::throttle_id(ip)), move |q| match guard {
            Some(g) => guarded(q, &g, ip, answer),
            None => answer(q),
        })
        .await?;
    if let Some(done) = settled.filter(|d| !d.replayed) {
        metrics::counter!("qinqing_settlements_total").increment(1);
        metrics::counter!("qinqing_settled_fen_total").increment(u64::try_from(done.total_fen).unwrap_or(0));
    }
    Ok(Json(v))
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi::document())
}

/// `GET /metrics` on the main address: an administrator's session only
/// (the figures — money settled, refusals by code — are the centre's
/// business, not the public's). Prometheus scrapes `--metrics-listen`
/// instead, which needs no token and is not on the main address.
async fn metrics_guarded(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    match s.pool.who(bearer(&headers)).await {
        Ok(Bearer::Actor(Actor::Staff { admin: true, .. } | Actor::Operator)) => metrics_text(State(s)).await,
        Ok(_) => ApiError(Error::forbidden()).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

async fn metrics_text(State(s): State<Arc<AppState>>) -> Response {
    ([("content-type", "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

/// The metrics alone (`--metrics-listen`): for a Prometheus on the centre's
/// own network.
pub fn metrics_app(state: Arc<AppState>) -> Router {
    Router::new().route("/metrics", get(metrics_text)).fallback(not_found).with_state(state)
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
    // Bodies are read by the handlers themselves ([`body::read`]), after the
    // caller is known and never more than the operation's limit kept.
    let api = Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/pair", post(pair))
        .route("/document_upload", post(upload))
        .route("/{op}", post(operation))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn(json_only));
    let mut root = Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/api/openapi.json", get(openapi_json));
    if !state.metrics_elsewhere {
        root = root.route("/metrics", get(metrics_guarded));
    }
    root.nest("/api/v1", api)
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(state.clone(), deadline))
        .layer(axum::middleware::from_fn(request_id))
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
    /// Reverse proxies (`--trusted-proxy`): only from these is
    /// `X-Forwarded-For` believed ([`net::client_ip`]).
    pub trusted_proxies: Vec<Cidr>,
    /// Serve `/metrics` here, without a token, instead of on `listen`
    /// (where it needs an administrator's session).
    pub metrics_listen: Option<SocketAddr>,
    /// Uploads read at once ([`UPLOAD_SLOTS`]).
    pub upload_slots: usize,
}

impl Config {
    /// Serve the ledger at `db` on `listen` with the defaults.
    pub fn new(db: PathBuf, listen: SocketAddr) -> Config {
        Config { db, listen, workers: 4, tls: None, request_secs: REQUEST_SECS, trusted_proxies: Vec::new(), metrics_listen: None, upload_slots: UPLOAD_SLOTS }
    }
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
    if let Some(m) = &cfg.metrics_listen {
        check_listen(m, tls.is_some())?;
    }
    let tls_for_metrics = tls.clone();
    let pool = Pool::open(&cfg.db, cfg.workers).map_err(|e| format!("{}: {}", e.code.as_str(), e.message_en))?;
    let mut state = AppState::new(pool, cfg.request_secs)?;
    state.trusted_proxies = cfg.trusted_proxies.clone();
    state.uploads = tokio::sync::Semaphore::new(cfg.upload_slots.max(1));
    state.metrics_elsewhere = cfg.metrics_listen.is_some();
    let state = Arc::new(state);
    // Documents past their retention period go by themselves (issue 35).
    tokio::spawn(purge_schedule(state.clone()));
    let metrics_service = metrics_app(state.clone()).into_make_service();
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    // The metrics' own address first, so it answers once the main one is announced.
    if let Some(m) = cfg.metrics_listen {
        let mhandle = axum_server::Handle::new();
        let stopper = mhandle.clone();
        tokio::spawn(async move {
            shutdown().await;
            stopper.shutdown();
        });
        let metrics_server = match tls_for_metrics {
            None => tokio::spawn(axum_server::bind(m).handle(mhandle.clone()).serve(metrics_service)),
            Some(tls) => tokio::spawn(axum_server::bind_rustls(m, tls).handle(mhandle.clone()).serve(metrics_service)),
        };
        match mhandle.listening().await {
            Some(addr) => {
                // Logged only: stdout's first line is the main address, and
                // whoever reads it may have closed the pipe since.
                tracing::info!(%addr, "metrics listening (--metrics-listen)");
            }
            None => {
                let why = match metrics_server.await {
                    Ok(Err(e)) => e.to_string(),
                    _ => "the server stopped".into(),
                };
                return Err(format!("cannot listen on {m} (--metrics-listen): {why}"));
            }
        }
    }
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

/// How often the server runs the document retention rule (issue 35): once
/// at start, then every hour.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);

async fn purge_schedule(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        purge_due(&state.pool).await;
    }
}

/// One pass of the retention purge, as the ledger itself (the same core
/// function `qinqing-cli doc purge --apply` calls): many short jobs, each
/// removing a few documents, each document in its own short transaction —
/// requests are served between them, and the ledger's writer lock is never
/// held for long. Replicas may run it at once: a document another replica
/// purged first is skipped. How many documents this pass purged.
pub async fn purge_due(pool: &Pool) -> u64 {
    use qinqing_core::app::retention::PURGE_BATCH;
    let (mut after, mut n) = (None, 0u64);
    loop {
        match pool.run_as(Caller::actor(Actor::Operator), move |q| q.purge_documents(PURGE_BATCH, after)).await {
            Ok(done) => {
                n += done.purged.len() as u64;
                match done.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            Err(e) => {
                tracing::warn!(code = e.code.as_str(), message = %e.message_en, "document retention purge stopped; it runs again within the hour");
                break;
            }
        }
    }
    if n > 0 {
        tracing::info!(purged = n, "documents past their retention period purged");
    }
    n
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
