//! Helpers shared by the integration tests.

use qinqing_core::id::with_check_char;
use qinqing_core::{PersonInput, Qinqing};

/// Every test person's payment password (confirms a settlement at the counter).
#[allow(dead_code)]
pub const PAY: &str = "135790";

/// Register a person with an activated e-voucher and the payment password
/// [`PAY`]; `id17` gets its check character.
pub fn person(q: &mut Qinqing, name: &str, id17: &str, ins: &str, region: &str, balance: i64) -> i64 {
    let id = q
        .add_person(&PersonInput {
            name: name.into(),
            resident_id: with_check_char(id17),
            insurance: ins.into(),
            region: region.into(),
            balance_fen: Some(balance),
            voucher_activated: true,
            ..Default::default()
        })
        .unwrap()
        .id;
    q.set_pay_password(id, PAY, PAY).unwrap();
    id
}
