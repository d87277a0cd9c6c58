//! What a GKE entry's `methodName` and `resourceName` say: the verb, and the object with its
//! API group, version, namespace, name and subresource.

use std::borrow::Cow;

/// The HTTP status Google's APIs answer for a `google.rpc.Code` (`google/rpc/code.proto`).
pub(super) fn http_code(grpc: i64) -> i64 {
    match grpc {
        0 => 200,
        1 => 499,
        3 | 9 | 11 => 400,
        4 => 504,
        5 => 404,
        6 | 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    }
}

/// What `methodName` says: `io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>`, or
/// `io.k8s.<path>[.<verb>]` for a request outside the resource API (`io.k8s.readyz`).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Method<'m> {
    pub group: Option<Cow<'m, str>>,
    pub version: Option<&'m str>,
    pub resource: Option<&'m str>,
    pub subresource: Option<&'m str>,
    pub verb: Option<&'m str>,
    /// The path of a non-resource request (`/readyz`).
    pub path: Option<String>,
}

/// The parts of `text` between `sep`s, an ASCII byte. Names are a few bytes long: a plain
/// loop over them costs less than a vector search per part.
fn parts(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == sep) {
            Some(at) => {
                rest = Some(&r[at + 1..]);
                Some(&r[..at])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// The verbs of the API server's authorizer, the last word of a `methodName`.
const VERBS: [&str; 12] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "proxy",
    "connect",
    "impersonate",
    "escalate",
];

fn is_version(part: &str) -> bool {
    let Some(rest) = part.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let tail = &rest[digits..];
    digits > 0
        && (tail.is_empty()
            || ["alpha", "beta"].iter().any(|pre| {
                tail.strip_prefix(pre)
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            }))
}

/// The API group a `methodName` names by its first word (`rbac` for `rbac.authorization.k8s.io`):
/// the built-in groups whose name GKE shortens.
fn full_group(group: &str) -> Cow<'_, str> {
    match group {
        "core" => Cow::Borrowed(""),
        "rbac" | "authorization.rbac" | "rbac.authorization" => {
            Cow::Borrowed("rbac.authorization.k8s.io")
        }
        "flowcontrol" | "flowcontrol.apiserver" => Cow::Borrowed("flowcontrol.apiserver.k8s.io"),
        "admissionregistration" => Cow::Borrowed("admissionregistration.k8s.io"),
        "apiextensions" => Cow::Borrowed("apiextensions.k8s.io"),
        "apiregistration" => Cow::Borrowed("apiregistration.k8s.io"),
        "authentication" => Cow::Borrowed("authentication.k8s.io"),
        "authorization" => Cow::Borrowed("authorization.k8s.io"),
        "certificates" => Cow::Borrowed("certificates.k8s.io"),
        "coordination" => Cow::Borrowed("coordination.k8s.io"),
        "discovery" => Cow::Borrowed("discovery.k8s.io"),
        "events" => Cow::Borrowed("events.k8s.io"),
        "internal.apiserver" => Cow::Borrowed("internal.apiserver.k8s.io"),
        "networking" => Cow::Borrowed("networking.k8s.io"),
        "node" => Cow::Borrowed("node.k8s.io"),
        "resource" => Cow::Borrowed("resource.k8s.io"),
        "scheduling" => Cow::Borrowed("scheduling.k8s.io"),
        "storage" => Cow::Borrowed("storage.k8s.io"),
        "storagemigration" => Cow::Borrowed("storagemigration.k8s.io"),
        _ => Cow::Borrowed(group),
    }
}

impl<'m> Method<'m> {
    pub fn parse(method: &'m str) -> Method<'m> {
        let Some(rest) = method.strip_prefix("io.k8s.") else {
            return Method::default();
        };
        let mut offset = 0;
        let mut version = None;
        for part in parts(rest, b'.') {
            if is_version(part) {
                version = Some(part);
                break;
            }
            offset += part.len() + 1;
        }
        let Some(version) = version else {
            let words: Vec<&str> = parts(rest, b'.').collect();
            let (verb, path) = match words.split_last() {
                Some((last, path)) if !path.is_empty() && VERBS.contains(last) => {
                    (Some(*last), path)
                }
                _ => (None, &words[..]),
            };
            return Method {
                verb,
                path: Some(format!("/{}", path.join("/"))),
                ..Method::default()
            };
        };
        let group = (offset > 0).then(|| full_group(&rest[..offset - 1]));
        // `<resource>[.<subresource>].<verb>` after the version.
        let after = rest.get(offset + version.len() + 1..).unwrap_or("");
        let (head, verb) = match after.bytes().rposition(|b| b == b'.') {
            Some(dot) => (&after[..dot], Some(&after[dot + 1..])),
            None => (after, None),
        };
        let (resource, subresource) = match head.bytes().position(|b| b == b'.') {
            Some(dot) => (&head[..dot], parts(&head[dot + 1..], b'.').next()),
            None => (head, None),
        };
        let resource = (!resource.is_empty()).then_some(resource);
        Method {
            group,
            version: Some(version),
            resource,
            subresource,
            verb,
            path: None,
        }
    }
}

/// The object a request is about, from `resourceName` (`core/v1/namespaces/NS/pods/NAME/exec`,
/// `rbac.authorization.k8s.io/v1/clusterrolebindings/NAME`), completed from `methodName`.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Target<'n> {
    pub group: Option<Cow<'n, str>>,
    pub version: Option<&'n str>,
    pub namespace: Option<&'n str>,
    pub resource: Option<&'n str>,
    pub name: Option<&'n str>,
    pub subresource: Option<&'n str>,
    /// The path of a non-resource request.
    pub path: Option<Cow<'n, str>>,
}

impl<'n> Target<'n> {
    pub fn parse(name: &'n str, method: &Method<'_>) -> Target<'n> {
        if name.starts_with('/') {
            return Target {
                path: Some(Cow::Borrowed(name)),
                ..Target::default()
            };
        }
        // At most `group/version/namespaces/NS/resource/name/subresource/…`: no allocation.
        let mut buf = [""; 10];
        let mut n = 0;
        for seg in parts(name, b'/') {
            let Some(slot) = buf.get_mut(n) else {
                break;
            };
            *slot = seg;
            n += 1;
        }
        let [group, version, rest @ ..] = &buf[..n] else {
            return Target::default();
        };
        if rest.is_empty() || rest.iter().any(|s| s.is_empty()) {
            return Target::default();
        }
        // `namespaces/NS/status` is a namespace's subresource, not a resource in it: the
        // method's resource tells, else the words Kubernetes uses for them.
        let namespaced = rest[0] == "namespaces"
            && rest.len() >= 3
            && match method.resource {
                Some(resource) => resource != "namespaces",
                None => !(rest.len() == 3 && ["status", "finalize"].contains(&rest[2])),
            };
        let (namespace, rest) = if namespaced {
            (Some(rest[1]), &rest[2..])
        } else {
            (None, rest)
        };
        let subresource = match rest.len() {
            0..=2 => None,
            // `pods/NAME/proxy/some/path`: the subresource is the first word.
            _ => Some(rest[2]),
        };
        Target {
            group: Some(if *group == "core" {
                Cow::Borrowed("")
            } else {
                Cow::Borrowed(*group)
            }),
            version: Some(*version),
            namespace,
            resource: Some(rest[0]),
            name: rest.get(1).copied(),
            subresource,
            path: None,
        }
    }

    /// Fills what `resourceName` did not say from `methodName`.
    pub(super) fn or_method<'m: 'n>(mut self, method: &Method<'m>) -> Target<'n> {
        if self.path.is_none() && self.resource.is_none() {
            if let Some(path) = &method.path {
                self.path = Some(Cow::Owned(path.clone()));
            }
            self.resource = method.resource;
        }
        if self.group.is_none() {
            self.group = method.group.clone();
        }
        self.version = self.version.or(method.version);
        if self.subresource.is_none() && self.resource == method.resource {
            self.subresource = method.subresource;
        }
        self
    }

    /// The request's path as the API server serves it (GKE keeps no query string).
    #[cfg(test)]
    pub(super) fn request_uri(&self) -> Option<String> {
        let mut uri = String::new();
        self.uri_parts(|part, _| uri.push_str(part)).then_some(uri)
    }

    /// Hands the request's path on in parts, each with whether it is the entry's own text (and
    /// so may need escaping) rather than one of the path's fixed words; false where there is
    /// none.
    pub(super) fn uri_parts(&self, mut put: impl FnMut(&str, bool)) -> bool {
        if let Some(path) = &self.path {
            put(path, true);
            return true;
        }
        let (Some(resource), Some(version)) = (self.resource, self.version) else {
            return false;
        };
        match self.group.as_deref() {
            None | Some("") => put("/api/", false),
            Some(group) => {
                put("/apis/", false);
                put(group, true);
                put("/", false);
            }
        }
        put(version, true);
        if let Some(ns) = self.namespace {
            put("/namespaces/", false);
            put(ns, true);
        }
        for part in [Some(resource), self.name, self.subresource]
            .into_iter()
            .flatten()
        {
            put("/", false);
            put(part, true);
        }
        true
    }
}
