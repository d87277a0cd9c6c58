//! The `authorization.k8s.io/reason` annotation, decoded into binding → role → subject.
//!
//! The apiserver records whatever its authorizers said. On an allow that is the one authorizer
//! that allowed; on a forbid every authorizer that gave a reason, joined by the union authorizer
//! with a newline (some front-ends flatten that to `", "`). The wordings read here are the
//! apiserver's own: RBAC (`plugin/pkg/auth/authorizer/rbac`, whose describers quote names with
//! Go's `%q`), the Node authorizer, ABAC, the EKS access-policy webhook (which reuses the RBAC
//! wording with `principal-ARN+policy-ARN` as the binding name) and GKE's IAM webhook.
//!
//! Nothing is ever dropped: [`Reason::verbatim`] is the input, and every [`Part`] keeps its own
//! text, so a wording this module has not met still reaches the screen unchanged.

use std::fmt;

pub use node::{NodeObject, NodeReason};
pub(crate) use quote::{go_unquote, split_top_level};

/// The decision annotation (`authorization.k8s.io/decision`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Forbid,
    /// Any other value, kept as written.
    Other(String),
}

impl Decision {
    pub fn parse(value: &str) -> Self {
        match value {
            "allow" => Self::Allow,
            "forbid" => Self::Forbid,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Which authorizer a part of the reason came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorizer {
    Rbac,
    /// Amazon EKS access entries with associated access policies.
    EksAccessPolicy,
    Node,
    Abac,
    /// A webhook authorizer whose wording is known (GKE's IAM check).
    Webhook,
    /// No authorizer gave a reason (the reason is empty).
    None,
    /// Text that matches no known wording.
    Unknown,
}

impl Authorizer {
    pub fn label(self) -> &'static str {
        match self {
            Self::Rbac => "RBAC",
            Self::EksAccessPolicy => "EKS access policy",
            Self::Node => "Node",
            Self::Abac => "ABAC",
            Self::Webhook => "Webhook",
            Self::None => "none",
            Self::Unknown => "unknown",
        }
    }
}

/// A decoded `authorization.k8s.io/reason`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub decision: Option<Decision>,
    /// The annotation exactly as it was written.
    pub verbatim: String,
    /// One entry per authorizer that spoke, in order; empty when the reason is empty.
    pub parts: Vec<Part>,
}

/// What one authorizer said.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub authorizer: Authorizer,
    /// This authorizer's text, verbatim.
    pub text: String,
    /// What the authorizer's text says, decoded.
    pub meaning: Meaning,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Meaning {
    /// `allowed by <binding> of <role> to <subject>` (RBAC or EKS).
    Grant(Box<Grant>),
    /// RBAC could not resolve some bindings or roles (`RBAC: [... not found, ...]`).
    RbacErrors(Vec<RbacError>),
    Node(NodeReason),
    /// The apiserver's own `internal error`: an authorizer failed, no decision was made.
    InternalError,
    /// Nothing more to read than [`Part::text`].
    Text,
}

/// The kinds the apiserver writes, and `Other` for anything else it might.
macro_rules! kinds {
    ($name:ident { $($variant:ident),+ }) => {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            $($variant,)+
            Other(String),
        }

        impl $name {
            fn parse(s: &str) -> Self {
                match s {
                    $(stringify!($variant) => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => stringify!($variant),)+
                    Self::Other(s) => s,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

kinds!(BindingKind {
    ClusterRoleBinding,
    RoleBinding
});
kinds!(RoleKind { ClusterRole, Role });
kinds!(SubjectKind {
    User,
    Group,
    ServiceAccount
});

/// A binding, role or subject: its kind, name, and namespace when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named<K> {
    pub kind: K,
    pub name: String,
    pub namespace: Option<String>,
}

/// A RoleBinding's namespace is written after a slash in the reason.
pub type Binding = Named<BindingKind>;
/// A Role lives in its RoleBinding's namespace; a ClusterRole has none.
pub type Role = Named<RoleKind>;
/// A ServiceAccount's namespace is written `"name/namespace"` in the reason.
pub type Subject = Named<SubjectKind>;

/// The rule that allowed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub binding: Binding,
    /// Missing only when the text stopped early (hand-written or cut logs).
    pub role: Option<Role>,
    pub subject: Option<Subject>,
    /// Present for EKS access policies: what the binding name encodes.
    pub eks: Option<EksAccess>,
    /// Text after the last part that could be read; the apiserver's own wording leaves none.
    pub trailing: Option<String>,
}

impl Grant {
    /// Binding, role and subject were all read, with nothing left over.
    pub fn is_complete(&self) -> bool {
        self.role.is_some() && self.subject.is_some() && self.trailing.is_none()
    }
}

/// An EKS access entry and access policy, read from the synthetic binding name
/// `<principal ARN>+<access-policy ARN>` that the EKS authorizer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EksAccess {
    pub principal_arn: String,
    pub account_id: Option<String>,
    /// `role` or `user`.
    pub principal_type: Option<String>,
    /// The role or user name, without its IAM path.
    pub principal_name: Option<String>,
    pub policy_arn: String,
    /// For example `AmazonEKSClusterAdminPolicy`.
    pub policy_name: String,
    /// The access scope's namespace; `None` for a cluster-wide association.
    pub namespace: Option<String>,
}

/// One rule-resolution error that RBAC reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RbacError {
    pub text: String,
    /// The role a binding refers to but which does not exist.
    pub missing_role: Option<Role>,
}

/// Decodes a reason, given the decision that came with it (`allow`, `forbid`, or absent).
pub fn decode_reason(decision: Option<&str>, reason: &str) -> Reason {
    Reason {
        decision: decision.map(Decision::parse),
        verbatim: reason.to_owned(),
        parts: split_authorizers(reason)
            .into_iter()
            .map(decode_part)
            .collect(),
    }
}

impl Reason {
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The authorizer of the first part (the one that decided, on an allow).
    pub fn authorizer(&self) -> Authorizer {
        self.parts
            .first()
            .map_or(Authorizer::None, |p| p.authorizer)
    }

    pub fn grant(&self) -> Option<&Grant> {
        self.parts.iter().find_map(|p| match &p.meaning {
            Meaning::Grant(g) => Some(g.as_ref()),
            _ => None,
        })
    }

    pub fn binding(&self) -> Option<&Binding> {
        self.grant().map(|g| &g.binding)
    }

    pub fn role(&self) -> Option<&Role> {
        self.grant().and_then(|g| g.role.as_ref())
    }

    pub fn subject(&self) -> Option<&Subject> {
        self.grant().and_then(|g| g.subject.as_ref())
    }

    pub fn eks(&self) -> Option<&EksAccess> {
        self.grant().and_then(|g| g.eks.as_ref())
    }

    pub fn node(&self) -> Option<&NodeReason> {
        self.parts.iter().find_map(|p| match &p.meaning {
            Meaning::Node(n) => Some(n),
            _ => None,
        })
    }

    /// What an empty reason means: authorizers that allow without a reason exist (the
    /// `system:masters` privileged group, AlwaysAllow, the Node authorizer, some webhooks), and
    /// a forbid is empty when no authorizer had an opinion to give.
    pub fn empty_meaning(&self) -> Option<&'static str> {
        if !self.is_empty() {
            return None;
        }
        Some(match self.decision {
            Some(Decision::Allow) => {
                "allowed with no reason given (system:masters, AlwaysAllow, the Node authorizer or a webhook)"
            }
            Some(Decision::Forbid) => "forbidden: no authorizer allowed it and none gave a reason",
            _ => "no reason given",
        })
    }
}

/// Splits on the union authorizer's newlines, and on `", "` only where a known authorizer's
/// wording begins, outside quotes and brackets: Node and RBAC texts carry commas of their own.
fn split_authorizers(reason: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in reason.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut start = 0;
        for at in quote::top_level_commas(line) {
            if starts_known(&line[at + 2..]) {
                out.push(&line[start..at]);
                start = at + 2;
            }
        }
        out.push(&line[start..]);
    }
    out.retain(|s| !s.trim().is_empty());
    out
}

const EKS_PREFIX: &str = "EKS Access Policy:";
/// GKE's IAM authorizer (a webhook) uses this wording.
const GKE_IAM: &str = "access granted by IAM permissions";
const ABAC_NO_MATCH: &str = "No policy matched.";

fn starts_known(s: &str) -> bool {
    s.starts_with("RBAC:")
        || strip_prefix_ci(s, EKS_PREFIX).is_some()
        || s.starts_with(GKE_IAM)
        || s.starts_with(ABAC_NO_MATCH)
        || node::starts_node(s)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn decode_part(text: &str) -> Part {
    let (authorizer, meaning) = if let Some(rest) = text.strip_prefix("RBAC:") {
        (Authorizer::Rbac, decode_rbac(rest.trim_start(), false))
    } else if let Some(rest) = strip_prefix_ci(text, EKS_PREFIX) {
        (
            Authorizer::EksAccessPolicy,
            decode_rbac(rest.trim_start(), true),
        )
    } else if text == "internal error" {
        (Authorizer::Unknown, Meaning::InternalError)
    } else if text == ABAC_NO_MATCH {
        (Authorizer::Abac, Meaning::Text)
    } else if let Some(n) = node::decode(text) {
        (Authorizer::Node, Meaning::Node(n))
    } else if text.starts_with(GKE_IAM) {
        (Authorizer::Webhook, Meaning::Text)
    } else {
        (Authorizer::Unknown, Meaning::Text)
    };
    Part {
        authorizer,
        text: text.to_owned(),
        meaning,
    }
}

fn decode_rbac(rest: &str, eks: bool) -> Meaning {
    if let Some(grant) = rest.strip_prefix("allowed by ") {
        return parse_grant(grant, eks).map_or(Meaning::Text, |g| Meaning::Grant(Box::new(g)));
    }
    if rest.is_empty() || eks {
        return Meaning::Text;
    }
    // utilerrors.Aggregate prints one error bare and several as "[a, b]".
    let list = rest
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(rest);
    let errors = split_top_level(list)
        .into_iter()
        .map(|text| RbacError {
            text: text.to_owned(),
            missing_role: missing_role(text),
        })
        .collect();
    Meaning::RbacErrors(errors)
}

/// `clusterrole.rbac.authorization.k8s.io "name" not found`
fn missing_role(text: &str) -> Option<Role> {
    let (resource, rest) = text.split_once(' ')?;
    let kind = match resource {
        "clusterrole.rbac.authorization.k8s.io" => RoleKind::ClusterRole,
        "role.rbac.authorization.k8s.io" => RoleKind::Role,
        _ => return None,
    };
    let (name, rest) = quote::go_unquote(rest)?;
    (rest == " not found").then_some(Role {
        kind,
        name,
        namespace: None,
    })
}

/// `<Kind> <name> of <Kind> <name> to <Kind> <name>`; names are `%q`-quoted by the apiserver,
/// bare in some hand-written logs. Reads as far as the text allows.
fn parse_grant(s: &str, eks: bool) -> Option<Grant> {
    let (kind, name, mut rest) = kind_and_name(s)?;
    let (binding, access) = binding_of(&kind, &name, eks);
    let mut role = None;
    let mut subject = None;
    if let Some((kind, name, r)) = rest.strip_prefix(" of ").and_then(kind_and_name) {
        role = Some(role_of(&kind, name, &binding));
        rest = r;
        if let Some((kind, name, r)) = rest.strip_prefix(" to ").and_then(kind_and_name) {
            subject = Some(subject_of(&kind, name));
            rest = r;
        }
    }
    Some(Grant {
        binding,
        role,
        subject,
        eks: access,
        trailing: (!rest.is_empty()).then(|| rest.to_owned()),
    })
}

fn kind_and_name(s: &str) -> Option<(String, String, &str)> {
    let (kind, rest) = s.split_once(' ')?;
    if kind.is_empty() {
        return None;
    }
    let (name, rest) = if rest.starts_with('"') {
        quote::go_unquote(rest)?
    } else {
        let end = rest.find(' ').unwrap_or(rest.len());
        (rest[..end].to_owned(), &rest[end..])
    };
    (!name.is_empty()).then(|| (kind.to_owned(), name, rest))
}

fn split_namespace(raw: &str) -> (String, Option<String>) {
    match raw.rsplit_once('/') {
        Some((name, ns)) => (name.to_owned(), (!ns.is_empty()).then(|| ns.to_owned())),
        None => (raw.to_owned(), None),
    }
}

fn binding_of(kind: &str, raw: &str, eks: bool) -> (Binding, Option<EksAccess>) {
    let kind = BindingKind::parse(kind);
    // The principal ARN carries slashes of its own (`role/path/Name`), so an EKS name is cut at
    // the policy ARN rather than at its last slash.
    if eks && let Some(access) = eks_access(raw, &kind) {
        let name = access
            .namespace
            .as_deref()
            .and_then(|ns| raw.strip_suffix(ns)?.strip_suffix('/'))
            .unwrap_or(raw)
            .to_owned();
        let namespace = access.namespace.clone();
        return (
            Binding {
                kind,
                name,
                namespace,
            },
            Some(access),
        );
    }
    let (name, namespace) = match kind {
        BindingKind::RoleBinding => split_namespace(raw),
        _ => (raw.to_owned(), None),
    };
    let binding = Binding {
        kind,
        name,
        namespace,
    };
    (binding, None)
}

fn role_of(kind: &str, name: String, binding: &Binding) -> Role {
    let kind = RoleKind::parse(kind);
    let namespace = match kind {
        RoleKind::Role => binding.namespace.clone(),
        _ => None,
    };
    Role {
        kind,
        name,
        namespace,
    }
}

fn subject_of(kind: &str, raw: String) -> Subject {
    let kind = SubjectKind::parse(kind);
    let (name, namespace) = match kind {
        SubjectKind::ServiceAccount => split_namespace(&raw),
        _ => (raw, None),
    };
    Subject {
        kind,
        name,
        namespace,
    }
}

const ACCESS_POLICY: &str = ":cluster-access-policy/";

fn eks_access(raw: &str, kind: &BindingKind) -> Option<EksAccess> {
    // IAM names may contain '+', access-policy ARNs never do: cut at the last "+arn:".
    let at = raw.rfind("+arn:")?;
    let principal_arn = &raw[..at];
    let policy = &raw[at + 1..];
    let policy_at = policy.find(ACCESS_POLICY)? + ACCESS_POLICY.len();
    let (policy_name, namespace) = match policy[policy_at..].split_once('/') {
        Some((name, ns)) if *kind == BindingKind::RoleBinding && !ns.is_empty() => {
            (name, Some(ns.to_owned()))
        }
        _ => (&policy[policy_at..], None),
    };
    let policy_arn = &policy[..policy_at + policy_name.len()];
    // arn:partition:service:region:account:resource
    let fields: Vec<&str> = principal_arn.splitn(6, ':').collect();
    let (account_id, resource) = match fields.as_slice() {
        ["arn", _, _, _, account, resource] => (Some((*account).to_owned()), Some(*resource)),
        _ => (None, None),
    };
    let segments: Vec<&str> = resource.map(|r| r.split('/').collect()).unwrap_or_default();
    let principal_name = match segments.as_slice() {
        ["assumed-role", name, ..] => Some(*name),
        [_, .., last] => Some(*last),
        _ => None,
    };
    Some(EksAccess {
        principal_arn: principal_arn.to_owned(),
        account_id: account_id.filter(|a| !a.is_empty()),
        principal_type: segments.first().map(|t| (*t).to_owned()),
        principal_name: principal_name.map(str::to_owned),
        policy_arn: policy_arn.to_owned(),
        policy_name: policy_name.to_owned(),
        namespace,
    })
}

/// `Kind "name"`, or `Kind "namespace/name"` as kubectl writes namespaced objects.
impl<K: fmt::Display> fmt::Display for Named<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {:?}", self.kind, format!("{ns}/{}", self.name)),
            None => write!(f, "{} {:?}", self.kind, self.name),
        }
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.eks {
            Some(eks) => {
                write!(
                    f,
                    "EKS access entry {:?} → access policy {}",
                    eks.principal_arn, eks.policy_name
                )?;
                match &eks.namespace {
                    Some(ns) => write!(f, " in namespace {ns:?}")?,
                    None => f.write_str(" (cluster)")?,
                }
            }
            None => {
                write!(f, "{}", self.binding)?;
                if let Some(role) = &self.role {
                    write!(f, " → {role}")?;
                }
            }
        }
        if let Some(subject) = &self.subject {
            write!(f, " → {subject}")?;
        }
        if let Some(trailing) = &self.trailing {
            write!(f, " ({})", trailing.trim())?;
        }
        Ok(())
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.meaning {
            Meaning::Grant(g) => write!(f, "{g}"),
            _ => write!(f, "{}: {}", self.authorizer.label(), self.text),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(meaning) = self.empty_meaning() {
            return f.write_str(meaning);
        }
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{part}")?;
        }
        Ok(())
    }
}

/// Go's `%q` quoting, and splitting lists without cutting inside quotes.
mod quote;

/// The Node authorizer (`plugin/pkg/auth/authorizer/node`), which speaks for kubelets.
mod node;

#[cfg(test)]
mod tests;
