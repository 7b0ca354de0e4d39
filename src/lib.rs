//! dati (答题): a realtime history-quiz platform.
//!
//! The crate is laid out in layers, each a room with one door:
//!
//! - [`domain`] holds the pure rules: questions, scoring, ratings, the solo
//!   set state machine. It reads no clock and does no I/O.
//! - [`bank`] loads and checks the question bank files.
//! - [`store`] is storage behind traits: SQLite or PostgreSQL for members
//!   and answers (with a write-behind answer queue), and the leaderboard.
//! - [`rooms`] is the runtime that drives the domain with real time.
//! - [`ws`] and [`http`] are transport: the websocket protocol and REST.
//! - [`server`] wires everything together and runs it until shutdown.

pub mod bank;
pub mod domain;
pub mod http;
pub mod load;
pub mod rooms;
pub mod server;
pub mod store;
pub mod ws;
