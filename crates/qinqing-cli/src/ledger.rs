//! The ledger itself: its file and signing key, demo data, backups, moving it
//! to PostgreSQL, and its trails (the audit, the refused requests).

use super::*;

pub(crate) fn info(ctx: &Ctx) -> Result<Outcome, Error> {
    let info: qinqing_core::service::Info = ctx.call(Call::Info)?;
    if ctx.json {
        ctx.print_json(&info)?;
    } else {
        println!("qinqing {}", info.app_version);
        let rows = [
            (ctx.t("数据库", "database"), info.db_path.clone()),
            (ctx.t("数据库版本", "schema version"), format!("{} ({} {})", info.schema_version, ctx.t("最新", "latest"), info.latest_schema_version)),
            (ctx.t("日志模式", "journal mode"), info.journal_mode.clone()),
            (ctx.t("SQLite 版本", "sqlite"), info.sqlite_version.clone()),
            (ctx.t("静态加密", "encrypted at rest"), info.at_rest.clone()),
            (ctx.t("人员", "persons"), info.persons.to_string()),
            (ctx.t("今天（北京时间）", "today (China)"), info.today_china.clone()),
        ];
        for (label, value) in rows {
            println!("{}", padded(label, 16, &value));
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn demo_seed(ctx: &Ctx, families: Option<usize>, transactions: usize, seed: u64, force: bool) -> Result<Outcome, Error> {
    let mut q = ctx.open_or_create()?;
    // Not into a centre's ledger (PostgreSQL, or staff of its own) unless
    // asked for by name: DEMO_REFUSED.
    if !force {
        q.demo_allowed()?;
    }
    q.set_progress(progress_bar(ctx));
    let r = q.demo_seed()?;
    if let Some(f) = families {
        let big = q.seed_ledger(f, transactions, seed)?;
        if ctx.json {
            ctx.print_json(&serde_json::json!({ "demo": r, "ledger": big }))?;
        } else {
            if ctx.en() {
                println!("ledger: {} families ({} people), {} settlements; first holder #{}", big.families, big.persons, big.settlements, big.first_holder);
            } else {
                println!("账本：{} 户（{} 人），{} 笔结算；第一户户主 #{}", big.families, big.persons, big.settlements, big.first_holder);
            }
        }
        return Ok(Outcome::Ok);
    }
    if ctx.json {
        ctx.print_json(&r)?;
    } else if ctx.en() {
        println!("demo family: {} added, {} already present", r.created.len(), r.already_present);
        if r.staff_created {
            println!("demo staff: {} / password {}", qinqing_core::demo::DEMO_STAFF_NAME, qinqing_core::demo::DEMO_STAFF_PASSWORD);
        }
        if r.bindings_created > 0 {
            println!("family account: {} bindings (active, awaiting review, draft)", r.bindings_created);
        }
    } else {
        println!("示例家庭：新增 {} 人，已存在 {} 人", r.created.len(), r.already_present);
        if r.staff_created {
            println!("示例工作人员：{}，密码 {}", qinqing_core::demo::DEMO_STAFF_NAME, qinqing_core::demo::DEMO_STAFF_PASSWORD);
        }
        if r.bindings_created > 0 {
            println!("亲情账户：{} 条绑定（已绑定、待审核、草稿各一）", r.bindings_created);
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn init(ctx: &Ctx) -> Result<Outcome, Error> {
    let q = ctx.open_or_create()?;
    let pk = q.public_key_hex()?;
    let info = q.info()?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({ "db_path": info.db_path, "schema_version": info.schema_version, "public_key": pk }))?;
    } else {
        println!("{}\n{}: {pk}", info.db_path, ctx.t("公钥", "public key"));
    }
    Ok(Outcome::Ok)
}

pub(crate) fn key_export(ctx: &Ctx) -> Result<Outcome, Error> {
    let v = ctx.call_value(Call::PublicKey)?;
    if ctx.json {
        ctx.print_json(&v)?;
    } else {
        println!("{}", v["public_key"].as_str().unwrap_or_default());
    }
    Ok(Outcome::Ok)
}

/// The passphrase from stdin (one line), when asked for.
fn passphrase(asked: bool) -> Result<Option<zeroize::Zeroizing<String>>, Error> {
    Ok(if asked { Some(zeroize::Zeroizing::new(crate::stdin_lines(1)?.remove(0))) } else { None })
}

pub(crate) fn backup(ctx: &Ctx, out: PathBuf, passphrase_stdin: bool) -> Result<Outcome, Error> {
    let pass = passphrase(passphrase_stdin)?;
    let mut q = ctx.open()?;
    q.set_progress(progress_bar(ctx));
    let m = q.backup_to(&out, pass.as_deref().map(|s| s.as_str()))?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({ "backup": out.display().to_string(), "manifest": m }))?;
    } else if ctx.en() {
        println!("{} ({} persons, {} documents, encrypted)", out.display(), m.persons, m.documents);
    } else {
        println!("{}（{} 人，{} 份材料，已加密）", out.display(), m.persons, m.documents);
    }
    Ok(Outcome::Ok)
}

pub(crate) fn export(ctx: &Ctx, to: PathBuf) -> Result<Outcome, Error> {
    let mut q = ctx.open()?;
    q.set_progress(progress_bar(ctx));
    let r = q.export_to(&to)?;
    if ctx.json {
        ctx.print_json(&r)?;
    } else {
        for t in &r.tables {
            println!("{:<20} {:>9}", t.table, t.rows);
        }
        if ctx.en() {
            println!(
                "{} rows, {} documents ({} files, {} bytes) → {} (checked: counts, sums, file hashes)",
                r.rows, r.documents, r.files, r.file_bytes, r.target
            );
        } else {
            println!("{} 行，{} 份材料（{} 个文件，{} 字节）→ {}（已核对：行数、金额合计、文件哈希）", r.rows, r.documents, r.files, r.file_bytes, r.target);
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn restore(ctx: &Ctx, backup: PathBuf, passphrase_stdin: bool) -> Result<Outcome, Error> {
    let pass = passphrase(passphrase_stdin)?;
    let pass = pass.as_deref().map(|s| s.as_str());
    // The backup is checked whole before the target database is made: a
    // mistyped path or a wrong passphrase creates nothing.
    qinqing_core::backup::check_backup(&backup, pass)?;
    let mut q = ctx.open_or_create()?;
    q.set_progress(progress_bar(ctx));
    q.restore_from(&backup, pass)?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({ "restored_from": backup.display().to_string() }))?;
    } else {
        if ctx.en() {
            println!("restored from {}", backup.display());
        } else {
            println!("已从备份恢复：{}", backup.display());
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn denied(ctx: &Ctx, limit: u32) -> Result<Outcome, Error> {
    let list: Vec<qinqing_core::authz::Denied> = ctx.call(Call::DeniedList { limit })?;
    if ctx.json {
        ctx.print_json(&list)?;
    } else {
        for d in list {
            println!("{}  {:<24} {:<14} {}", d.at_local, d.actor, d.code, d.act);
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn audit_list(ctx: &Ctx, person: Option<i64>, since: Option<String>, limit: u32) -> Result<Outcome, Error> {
    let entries: Vec<qinqing_core::audit::AuditEntry> = ctx.call(Call::AuditList(AuditQuery { person_id: person, since, limit: Some(limit) }))?;
    if ctx.json {
        ctx.print_json(&entries)?;
    } else {
        for e in entries {
            println!("{}  {:<8} {:<26} {}#{}", e.at_local, e.actor, e.action, e.entity, e.entity_id.unwrap_or(0));
        }
    }
    Ok(Outcome::Ok)
}
