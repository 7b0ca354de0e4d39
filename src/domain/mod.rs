//! Pure game rules. Nothing here reads a clock, touches the network or a
//! database: time is passed in, randomness is passed in, and every transition
//! returns its outcome or a rejection.

pub mod bot;
pub mod contest;
pub mod district;
pub mod glicko;
pub mod ladder;
pub mod matchmaking;
pub mod member;
pub mod notebook;
pub mod practice;
pub mod question;
pub mod rating;
pub mod scoring;
pub mod selection;
