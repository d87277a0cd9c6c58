//! Read-only by design: the set of CloudWatch Logs operations a kaudit client can send is fixed,
//! every SDK call in the code is in it, and anything else is refused before it leaves, proven
//! against the emulator over HTTP.

use std::fs;
use std::path::Path;

use aws_sdk_cloudwatchlogs::Client;
use kaudit::source::cloudwatch::{ALLOWED_OPERATIONS, ReadOnly};

use crate::support::moto::{self, Moto};

/// `start_live_tail` → `StartLiveTail`.
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn the_operations_a_client_can_send_are_these_and_only_these() {
    let mut allowed = ALLOWED_OPERATIONS.to_vec();
    allowed.sort_unstable();
    assert_eq!(
        allowed,
        [
            "DescribeLogGroups",
            "FilterLogEvents",
            "GetLogRecord",
            "GetQueryResults",
            "StartLiveTail",
            "StartQuery",
            "StopQuery",
        ]
    );
    // Every operation the code calls on a client is one of them.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/source/cloudwatch");
    let call = regex::Regex::new(r"\.client\s*\.\s*([a-z_]+)\(").unwrap();
    let mut called = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let text = fs::read_to_string(entry.unwrap().path()).unwrap();
        for c in call.captures_iter(&text) {
            let method = &c[1];
            if method == "config" {
                continue;
            }
            called.push(pascal(method));
        }
    }
    assert!(called.len() >= 5, "{called:?}");
    for op in &called {
        assert!(
            ALLOWED_OPERATIONS.contains(&op.as_str()),
            "{op} is called but not allowed"
        );
    }
}

#[test]
fn a_mutating_operation_is_refused_before_it_is_sent() {
    let moto = Moto::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let plain = moto::client(&moto.url());
        plain
            .create_log_group()
            .log_group_name("/aws/eks/prod/cluster")
            .send()
            .await
            .unwrap();
        let guarded = Client::from_conf(plain.config().to_builder().interceptor(ReadOnly).build());
        // Reading goes through.
        let groups = guarded.describe_log_groups().send().await.unwrap();
        assert_eq!(groups.log_groups().len(), 1);
        // Changing is refused, with a message that says why, and nothing changed.
        let refused = guarded
            .delete_log_group()
            .log_group_name("/aws/eks/prod/cluster")
            .send()
            .await
            .unwrap_err();
        let message = format!("{:?}", refused);
        assert!(
            message.contains("read-only") && message.contains("DeleteLogGroup"),
            "{message}"
        );
        let refused = guarded
            .put_retention_policy()
            .log_group_name("/aws/eks/prod/cluster")
            .retention_in_days(1)
            .send()
            .await
            .unwrap_err();
        assert!(format!("{refused:?}").contains("PutRetentionPolicy"));
        let refused = guarded
            .create_log_group()
            .log_group_name("/planted")
            .send()
            .await
            .unwrap_err();
        assert!(format!("{refused:?}").contains("read-only"));
        let after = plain.describe_log_groups().send().await.unwrap();
        let names: Vec<_> = after
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name())
            .collect();
        assert_eq!(names, ["/aws/eks/prod/cluster"]);
        assert!(after.log_groups()[0].retention_in_days().is_none());
    });
}
