//! moto's server, the CloudWatch Logs emulator the tests run the real SDK against: started on a
//! free port of 127.0.0.1, waited for, and killed when dropped.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::config::{BehaviorVersion, Credentials, Region};

pub struct Moto {
    child: Child,
    pub port: u16,
}

const HOW_TO_INSTALL: &str = "the CloudWatch tests need moto's server: `pip install 'moto[server]==5.2.5'` \
     (or set KAUDIT_MOTO_SERVER to its `moto_server` executable)";

/// A port no server of this test process was given before: the kernel may hand a port just
/// released to the next caller, and two emulators must not race for one.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

impl Moto {
    pub fn start() -> Moto {
        let program = std::env::var("KAUDIT_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        // A port can be taken between being found free and being bound: then the server exits,
        // and another port is tried.
        for _ in 0..5 {
            if let Some(moto) = Moto::try_start(&program) {
                return moto;
            }
        }
        panic!("{program} could not listen on a loopback port in five tries; {HOW_TO_INSTALL}");
    }

    fn try_start(program: &str) -> Option<Moto> {
        let port = free_port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}; {HOW_TO_INSTALL}"));
        let mut moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(_)) = moto.child.try_wait() {
                return None;
            }
            // Moto's own API answers: this is our server, not whoever else holds the port.
            if moto.answers() {
                return Some(moto);
            }
            assert!(
                Instant::now() < deadline,
                "{program} did not listen within 20 s; {HOW_TO_INSTALL}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `POST /moto-api/reset` answers 200.
    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut conn) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
        let request = format!(
            "POST /moto-api/reset HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        if conn.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut head = [0u8; 12];
        conn.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client of `url` with fixed test credentials, us-east-1, and one attempt per call (retries
/// are kaudit's own business in these tests).
pub fn client(url: &str) -> Client {
    let config = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .endpoint_url(url)
        .interceptor(kaudit::source::cloudwatch::NoStreamPrefix)
        .retry_config(
            aws_sdk_cloudwatchlogs::config::retry::RetryConfig::standard().with_max_attempts(1),
        )
        .build();
    Client::from_conf(config)
}

/// `kaudit` with the environment it needs to reach the emulator (or a loopback server in front
/// of it), and no AWS profile of whoever runs the tests.
pub fn kaudit_command() -> Command {
    let mut command = super::kaudit_command();
    command.env_remove("AWS_PROFILE").envs(env());
    command
}

/// The environment a `kaudit` process needs to reach the emulator.
pub fn env() -> [(&'static str, &'static str); 6] {
    [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_MAX_ATTEMPTS", "1"),
        ("NO_PROXY", "127.0.0.1,localhost"),
    ]
}

/// Makes a log group and a stream in it.
pub async fn create_stream(client: &Client, group: &str, stream: &str) {
    let made = client.create_log_group().log_group_name(group).send().await;
    // A second stream of a group made before is fine.
    if let Err(e) = made {
        let text = format!("{e:?}");
        assert!(text.contains("ResourceAlreadyExists"), "{text}");
    }
    client
        .create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await
        .unwrap();
}

/// Puts `(time ms, message)` events into a stream, in time order as PutLogEvents wants them.
pub async fn put(client: &Client, group: &str, stream: &str, events: &[(i64, String)]) {
    let mut events = events.to_vec();
    events.sort();
    let mut request = client
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream);
    for (time, message) in events {
        request = request.log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(time)
                .message(message)
                .build()
                .unwrap(),
        );
    }
    request.send().await.unwrap();
}

/// From outside a runtime: a log group in the emulator at `url` with one stream holding
/// `events` (`(time ms, message)`).
pub fn seed(url: &str, group: &str, stream: &str, events: &[(i64, String)]) {
    block_on(async {
        let client = client(url);
        create_stream(&client, group, stream).await;
        if !events.is_empty() {
            put(&client, group, stream, events).await;
        }
    });
}

/// From outside a runtime: more events into a stream made before.
pub fn append(url: &str, group: &str, stream: &str, events: &[(i64, String)]) {
    block_on(async { put(&client(url), group, stream, events).await });
}

fn block_on<F: std::future::Future<Output = ()>>(f: F) {
    rt().block_on(f);
}

/// A runtime on this thread, for a test that drives the SDK itself.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Names the account a request to moto acts in: moto keeps each account's resources apart,
/// as AWS does.
#[derive(Debug, Clone)]
struct InAccount(String);

impl aws_sdk_cloudwatchlogs::config::Intercept for InAccount {
    fn name(&self) -> &'static str {
        "InAccount"
    }

    fn modify_before_signing(
        &self,
        context: &mut aws_sdk_cloudwatchlogs::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _components: &aws_sdk_cloudwatchlogs::config::RuntimeComponents,
        _cfg: &mut aws_sdk_cloudwatchlogs::config::ConfigBag,
    ) -> Result<(), aws_sdk_cloudwatchlogs::error::BoxError> {
        context
            .request_mut()
            .headers_mut()
            .insert("x-moto-account-id", self.0.clone());
        Ok(())
    }
}

/// A client of `url` in `region`, acting in `account` (moto's default account when `None`).
pub fn client_in(url: &str, region: &str, account: Option<&str>) -> Client {
    let mut config = client(url)
        .config()
        .to_builder()
        .region(Region::new(region.to_string()));
    if let Some(account) = account {
        config = config.interceptor(InAccount(account.to_string()));
    }
    Client::from_conf(config.build())
}
