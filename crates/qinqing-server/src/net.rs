//! Who the client is: its address, from the socket — or, only when the
//! socket's peer is a proxy the operator named (`--trusted-proxy CIDR`),
//! from the rightmost `X-Forwarded-For` entry that is not one of those
//! proxies. Anything else in `X-Forwarded-For` is the client's own words and
//! is ignored: a guesser must not pick a fresh address per request.

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// An address range: `10.0.0.0/8`, `192.168.1.10` (one address), `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (ip, bits) = match s.split_once('/') {
            Some((ip, bits)) => (ip, Some(bits)),
            None => (s, None),
        };
        let net: IpAddr = ip.parse().map_err(|_| format!("not an address range (CIDR such as 10.0.0.0/8): {s}"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| format!("prefix length must be 0–{max}: {s}"))?,
            None => max,
        };
        Ok(Cidr { net, bits })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.net, self.bits)
    }
}

impl Cidr {
    /// Whether `ip` is in this range (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (canonical(self.net), ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits.min(32)),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits),
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = ((bits / 8) as usize, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xff_u8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

/// One `X-Forwarded-For` entry as an address (`1.2.3.4`, `1.2.3.4:5678`,
/// `2001:db8::1`, `[2001:db8::1]:5678`).
fn entry(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    s.parse::<SocketAddr>().ok().map(|a| a.ip())
}

/// The client's address: the socket's peer, unless that peer is a trusted
/// proxy; then the rightmost `X-Forwarded-For` entry that is not a trusted
/// proxy (the first hop a trusted proxy saw). An unreadable entry stops the
/// walk at the last trusted hop.
pub fn client_ip(trusted: &[Cidr], peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let peer = canonical(peer.ip());
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut hops: Vec<&str> = Vec::new();
    for v in headers.get_all("x-forwarded-for") {
        match v.to_str() {
            Ok(v) => hops.extend(v.split(',')),
            Err(_) => return peer,
        }
    }
    let mut last = peer;
    for hop in hops.iter().rev() {
        match entry(hop).map(canonical) {
            Some(ip) if is_trusted(ip) => last = ip,
            Some(ip) => return ip,
            None => return last,
        }
    }
    last
}

/// The address a client's guesses are counted under: an IPv4 address as
/// it is; an IPv6 one by its /64 (one subscriber's network hands out 2^64
/// addresses, each of which would otherwise start with fresh free tries).
pub fn throttle_id(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ipv6_guesses_count_by_their_64() {
        use super::throttle_id;
        let a: std::net::IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: std::net::IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(throttle_id(a), throttle_id(b));
        assert_ne!(throttle_id(a), throttle_id(c));
        assert_eq!(throttle_id("127.0.0.1".parse().unwrap()), "127.0.0.1");
        assert_eq!(throttle_id("::ffff:10.0.0.7".parse().unwrap()), "10.0.0.7", "a mapped IPv4 is itself");
    }

    use super::*;

    fn xff(v: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in v {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn ranges() {
        let c: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(c.contains("10.1.200.3".parse().unwrap()));
        assert!(!c.contains("10.2.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:10.1.0.9".parse().unwrap()));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()) && !one.contains("127.0.0.2".parse().unwrap()));
        let v6: Cidr = "2001:db8::/33".parse().unwrap();
        assert!(v6.contains("2001:db8:7fff::1".parse().unwrap()) && !v6.contains("2001:db8:8000::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("proxy".parse::<Cidr>().is_err());
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn forwarded_for_only_from_a_trusted_proxy() {
        let proxy: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap()];
        let from = |ip: &str| SocketAddr::new(ip.parse().unwrap(), 4000);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Not from the proxy: the header is the caller's own words.
        assert_eq!(client_ip(&proxy, from("203.0.113.9"), &xff(&["1.1.1.1"])), ip("203.0.113.9"));
        assert_eq!(client_ip(&[], from("10.0.0.2"), &xff(&["1.1.1.1"])), ip("10.0.0.2"));
        // From the proxy: the rightmost entry that is not a proxy; whatever the
        // client put further left is ignored.
        assert_eq!(client_ip(&proxy, from("10.0.0.2"), &xff(&["6.6.6.6, 198.51.100.7"])), ip("198.51.100.7"));
        assert_eq!(client_ip(&proxy, from("10.0.0.2"), &xff(&["6.6.6.6", "198.51.100.7:5555, 10.0.0.3"])), ip("198.51.100.7"));
        assert_eq!(client_ip(&proxy, from("10.0.0.2"), &xff(&["[2001:db8::5]:80"])), ip("2001:db8::5"));
        // No header, or garbage in it: the last trusted hop.
        assert_eq!(client_ip(&proxy, from("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        assert_eq!(client_ip(&proxy, from("10.0.0.2"), &xff(&["1.1.1.1, unknown, 10.0.0.4"])), ip("10.0.0.4"));
    }
}
