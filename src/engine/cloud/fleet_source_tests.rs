use super::*;
use crate::source::cloudwatch::Connect;

fn target(account: &str, region: &str, clusters: &[&str]) -> FleetTarget {
    FleetTarget {
        connect: Connect::default(),
        who: "default credentials".into(),
        region: region.into(),
        account: Some(account.into()),
        groups: clusters
            .iter()
            .map(|c| format!("/aws/eks/{c}/cluster"))
            .collect(),
    }
}

#[test]
fn clusters_of_one_name_are_told_apart_by_region_else_account() {
    let targets = [
        target("111122223333", "us-east-1", &["prod", "staging"]),
        target("111122223333", "eu-west-1", &["prod"]),
        target("444455556666", "eu-west-1", &["prod", "payments"]),
    ];
    let names = names(&targets);
    // Names no other cluster has are the clusters' own: nothing is kept for them. The same
    // group name in three places: each told by what is its own.
    let prod = |g: &str| ("/aws/eks/prod/cluster".to_string(), g.to_string());
    assert_eq!(names[0], [prod("prod (us-east-1)")]);
    assert_eq!(names[1], [prod("prod (111122223333 eu-west-1)")]);
    assert_eq!(names[2], [prod("prod (444455556666)")]);
}
