//! SDK errors in kaudit's terms: refused permissions name the IAM action, expired credentials
//! and throttling are told apart from everything else, and AWS's message is kept verbatim.

use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::types::CloudError;

/// An SDK error of the operation `action` (its API name: `StartQuery`).
pub(super) fn from_sdk<E, R>(action: &str, err: SdkError<E, R>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    if let SdkError::ServiceError(service) = &err {
        let e = service.err();
        let code = e.code().unwrap_or("Unknown").to_string();
        let message = e.message().unwrap_or_default().to_string();
        return classify(action, code, message);
    }
    let detail = readable(&DisplayErrorContext(&err).to_string());
    let lower = detail.to_ascii_lowercase();
    if lower.contains("no credentials found in chain") {
        return CloudError::NoCredentials {
            detail: "tried the environment, the profile files, web identity, the container and instance metadata".into(),
        };
    }
    if lower.contains("no credentials") || lower.contains("credentials provider") {
        return CloudError::NoCredentials { detail };
    }
    CloudError::Transport {
        action: format!("logs:{action}"),
        message: detail,
    }
}

/// The SDK's account of an error without the debug dump it appends, on one line.
fn readable(full: &str) -> String {
    let cut = [
        " (DispatchFailure(",
        " (TimeoutError(",
        " (ResponseError(",
        " (ConstructionFailure(",
        " (ServiceError(",
    ]
    .iter()
    .filter_map(|m| full.find(m))
    .min()
    .unwrap_or(full.len());
    full[..cut].split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An error AWS answered with, by its code.
pub(super) fn classify(action: &str, code: String, message: String) -> CloudError {
    let action = format!("logs:{action}");
    match code.as_str() {
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
            CloudError::AccessDenied { action, message }
        }
        "ExpiredTokenException"
        | "ExpiredToken"
        | "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch" => CloudError::BadCredentials { code, message },
        "ThrottlingException"
        | "Throttling"
        | "LimitExceededException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded" => CloudError::Throttled {
            action,
            code,
            message,
        },
        "ResourceNotFoundException" => CloudError::NotFound { message },
        _ => CloudError::Service {
            action,
            code,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_debug_dump_is_left_out() {
        assert_eq!(
            readable(
                "dispatch failure: io error: refused\n  more (DispatchFailure(DispatchFailure { x }))"
            ),
            "dispatch failure: io error: refused more"
        );
    }

    #[test]
    fn codes_become_errors_that_say_what_to_do() {
        let e = classify(
            "StartQuery",
            "AccessDeniedException".into(),
            "User: arn:aws:iam::1:user/x is not authorized to perform: logs:StartQuery".into(),
        );
        assert!(
            matches!(&e, CloudError::AccessDenied { action, .. } if action == "logs:StartQuery")
        );
        assert!(e.to_string().contains("needs `logs:StartQuery`"), "{e}");
        let e = classify(
            "GetQueryResults",
            "ExpiredTokenException".into(),
            "expired".into(),
        );
        assert!(matches!(e, CloudError::BadCredentials { .. }));
        assert!(e.to_string().contains("aws sso login"));
        for code in ["ThrottlingException", "LimitExceededException"] {
            assert!(classify("StartQuery", code.into(), String::new()).is_throttling());
        }
        let e = classify("StartQuery", "MalformedQueryException".into(), "bad".into());
        assert_eq!(
            e.to_string(),
            "logs:StartQuery failed: MalformedQueryException: bad"
        );
    }
}
