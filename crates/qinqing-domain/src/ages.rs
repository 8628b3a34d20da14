//! The ages the rules turn on (China-time age, [`crate::time::age_on`]).

/// Under this age a member needs a child's identity document and no face
/// check, their payment password is their parent's, and their messages are
/// read by the parent.
pub const ADULT_AGE: i32 = 16;
