//! Helpers shared by the integration tests.

use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, Qinqing};

/// Register a person with an activated e-voucher; `id17` gets its check character.
pub fn person(q: &mut Qinqing, name: &str, id17: &str, ins: &str, region: &str, balance: i64) -> i64 {
    q.add_person(&PersonInput {
        name: name.into(),
        resident_id: with_check_char(id17),
        insurance: ins.into(),
        region: region.into(),
        balance_fen: Some(balance),
        voucher_activated: true,
        ..Default::default()
    })
    .unwrap()
    .id
}
