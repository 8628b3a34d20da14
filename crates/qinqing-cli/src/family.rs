//! 亲情账户: bindings, their documents, and the messages sent to members (the outbox).

use super::*;

/// What the CLI prints of a binding (read from the operation's JSON answer,
/// the same locally and through a server).
#[derive(serde::Deserialize)]
pub(crate) struct BindingView {
    id: i64,
    holder: PartyView,
    member: PartyView,
    relation_zh: String,
    relation_en: String,
    status: qinqing_core::BindingStatus,
    member_age: i32,
    #[serde(default)]
    missing: Vec<String>,
    reject_reason: Option<String>,
}

#[derive(serde::Deserialize)]
pub(crate) struct PartyView {
    name: String,
    #[serde(default)]
    resident_id_masked: String,
}

pub(crate) fn bind(ctx: &Ctx, cmd: BindCmd) -> Result<Outcome, Error> {
    let call = match cmd {
        BindCmd::Apply { holder, member, relation } => Call::BindingApplyMember { holder, member, relation },
        BindCmd::Attach { app, doc } => Call::BindingAttach { id: app, doc },
        BindCmd::Sign { app } => Call::BindingSign { id: app },
        BindCmd::VerifyFace { app, staff: Some(staff), .. } => Call::BindingFaceStaff { id: app, staff },
        BindCmd::VerifyFace { app, evidence: Some(doc), .. } => Call::BindingFaceEvidence { id: app, doc },
        BindCmd::VerifyFace { .. } => return Err(Error::internal("clap enforces --staff or --evidence")),
        BindCmd::SendRemoteCode { app } => Call::BindingSendRemoteCode { id: app },
        BindCmd::ConfirmRemote { app, code } => Call::BindingConfirmRemote { id: app, code },
        BindCmd::ActivateVoucher { app } => Call::BindingGuardianVoucher { id: app },
        BindCmd::ShowsMember { app, doc, staff } => Call::BindingDocShowsMember { id: app, doc, staff },
        BindCmd::Submit { app } => Call::BindingSubmit { id: app },
        BindCmd::Approve { app, staff } => Call::BindingApprove { id: app, staff },
        BindCmd::Reject { app, staff, reason } => Call::BindingReject { id: app, staff, reason },
        BindCmd::Unbind { binding, by } => Call::BindingUnbind { id: binding, by_person: by },
        BindCmd::Show { app } => Call::BindingGet { id: app },
        BindCmd::List { holder, member, status } => {
            let list = ctx.call_value(Call::BindingList(BindingQuery { holder, member, status }))?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for b in view::<Vec<BindingView>>(&list)? {
                    print_binding_line(ctx, &b);
                }
            }
            return Ok(Outcome::Ok);
        }
        BindCmd::Letter => {
            let l = ctx.call_value(Call::BindingLetter)?;
            if ctx.json {
                ctx.print_json(&l)?;
            } else {
                let text = |k: &str| l[k].as_str().unwrap_or_default().to_string();
                println!("{} {}\n", if ctx.en() { "version" } else { "版本" }, text("version"));
                println!("{}", if ctx.en() { text("text_en") } else { text("text_zh") });
            }
            return Ok(Outcome::Ok);
        }
    };
    let v = ctx.call_value(call)?;
    if ctx.json {
        ctx.print_json(&v)?;
    } else {
        let b: BindingView = view(&v)?;
        print_binding_line(ctx, &b);
        if !b.missing.is_empty() {
            let labels: Vec<&str> = b
                .missing
                .iter()
                .map(|k| {
                    let (zh, en) = qinqing_core::binding::requirement_label(k);
                    if ctx.en() {
                        en
                    } else {
                        zh
                    }
                })
                .collect();
            println!("  {} {}", if ctx.en() { "missing:" } else { "尚缺：" }, labels.join(if ctx.en() { "; " } else { "；" }));
        }
        if let Some(r) = &b.reject_reason {
            println!("  {} {r}", if ctx.en() { "rejected:" } else { "驳回原因：" });
        }
    }
    Ok(Outcome::Ok)
}

pub(crate) fn print_binding_line(ctx: &Ctx, b: &BindingView) {
    let (rel, st) = if ctx.en() { (b.relation_en.as_str(), b.status.en()) } else { (b.relation_zh.as_str(), b.status.zh()) };
    println!("#{}  {} → {} ({}, {})  {}  {}", b.id, b.holder.name, b.member.name, b.member.resident_id_masked, rel, b.member_age, st);
}

/// What the CLI prints of a document (from the operation's JSON answer).
#[derive(serde::Deserialize)]
pub(crate) struct DocView {
    id: i64,
    person_id: i64,
    kind: String,
    media: String,
    width: Option<i64>,
    height: Option<i64>,
    bytes: i64,
    sha256: String,
    status: String,
    #[serde(default)]
    note: String,
}

pub(crate) fn doc(ctx: &Ctx, cmd: DocCmd) -> Result<Outcome, Error> {
    let call = match cmd {
        DocCmd::Add { person, kind, file, application, note } => {
            let v = if ctx.server.is_some() {
                let data_base64 = qinqing_core::document::upload_file(&file)?;
                ctx.call_value(Call::DocumentUpload { person, kind, note, binding: application, data_base64 })?
            } else {
                serde_json::to_value(ctx.open()?.ingest_document_path(person, &kind, &file, &note, application)?).map_err(|e| Error::internal(e.to_string()))?
            };
            if ctx.json {
                ctx.print_json(&v)?;
            } else {
                println!("{}", v["id"]);
            }
            return Ok(Outcome::Ok);
        }
        DocCmd::List { person } => {
            let list = ctx.call_value(Call::DocumentList { person })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for d in view::<Vec<DocView>>(&list)? {
                    print_doc(ctx, &d);
                }
            }
            return Ok(Outcome::Ok);
        }
        DocCmd::Show { doc } => Call::DocumentGet { id: doc },
        DocCmd::Export { doc, out } => {
            let d = if ctx.server.is_some() {
                let v = ctx.call_value(Call::DocumentBytes { id: doc })?;
                let bytes = qinqing_core::document::decode_upload(v["data_base64"].as_str().unwrap_or_default(), u64::MAX / 2)?;
                qinqing_core::document::write_new(&out, &bytes)?;
                v["document"].clone()
            } else {
                serde_json::to_value(ctx.open()?.export_document(doc, &out)?).map_err(|e| Error::internal(e.to_string()))?
            };
            if ctx.json {
                ctx.print_json(&d)?;
            } else {
                print_doc(ctx, &view(&d)?);
            }
            return Ok(Outcome::Ok);
        }
        DocCmd::Purge { dry_run: true, limit, .. } => {
            let plan = ctx.call_value(Call::DocumentPurgePlan { limit })?;
            if ctx.json {
                ctx.print_json(&plan)?;
            } else {
                let plan: qinqing_core::app::retention::PurgePlan = view(&plan)?;
                println!(
                    "{}",
                    ctx.t(
                        &format!("保留期 {} 天：到期可删除 {} 份（不作更改，--apply 才删除）。", plan.retention_days, plan.due_total),
                        &format!("Retention {} days: {} document(s) due (nothing changed; --apply purges them).", plan.retention_days, plan.due_total)
                    )
                );
                for d in &plan.due {
                    println!(
                        "  #{}  {} {}  {} {}  {} {}",
                        d.document,
                        ctx.t("参保人", "person"),
                        d.person,
                        d.kind,
                        d.since,
                        ctx.t("到期", "due"),
                        d.due_at_local
                    );
                }
                for (why, n) in &plan.kept {
                    println!("  {} {}: {n}", ctx.t("保留", "kept"), why);
                }
            }
            return Ok(Outcome::Ok);
        }
        DocCmd::Purge { .. } => {
            // Many short calls (each removes a few documents, each in its own transaction).
            let (mut after, mut purged, mut skipped) = (None, Vec::new(), 0);
            let days = loop {
                let done: qinqing_core::app::retention::Purged = ctx.call(Call::DocumentPurge { limit: qinqing_core::app::retention::PURGE_BATCH, after })?;
                purged.extend(done.purged);
                skipped += done.skipped;
                match done.next {
                    Some(n) => after = Some(n),
                    None => break done.retention_days,
                }
            };
            if ctx.json {
                ctx.print_json(&serde_json::json!({ "retention_days": days, "purged": purged, "skipped": skipped }))?;
            } else {
                println!(
                    "{}",
                    ctx.t(
                        &format!("保留期 {days} 天：已删除 {} 份材料（已记入审计）。", purged.len()),
                        &format!("Retention {days} days: {} document(s) purged (audited).", purged.len())
                    )
                );
                for d in &purged {
                    println!("  #{}  {} {}  {} {}", d.document, ctx.t("参保人", "person"), d.person, d.kind, d.since);
                }
            }
            return Ok(Outcome::Ok);
        }
        DocCmd::Rm { doc } => Call::DocumentDelete { id: doc },
        DocCmd::Review { doc, staff, verdict, reason } => Call::DocumentReview { id: doc, staff, accept: verdict == "accept", reason },
    };
    let v = ctx.call_value(call)?;
    if ctx.json {
        ctx.print_json(&v)?;
    } else {
        print_doc(ctx, &view(&v)?);
    }
    Ok(Outcome::Ok)
}

pub(crate) fn print_doc(ctx: &Ctx, d: &DocView) {
    let k = match qinqing_core::document::DocKind::parse(&d.kind) {
        Ok(k) if ctx.en() => k.en(),
        Ok(k) => k.zh(),
        Err(_) => d.kind.as_str(),
    };
    let size = match (d.width, d.height) {
        (Some(w), Some(h)) => format!("{w}x{h}"),
        _ => "-".into(),
    };
    println!(
        "{}  person {}  {}  {}  {}  {} B  {}  {}  {}",
        d.id,
        d.person_id,
        k,
        d.media,
        size,
        d.bytes,
        d.sha256.get(..12).unwrap_or_default(),
        d.status,
        d.note
    );
}

pub(crate) fn outbox_list(ctx: &Ctx, person: i64) -> Result<Outcome, Error> {
    let list: Vec<qinqing_core::binding::Message> = ctx.call(Call::Outbox { person })?;
    if ctx.json {
        ctx.print_json(&list)?;
    } else {
        for m in list {
            println!("{}  {}", m.created_at_local, if ctx.en() { &m.body_en } else { &m.body_zh });
        }
    }
    Ok(Outcome::Ok)
}
