//! Graceful shutdown of the real binary on SIGTERM: sockets close with 1001
//! and every answer already given is in the database afterwards.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{WsClient, repo_path, right_choice};
use dati::bank::Bank;
use dati::ws::protocol::{ClientMsg, ServerMsg, SetMode};

#[tokio::test]
async fn sigterm_closes_sockets_with_1001_and_loses_no_answer() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dati"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .arg("--bank-dir")
        .arg(repo_path("question_bank"))
        .arg("--static-dir")
        .arg(repo_path("static"))
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("dati starts");
    let stdout = child.stdout.take().unwrap();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let log = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr: SocketAddr = rest.split_whitespace().next().unwrap().parse().unwrap();
                let _ = addr_tx.send(addr);
            }
            lines.push(line);
        }
        lines
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server says where it listens");

    let member = common::sign_in(addr, "关机测试").await;
    let bank = Bank::load(&repo_path("question_bank")).unwrap();

    let mut ws = WsClient::connect(addr, Some(&member.cookie), None)
        .await
        .unwrap();
    ws.send(&ClientMsg::Start {
        mode: SetMode::Practice,
        history: None,
        size: Some(20),
        difficulty: None,
        relaxed: false,
    })
    .await;
    let ServerMsg::SetStarted { set_id, .. } = ws.recv().await else {
        panic!("no set")
    };
    let answered = 12;
    for seq in 1..=answered {
        let (_, q) = ws.expect_question().await;
        ws.ready_media(seq, &q).await;
        ws.answer(seq, right_choice(&bank, &q)).await;
        assert!(ws.expect_result().await.correct);
        ws.send(&ClientMsg::Next).await;
    }
    ws.expect_question().await;

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (code, reason) = ws.closed().await;
    assert_eq!((code, reason.as_str()), (1001, "server shutting down"));
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "dati exited with {exit}");
    let lines = log.join().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("every queued answer was written")),
        "{lines:#?}"
    );

    let stores = dati::store::sql::open(None, data.path()).await.unwrap();
    let stored = stores
        .answers
        .session_answers(set_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        answered as usize,
        "every answer given before SIGTERM is stored"
    );
    assert!(stored.iter().all(|a| a.correct));
    let stats = stores
        .practice
        .member_stats(stored[0].member_id)
        .await
        .unwrap();
    assert_eq!(
        stats.sets_finished, 1,
        "the interrupted set was closed with its totals"
    );
}
