//! dati (答题): a realtime history-quiz platform.
//!
//! The crate is laid out in layers, each a room with one door:
//!
//! - [`domain`] holds the pure rules: questions, scoring, ratings, the solo
//!   set and the timed match state machines, pairing and bots. It reads no
//!   clock and does no I/O.
//! - [`bank`] loads and checks the question bank files.
//! - [`store`] is storage behind traits: SQLite or PostgreSQL for members
//!   and answers (with a write-behind answer queue), and the leaderboard.
//! - [`rooms`] is the runtime that drives the domain with real time.
//! - [`ws`] and [`http`] are transport: the websocket protocol and REST.
//! - [`server`] wires everything together and runs it until shutdown.
//! - [`load`] and [`seed`] are tools: a load generator and a data seeder.

pub mod bank;
pub mod domain;
pub mod http;
pub mod load;
pub mod persist_bench;
pub mod rooms;
pub mod seed;
pub mod server;
pub mod store;
pub mod ws;
