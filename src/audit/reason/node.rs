use super::quote::go_unquote;

/// An object the Node authorizer names: `secret kube-system/name` (namespace empty for
/// cluster-scoped objects such as persistent volumes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeObject {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeReason {
    /// The object is not reachable from the node in the authorizer's graph (no pod on that
    /// node uses it). Old releases said `no path found to object`, without the node.
    NoRelationship { node: Option<String> },
    /// The object is not in the authorizer's graph at all.
    UnknownObject { node: String, object: NodeObject },
    /// The node itself is not in the graph.
    UnknownNode { node: String, object: NodeObject },
    /// Both are known but not related.
    NotRelated { node: String, object: NodeObject },
    /// A node credential whose node name could not be read.
    UnknownNodeForUser { user: String },
    /// A node may only read its own Node object; `requested` is `None` for a list.
    OnlyOwnNode {
        node: String,
        requested: Option<String>,
    },
    /// One of the fixed rules (verbs, subresources, namespaces); the text says which.
    Rule,
}

impl NodeReason {
    pub fn node(&self) -> Option<&str> {
        match self {
            Self::NoRelationship { node } => node.as_deref(),
            Self::UnknownObject { node, .. }
            | Self::UnknownNode { node, .. }
            | Self::NotRelated { node, .. }
            | Self::OnlyOwnNode { node, .. } => Some(node),
            Self::UnknownNodeForUser { .. } | Self::Rule => None,
        }
    }

    pub fn object(&self) -> Option<&NodeObject> {
        match self {
            Self::UnknownObject { object, .. }
            | Self::UnknownNode { object, .. }
            | Self::NotRelated { object, .. } => Some(object),
            _ => None,
        }
    }
}

const RULES: &[&str] = &[
    "can only get/update/patch this type",
    "can only update status subresource",
    "can only get individual resources of this type",
    "cannot get subresource",
    "can only read resources of this type",
    "cannot read subresource",
    "can only read namespaced object of this type",
    "No Object name found",
    "can only create tokens for individual service accounts",
    "can only create token subresource of serviceaccount",
    "can only get, create, update, patch, or delete a node lease",
    "can only access leases in the \"kube-node-lease\" system namespace",
    "can only access node lease with the same name as the requesting node",
    "can only get, create, update, patch, or delete a CSINode",
    "cannot authorize CSINode subresources",
    "can only access CSINode with the same name as the requesting node",
    "cannot authorize ResourceSlice subresources",
    "can only list/watch/deletecollection resourceslices with nodeName field selector",
    "only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection",
    "can only list/watch pods with spec.nodeName field selector",
];

const NO_RELATIONSHIP: &str = "no relationship found between node ";
const NO_PATH: &str = "no path found to object";

/// Whether `s` begins like a Node authorizer reason (to split flattened lists).
pub(super) fn starts_node(s: &str) -> bool {
    s.starts_with(NO_RELATIONSHIP)
        || s.starts_with(NO_PATH)
        || s.starts_with("unknown node ")
        || s.starts_with("node '")
        || s.starts_with("node \"")
        || RULES.iter().any(|r| s.starts_with(r))
}

pub(super) fn decode(text: &str) -> Option<NodeReason> {
    if let Some(rest) = text.strip_prefix(NO_RELATIONSHIP) {
        let (node, rest) = node_name(rest)?;
        return (rest == " and this object")
            .then_some(NodeReason::NoRelationship { node: Some(node) });
    }
    if text == NO_PATH {
        return Some(NodeReason::NoRelationship { node: None });
    }
    if let Some(rest) = text.strip_prefix("unknown node for user ") {
        let (user, rest) = go_unquote(rest)?;
        return rest
            .is_empty()
            .then_some(NodeReason::UnknownNodeForUser { user });
    }
    if let Some(rest) = text.strip_prefix("unknown node ") {
        let (node, rest) = node_name(rest)?;
        let (object, rest) = object(rest.strip_prefix(" cannot get ")?)?;
        return rest
            .is_empty()
            .then_some(NodeReason::UnknownNode { node, object });
    }
    if let Some(rest) = text.strip_prefix("node ") {
        let (node, rest) = node_name(rest)?;
        if let Some(r) = rest.strip_prefix(" cannot get unknown ") {
            let (object, r) = object(r)?;
            return r
                .is_empty()
                .then_some(NodeReason::UnknownObject { node, object });
        }
        if let Some(r) = rest.strip_prefix(" cannot get ") {
            let (object, r) = object(r)?;
            return r
                .starts_with(", no ")
                .then_some(NodeReason::NotRelated { node, object });
        }
        if rest == " cannot read all nodes, only its own Node object" {
            return Some(NodeReason::OnlyOwnNode {
                node,
                requested: None,
            });
        }
        let (requested, r) = node_name(rest.strip_prefix(" cannot read ")?)?;
        return (r == ", only its own Node object").then_some(NodeReason::OnlyOwnNode {
            node,
            requested: Some(requested),
        });
    }
    RULES.contains(&text).then_some(NodeReason::Rule)
}

/// `'name'` in current releases, `"name"` (`%q`) or bare in older ones.
fn node_name(s: &str) -> Option<(String, &str)> {
    if let Some(body) = s.strip_prefix('\'') {
        let end = body.find('\'')?;
        return Some((body[..end].to_owned(), &body[end + 1..]));
    }
    if s.starts_with('"') {
        return go_unquote(s);
    }
    let end = s.find([' ', ',']).unwrap_or(s.len());
    (end > 0).then(|| (s[..end].to_owned(), &s[end..]))
}

/// `secret namespace/name`
fn object(s: &str) -> Option<(NodeObject, &str)> {
    let (kind, rest) = s.split_once(' ')?;
    let end = rest.find(',').unwrap_or(rest.len());
    let (namespace, name) = rest[..end].split_once('/').unwrap_or(("", &rest[..end]));
    let object = NodeObject {
        kind: kind.to_owned(),
        namespace: (!namespace.is_empty()).then(|| namespace.to_owned()),
        name: name.to_owned(),
    };
    Some((object, &rest[end..]))
}
