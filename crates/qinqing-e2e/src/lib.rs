//! Real-window end-to-end harness for the Qinqing app.
//!
//! Each [`App`] gets its own Xvfb display (chosen by Xvfb via `-displayfd`),
//! its own `tauri-driver` on free ports, and its own temporary database, so
//! tests can run in parallel. `tauri-driver` launches the built binary through
//! WebKitWebDriver; the app's `invoke` calls are real.
//!
//! ```ignore
//! let app = App::launch(env!("CARGO_BIN_EXE_qinqing"), "register", |db| seed(db)).await;
//! app.click("#person-add-btn").await;
//! app.fill("#f-name", "王小明").await;
//! app.screenshot("register-form").await;
//! app.close().await;
//! ```
//!
//! Prerequisites (installed by `scripts/test.sh`): `Xvfb`, `WebKitWebDriver`
//! (Debian `webkit2gtk-driver`) and `tauri-driver` (`cargo install tauri-driver --locked`).
//!
//! With `QINQING_E2E_NO_WINDOW=1` every launch returns `None` at once, so the
//! window tests end without a window: `scripts/test.sh`'s PostgreSQL pass runs
//! the first pass's `cargo test --workspace` (nothing compiled again) without
//! running them a second time.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a `wait_*` helper polls before failing the test.
pub const WAIT: Duration = Duration::from_secs(15);

/// Where screenshots go: `<target dir>/e2e/`.
pub fn e2e_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("e2e");
    std::fs::create_dir_all(&dir).expect("create target/e2e");
    dir
}

/// With `QINQING_E2E_TRACE=1`, print each step as it starts (to find a hang).
fn trace(test: &str, step: &str, arg: &str) {
    if std::env::var_os("QINQING_E2E_TRACE").is_some() {
        eprintln!("e2e {test}: {step} {arg}");
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin")))
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")]);
    candidates.map(|d| d.join(name)).find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free local port")
}

/// Start `qinqing-server` (the binary at `bin`) with `args` and wait until
/// it listens: the process and the address it printed (`listening on ADDR`).
/// Its log goes nowhere. Shared by the server's tests and the window tests.
pub fn spawn_server(bin: &Path, args: &[&str]) -> (Child, String) {
    use std::io::BufRead;
    assert!(bin.is_file(), "{} not built (cargo build --workspace)", bin.display());
    let mut child =
        Command::new(bin).args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null()).spawn().expect("start qinqing-server");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("server stdout")).read_line(&mut line).expect("server's first line");
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("server said {line:?}")).to_string();
    (child, addr)
}

/// `Some(None)` when this run opens no window (`QINQING_E2E_NO_WINDOW`), or
/// when a prerequisite of a window test is missing and `QINQING_SKIP_E2E`
/// asks to skip; panics with a clear message when it is missing otherwise;
/// `None` when everything is there.
fn skipped(name: &str) -> Option<Option<App>> {
    if std::env::var_os("QINQING_E2E_NO_WINDOW").is_some_and(|v| !v.is_empty() && v != "0") {
        eprintln!("e2e {name}: SKIPPED (QINQING_E2E_NO_WINDOW set: no window in this run)");
        return Some(None);
    }
    let missing: Vec<&str> = [("Xvfb", which("Xvfb")), ("tauri-driver", which("tauri-driver")), ("WebKitWebDriver", which("WebKitWebDriver"))]
        .into_iter()
        .filter(|(_, p)| p.is_none())
        .map(|(n, _)| n)
        .collect();
    if missing.is_empty() {
        return None;
    }
    if std::env::var_os("QINQING_SKIP_E2E").is_some() {
        eprintln!("e2e {name}: SKIPPED (QINQING_SKIP_E2E set; missing {missing:?})");
        return Some(None);
    }
    panic!("e2e prerequisites missing: {missing:?}. Run scripts/test.sh, which installs them (or set QINQING_SKIP_E2E=1 to skip).");
}

/// What is left after [`App::close`]: the database the app wrote, on disk
/// until this is dropped.
pub struct Closed {
    pub db: PathBuf,
    pub dir: tempfile::TempDir,
}

/// A running app in a real window under Xvfb, driven over WebDriver.
pub struct App {
    pub client: Client,
    /// The database the app was started on.
    pub db: PathBuf,
    /// Directory for this test's files (database, driver log).
    pub dir: tempfile::TempDir,
    name: String,
    port: u16,
    xvfb: Child,
    driver: Child,
    closed: bool,
}

impl App {
    /// Start Xvfb and tauri-driver, let `prepare` fill the database (it gets
    /// the path before the app opens it), then open a WebDriver session on
    /// `app_bin --db <path>` and wait for the first screen.
    ///
    /// Panics with a clear message if a prerequisite is missing; set
    /// `QINQING_SKIP_E2E=1` to get `None` instead (never set in CI).
    /// `None` at once, before `prepare`, with `QINQING_E2E_NO_WINDOW=1`.
    pub async fn launch(app_bin: &str, name: &str, prepare: impl FnOnce(&Path)) -> Option<App> {
        Self::launch_with(app_bin, name, &[], prepare).await
    }

    /// As [`App::launch`], with extra command-line arguments for the app (e.g. `--kiosk`).
    pub async fn launch_with(app_bin: &str, name: &str, extra: &[&str], prepare: impl FnOnce(&Path)) -> Option<App> {
        Self::launch_on(app_bin, name, None, extra, prepare).await
    }

    /// As [`App::launch_with`], on the ledger at `db` (a `postgres://` URL)
    /// instead of a SQLite file in the test's directory.
    pub async fn launch_on(app_bin: &str, name: &str, db: Option<PathBuf>, extra: &[&str], prepare: impl FnOnce(&Path)) -> Option<App> {
        if let Some(skip) = skipped(name) {
            return skip;
        }
        assert!(Path::new(app_bin).is_file(), "app binary {app_bin} not built");

        let dir = tempfile::Builder::new().prefix(&format!("qinqing-e2e-{name}-")).tempdir().expect("tempdir");
        let db = db.unwrap_or_else(|| dir.path().join("qinqing.db"));
        prepare(&db);
        // A window test runs the all-in-one demo installation unless the
        // test chose a role itself (household, terminal, or an explicit
        // 'unset' row for a fresh family computer) in `prepare`.
        // On a plain thread: a PostgreSQL ledger's synchronous client may not
        // start inside the test's async runtime.
        std::thread::scope(|t| {
            t.spawn(|| {
                use qinqing_core::installation::Installation;
                let mut q = qinqing_core::Qinqing::open(&db).expect("open the test database");
                let chosen: i64 = q.conn().query_row("SELECT count(*) FROM setting WHERE key = 'install_role'", [], |r| r.get(0)).expect("setting");
                if chosen == 0 {
                    q.set_installation(Installation::Demo).expect("demo installation");
                }
            });
        });

        let mut args = vec!["--db".to_string(), db.to_string_lossy().into_owned()];
        args.extend(extra.iter().map(|a| a.to_string()));
        Some(Self::session(app_bin, name, dir, db, args, &[]).await)
    }

    /// A window connected to a service centre's server (issue 18):
    /// `app_bin --server URL` with no ledger of its own; what it remembers
    /// (the pairing) lives in this test's directory (`QINQING_DB` names the
    /// place, and no database is created there).
    pub async fn launch_connected(app_bin: &str, name: &str, server: &str, extra: &[&str]) -> Option<App> {
        if let Some(skip) = skipped(name) {
            return skip;
        }
        let dir = tempfile::Builder::new().prefix(&format!("qinqing-e2e-{name}-")).tempdir().expect("tempdir");
        let db = dir.path().join("family.db");
        let mut args = vec!["--server".to_string(), server.to_string()];
        args.extend(extra.iter().map(|a| a.to_string()));
        let env = [("QINQING_DB".to_string(), db.to_string_lossy().into_owned())];
        Some(Self::session(app_bin, name, dir, db, args, &env).await)
    }

    async fn session(app_bin: &str, name: &str, dir: tempfile::TempDir, db: PathBuf, args: Vec<String>, env: &[(String, String)]) -> App {
        let (xvfb, display) = start_xvfb();
        let port = free_port();
        let native_port = free_port();
        let log = std::fs::File::create(dir.path().join("tauri-driver.log")).expect("driver log");
        let mut driver = Command::new(which("tauri-driver").unwrap_or_default());
        driver
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", format!(":{display}"))
            // Software rendering: no GPU under Xvfb.
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .env("NO_AT_BRIDGE", "1")
            // A fresh profile per test: WebKit's localStorage (the language
            // choice) and caches live under these, not in the user's home.
            .env("XDG_DATA_HOME", dir.path().join("xdg-data"))
            .env("XDG_CONFIG_HOME", dir.path().join("xdg-config"))
            .env("XDG_CACHE_HOME", dir.path().join("xdg-cache"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log);
        // Its own process group, so the whole tree (WebKitWebDriver, the app)
        // can be stopped together. (The harness needs Xvfb: Linux only; this
        // keeps it compiling for clippy on the other systems.)
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut driver, 0);
        let driver = driver.spawn().expect("start tauri-driver");
        wait_port(port);

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert("tauri:options".into(), serde_json::json!({ "application": app_bin, "args": args }));
        let started = Instant::now();
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("WebDriver session for {name}: {e}; see {}", dir.path().join("tauri-driver.log").display()));
        eprintln!("e2e {name}: session started in {:?}", started.elapsed());
        let app = App { client, db, dir, name: name.to_string(), port, xvfb, driver, closed: false };
        app.wait("body[data-ready], #screen > *, body[data-boot-error]").await;
        if let Ok(serde_json::Value::String(err)) = app.client.execute("return document.body.dataset.bootError || null", vec![]).await {
            app.screenshot(&format!("{name}-FAILED-boot")).await;
            panic!("e2e {name}: the app's scripts did not load: {err}");
        }
        app
    }

    /// Wait until `css` matches an element and return it.
    pub async fn wait(&self, css: &str) -> Element {
        trace(&self.name, "wait", css);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                return e;
            }
            if Instant::now() > deadline {
                self.screenshot(&format!("{}-FAILED-wait", self.name)).await;
                panic!("e2e {}: no element matches {css:?} after {WAIT:?}", self.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait until the text of `css` contains `needle`; returns the full text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        trace(&self.name, "wait_text", css);
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = e.text().await {
                    if t.contains(needle) {
                        return t;
                    }
                    last = t;
                }
            }
            if Instant::now() > deadline {
                self.screenshot(&format!("{}-FAILED-text", self.name)).await;
                panic!("e2e {}: {css:?} never contained {needle:?}; last text: {last:?}", self.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait until a JavaScript expression is truthy.
    pub async fn wait_js(&self, expr: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.client.execute(&format!("return !!({expr});"), vec![]).await;
            if matches!(v, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            if Instant::now() > deadline {
                self.screenshot(&format!("{}-FAILED-js", self.name)).await;
                panic!("e2e {}: {expr:?} never became true (last: {v:?})", self.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Click the element matching `css`. Screens re-render after their data
    /// arrives, so a click that meets a replaced (stale) or not yet enabled
    /// element is retried on a fresh lookup until [`WAIT`] runs out.
    pub async fn click(&self, css: &str) {
        trace(&self.name, "click", css);
        let deadline = Instant::now() + WAIT;
        loop {
            let e = self.wait(css).await;
            let enabled = e.attr("disabled").await.ok().flatten().is_none();
            match if enabled { e.click().await.map_err(|x| x.to_string()) } else { Err("disabled".into()) } {
                Ok(()) => return,
                Err(err) if Instant::now() > deadline => {
                    self.screenshot(&format!("{}-FAILED-click", self.name)).await;
                    panic!("e2e {}: click {css}: {err}", self.name)
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Replace the value of an input by typing `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.wait(css).await;
        e.clear().await.unwrap_or_else(|err| panic!("e2e {}: clear {css}: {err}", self.name));
        e.send_keys(text).await.unwrap_or_else(|err| panic!("e2e {}: type into {css}: {err}", self.name));
    }

    /// Put a file into an `<input type=file>` (as a person picking it would).
    pub async fn upload(&self, css: &str, file: &Path) {
        trace(&self.name, "upload", css);
        let e = self.wait(css).await;
        e.send_keys(&file.to_string_lossy()).await.unwrap_or_else(|err| panic!("e2e {}: upload {} into {css}: {err}", self.name, file.display()));
    }

    /// Choose an option of a `<select>` by its value.
    pub async fn choose(&self, select_css: &str, value: &str) {
        self.click(&format!("{select_css} option[value=\"{value}\"]")).await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap_or_default()
    }

    /// Texts of every element matching `css` (no waiting).
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.unwrap_or_default() {
            out.push(e.text().await.unwrap_or_default());
        }
        out
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.wait(css).await.attr(name).await.ok().flatten()
    }

    /// WCAG 2.1 A/AA (and best-practice) findings of impact "serious" or
    /// "critical" — and any missing level-one heading or empty table header —
    /// on the page as it is now, by axe-core (vendored, injected once per
    /// page), each as "rule: help — where".
    pub async fn axe(&self) -> Vec<String> {
        const AXE: &str = include_str!("../vendor/axe.min.js");
        let present = self.js("return typeof window.axe !== 'undefined';").await;
        if present != serde_json::Value::Bool(true) {
            self.client.execute(&format!("{AXE}\n;return true;"), vec![]).await.unwrap_or_else(|e| panic!("e2e {}: inject axe: {e}", self.name));
        }
        let r = self
            .js_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
                   .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical'
                       || v.id === 'page-has-heading-one' || v.id === 'empty-table-header')
                     .map(v => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                   .catch(e => done(['axe failed: ' + e]));",
            )
            .await;
        r.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_else(|| vec![format!("axe answered {r}")])
    }

    /// Run an asynchronous script: it calls its last argument with the result
    /// (e.g. a Tauri `invoke` made from the page, as an attacker would).
    pub async fn js_async(&self, script: &str) -> serde_json::Value {
        self.client.execute_async(script, vec![]).await.unwrap_or_else(|e| panic!("e2e {}: async script failed: {e}", self.name))
    }

    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("e2e {}: script failed: {e}", self.name))
    }

    /// Save a PNG of the window under `target/e2e/<name>.png`; returns the path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        trace(&self.name, "screenshot", name);
        let path = e2e_dir().join(format!("{name}.png"));
        // WebKit answers a screenshot request only after its next rendering
        // update, and an idle page under Xvfb has none: the request hangs.
        // So keep the page repainting (an invisible opacity flicker on
        // <body>, every frame for two seconds) while the request is made.
        let mut result = Err(String::new());
        for _ in 0..3 {
            let _ = self
                .client
                .execute(
                    "const b = document.body; let n = 0; \
                     const tick = () => { if (n++ < 120) { b.style.opacity = (n % 2) ? '0.999' : ''; requestAnimationFrame(tick); } \
                     else { b.style.removeProperty('opacity'); } }; \
                     requestAnimationFrame(tick); return true;",
                    vec![],
                )
                .await;
            result = self.raw_screenshot().await;
            if result.is_ok() {
                break;
            }
        }
        match result {
            Ok(png) => {
                std::fs::write(&path, png).expect("write screenshot");
                eprintln!("e2e {}: screenshot {}", self.name, path.display());
            }
            Err(e) => eprintln!("e2e {}: screenshot {name} failed: {e}", self.name),
        }
        path
    }

    /// GET /session/{id}/screenshot with a plain HTTP client and decode the PNG.
    async fn raw_screenshot(&self) -> Result<Vec<u8>, String> {
        use base64::Engine;
        let sid = self.client.session_id().await.map_err(|e| e.to_string())?.ok_or("no session")?;
        let url = format!("http://127.0.0.1:{}/session/{sid}/screenshot", self.port);
        let v: serde_json::Value = tokio::task::spawn_blocking(move || {
            ureq::get(&url).timeout(Duration::from_secs(5)).call().map_err(|e| e.to_string())?.into_json().map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())??;
        let b64 = v["value"].as_str().ok_or_else(|| format!("unexpected screenshot reply: {v}"))?;
        base64::engine::general_purpose::STANDARD.decode(b64).map_err(|e| e.to_string())
    }

    /// End the WebDriver session (closes the app window) and stop the helpers.
    /// The returned value keeps the test's directory (and database) alive so
    /// the test can inspect what the app wrote.
    pub async fn close(mut self) -> Closed {
        // Deleting the session through tauri-driver can hang; the helpers are
        // killed below either way, so do not wait long for it.
        let client = self.client.clone();
        trace(&self.name, "close", "session");
        let _ = tokio::time::timeout(Duration::from_secs(3), client.close()).await;
        trace(&self.name, "close", "helpers");
        self.closed = true;
        self.stop_helpers();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
        Closed { db: self.db.clone(), dir }
    }

    fn stop_helpers(&mut self) {
        // tauri-driver runs in its own process group with WebKitWebDriver and
        // the app. SIGKILL, not SIGTERM: on SIGTERM the helpers run cleanup
        // code, and under it something signalled every process on the
        // machine (the test runner and its shell died with it).
        trace(&self.name, "kill group", &self.driver.id().to_string());
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.driver.id())]).status();
        trace(&self.name, "killed group", "");
        let _ = self.driver.wait();
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if !self.closed {
            self.stop_helpers();
            self.closed = true;
        }
    }
}

/// Start Xvfb on a display it picks itself; returns the child and the number.
fn start_xvfb() -> (Child, u32) {
    let mut child = Command::new(which("Xvfb").unwrap_or_default())
        .args(["-displayfd", "1", "-screen", "0", "1280x900x24", "-nolisten", "tcp", "-noreset"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Xvfb");
    let stdout = child.stdout.take().expect("Xvfb stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read Xvfb display number");
    let display: u32 = line.trim().parse().unwrap_or_else(|_| panic!("Xvfb printed {line:?}, not a display number"));
    (child, display)
}

fn wait_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not listen on port {port}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Run a command with `input` on its stdin (e.g. `qinqing-cli settle
/// --pay-password-stdin`, whose secret never goes into the arguments).
/// The set-up of a fresh family installation for `App::launch`: the demo
/// family in the register, and no role yet (the first-run set-up screen; the
/// harness would otherwise make it the demo).
pub fn fresh_family_installation(db: &Path) {
    let mut q = qinqing_core::Qinqing::open(db).expect("open the test database");
    q.demo_seed().expect("seed the demo family");
    q.conn().execute("INSERT INTO setting (key, value) VALUES ('install_role', 'unset')", []).expect("no role yet");
}

pub fn output_with_stdin(cmd: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child =
        cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("start the command");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(input.as_bytes());
    }
    child.wait_with_output().expect("wait for the command")
}

/// `qinqing-cli --json` (built beside the app by `cargo build --workspace`,
/// as scripts/test.sh does) on `db`, as a counter or an operator would run it
/// next to the window; stdin carries the demo family's payment password
/// (for `settle --pay-password-stdin`). Returns (success, stdout JSON, stderr).
pub fn cli_json(app_bin: &str, db: &Path, args: &[&str]) -> (bool, serde_json::Value, String) {
    let bin = Path::new(app_bin).with_file_name("qinqing-cli");
    assert!(bin.is_file(), "{} not built: run `cargo build --workspace` first (scripts/test.sh does)", bin.display());
    let pay = qinqing_core::demo::DEMO_PAY_PASSWORD;
    let out = output_with_stdin(Command::new(&bin).arg("--db").arg(db).arg("--json").args(args), &format!("{pay}\n{pay}\n"));
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.success(), v, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// As [`cli_json`], for a call that must succeed: its JSON.
pub fn cli_ok(app_bin: &str, db: &Path, args: &[&str]) -> serde_json::Value {
    let (ok, v, err) = cli_json(app_bin, db, args);
    assert!(ok, "qinqing-cli {args:?}: {err}");
    v
}
