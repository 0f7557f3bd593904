//! A broker restart in the middle of a run: durable queues and persistent input messages, so
//! every input is processed at least once and none is left unacknowledged. The test runs its own
//! RabbitMQ node (on fixed ports, so it can come back at the same address).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use sailor::{run_sail_until, Component, Context, Function, FunctionError, Input};
use sailor_testkit::*;
use serde_json::{json, Value};

const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// A private node with all its files in `dir`.
struct Node {
    dir: PathBuf,
    port: u16,
    dist: u16,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl Node {
    fn new(dir: &Path) -> Node {
        std::fs::create_dir_all(dir.join("mnesia")).unwrap();
        std::fs::create_dir_all(dir.join("log")).unwrap();
        std::fs::write(dir.join("plugins"), "[].\n").unwrap();
        Node { dir: dir.to_path_buf(), port: free_port(), dist: free_port(), child: None }
    }

    fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    async fn start(&mut self) {
        use std::os::unix::process::CommandExt;
        let d = &self.dir;
        let out = std::fs::File::create(d.join("server.out")).unwrap();
        let child = Command::new(SERVER)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist.to_string())
            .env("RABBITMQ_NODENAME", format!("restart{}@localhost", self.port))
            .env("RABBITMQ_MNESIA_BASE", d.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", d.join("log"))
            .env("RABBITMQ_FEATURE_FLAGS_FILE", d.join("feature_flags"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", d.join("plugins"))
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("HOME", d)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            // Its own process group, so stopping it stops the whole node.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {SERVER}: {e}; run the tests with scripts/test"));
        self.child = Some(child);
        match try_connect_within(&self.url(), Duration::from_secs(90)).await {
            Ok(conn) => {
                let _ = conn.close(200, "ready".into()).await;
            }
            Err(failure) => panic!("the node did not start ({failure}); see {}", d.display()),
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while child.try_wait().ok().flatten().is_none() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Clone, Default)]
struct Slow(Arc<Mutex<Vec<i64>>>);

#[async_trait]
impl Function for Slow {
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError> {
        let n = input.msg.body["n"].as_i64().unwrap_or(-1);
        self.0.lock().unwrap().push(n);
        tokio::time::sleep(Duration::from_millis(100)).await;
        ctx.data(json!({"n": n})).await.map_err(|e| FunctionError::new("EmitError", e.to_string()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_restart_loses_no_input_message() {
    // The shared test broker is not used, but its presence says RabbitMQ is installed here.
    let _ = amqp_url();
    init_test_logging();
    let dir = tempfile::tempdir().unwrap();
    let mut node = Node::new(dir.path());
    node.start().await;
    let mut broker = Broker::new_at(&node.url()).await;
    let api = FakeApi::start(json!({"config": {}, "is_passthrough": false}), &[]).await;
    let probe = Slow::default();
    let settings = broker.settings(&api, "slow", &[("RABBITMQ_PREFETCH_SAILOR", "5")]);
    let component = Component::new().function("slow", probe.clone());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let step = tokio::spawn(async move {
        run_sail_until(&component, settings, async move {
            let _ = stop_rx.await;
        })
        .await
    });

    const N: i64 = 30;
    for n in 0..N {
        broker.send(&json!({"body": {"n": n}}), 1, json!({"messageId": format!("m-{n}")})).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while probe.0.lock().unwrap().len() < 8 {
        assert!(tokio::time::Instant::now() < deadline, "processing did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    node.stop();
    node.start().await;
    broker.reconnect().await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let seen: std::collections::HashSet<i64> = probe.0.lock().unwrap().iter().copied().collect();
        let (ready, _) = broker.input_counts().await;
        if seen.len() == N as usize && ready == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "after the restart only {} of {N} inputs were processed ({ready} still queued)",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = stop_tx.send(());
    tokio::time::timeout(Duration::from_secs(30), step).await.unwrap().unwrap().unwrap();

    let seen: Vec<i64> = probe.0.lock().unwrap().clone();
    for n in 0..N {
        assert!(seen.contains(&n), "input {n} was never processed");
    }
    // Stopped: whatever was delivered is settled; nothing waits in the queue or unacknowledged.
    let q = broker
        .channel
        .queue_declare(
            broker.input.as_str().into(),
            lapin::options::QueueDeclareOptions { passive: true, ..Default::default() },
            lapin::types::FieldTable::default(),
        )
        .await
        .unwrap();
    assert_eq!((q.message_count(), q.consumer_count()), (0, 0));
    let outputs: Vec<Value> = broker.drain(&broker.data, 500).await.iter().map(|r| r.decrypt(1)).collect();
    assert!(!outputs.is_empty(), "outputs published after the restart arrive");
}
