//! A client of `qinqing-server` (issue 17): the service interface's
//! [`Call`]s sent to `POST {server}/api/v1/{op}` with a bearer token, and the
//! answer or the domain's error (same code, same messages) back. The CLI's
//! `--server` mode uses it; the desktop app's connected mode will too.

use qinqing_core::api::Call;
use qinqing_core::Error;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// A service centre's server, as one client sees it.
pub struct Remote {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl Remote {
    /// `base`: `https://centre.example:8750` (or `http://127.0.0.1:…` on
    /// the same machine). `ca`: a PEM file of the certificate authority that
    /// signed the server's certificate, when it is not a public one.
    pub fn new(base: &str, token: Option<String>, ca: Option<&std::path::Path>) -> Result<Remote, Error> {
        let base = base.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::server_unreachable(&base, "the address must start with https:// (or http:// on this machine)"));
        }
        // Tokens and passwords never cross a network in the clear: plain
        // http:// only to this computer.
        if let Some(rest) = base.strip_prefix("http://") {
            if !is_loopback_host(rest) {
                return Err(Error::server_insecure(&base));
            }
        }
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(ca) = ca {
            use rustls_pki_types::pem::PemObject;
            let certs = rustls_pki_types::CertificateDer::pem_file_iter(ca)
                .map_err(|e| Error::server_unreachable(&base, &format!("certificate authority {}: {e}", ca.display())))?;
            for c in certs {
                let c = c.map_err(|e| Error::server_unreachable(&base, &format!("certificate authority {}: {e}", ca.display())))?;
                roots.add(c).map_err(|e| Error::server_unreachable(&base, &format!("certificate authority {}: {e}", ca.display())))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::internal(format!("TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let agent = ureq::AgentBuilder::new().timeout_connect(Duration::from_secs(10)).timeout(Duration::from_secs(60)).tls_config(Arc::new(tls)).build();
        Ok(Remote { base, token, agent })
    }

    /// Send one call; the operation's JSON answer or its refusal.
    pub fn call(&self, call: &Call) -> Result<Value, Error> {
        let mut doc = serde_json::to_value(call).map_err(|e| Error::internal(format!("request: {e}")))?;
        let op = doc["op"].as_str().unwrap_or_default().to_string();
        let args = doc.as_object_mut().and_then(|o| o.remove("args"));
        self.post(&format!("/api/v1/{op}"), args)
    }

    /// A staff member logs in: the session (`token`, `expires_at`, `staff`).
    pub fn login(&self, staff: i64, password: &str) -> Result<Value, Error> {
        self.post("/api/v1/login", Some(serde_json::json!({ "staff": staff, "password": password })))
    }

    /// A family computer redeems the one-time pairing code staff gave:
    /// the device (`id`, `holder`, and its `token`, shown once).
    pub fn pair(&self, code: &str, label: Option<&str>, public_key: Option<&str>) -> Result<Value, Error> {
        self.post("/api/v1/pair", Some(serde_json::json!({ "code": code, "label": label, "public_key": public_key })))
    }

    /// End this client's session.
    pub fn logout(&self) -> Result<Value, Error> {
        self.post("/api/v1/logout", None)
    }

    fn post(&self, path: &str, body: Option<Value>) -> Result<Value, Error> {
        let mut req = self.agent.post(&format!("{}{path}", self.base)).set("content-type", "application/json");
        if let Some(t) = &self.token {
            req = req.set("authorization", &format!("Bearer {t}"));
        }
        let r = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match r {
            Ok(resp) => resp.into_json::<Value>().map_err(|e| Error::server_unreachable(&self.base, &format!("not a Qinqing answer: {e}"))),
            Err(ureq::Error::Status(status, resp)) => {
                let v: Value = resp.into_json().map_err(|_| Error::server_unreachable(&self.base, &format!("HTTP {status} without a Qinqing answer")))?;
                Err(serde_json::from_value::<Error>(v["error"].clone())
                    .unwrap_or_else(|_| Error::server_unreachable(&self.base, &format!("HTTP {status}: {v}"))))
            }
            Err(e) => Err(Error::server_unreachable(&self.base, &e.to_string())),
        }
    }
}

/// Whether the authority at the start of `rest` (`host[:port][/…]`) names
/// this computer: `localhost`, 127.0.0.0/8 or `::1`.
fn is_loopback_host(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials in the address (`user:pw@host`) are not a host.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host =
        if let Some(v6) = host_port.strip_prefix('[') { v6.split(']').next().unwrap_or_default() } else { host_port.split(':').next().unwrap_or_default() };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use qinqing_core::Code;

    #[test]
    fn plain_http_only_to_this_computer() {
        for ok in
            ["http://127.0.0.1:8750", "http://localhost:8750/", "http://[::1]:8750", "http://127.8.0.1", "https://centre.example:8750", "https://10.0.0.5"]
        {
            assert!(Remote::new(ok, Some("t".into()), None).is_ok(), "{ok}");
        }
        for bad in [
            "http://centre.example:8750",
            "http://10.0.0.5:8750",
            "http://[2001:db8::1]:8750",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1@evil.example",
            "http://localhost@10.0.0.5/",
            "HTTP://10.0.0.5",
        ] {
            match Remote::new(bad, Some("t".into()), None) {
                Err(e) => assert!(matches!(e.code, Code::ServerInsecure | Code::ServerUnreachable), "{bad}: {e:?}"),
                Ok(_) => panic!("{bad} was accepted"),
            }
        }
        assert_eq!(Remote::new("http://centre.example:8750", None, None).err().map(|e| e.code), Some(Code::ServerInsecure));
    }
}
