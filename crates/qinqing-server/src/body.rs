//! Request bodies: read only after the caller is known, never more than the
//! operation's limit kept in memory, and parsed straight into the
//! operation's own type (no JSON tree in between).

use axum::body::Bytes;
use http_body_util::BodyExt;
use qinqing_core::api::Call;
use qinqing_core::Error;
use serde::de::{DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

/// Read `body`, keeping at most `keep` bytes. A longer one is
/// `REQUEST_TOO_LARGE`; the rest of it, up to `drain` bytes in all, is read
/// and thrown away first (so the client, still sending, gets the answer
/// rather than a reset connection), nothing of it kept.
pub async fn read(body: axum::body::Body, keep: usize, drain: usize) -> Result<Bytes, Error> {
    let mut body = body;
    let hint = http_body::Body::size_hint(&body).upper().unwrap_or(0) as usize;
    let mut buf: Vec<u8> = Vec::with_capacity(hint.min(keep));
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Error::request_malformed(&format!("the request body could not be read: {e}")))?;
        let Ok(data) = frame.into_data() else { continue };
        seen += data.len();
        if seen > keep {
            buf = Vec::new();
            if seen > drain {
                break;
            }
            continue;
        }
        buf.extend_from_slice(&data);
    }
    if seen > keep {
        return Err(Error::request_too_large(keep));
    }
    Ok(Bytes::from(buf))
}

/// `body` as `T`: well-formed JSON, no field `T` does not know (a misspelt
/// field is an error, not silently ignored).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let mut unknown = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let v: T = serde_ignored::deserialize(&mut de, |path| unknown.push(path.to_string())).map_err(|e| Error::request_malformed(&e.to_string()))?;
    de.end().map_err(|e| Error::request_malformed(&e.to_string()))?;
    if !unknown.is_empty() {
        return Err(Error::request_malformed(&format!("unknown field {}", unknown.join(", "))));
    }
    Ok(v)
}

/// The call named `op` with `body` as its arguments (empty or `null`: none;
/// `{}` also for an operation that takes none), deserialised straight from
/// the bytes into [`Call`]; a field the operation does not know is refused.
pub fn call(op: &str, body: &[u8]) -> Result<Call, Error> {
    let text = body.iter().filter(|b| !b.is_ascii_whitespace()).take(5).copied().collect::<Vec<u8>>();
    let none = text.is_empty() || text == b"null";
    match call_with(op, (!none).then_some(body)) {
        Err(_) if text == b"{}" => call_with(op, None),
        r => r,
    }
}

fn call_with(op: &str, args: Option<&[u8]>) -> Result<Call, Error> {
    let mut unknown = Vec::new();
    let bad = |e: serde_json::Error| Error::request_malformed(&e.to_string());
    let call: Call = match args {
        Some(bytes) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let call = serde_ignored::deserialize(Envelope { op, args: Some(&mut de) }, |path| unknown.push(path.to_string())).map_err(bad)?;
            de.end().map_err(bad)?;
            call
        }
        None => {
            let none: Envelope<'_, serde_json::de::SliceRead<'_>> = Envelope { op, args: None };
            serde_ignored::deserialize(none, |path| unknown.push(path.to_string())).map_err(bad)?
        }
    };
    if !unknown.is_empty() {
        let fields: Vec<&str> = unknown.iter().map(|p| p.strip_prefix("args.").unwrap_or(p)).collect();
        return Err(Error::request_malformed(&format!("unknown field {}", fields.join(", "))));
    }
    Ok(call)
}

/// `{"op": op, "args": <the body>}` as a deserializer, without building it:
/// the operation's name, then the body's own JSON deserializer.
struct Envelope<'a, R> {
    op: &'a str,
    args: Option<&'a mut serde_json::Deserializer<R>>,
}

impl<'de, R: serde_json::de::Read<'de>> serde::Deserializer<'de> for Envelope<'_, R> {
    type Error = serde_json::Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        visitor.visit_map(Fields { op: self.op, args: self.args, next: 0 })
    }
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct Fields<'a, R> {
    op: &'a str,
    args: Option<&'a mut serde_json::Deserializer<R>>,
    /// 0: the key `op` is next, 1: its value, 2: the key `args`, 3: its value, 4: done.
    next: u8,
}

impl<'de, R: serde_json::de::Read<'de>> MapAccess<'de> for Fields<'_, R> {
    type Error = serde_json::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, serde_json::Error> {
        match self.next {
            0 => {
                self.next = 1;
                seed.deserialize(IntoDeserializer::<serde_json::Error>::into_deserializer("op")).map(Some)
            }
            2 if self.args.is_some() => {
                self.next = 3;
                seed.deserialize(IntoDeserializer::<serde_json::Error>::into_deserializer("args")).map(Some)
            }
            _ => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, serde_json::Error> {
        match (self.next, self.args.take()) {
            (1, args) => {
                self.next = 2;
                self.args = args;
                seed.deserialize(IntoDeserializer::<serde_json::Error>::into_deserializer(self.op))
            }
            (3, Some(de)) => {
                self.next = 4;
                seed.deserialize(de)
            }
            _ => Err(serde::de::Error::custom("no such field")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_straight_from_the_bytes() {
        assert!(matches!(call("info", b"").unwrap(), Call::Info));
        assert!(matches!(call("info", b" null ").unwrap(), Call::Info));
        assert!(matches!(call("info", b"{ }").unwrap(), Call::Info));
        assert!(matches!(call("person_get", br#"{"id": 7}"#).unwrap(), Call::PersonGet { id: 7 }));
        let e = call("person_get", br#"{"id": 7, "pad": "x"}"#).unwrap_err();
        assert_eq!(e.code, qinqing_core::Code::RequestMalformed);
        assert!(e.message_en.contains("unknown field pad"), "{}", e.message_en);
        assert!(call("person_get", br#"{"id": 7} trailing"#).is_err());
        assert!(call("person_get", br#"{"id": "7"}"#).is_err());
        assert!(call("no_such_op", b"{}").is_err());
        assert!(call("person_get", b"").is_err());
    }
}
