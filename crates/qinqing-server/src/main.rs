//! `qinqing-server --db URL|PATH --listen 127.0.0.1:PORT`: the service
//! centre's shared service. See the README, "Running the centre's service".

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "qinqing-server", version, about = "亲情医保 Qinqing — the service centre's shared service (HTTP API)")]
struct Args {
    /// The ledger: a postgres:// URL (a centre's shared ledger) or an SQLite file (default: $QINQING_DB).
    #[arg(long, env = "QINQING_DB", value_name = "URL|PATH")]
    db: PathBuf,
    /// Address to listen on. Plain HTTP is served on loopback only.
    #[arg(long, default_value = "127.0.0.1:8750")]
    listen: SocketAddr,
    /// TLS certificate chain (PEM). With --tls-key: serve HTTPS; required off loopback.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Ledger connections (worker threads) serving requests.
    #[arg(long, default_value_t = 4)]
    workers: usize,
    /// Seconds a client has to send a request's headers, and a whole request may take.
    #[arg(long, default_value_t = qinqing_server::REQUEST_SECS)]
    request_timeout: u64,
    /// A reverse proxy in front of this server (an address range, e.g.
    /// 10.0.0.0/8; may be given more than once). Only from it is
    /// X-Forwarded-For believed: the client is then the rightmost entry that is
    /// not such a proxy. Otherwise the socket's address is the client (log-in
    /// and code guesses are throttled per client address).
    #[arg(long, value_name = "CIDR")]
    trusted_proxy: Vec<qinqing_server::Cidr>,
    /// Serve Prometheus /metrics on this address without a token (and not on
    /// --listen, where it otherwise needs an administrator's session). Plain
    /// HTTP on loopback only, as --listen.
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
    /// Document uploads read at once (each may hold up to 30 MB); more are
    /// answered 503 SERVER_BUSY with Retry-After.
    #[arg(long, default_value_t = qinqing_server::UPLOAD_SLOTS)]
    upload_slots: usize,
    /// Log lines as text or as JSON (one object per line).
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
    /// Log level (or RUST_LOG): error, warn, info, debug.
    #[arg(long, default_value = "info")]
    log_level: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("qinqing_server={0},{0}", args.log_level)));
    // Colours only on a terminal: a log file or journald gets plain text.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    if args.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("qinqing-server: {e}");
            return ExitCode::from(1);
        }
    };
    let tls = args.tls_cert.zip(args.tls_key);
    let cfg = qinqing_server::Config {
        db: args.db,
        listen: args.listen,
        workers: args.workers,
        tls,
        request_secs: args.request_timeout,
        trusted_proxies: args.trusted_proxy,
        metrics_listen: args.metrics_listen,
        upload_slots: args.upload_slots,
    };
    match rt.block_on(qinqing_server::serve(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qinqing-server: {e}");
            ExitCode::from(2)
        }
    }
}
