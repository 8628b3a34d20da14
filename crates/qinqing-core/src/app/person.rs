//! The register of insured persons.

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::id::{Gender, ResidentId};
use crate::money;
use crate::params;
use crate::region::Region;
use crate::store::{Conn, OptionalExtension, Row};
use crate::time;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const NAME_MAX_CHARS: usize = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Insurance {
    /// 职工医保
    Employee,
    /// 城乡居民医保
    Resident,
}

impl Insurance {
    pub fn parse(raw: &str) -> Result<Self> {
        match raw.trim() {
            "employee" | "职工医保" => Ok(Insurance::Employee),
            "resident" | "城乡居民医保" => Ok(Insurance::Resident),
            _ => Err(Error::insurance_invalid(raw)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Insurance::Employee => "employee",
            Insurance::Resident => "resident",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 正常
    Active,
    /// 暂停
    Suspended,
    /// 中断
    Lapsed,
}

impl Status {
    pub fn parse(raw: &str) -> Result<Self> {
        match raw.trim() {
            "active" | "正常" => Ok(Status::Active),
            "suspended" | "暂停" => Ok(Status::Suspended),
            "lapsed" | "中断" => Ok(Status::Lapsed),
            _ => Err(Error::status_invalid(raw)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Lapsed => "lapsed",
        }
    }
}

/// Characters that must never be part of a stored name: C0/C1 controls and
/// invisible format characters that can reorder or hide text on screen.
fn is_forbidden_in_name(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Trim and check a name: 1–30 characters, any script, no control characters.
pub fn validate_name(raw: &str) -> Result<String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Error::name_empty());
    }
    if t.chars().any(is_forbidden_in_name) {
        return Err(Error::name_invalid_char());
    }
    let n = t.chars().count();
    if n > NAME_MAX_CHARS {
        return Err(Error::name_too_long(n));
    }
    Ok(t.to_string())
}

fn balance_from(fen: Option<i64>, yuan: Option<&str>) -> Result<Option<i64>> {
    let yuan = yuan.map(str::trim).filter(|y| !y.is_empty());
    match (fen, yuan) {
        (Some(_), Some(_)) => Err(Error::balance_conflict()),
        (Some(f), None) => money::check_fen("balance", f).map(Some),
        (None, Some(y)) => money::parse_yuan("balance", y).map(Some),
        (None, None) => Ok(None),
    }
}

/// A new person as typed in a form or on the command line. Everything is
/// text so that every caller goes through the same parsing and validation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PersonInput {
    pub name: String,
    pub resident_id: String,
    pub insurance: String,
    pub region: String,
    /// `active` when absent.
    pub status: Option<String>,
    /// Balance in fen (CLI) …
    pub balance_fen: Option<i64>,
    /// … or in yuan as typed (UI). At most one of the two.
    pub balance_yuan: Option<String>,
    pub voucher_activated: bool,
    /// 失能人员.
    pub disabled: bool,
}

/// Changes to an existing person; absent fields stay as they are. The
/// resident ID is the person's identity and cannot be changed.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PersonEdit {
    pub name: Option<String>,
    pub insurance: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    pub balance_fen: Option<i64>,
    pub balance_yuan: Option<String>,
    pub voucher_activated: Option<bool>,
    pub disabled: Option<bool>,
}

/// A person as shown to a user. `resident_id` (the full number) is present
/// only in the detail view; lists carry the masked form alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_id: Option<String>,
    pub resident_id_masked: String,
    pub birth_date: String,
    pub gender: Gender,
    /// Age today, in China time.
    pub age: i32,
    pub insurance: Insurance,
    pub region: Region,
    pub status: Status,
    pub balance_fen: i64,
    pub balance_display: String,
    /// Balance as plain yuan text, for an edit form.
    pub balance_yuan: String,
    pub voucher_activated: bool,
    /// 失能人员: binding them needs a medical certificate.
    pub disabled: bool,
    /// Last accepted face verification (China time), if any.
    pub face_verified_at_local: Option<String>,
    /// When staff checked the person's identity (ID card front and back, face) once, China time:
    /// needed before a holder's first application from a family computer.
    #[serde(default)]
    pub real_name_checked_at_local: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_at_local: String,
    pub updated_at_local: String,
}

/// The stored record, before it is shaped for display.
#[derive(Debug, Clone)]
pub struct Stored {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) rid: ResidentId,
    pub(crate) insurance: Insurance,
    pub(crate) region: Region,
    pub(crate) status: Status,
    pub(crate) balance_fen: i64,
    pub(crate) voucher_activated: bool,
    pub(crate) disabled: bool,
    pub(crate) face_verified_at: Option<String>,
    pub(crate) real_name_checked_at: Option<String>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

pub(crate) const COLUMNS: &str =
    "id, name, resident_id, insurance, region, status, balance_fen, voucher_activated, created_at, updated_at, disabled, face_verified_at, real_name_checked_at";

fn corrupt(what: &str, id: i64) -> Error {
    Error::internal(format!("stored {what} of person {id} is not valid"))
}

pub(crate) fn read_row(row: &Row<'_>) -> crate::error::Result<Stored> {
    let id: i64 = row.get(0)?;
    let rid_s: String = row.get(2)?;
    // Stored IDs were validated on the way in; re-derive birth date and gender.
    let rid = ResidentId::parse(&rid_s, NaiveDate::MAX).map_err(|_| corrupt("resident_id", id))?;
    let ins: String = row.get(3)?;
    let reg: String = row.get(4)?;
    let st: String = row.get(5)?;
    Ok(Stored {
        id,
        name: row.get(1)?,
        rid,
        insurance: Insurance::parse(&ins).map_err(|_| corrupt("insurance", id))?,
        region: Region::stored(&reg).map_err(|_| corrupt("region", id))?,
        status: Status::parse(&st).map_err(|_| corrupt("status", id))?,
        balance_fen: row.get(6)?,
        voucher_activated: row.get::<_, i64>(7)? == 1,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        disabled: row.get::<_, i64>(10)? == 1,
        face_verified_at: row.get(11)?,
        real_name_checked_at: row.get(12)?,
    })
}

impl Stored {
    pub(crate) fn view(&self, today: NaiveDate, full_id: bool) -> Person {
        let local = |s: &str| time::from_db(s).map(time::display_china).unwrap_or_default();
        Person {
            id: self.id,
            name: self.name.clone(),
            resident_id: full_id.then(|| self.rid.as_str().to_string()),
            resident_id_masked: self.rid.masked(),
            birth_date: self.rid.birth_date().format("%Y-%m-%d").to_string(),
            gender: self.rid.gender(),
            age: time::age_on(self.rid.birth_date(), today),
            insurance: self.insurance,
            region: self.region.clone(),
            status: self.status,
            balance_fen: self.balance_fen,
            balance_display: money::format_fen(self.balance_fen),
            balance_yuan: money::fen_to_yuan_text(self.balance_fen),
            voucher_activated: self.voucher_activated,
            disabled: self.disabled,
            face_verified_at_local: self.face_verified_at.as_deref().map(local),
            real_name_checked_at_local: self.real_name_checked_at.as_deref().map(local),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            created_at_local: local(&self.created_at),
            updated_at_local: local(&self.updated_at),
        }
    }

    /// What the audit trail keeps: never the full ID.
    fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "resident_id_masked": self.rid.masked(),
            "insurance": self.insurance.as_str(),
            "region": self.region.code,
            "status": self.status.as_str(),
            "balance_fen": self.balance_fen,
            "voucher_activated": self.voucher_activated,
            "disabled": self.disabled,
        })
    }
}

pub(crate) fn load(conn: &Conn, id: i64) -> Result<Stored> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM person WHERE id = ?1"))?
        .query_row([id], read_row)
        .optional()?
        .ok_or_else(|| Error::person_not_found(id))
}

/// Filters for the register list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PersonQuery {
    /// Part of the name.
    pub name: Option<String>,
}

impl Qinqing {
    /// Register a new insured person. All fields are validated and every
    /// problem is reported at once; nothing is stored unless all pass.
    pub fn add_person(&mut self, input: &PersonInput) -> Result<Person> {
        crate::store::retry(|| self.add_person_once(input))
    }

    fn add_person_once(&mut self, input: &PersonInput) -> Result<Person> {
        self.permit(Act::PersonRegister)?;
        let today = self.today();
        let mut errors = Vec::new();
        let name = validate_name(&input.name).map_err(|e| errors.push(e)).ok();
        let rid = ResidentId::parse(&input.resident_id, today).map_err(|e| errors.push(e)).ok();
        let insurance = Insurance::parse(&input.insurance).map_err(|e| errors.push(e)).ok();
        let region = Region::parse(&input.region).map_err(|e| errors.push(e)).ok();
        let status = match &input.status {
            Some(s) if !s.trim().is_empty() => Status::parse(s).map_err(|e| errors.push(e)).ok(),
            _ => Some(Status::Active),
        };
        let balance = balance_from(input.balance_fen, input.balance_yuan.as_deref()).map_err(|e| errors.push(e)).ok();
        if let Some(e) = Error::combine(errors) {
            return Err(e);
        }
        let (Some(name), Some(rid), Some(insurance), Some(region), Some(status), Some(balance)) = (name, rid, insurance, region, status, balance) else {
            return Err(Error::internal("validation state"));
        };
        // Money, a status other than active, or a voucher already activated
        // are not a registration's to decide: an administrator's act (audited
        // with the registration), as editing them is.
        if balance.is_some_and(|b| b != 0) || status != Status::Active || input.voucher_activated {
            self.permit(Act::PersonRegisterFunded)?;
        }
        let balance_fen = balance.unwrap_or(0);
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();

        let tx = self.conn().begin()?;
        let exists: Option<i64> = tx.query_row("SELECT id FROM person WHERE resident_id = ?1", [rid.as_str()], |r| r.get(0)).optional()?;
        if exists.is_some() {
            return Err(Error::person_duplicate_id(&rid.masked()));
        }
        let id: i64 = tx
            .query_row(
                "INSERT INTO person (name, resident_id, insurance, region, status, balance_fen, voucher_activated, created_at, updated_at, disabled)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) RETURNING id",
                params![
                    name,
                    rid.as_str(),
                    insurance.as_str(),
                    region.code,
                    status.as_str(),
                    balance_fen,
                    input.voucher_activated as i64,
                    now,
                    input.disabled as i64
                ],
                |r| r.get(0),
            )
            .map_err(|e| if e.sql == Some(crate::error::SqlFault::Unique) { Error::person_duplicate_id(&rid.masked()) } else { e })?;
        let stored = load(&tx, id)?;
        audit::record(&tx, &now, &actor, "person.add", "person", Some(id), Some(id), None, Some(&stored.audit_snapshot()))?;
        tx.commit()?;
        Ok(stored.view(today, true))
    }

    /// Change an existing person. Unchanged input writes nothing.
    pub fn edit_person(&mut self, id: i64, edit: &PersonEdit) -> Result<Person> {
        self.permit(Act::PersonEdit { person: id })?;
        // Balances and insurance status come from the insurance system: administrators only.
        // (Only a real change counts: an edit form sends the fields it shows.)
        let now = load(self.conn(), id)?;
        let new_balance = match (edit.balance_fen, edit.balance_yuan.as_deref().map(str::trim).filter(|y| !y.is_empty())) {
            (Some(f), _) => Some(f),
            (None, Some(y)) => crate::money::parse_yuan("balance", y).ok(),
            _ => None,
        };
        let new_status = edit.status.as_deref().and_then(|s| Status::parse(s).ok());
        let new_insurance = edit.insurance.as_deref().and_then(|s| Insurance::parse(s).ok());
        // Issue 31 (review): the insurance type decides whose 家庭共济 pays and
        // an activated voucher lets a code be shown — not a plain staff act either.
        if new_balance.is_some_and(|b| b != now.balance_fen)
            || new_status.is_some_and(|s| s != now.status)
            || new_insurance.is_some_and(|i| i != now.insurance)
            || edit.voucher_activated.is_some_and(|v| v != now.voucher_activated)
        {
            self.permit(Act::PersonMoney { person: id })?;
        }
        self.edit_person_as(id, edit, "person.edit")
    }

    pub fn set_status(&mut self, id: i64, status: &str) -> Result<Person> {
        self.permit(Act::PersonMoney { person: id })?;
        let edit = PersonEdit { status: Some(status.to_string()), ..Default::default() };
        self.edit_person_as(id, &edit, "person.set_status")
    }

    pub fn set_balance(&mut self, id: i64, balance_fen: i64) -> Result<Person> {
        self.permit(Act::PersonMoney { person: id })?;
        let edit = PersonEdit { balance_fen: Some(balance_fen), ..Default::default() };
        self.edit_person_as(id, &edit, "person.set_balance")
    }

    /// Activate the person's e-voucher (医保电子凭证).
    pub fn activate_voucher(&mut self, id: i64) -> Result<Person> {
        self.permit(Act::VoucherActivate { person: id })?;
        let edit = PersonEdit { voucher_activated: Some(true), ..Default::default() };
        self.edit_person_as(id, &edit, "person.activate_voucher")
    }

    fn edit_person_as(&mut self, id: i64, edit: &PersonEdit, action: &str) -> Result<Person> {
        crate::store::retry(|| self.edit_person_as_once(id, edit, action))
    }

    fn edit_person_as_once(&mut self, id: i64, edit: &PersonEdit, action: &str) -> Result<Person> {
        let today = self.today();
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn().begin()?;
        let before = load(&tx, id)?;
        let mut after = before.clone();
        let mut errors = Vec::new();
        if let Some(n) = &edit.name {
            validate_name(n).map(|v| after.name = v).unwrap_or_else(|e| errors.push(e));
        }
        if let Some(i) = &edit.insurance {
            Insurance::parse(i).map(|v| after.insurance = v).unwrap_or_else(|e| errors.push(e));
        }
        if let Some(r) = &edit.region {
            Region::parse(r).map(|v| after.region = v).unwrap_or_else(|e| errors.push(e));
        }
        if let Some(s) = &edit.status {
            Status::parse(s).map(|v| after.status = v).unwrap_or_else(|e| errors.push(e));
        }
        match balance_from(edit.balance_fen, edit.balance_yuan.as_deref()) {
            Ok(Some(b)) => after.balance_fen = b,
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
        if let Some(v) = edit.voucher_activated {
            after.voucher_activated = v;
        }
        if let Some(v) = edit.disabled {
            after.disabled = v;
        }
        if let Some(e) = Error::combine(errors) {
            return Err(e);
        }
        let (b, a) = (before.audit_snapshot(), after.audit_snapshot());
        if a == b {
            return Ok(before.view(today, true));
        }
        tx.execute(
            "UPDATE person SET name = ?2, insurance = ?3, region = ?4, status = ?5, balance_fen = ?6,
                    voucher_activated = ?7, updated_at = ?8, disabled = ?9 WHERE id = ?1",
            params![
                id,
                after.name,
                after.insurance.as_str(),
                after.region.code,
                after.status.as_str(),
                after.balance_fen,
                after.voucher_activated as i64,
                now,
                after.disabled as i64
            ],
        )?;
        audit::record(&tx, &now, &actor, action, "person", Some(id), Some(id), Some(&b), Some(&a))?;
        let stored = load(&tx, id)?;
        tx.commit()?;
        Ok(stored.view(today, true))
    }

    /// One person. The full resident ID is in it for the local operator
    /// only; everyone else asks [`Qinqing::reveal_resident_id`], which is
    /// audited (DOMAIN §1: masked everywhere unless the full number is the point).
    pub fn get_person(&self, id: i64) -> Result<Person> {
        self.permit(Act::PersonRead { person: id })?;
        let full = *self.actor_ref() == crate::access::authz::Actor::Operator;
        Ok(load(self.conn(), id)?.view(self.today(), full))
    }

    /// The full resident ID, on request; each viewing is in the audit trail.
    pub fn reveal_resident_id(&self, id: i64) -> Result<String> {
        self.permit(Act::PersonFullId { person: id })?;
        let p = load(self.conn(), id)?;
        audit::record(self.conn(), &time::to_db(self.now()), &self.actor(), "person.view_full_id", "person", Some(id), Some(id), None, None)?;
        Ok(p.rid.as_str().to_string())
    }

    /// The register, in order of registration, IDs masked.
    pub fn list_persons(&self, query: &PersonQuery) -> Result<Vec<Person>> {
        self.permit(Act::PersonList)?;
        let today = self.today();
        let name = query.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let mut stmt =
            self.conn().prepare_cached(&format!("SELECT {COLUMNS} FROM person WHERE (lower(name) LIKE lower(?1) ESCAPE '\\' OR ?1 IS NULL) ORDER BY id"))?;
        // A substring anywhere in the name; %, _ and \ in it are literal.
        let pattern = name.map(|n| format!("%{}%", n.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let rows = stmt.query_map([pattern], read_row)?;
        // A household, or staff serving a resident, sees that family only.
        let visible = self.visible_persons()?;
        let mut out = Vec::new();
        for r in rows {
            let p = r?;
            if visible.as_ref().is_none_or(|v| v.contains(&p.id)) {
                out.push(p.view(today, false));
            }
        }
        Ok(out)
    }

    pub fn count_persons(&self) -> Result<i64> {
        self.conn().query_row("SELECT count(*) FROM person", [], |r| r.get(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::with_check_char;
    use crate::time::FixedClock;
    use crate::Code;
    use chrono::{TimeZone, Utc};
    use std::sync::Arc;

    fn svc() -> Qinqing {
        let clock = FixedClock(Utc.with_ymd_and_hms(2026, 11, 22, 4, 0, 0).unwrap());
        Qinqing::in_memory(Arc::new(clock)).unwrap()
    }

    fn input(name: &str, id: &str) -> PersonInput {
        PersonInput {
            name: name.into(),
            resident_id: id.into(),
            insurance: "employee".into(),
            region: "310115".into(),
            balance_fen: Some(1_285_036),
            ..Default::default()
        }
    }

    #[test]
    fn add_and_show_derives_age_and_gender() {
        let mut q = svc();
        let p = q.add_person(&input("张伟", "34270119900307241X")).unwrap();
        assert_eq!(p.name, "张伟");
        assert_eq!(p.resident_id.as_deref(), Some("34270119900307241X"));
        assert_eq!(p.resident_id_masked, "3427**********241X");
        assert_eq!(p.birth_date, "1990-03-07");
        assert_eq!(p.gender, Gender::Male);
        assert_eq!(p.age, 36);
        assert_eq!(p.balance_fen, 1_285_036);
        assert_eq!(p.balance_display, "¥12,850.36");
        assert_eq!(p.status, Status::Active);
        assert!(!p.voucher_activated);
        let shown = q.get_person(p.id).unwrap();
        assert_eq!(shown, p);
    }

    #[test]
    fn list_masks_ids() {
        let mut q = svc();
        q.add_person(&input("张伟", "34270119900307241X")).unwrap();
        let list = q.list_persons(&PersonQuery::default()).unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].resident_id.is_none());
        let json = serde_json::to_string(&list).unwrap();
        assert!(!json.contains("34270119900307241X"), "full ID leaked into list: {json}");
    }

    #[test]
    fn any_script_names_work() {
        let mut q = svc();
        let p = q.add_person(&input("  阿卜杜热合曼·买买提 ", &with_check_char("65010219580630051"))).unwrap();
        assert_eq!(p.name, "阿卜杜热合曼·买买提");
        let p = q.add_person(&input("<script>alert(1)</script>", &with_check_char("31011520100615031"))).unwrap();
        assert_eq!(p.name, "<script>alert(1)</script>");
    }

    #[test]
    fn name_rules() {
        assert_eq!(validate_name("").unwrap_err().code, Code::NameEmpty);
        assert_eq!(validate_name(" \u{3000} ").unwrap_err().code, Code::NameEmpty);
        assert_eq!(validate_name(&"王".repeat(30)).unwrap(), "王".repeat(30));
        assert_eq!(validate_name(&"王".repeat(31)).unwrap_err().code, Code::NameTooLong);
        assert_eq!(validate_name("张\n伟").unwrap_err().code, Code::NameInvalidChar);
        assert_eq!(validate_name("张\u{202E}伟").unwrap_err().code, Code::NameInvalidChar);
        assert_eq!(validate_name("张\0伟").unwrap_err().code, Code::NameInvalidChar);
    }

    #[test]
    fn duplicate_id_refused_and_nothing_stored() {
        let mut q = svc();
        q.add_person(&input("张伟", "34270119900307241X")).unwrap();
        // Lower-case x and whitespace normalize to the same ID.
        let e = q.add_person(&input("张伟二", " 34270119900307241x ")).unwrap_err();
        assert_eq!(e.code, Code::PersonDuplicateId);
        assert!(e.message_zh.contains("3427**********241X"));
        assert_eq!(q.count_persons().unwrap(), 1);
        let audit_rows: i64 = q.conn().query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).unwrap();
        assert_eq!(audit_rows, 1);
    }

    #[test]
    fn all_field_errors_reported_at_once_and_nothing_stored() {
        let mut q = svc();
        let bad = PersonInput {
            name: "".into(),
            resident_id: "342701199003072414".into(),
            insurance: "gold".into(),
            region: "99".into(),
            status: Some("dead".into()),
            balance_yuan: Some("-5".into()),
            ..Default::default()
        };
        let e = q.add_person(&bad).unwrap_err();
        let mut codes: Vec<Code> = vec![e.code];
        codes.extend(e.also.iter().map(|a| a.code));
        assert_eq!(codes, vec![Code::NameEmpty, Code::IdChecksum, Code::InsuranceInvalid, Code::RegionInvalid, Code::StatusInvalid, Code::AmountNegative]);
        assert_eq!(q.count_persons().unwrap(), 0);
    }

    #[test]
    fn balance_in_yuan_or_fen_not_both() {
        let mut q = svc();
        let mut i = input("张伟", "34270119900307241X");
        i.balance_yuan = Some("12.30".into());
        assert_eq!(q.add_person(&i).unwrap_err().code, Code::BalanceConflict);
        i.balance_fen = None;
        assert_eq!(q.add_person(&i).unwrap().balance_fen, 1230);
    }

    #[test]
    fn edit_status_balance_voucher_are_audited() {
        let mut q = svc();
        let p = q.add_person(&input("张伟", "34270119900307241X")).unwrap();
        let p2 = q.set_status(p.id, "suspended").unwrap();
        assert_eq!(p2.status, Status::Suspended);
        let p3 = q.set_balance(p.id, 0).unwrap();
        assert_eq!(p3.balance_fen, 0);
        let p4 = q.activate_voucher(p.id).unwrap();
        assert!(p4.voucher_activated);
        // Activating again changes nothing and writes no audit entry.
        q.activate_voucher(p.id).unwrap();
        let actions: Vec<String> = {
            let mut s = q.conn().prepare("SELECT action FROM audit ORDER BY id").unwrap();
            s.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
        };
        assert_eq!(actions, ["person.add", "person.set_status", "person.set_balance", "person.activate_voucher"]);
        let all: String = q
            .conn()
            .query_map("SELECT coalesce(before,'') || after FROM audit", [], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<Vec<_>>>()
            .unwrap()
            .join("|");
        assert!(!all.contains("34270119900307241X"), "full ID in audit");
    }

    #[test]
    fn edit_bad_input_changes_nothing() {
        let mut q = svc();
        let p = q.add_person(&input("张伟", "34270119900307241X")).unwrap();
        let e = q.edit_person(p.id, &PersonEdit { name: Some("王芳".into()), region: Some("1".into()), ..Default::default() }).unwrap_err();
        assert_eq!(e.code, Code::RegionInvalid);
        assert_eq!(q.get_person(p.id).unwrap().name, "张伟");
        assert_eq!(q.set_balance(p.id, -1).unwrap_err().code, Code::AmountNegative);
        assert_eq!(q.get_person(p.id).unwrap().balance_fen, 1_285_036);
        assert_eq!(q.set_status(999, "active").unwrap_err().code, Code::PersonNotFound);
    }

    #[test]
    fn list_filters_by_name() {
        let mut q = svc();
        q.add_person(&input("张伟", "34270119900307241X")).unwrap();
        q.add_person(&input("王芳", &with_check_char("33010619850421026"))).unwrap();
        let found = q.list_persons(&PersonQuery { name: Some("王".into()) }).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "王芳");
        // LIKE wildcards are not special.
        assert!(q.list_persons(&PersonQuery { name: Some("%".into()) }).unwrap().is_empty());
    }

    #[test]
    fn age_is_china_time() {
        // Born 2010-11-23. At 2026-11-22 16:30 UTC it is already 23 Nov in China.
        let id = with_check_char("31011520101123031");
        let before = FixedClock(Utc.with_ymd_and_hms(2026, 11, 22, 15, 59, 0).unwrap());
        let after = FixedClock(Utc.with_ymd_and_hms(2026, 11, 22, 16, 30, 0).unwrap());
        let mut q = Qinqing::in_memory(Arc::new(before)).unwrap();
        let p = q.add_person(&input("张子涵", &id)).unwrap();
        assert_eq!(p.age, 15);
        q.set_clock(Arc::new(after));
        assert_eq!(q.get_person(p.id).unwrap().age, 16);
    }

    #[test]
    fn audit_is_append_only() {
        let mut q = svc();
        q.add_person(&input("张伟", "34270119900307241X")).unwrap();
        assert!(q.conn().execute("UPDATE audit SET actor = 'x'", []).is_err());
        assert!(q.conn().execute("DELETE FROM audit", []).is_err());
    }
}
