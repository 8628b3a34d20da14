//! Administrative division codes (GB/T 2260), at province level.
//!
//! Only the province table is built in: it is what the cross-region rules
//! need (an ID's first two digits, an insured region's province). Finer
//! divisions are accepted as codes and shown as their province.

use crate::error::{Error, Result};
use serde::Serialize;

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

pub fn province(code2: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    PROVINCES.iter().find(|(c, _, _)| *c == code2)
}

/// A validated insured region: always six digits (`31` → `310000`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: String,
    pub province_code: String,
    pub province_zh: String,
    pub province_en: String,
}

impl Region {
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
        Ok(Region { code, province_code: p.to_string(), province_zh: zh.to_string(), province_en: en.to_string() })
    }

    /// Two regions are in different provinces (the cross-province rules).
    pub fn same_province(&self, other: &Region) -> bool {
        self.province_code == other.province_code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_pads() {
        let r = Region::parse("31").unwrap();
        assert_eq!(r.code, "310000");
        assert_eq!(r.province_zh, "上海市");
        assert_eq!(Region::parse(" 310115 ").unwrap().code, "310115");
        assert_eq!(Region::parse("3401").unwrap().code, "340100");
    }

    #[test]
    fn refuses_bad() {
        for bad in ["", "3", "31011", "3101150", "99", "00", "31a115", "３１", "-31"] {
            let e = Region::parse(bad).unwrap_err();
            assert_eq!(e.code, crate::Code::RegionInvalid, "{bad}");
            assert_eq!(e.field, Some("region"));
        }
    }

    #[test]
    fn province_comparison() {
        let sh = Region::parse("310115").unwrap();
        assert!(sh.same_province(&Region::parse("310000").unwrap()));
        assert!(!sh.same_province(&Region::parse("340104").unwrap()));
    }
}
