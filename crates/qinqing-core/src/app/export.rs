//! Moving a whole ledger into PostgreSQL (`qinqing-cli export --to URL`): a
//! centre that outgrows one computer keeps its history — every row of every
//! table, the documents' bytes and the installation's signing key (so codes
//! already shown and keys already given to terminals stay valid).
//!
//! The target must be a PostgreSQL database that holds no ledger yet (only
//! the default policy rows its migrations put there, which are replaced by the
//! source's). Everything is written in one transaction on the target and
//! checked before it commits: per table, the row count and the sum of every
//! integer column (money, ids, counters) must equal the source's, and every
//! stored file must open under the target's key with plain bytes that hash
//! to its name. The documents are opened under this ledger's key and sealed
//! again under the target's (derived from the signing key the copy installs
//! in the target's key file, outside the database; issue 35). Any difference rolls the whole
//! copy back, so the target is either the complete ledger or untouched. The
//! source is only read.

use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::store::{Conn, Value};
use serde::Serialize;
use std::path::Path;

/// What was copied and checked.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub target: String,
    pub tables: Vec<TableCopy>,
    pub rows: i64,
    pub documents: i64,
    pub files: i64,
    pub file_bytes: i64,
    /// Counts, integer sums and file hashes all matched (the copy committed).
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableCopy {
    pub table: String,
    pub rows: i64,
}

/// Tables that hold a ledger: a target with rows in any of them is not empty.
const LEDGER_TABLES: &[&str] = &["person", "staff", "institution", "settlement", "audit", "document", "binding", "aid", "blob"];

impl Qinqing {
    /// Copy this ledger into the empty PostgreSQL database at `target` (see
    /// the module docs). Administrators and the local operator only.
    pub fn export_to(&self, target: &Path) -> Result<ExportReport> {
        self.permit(Act::Admin)?;
        let url = crate::store::sqlite::postgres_url(target).ok_or_else(|| Error::export_target_invalid(&target.display().to_string()))?;
        let shown = crate::store::pg::redact(url);
        let dst = Qinqing::open(target)?;
        for t in LEDGER_TABLES {
            let n: i64 = dst.conn().query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?;
            if n > 0 {
                return Err(Error::export_target_not_empty(&shown, t, n));
            }
        }
        let key = self.signing_key()?.to_bytes();
        let fks = crate::store::pg::foreign_keys(dst.conn())?;
        let order = crate::store::pg::tables_in_load_order(dst.conn(), &fks)?;
        let src = self.conn();
        let out = dst.conn();
        let tx = out.begin()?;
        // The migrations' default rows (settings, policies) give way to the source's.
        for t in order.iter().rev() {
            out.execute(&format!("DELETE FROM {t}"), [])?;
        }
        let mut tables = Vec::new();
        let mut rows = 0;
        // Nullable references to a table not loaded yet (document ↔ binding,
        // settlement ↔ stay) are written NULL first and set after all rows.
        let mut later: Vec<(String, String, i64, Value)> = Vec::new();
        let mut loaded: Vec<&str> = Vec::new();
        let mut total = 0u64;
        for t in &order {
            total += src.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get::<_, i64>(0)).unwrap_or(0).max(0) as u64;
        }
        let mut copied = 0u64;
        for t in &order {
            let cols = crate::store::pg::columns(out, t)?;
            let deferred: Vec<&str> = fks
                .iter()
                .filter(|f| &f.table == t && f.nullable && (f.references == *t || !loaded.contains(&f.references.as_str())))
                .map(|f| f.column.as_str())
                .collect();
            let list = cols.join(", ");
            let marks = (1..=cols.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
            let insert = format!("INSERT INTO {t} ({list}) VALUES ({marks})");
            let id_col = cols.iter().position(|c| c == "id");
            let src_rows =
                src.query_map(&format!("SELECT {list} FROM {t}"), [], |r| (0..cols.len()).map(|i| r.get::<_, Value>(i)).collect::<Result<Vec<Value>>>())?;
            let mut n = 0;
            for row in src_rows {
                let mut row = row?;
                for d in &deferred {
                    let i = cols.iter().position(|c| c == d).ok_or_else(|| Error::internal("column"))?;
                    if row[i] != Value::Null {
                        let id = match id_col.map(|k| &row[k]) {
                            Some(Value::Int(id)) => *id,
                            _ => return Err(Error::internal(format!("{t}.{d}: deferred reference without an id"))),
                        };
                        later.push((t.clone(), d.to_string(), id, std::mem::replace(&mut row[i], Value::Null)));
                    }
                }
                out.execute(&insert, row)?;
                n += 1;
                copied += 1;
                if copied.is_multiple_of(5_000) {
                    self.progress("rows", copied, total);
                }
            }
            loaded.push(t);
            rows += n;
            tables.push(TableCopy { table: t.clone(), rows: n });
        }
        self.progress("rows", total, total);
        for (t, c, id, v) in later {
            out.execute(&format!("UPDATE {t} SET {c} = ?1 WHERE id = ?2"), vec![v, Value::Int(id)])?;
        }
        crate::store::pg::reset_identities(out, &order)?;
        // The key goes to this machine's key file for the new ledger, never into
        // its tables — first, since the target's documents are sealed under it.
        crate::keyfile::install(out, &ed25519_dalek::SigningKey::from_bytes(&key))?;
        // The files: every document's stored image or PDF and its thumbnail,
        // opened under this ledger's key and sealed under the target's
        // (issue 35), whose secret is read only now that its key file is installed.
        let src_blobs = self.doc_files()?;
        let dst_blobs = dst.doc_files()?;
        let docs: Vec<(String, String, Option<String>)> = src
            .query_map("SELECT sha256, media, thumb_sha256 FROM document ORDER BY id", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_>>()?;
        let (mut files, mut file_bytes) = (0i64, 0i64);
        for (sha, media, thumb) in &docs {
            let ext = if media == "pdf" { "pdf" } else { "jpg" };
            let mut wanted = vec![(sha.clone(), ext)];
            if let Some(t) = thumb {
                wanted.push((t.clone(), "thumb.jpg"));
            }
            for (name, ext) in wanted {
                let bytes = src_blobs.read(&name, ext)?;
                if dst_blobs.put(&name, ext, &bytes)? {
                    files += 1;
                    file_bytes += bytes.len() as i64;
                }
            }
        }
        // Every file written is sealed, so the target's store is marked as such.
        crate::store::docstore::Blobs::Db(out).mark_sealed()?;
        // Check before committing: counts and integer sums per table, file hashes.
        for t in &order {
            let cols = crate::store::pg::integer_columns(out, t)?;
            let probe = std::iter::once("count(*)".to_string())
                .chain(cols.iter().map(|c| format!("CAST(coalesce(sum({c}), 0) AS BIGINT)")))
                .collect::<Vec<_>>()
                .join(", ");
            let q = format!("SELECT {probe} FROM {t}");
            let read = |c: &Conn| c.query_row(&q, [], |r| (0..=cols.len()).map(|i| r.get::<_, i64>(i)).collect::<Result<Vec<i64>>>());
            let (a, b) = (read(src)?, read(out)?);
            if a != b {
                return Err(Error::export_mismatch(t));
            }
        }
        // Each file opens under the target's key and its plain bytes hash to its name.
        for (sha, media, thumb) in &docs {
            let ext = if media == "pdf" { "pdf" } else { "jpg" };
            if crate::store::docstore::sha256_hex(&dst_blobs.read(sha, ext)?) != *sha {
                return Err(Error::export_mismatch("blob"));
            }
            if let Some(t) = thumb {
                if crate::store::docstore::sha256_hex(&dst_blobs.read(t, "thumb.jpg")?) != *t {
                    return Err(Error::export_mismatch("blob"));
                }
            }
        }
        // And none of them is plain.
        let plain: i64 = out.query_row(
            "SELECT count(*) FROM blob WHERE name ~ '^[0-9a-f]{64}[.]' AND substring(bytes FROM 1 FOR 4) <> decode('51514531', 'hex')",
            [],
            |r| r.get(0),
        )?;
        if plain > 0 {
            return Err(Error::export_mismatch("blob"));
        }
        crate::access::audit::record(
            out,
            &crate::time::to_db(self.now()),
            &self.actor(),
            "ledger.import",
            "ledger",
            None,
            None,
            None,
            Some(&serde_json::json!({ "rows": rows, "documents": docs.len(), "files": files })),
        )?;
        tx.commit()?;
        crate::access::audit::record(
            src,
            &crate::time::to_db(self.now()),
            &self.actor(),
            "ledger.export",
            "ledger",
            None,
            None,
            None,
            Some(&serde_json::json!({ "to": shown, "rows": rows, "documents": docs.len() })),
        )?;
        Ok(ExportReport { target: shown, tables, rows, documents: docs.len() as i64, files, file_bytes, verified: true })
    }
}
